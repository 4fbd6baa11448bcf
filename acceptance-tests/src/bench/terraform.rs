//! The provider's figures, measured through the real terraform CLI against the emulator:
//!
//! - `plan -refresh=false` of the quickstart next to the same plan of Terraform's built-in
//!   `terraform_data` (Terraform's own floor: no provider process at all), runs alternating;
//! - with every AWS call held [`LATENCY`] by the testkit's proxy, as real AWS answers: the
//!   quickstart's create, plan (with refresh) and destroy, the plan's AWS calls, their
//!   sequential round trips and its STS calls;
//! - scale: one configuration of 1, 10 and 50 endpoint services, applied and planned, with the
//!   provider's peak RSS per process.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};
use rdslink_testkit::fault_proxy::{Call, FaultPlan, FaultProxy, sequential_round_trips};
use rdslink_testkit::seed::{self, Vpc};
use rdslink_testkit::{Account, DnsServer};

use super::table::{Figure, Row, Target};
use crate::{PROVIDER_SOURCE, Workspace, provider_dir};

/// What real AWS takes to answer a control-plane call, roughly.
pub const LATENCY: Duration = Duration::from_millis(50);
/// Runs per figure; the median is reported.
const RUNS: usize = 7;
/// Endpoint services per configuration in the scale figures.
const SCALE: [usize; 3] = [1, 10, 50];

/// The emulated account the figures are measured in: a cluster `orders` and the default VPC.
pub struct Setting<'a> {
    pub account: &'a Account,
    pub dns: &'a DnsServer,
    pub vpc: &'a Vpc,
    pub moto_endpoint: &'a str,
}

/// The sections of the table this module measures, by the names `rdslink-bench` takes.
pub const SECTIONS: [&str; 3] = ["plan", "latency", "scale"];

/// The rows of `section` (one of [`SECTIONS`]).
pub async fn rows(setting: &Setting<'_>, section: &str) -> Result<Vec<Row>> {
    match section {
        "plan" => plan_without_refresh(setting).await,
        "latency" => with_latency(setting).await,
        "scale" => scale(setting).await,
        other => anyhow::bail!("no bench section {other:?}; the sections are {SECTIONS:?}"),
    }
}

fn quickstart() -> Result<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/main.tf");
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// The quickstart's workspace, reaching AWS at `endpoint` (the emulator or the proxy).
fn quickstart_workspace(
    setting: &Setting<'_>,
    configuration: &str,
    endpoint: &str,
) -> Result<Workspace> {
    let mut workspace = Workspace::new(configuration)?;
    configure(&mut workspace, setting, endpoint);
    Ok(workspace)
}

fn configure(workspace: &mut Workspace, setting: &Setting<'_>, endpoint: &str) {
    workspace
        .env("TF_VAR_endpoint_url", endpoint)
        .env(
            "TF_VAR_dns_nameservers",
            &format!("[\"{}\"]", setting.dns.addr()),
        )
        .env("TF_VAR_role_arn", &setting.account.role_arn)
        .env("TF_VAR_vpc_id", &setting.vpc.id)
        .env("TF_VAR_subnet_ids", &json_list(&setting.vpc.subnet_ids))
        .env("TF_VAR_db_cluster_identifier", "orders");
}

