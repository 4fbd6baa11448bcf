//! Acceptance-test harness: runs the real terraform CLI against the built provider.
