//! `make demo`: rdslink at work against the local AWS emulator.
//!
//! Creates an Aurora cluster "orders" with two instances in a fresh emulated account, serves their
//! DNS names from a loopback DNS server, and applies `examples/quickstart` with the built provider:
//! a PrivateLink endpoint service whose target group holds the writer's address. Then it fails the
//! cluster over, shows `terraform plan` seeing the new writer, and `terraform apply` re-syncing the
//! target group (new address registered before the old one is deregistered).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use rdslink_acceptance_tests::Workspace;
use rdslink_testkit::{DnsServer, seed};

#[tokio::main]
async fn main() -> Result<()> {
    // The provider binary sits next to this one in the cargo target directory.
    let exe = std::env::current_exe()?;
    let bin_dir = exe.parent().context("demo binary has a directory")?;
    if std::env::var_os("RDSLINK_PROVIDER_DIR").is_none() {
        // SAFETY: single-threaded at this point; nothing else reads the environment yet.
        unsafe { std::env::set_var("RDSLINK_PROVIDER_DIR", bin_dir) };
    }

    step("Starting the local AWS (moto) and a loopback DNS server");
    let moto = rdslink_testkit::moto().await;
    let account = rdslink_testkit::fresh_account().await;
    let dns = DnsServer::start().await;
    println!(
        "  AWS emulator: {}\n  account:      {}\n  DNS:          {}",
        moto.endpoint,
        account.id,
        dns.addr()
    );

    step("Creating Aurora cluster \"orders\" with a writer and a reader");
    let cluster = seed::aurora_cluster(&account, &dns, "orders", 2).await;
    let vpc = seed::default_vpc(&account).await;
    for member in &cluster.members {
        let role = if member.is_writer { "writer" } else { "reader" };
        println!("  {:<24} {:<8} {}", member.id, role, member.ip);
    }

    let quickstart =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/main.tf");
    let example = std::fs::read_to_string(&quickstart)
        .with_context(|| format!("reading {}", quickstart.display()))?;
    // The quickstart's provider block takes the emulator, DNS server and role as variables.
    let mut workspace = Workspace::new(&example)?;
    workspace
        .env("TF_VAR_endpoint_url", &moto.endpoint)
        .env("TF_VAR_dns_nameservers", &format!("[\"{}\"]", dns.addr()))
        .env("TF_VAR_role_arn", &account.role_arn)
        .env("TF_VAR_vpc_id", &vpc.id)
        .env(
            "TF_VAR_subnet_ids",
            &format!("[{}]", quoted(&vpc.subnet_ids)),
        );

    step(
        "terraform apply  (examples/quickstart: NLB, IP target group, listener, endpoint service)",
    );
    let run = workspace.apply().await?;
    print_outputs(&run.stdout);

    step("Failing over: FailoverDBCluster (the cluster endpoint's DNS is left stale on purpose)");
    let new_writer = seed::failover_cluster(&account, &cluster, None).await;
    println!("  RDS now reports {new_writer} as the writer");

    step("terraform plan  (rdslink asks the RDS API who the writer is; no wait for DNS)");
    let (code, run) = workspace.plan_exit_code(&[]).await?;
    // The whole plan as Terraform prints it: the targets are `(known after apply)`, and the
    // warning after the diff names the addresses that leave and arrive.
    let plan = run
        .stdout
        .lines()
        .skip_while(|l| !l.contains("Terraform will perform the following actions"))
        .filter(|l| !l.trim().is_empty());
    for line in plan {
        println!("  {line}");
    }
    println!("  (plan exit code {code}: 2 means changes)");

    step("terraform apply  (registers the new writer, then deregisters the old one)");
    let run = workspace.apply().await?;
    print_outputs(&run.stdout);
    let targets = account
        .elbv2()
        .describe_target_health()
        .target_group_arn(
            workspace
                .output("target_group_arn")
                .await?
                .as_str()
                .unwrap_or_default(),
        )
        .send()
        .await?;
    let held: Vec<&str> = targets
        .target_health_descriptions()
        .iter()
        .filter_map(|t| t.target()?.id())
        .collect();
    println!("  the target group now holds: {held:?} (asked ELBv2 directly)");

    let (code, _) = workspace.plan_exit_code(&[]).await?;
    step(&format!(
        "Converged: terraform plan -detailed-exitcode = {code}"
    ));
    Ok(())
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn step(title: &str) {
    println!("\n==> {title}");
}

/// The "Outputs:" section of an apply.
fn print_outputs(stdout: &str) {
    if let Some(outputs) = stdout.split("Outputs:").nth(1) {
        for line in outputs.lines().filter(|l| !l.trim().is_empty()) {
            println!("  {line}");
        }
    }
}