/// The quickstart without its `rdslink_database` data source (and the outputs that read it):
/// Terraform reads a data source at every plan, `-refresh=false` included, so that one makes AWS
/// calls whatever the provider does; without it, what is left is the provider's own cost.
fn without_data_source(configuration: &str) -> String {
    configuration
        .split("\n\n")
        .filter(|block| !block.contains("rdslink_database"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

async fn plan_without_refresh(setting: &Setting<'_>) -> Result<Vec<Row>> {
    let quickstart = quickstart()?;
    let rdslink = quickstart_workspace(setting, &quickstart, setting.moto_endpoint)?;
    rdslink.apply().await?;
    let plain = without_data_source(&quickstart);
    ensure!(
        plain.contains("resource \"rdslink_endpoint_service\""),
        "the quickstart without its data source lost the endpoint service"
    );
    // Its own workspace: the same endpoint service under another name.
    let plain = quickstart_workspace(
        setting,
        &plain.replace(
            "name                  = \"orders\"",
            "name                  = \"plain\"",
        ),
        setting.moto_endpoint,
    )?;
    plain.apply().await?;
    let builtin = Workspace::builtin_only(
        "resource \"terraform_data\" \"orders\" {\n  input = \"orders\"\n}\n\noutput \"input\" {\n  value = terraform_data.orders.output\n}\n",
    )?;
    builtin.apply().await?;
    let nothing = floor_provider_workspace()?;
    nothing.apply().await?;
    let mut ours = Vec::with_capacity(RUNS);
    let mut ours_plain = Vec::with_capacity(RUNS);
    let mut floor = Vec::with_capacity(RUNS);
    let mut provider_floor = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        ours.push(timed_empty_plan(&rdslink, &["-refresh=false"]).await?);
        ours_plain.push(timed_empty_plan(&plain, &["-refresh=false"]).await?);
        floor.push(timed_empty_plan(&builtin, &["-refresh=false"]).await?);
        provider_floor.push(timed_empty_plan(&nothing, &["-refresh=false"]).await?);
    }
    destroy(&plain).await?;
    destroy(&rdslink).await?;
    let floor = median(floor);
    let provider_floor = median(provider_floor);
    Ok(vec![
        // Any provider's floor: what Terraform spends starting, handshaking with and stopping
        // provider processes (three per plan), with nothing done inside them.
        Row::new(
            "plan -refresh=false, a provider that does nothing (same plugin server)",
            Figure::Time(provider_floor),
            Target::None,
        )
        .against("terraform_data only", Figure::Time(floor)),
        Row::new(
            "  rdslink's endpoint service alone against it",
            Figure::Time(median(ours_plain.clone())),
            Target::None,
        )
        .against(
            "the provider that does nothing",
            Figure::Time(provider_floor),
        ),
        Row::new(
            "plan -refresh=false (quickstart: data source read at every plan)",
            Figure::Time(median(ours)),
            Target::RatioAtMost(1.5),
        )
        .against("terraform_data only", Figure::Time(floor)),
        Row::new(
            "plan -refresh=false (its endpoint service alone)",
            Figure::Time(median(ours_plain)),
            Target::RatioAtMost(1.5),
        )
        .against("terraform_data only", Figure::Time(floor)),
    ])
}

/// A `floor_thing` in a workspace of its own, served by `terraform-provider-floor` (built next
/// to the rdslink provider).
pub fn floor_provider_workspace() -> Result<Workspace> {
    let configuration = "terraform {\n  required_providers {\n    floor = {\n      source = \"rdslink/floor\"\n    }\n  }\n}\n\nresource \"floor_thing\" \"orders\" {\n  input = \"orders\"\n}\n\noutput \"id\" {\n  value = floor_thing.orders.id\n}\n";
    let cli_configuration = format!(
        "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/rdslink/floor\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
        provider_dir().display()
    );
    Workspace::with_cli_configuration(configuration, &cli_configuration)
}

async fn with_latency(setting: &Setting<'_>) -> Result<Vec<Row>> {
    let proxy = FaultProxy::start(setting.moto_endpoint, FaultPlan::latency(LATENCY)).await;
    let workspace = quickstart_workspace(setting, &quickstart()?, &proxy.endpoint())?;
    let (mut creates, mut deletes, mut plans) = (Vec::new(), Vec::new(), Vec::new());
    let (mut create_calls, mut plan_calls, mut delete_calls) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        proxy.clear();
        let started = Instant::now();
        workspace.apply().await?;
        creates.push(started.elapsed());
        create_calls = proxy.forwarded_calls();
        for _ in 0..3 {
            proxy.clear();
            plans.push(timed_empty_plan(&workspace, &[]).await?);
            plan_calls = proxy.forwarded_calls();
        }
        proxy.clear();
        let started = Instant::now();
        destroy(&workspace).await?;
        deletes.push(started.elapsed());
        delete_calls = proxy.forwarded_calls();
    }
    if std::env::var_os("RDSLINK_BENCH_CALLS").is_some() {
        for (what, calls) in [
            ("create", &create_calls),
            ("plan", &plan_calls),
            ("delete", &delete_calls),
        ] {
            eprintln!("{what}:\n{}", timeline(calls));
        }
    }
    let depth = |calls: &[Call]| {
        format!(
            "{} calls, {} sequential",
            calls.len(),
            sequential_round_trips(calls)
        )
    };
    let (sts, refresh): (Vec<Call>, Vec<Call>) = plan_calls
        .into_iter()
        .partition(|call| call.service.as_deref() == Some("sts"));
    let ms = |n| Figure::Time(Duration::from_millis(n));
    Ok(vec![
        Row::new(
            "plan with refresh, 50 ms per AWS call",
            Figure::Time(median(plans)),
            Target::AtMost(ms(500)),
        ),
        Row::new(
            "  its sequential AWS round trips after configure",
            Figure::Count(sequential_round_trips(&refresh) as u64),
            Target::AtMost(Figure::Count(4)),
        ),
        Row::new(
            "  its AWS calls after configure",
            Figure::Count(refresh.len() as u64),
            Target::None,
        ),
        Row::new(
            "  its STS calls (assume_role)",
            Figure::Count(sts.len() as u64),
            Target::AtMost(Figure::Count(1)),
        ),
        Row::new(
            format!(
                "create (apply), 50 ms per AWS call [{}]",
                depth(&create_calls)
            ),
            Figure::Time(median(creates)),
            Target::AtMost(ms(2000)),
        ),
        Row::new(
            format!(
                "delete (destroy), 50 ms per AWS call [{}]",
                depth(&delete_calls)
            ),
            Figure::Time(median(deletes)),
            Target::AtMost(ms(1500)),
        ),
    ])
}

/// One line per call: when it started and finished (ms after the first call) and what it was;
/// printed with `RDSLINK_BENCH_CALLS=1` to see which calls wait for which.
fn timeline(calls: &[Call]) -> String {
    let Some(origin) = calls.iter().map(|call| call.started).min() else {
        return String::new();
    };
    let ms = |at: Instant| at.duration_since(origin).as_millis();
    calls
        .iter()
        .map(|call| {
            format!(
                "  {:>6} {:>6}  {}:{}",
                ms(call.started),
                ms(call.finished),
                call.service.as_deref().unwrap_or("-"),
                call.operation
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn scale(setting: &Setting<'_>) -> Result<Vec<Row>> {
    let rss = RssProbe::new()?;
    let mut rows = Vec::new();
    let mut first: Option<(Duration, Duration, u64)> = None;
    for count in SCALE {
        let mut workspace =
            Workspace::with_cli_configuration(&services(count)?, &rss.cli_configuration())?;
        configure(&mut workspace, setting, setting.moto_endpoint);
        workspace.env("RDSLINK_BENCH_RSS_LOG", &rss.log.display().to_string());
        rss.reset()?;
        let started = Instant::now();
        workspace.apply().await?;
        let apply = started.elapsed();
        let plan = timed_empty_plan(&workspace, &[]).await?;
        let peak = rss.peak_kib()?;
        destroy(&workspace).await?;
        let (apply_1, plan_1, peak_1) = *first.get_or_insert((apply, plan, peak));
        let label = |what: &str| format!("{what}, {count} endpoint service{}", plural(count));
        let times = |time: Duration| time * u32::try_from(count).unwrap_or(u32::MAX);
        if count == 1 {
            rows.push(Row::new(label("apply"), Figure::Time(apply), Target::None));
            rows.push(Row::new(label("plan"), Figure::Time(plan), Target::None));
            rows.push(Row::new(
                label("provider peak RSS"),
                Figure::Bytes(peak * 1024),
                Target::None,
            ));
        } else {
            rows.push(
                Row::new(
                    label("apply"),
                    Figure::Time(apply),
                    Target::RatioAtMost(1.0),
                )
                .against(format!("{count} x 1 service"), Figure::Time(times(apply_1))),
            );
            rows.push(
                Row::new(label("plan"), Figure::Time(plan), Target::RatioAtMost(1.0))
                    .against(format!("{count} x 1 service"), Figure::Time(times(plan_1))),
            );
            rows.push(
                Row::new(
                    label("provider peak RSS"),
                    Figure::Bytes(peak * 1024),
                    Target::RatioAtMost(1.5),
                )
                .against("1 service", Figure::Bytes(peak_1 * 1024)),
            );
        }
    }
    Ok(rows)
}

/// `count` endpoint services for the cluster `orders`, each with its sync Lambda, in one
/// configuration (the quickstart's provider and variables).
fn services(count: usize) -> Result<String> {
    let quickstart = quickstart()?;
    let provider_part = quickstart
        .split("# Which addresses should be targeted right now?")
        .next()
        .context("the quickstart's provider part")?;
    Ok(format!(
        "{provider_part}\nresource \"rdslink_endpoint_service\" \"bench\" {{\n  count = {count}\n  \
         name = \"bench-${{count.index}}\"\n  db_cluster_identifier = var.db_cluster_identifier\n  \
         vpc_id = var.vpc_id\n  subnet_ids = var.subnet_ids\n  \
         allowed_principals = [for id in var.consumer_account_ids : \"arn:aws:iam::${{id}}:root\"]\n}}\n"
    ))
}

/// The provider's peak RSS per process: Terraform starts it through a wrapper that runs it
/// under `/usr/bin/time`, which appends each process's maximum resident set size to a log.
struct RssProbe {
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl RssProbe {
    fn new() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("rdslink-bench-rss-")
            .tempdir()?;
        let log = dir.path().join("rss.log");
        let real = provider_dir().join("terraform-provider-rdslink");
        ensure!(
            Path::new("/usr/bin/time").exists(),
            "the RSS figures need /usr/bin/time (Debian package `time`)"
        );
        let wrapper = dir.path().join("terraform-provider-rdslink");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec /usr/bin/time -f '%M' -a -o \"$RDSLINK_BENCH_RSS_LOG\" {} \"$@\"\n",
                real.display()
            ),
        )?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
        Ok(RssProbe { dir, log })
    }

    fn cli_configuration(&self) -> String {
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            self.dir.path().display()
        )
    }

    fn reset(&self) -> Result<()> {
        std::fs::write(&self.log, "").context("clearing the RSS log")
    }

    /// The largest peak of any provider process since [`RssProbe::reset`], in KiB.
    fn peak_kib(&self) -> Result<u64> {
        let log = std::fs::read_to_string(&self.log)?;
        log.lines()
            .filter_map(|line| line.trim().parse::<u64>().ok())
            .max()
            .context("no provider process recorded its RSS")
    }
}

async fn timed_empty_plan(workspace: &Workspace, extra: &[&str]) -> Result<Duration> {
    let started = Instant::now();
    let (code, run) = workspace.plan_exit_code(extra).await?;
    let elapsed = started.elapsed();
    ensure!(code == 0, "the plan is not empty:\n{}", run.stdout);
    Ok(elapsed)
}

async fn destroy(workspace: &Workspace) -> Result<()> {
    workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await?
        .success()?;
    Ok(())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_default()
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// `Setting` over a fresh account seeded as the quickstart expects.
pub async fn seeded() -> Result<(Account, DnsServer, Vpc)> {
    let account = rdslink_testkit::fresh_account().await;
    let dns = DnsServer::start().await;
    seed::aurora_cluster(&account, &dns, "orders", 2).await;
    let vpc = seed::default_vpc(&account).await;
    Ok((account, dns, vpc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quickstart_without_its_data_source_keeps_everything_else() {
        let quickstart = quickstart().expect("the quickstart");
        let plain = without_data_source(&quickstart);
        assert!(!plain.contains("rdslink_database"), "{plain}");
        for kept in [
            "provider \"rdslink\"",
            "resource \"rdslink_endpoint_service\" \"orders\"",
            "output \"service_name\"",
        ] {
            assert!(plain.contains(kept), "{kept} is gone:\n{plain}");
        }
    }
}
