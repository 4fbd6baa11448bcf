//! The one table `make bench` prints: each figure, its baseline, the ratio and the target, measured
//! side by side in one run (medians of repeated runs), so a slower machine shifts both columns
//! alike and the ratio stays meaningful.

use std::fmt;
use std::time::Duration;

/// A measured quantity with its unit, so the table prints each in its own terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Figure {
    Time(Duration),
    /// A count: AWS calls, sequential round trips.
    Count(u64),
    Bytes(u64),
}

impl Figure {
    fn magnitude(self) -> f64 {
        match self {
            Figure::Time(time) => time.as_secs_f64(),
            Figure::Count(count) => count as f64,
            Figure::Bytes(bytes) => bytes as f64,
        }
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Figure::Time(time) if time < Duration::from_secs(1) => {
                write!(f, "{:.1} ms", time.as_secs_f64() * 1000.0)
            }
            Figure::Time(time) => write!(f, "{:.2} s", time.as_secs_f64()),
            Figure::Count(count) => write!(f, "{count}"),
            Figure::Bytes(bytes) if bytes >= 10_000_000 => {
                write!(f, "{:.1} MB", bytes as f64 / 1e6)
            }
            Figure::Bytes(bytes) if bytes >= 1 << 20 => {
                write!(f, "{:.1} MiB", bytes as f64 / f64::from(1 << 20))
            }
            Figure::Bytes(bytes) => write!(f, "{:.0} KiB", bytes as f64 / 1024.0),
        }
    }
}

/// What a figure must achieve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// At most this much.
    AtMost(Figure),
    /// At most this multiple of the baseline (`ours / baseline`).
    RatioAtMost(f64),
    /// At least this many times faster or smaller than the baseline (`baseline / ours`).
    SpeedupAtLeast(f64),
    /// Reported for context (a curve's points, a baseline's own figure).
    None,
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub name: String,
    pub ours: Figure,
    pub baseline: Option<(String, Figure)>,
    pub target: Target,
}

impl Row {
    pub fn new(name: impl Into<String>, ours: Figure, target: Target) -> Self {
        Row {
            name: name.into(),
            ours,
            baseline: None,
            target,
        }
    }

    pub fn against(mut self, baseline_name: impl Into<String>, baseline: Figure) -> Self {
        self.baseline = Some((baseline_name.into(), baseline));
        self
    }

    /// `ours / baseline`, when there is a baseline to divide by.
    pub fn ratio(&self) -> Option<f64> {
        let (_, baseline) = self.baseline.as_ref()?;
        let baseline = baseline.magnitude();
        (baseline > 0.0).then(|| self.ours.magnitude() / baseline)
    }

    /// Whether the target is met; `None` for rows without one.
    pub fn met(&self) -> Option<bool> {
        match self.target {
            Target::AtMost(limit) => Some(self.ours.magnitude() <= limit.magnitude()),
            Target::RatioAtMost(limit) => self.ratio().map(|ratio| ratio <= limit),
            Target::SpeedupAtLeast(limit) => self.ratio().map(|ratio| 1.0 / ratio >= limit),
            Target::None => None,
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::AtMost(limit) => format!("<= {limit}"),
            Target::RatioAtMost(limit) => format!("<= {limit}x baseline"),
            Target::SpeedupAtLeast(limit) => format!(">= {limit}x faster"),
            Target::None => String::new(),
        }
    }
}

/// Renders the rows as a Markdown table (readable in a terminal, pastable into a note).
pub fn render(rows: &[Row]) -> String {
    let mut lines = vec![
        "| figure | rdslink | baseline | ratio | target | met |".to_owned(),
        "|---|---:|---|---:|---|---|".to_owned(),
    ];
    for row in rows {
        let baseline = row
            .baseline
            .as_ref()
            .map(|(name, figure)| format!("{figure} ({name})"))
            .unwrap_or_default();
        let ratio = row.ratio().map(|r| format!("{r:.2}x")).unwrap_or_default();
        let met = match row.met() {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        lines.push(format!(
            "| {} | {} | {} | {} | {} | {} |",
            row.name,
            row.ours,
            baseline,
            ratio,
            row.target_text(),
            met
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_compare_against_the_figure_or_the_baseline() {
        let ms = |n| Figure::Time(Duration::from_millis(n));
        let plan = Row::new("plan", ms(60), Target::RatioAtMost(1.5)).against("floor", ms(50));
        assert_eq!(plan.met(), Some(true));
        let slow = Row::new("plan", ms(80), Target::RatioAtMost(1.5)).against("floor", ms(50));
        assert_eq!(slow.met(), Some(false));
        let cold = Row::new("cold", ms(10), Target::SpeedupAtLeast(20.0)).against("py", ms(150));
        assert_eq!(cold.met(), Some(false));
        let trips = Row::new("trips", Figure::Count(4), Target::AtMost(Figure::Count(4)));
        assert_eq!(trips.met(), Some(true));
        assert_eq!(Row::new("curve", ms(1), Target::None).met(), None);
        let table = render(&[plan, cold]);
        assert!(
            table.contains("| plan | 60.0 ms | 50.0 ms (floor) | 1.20x | <= 1.5x baseline | yes |")
        );
        assert!(table.contains("| cold | 10.0 ms | 150.0 ms (py) | 0.07x | >= 20x faster | NO |"));
    }
}
