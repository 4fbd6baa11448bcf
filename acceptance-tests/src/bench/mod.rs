//! `make bench`: the product's performance figures side by side with their baselines, in one table
//! ([`table`]). Benchmarks print; they never assert a time (the call-count and critical-path
//! guards that do run in `make test` live in the acceptance tests).

pub mod lambda;
pub mod table;
pub mod terraform;
