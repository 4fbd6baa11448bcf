//! `make bench`: how long `terraform plan -refresh=false` takes on the quickstart with this provider,
//! side by side with the same-sized plan using only Terraform's built-in `terraform_data` (no
//! provider process at all). Prints medians over several runs; asserts nothing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use rdslink_acceptance_tests::Workspace;
use rdslink_testkit::{DnsServer, seed};

const RUNS: usize = 9;

#[tokio::main]
async fn main() -> Result<()> {
    let exe = std::env::current_exe()?;
    if std::env::var_os("RDSLINK_PROVIDER_DIR").is_none() {
        // SAFETY: single-threaded at this point; nothing else reads the environment yet.
        unsafe {
            std::env::set_var(
                "RDSLINK_PROVIDER_DIR",
                exe.parent().context("binary has a directory")?,
            )
        };
    }
    let moto = rdslink_testkit::moto().await;
    let account = rdslink_testkit::fresh_account().await;
    let dns = DnsServer::start().await;
    let cluster = seed::aurora_cluster(&account, &dns, "orders", 2).await;
    let vpc = seed::default_vpc(&account).await;

    let quickstart =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/main.tf");
    let mut rdslink = Workspace::new(&std::fs::read_to_string(&quickstart)?)?;
    rdslink
        .env("TF_VAR_endpoint_url", &moto.endpoint)
        .env("TF_VAR_dns_nameservers", &format!("[\"{}\"]", dns.addr()))
        .env("TF_VAR_role_arn", &account.role_arn)
        .env("TF_VAR_vpc_id", &vpc.id)
        .env(
            "TF_VAR_subnet_ids",
            &format!("[{}]", quoted(&vpc.subnet_ids)),
        )
        .env("TF_VAR_db_cluster_identifier", &cluster.id);
    rdslink.apply().await?;

    let builtin = Workspace::new(
        "resource \"terraform_data\" \"orders\" {\n  input = \"orders\"\n}\n\noutput \"input\" {\n  value = terraform_data.orders.output\n}\n",
    )?;
    builtin.apply().await?;

    let ours = median_plan(&rdslink).await?;
    let theirs = median_plan(&builtin).await?;
    println!("terraform plan -refresh=false, median of {RUNS} runs:");
    println!(
        "  examples/quickstart (rdslink provider): {:>6.0} ms",
        ours.as_secs_f64() * 1000.0
    );
    println!(
        "  terraform_data only (no provider):      {:>6.0} ms",
        theirs.as_secs_f64() * 1000.0
    );
    Ok(())
}

async fn median_plan(workspace: &Workspace) -> Result<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let (code, run) = workspace.plan_exit_code(&["-refresh=false"]).await?;
        times.push(started.elapsed());
        anyhow::ensure!(code == 0, "the plan is not empty:\n{}", run.stdout);
    }
    times.sort();
    Ok(times[RUNS / 2])
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
