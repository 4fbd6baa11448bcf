//! `make bench`: every performance figure of issue 12 in one table, each next to its baseline and
//! target (see `rdslink_acceptance_tests::bench`). Prints; asserts nothing. Expects the release
//! build of the provider and of the sync Lambda's `bootstrap` next to its own executable, as
//! `make bench` builds them.
//!
//! `rdslink-bench [SECTION...]` measures only those sections (`size`, `plan`, `latency`, `scale`,
//! `lambda`); all of them by default.

use std::path::Path;

use anyhow::{Context as _, Result};
use rdslink_acceptance_tests::bench::table::{self, Figure, Row, Target};
use rdslink_acceptance_tests::bench::{lambda, terraform};

/// The provider binary's size target, embedded Lambda included.
const MAX_PROVIDER_BYTES: u64 = 20_000_000;

#[tokio::main]
async fn main() -> Result<()> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .context("the binary has a directory")?
        .to_owned();
    if std::env::var_os("RDSLINK_PROVIDER_DIR").is_none() {
        // SAFETY: single-threaded at this point; nothing else reads the environment yet.
        unsafe { std::env::set_var("RDSLINK_PROVIDER_DIR", &dir) };
    }
    let moto = rdslink_testkit::moto().await;
    let (account, dns, vpc) = terraform::seeded().await?;
    let setting = terraform::Setting {
        account: &account,
        dns: &dns,
        vpc: &vpc,
        moto_endpoint: &moto.endpoint,
    };

    let asked: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |section: &str| asked.is_empty() || asked.iter().any(|s| s == section);
    let mut rows = Vec::new();
    if wanted("size") {
        rows.push(provider_size(&dir)?);
    }
    for section in terraform::SECTIONS {
        if wanted(section) {
            rows.extend(terraform::rows(&setting, section).await?);
        }
    }
    if wanted("lambda") {
        rows.extend(lambda::rows(&dir.join("bootstrap")).await?);
    }
    println!("{}", table::render(&rows));
    Ok(())
}

fn provider_size(dir: &Path) -> Result<Row> {
    let path = dir.join("terraform-provider-rdslink");
    let bytes = std::fs::metadata(&path)
        .with_context(|| format!("{}", path.display()))?
        .len();
    Ok(Row::new(
        "provider binary, sync Lambda embedded",
        Figure::Bytes(bytes),
        Target::AtMost(Figure::Bytes(MAX_PROVIDER_BYTES)),
    ))
}
