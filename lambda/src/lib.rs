//! The rdslink sync engine.
