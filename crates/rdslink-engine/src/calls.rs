//! The AWS call counter every engine operation reports (in logs, metrics and measurements).

use std::sync::atomic::{AtomicU32, Ordering};

/// Counts AWS API operations (not HTTP attempts: the SDK's own retries are not counted).
#[derive(Debug, Default)]
pub struct AwsCalls(AtomicU32);

impl AwsCalls {
    pub fn record(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::AwsCalls;

    #[test]
    fn calls_are_counted() {
        let calls = AwsCalls::default();
        calls.record();
        calls.record();
        assert_eq!(calls.get(), 2);
    }
}
