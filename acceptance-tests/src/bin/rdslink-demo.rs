//! `make demo`: rdslink at work against the local AWS emulator.
//!
//! Creates an Aurora cluster "orders" with two instances in a fresh emulated account, serves their
//! DNS names from a loopback DNS server, and applies `examples/quickstart` with the built provider:
//! a PrivateLink endpoint service whose target group holds the writer's address. Then it fails the
//! cluster over, shows `terraform plan` seeing the new writer, and `terraform apply` re-syncing the
//! target group (new address registered before the old one is deregistered). Finally it fails
//! over again and lets the sync Lambda that `apply` deployed do the work: the deployed function's
//! configuration, read back from the emulator, runs the packaged code (natively) on the RDS event
//! the deployed rule matches, and the target group follows the new writer with no second apply.

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
    let started = std::time::Instant::now();
    let run = workspace.apply().await?;
    let took = started.elapsed();
    print_outputs(&run.stdout);
    println!(
        "  terraform apply (bundle and sync Lambda) took {:.1} s",
        took.as_secs_f64()
    );

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

    sync_lambda_follows_a_failover(&account, &dns, &cluster, bin_dir, &held).await?;
    let (_, run) = workspace.plan_exit_code(&[]).await?;
    // The quickstart's outputs read the database, so they move; the resource has nothing to do.
    let resource_changes = run.stdout.lines().find(|line| line.starts_with("Plan:"));
    step(&format!(
        "No apply needed: terraform plan changes no resource ({})",
        resource_changes.unwrap_or("no `Plan:` line; only the outputs that read the database move")
    ));
    anyhow::ensure!(
        resource_changes.is_none(),
        "the plan after the function's run changes resources:\n{}",
        run.stdout
    );
    Ok(())
}

/// The product's promise: a failover handled by the deployed function alone.
async fn sync_lambda_follows_a_failover(
    account: &rdslink_testkit::Account,
    dns: &DnsServer,
    cluster: &seed::Cluster,
    bin_dir: &std::path::Path,
    held_before: &[&str],
) -> Result<()> {
    const FUNCTION: &str = "rdslink-sync-orders";
    step(
        "Failing over again; this time the sync Lambda that `terraform apply` deployed handles it",
    );
    let new_writer = seed::failover_cluster(account, cluster, None).await;
    seed::point_writer_dns(dns, cluster, &new_writer);
    let new_ip = cluster.member(&new_writer).ip.to_string();
    println!(
        "  RDS now reports {new_writer} ({new_ip}) as the writer; the target group holds {held_before:?}"
    );

    let function = account
        .lambda()
        .get_function()
        .function_name(FUNCTION)
        .send()
        .await?;
    let config = function
        .configuration()
        .context("the deployed function has a configuration")?;
    println!(
        "  deployed: {} ({}, {}, reserved concurrency {:?}, code {})",
        FUNCTION,
        config.runtime().map(|r| r.as_str()).unwrap_or_default(),
        config
            .architectures()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(","),
        function
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        config.code_sha256().unwrap_or_default()
    );
    let rule = account
        .eventbridge()
        .describe_rule()
        .name(FUNCTION)
        .send()
        .await?;
    let pattern = rule
        .event_pattern()
        .context("the deployed rule has a pattern")?;
    let event = serde_json::json!({
        "version": "0",
        "id": "demo-failover",
        "detail-type": "RDS DB Cluster Event",
        "source": "aws.rds",
        "account": account.id,
        "time": "2026-11-29T10:00:00Z",
        "region": account.region,
        "resources": [format!("arn:aws:rds:{}:{}:cluster:orders", account.region, account.id)],
        "detail": {
            "EventCategories": ["failover"],
            "SourceType": "CLUSTER",
            "SourceArn": format!("arn:aws:rds:{}:{}:cluster:orders", account.region, account.id),
            "Message": format!("Completed failover to DB instance: {new_writer}"),
            "SourceIdentifier": "orders",
            "EventID": "RDS-EVENT-0071",
        }
    });
    let matched =
        rdslink_testkit::event_pattern_matches(&account.eventbridge(), pattern, &event.to_string())
            .await?;
    println!("  RDS-EVENT-0071 (failover completed) matches the deployed rule: {matched}");

    let mut env = config
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .context("the deployed function has an environment")?;
    // Only what points the function at this emulator and DNS server is added.
    env.extend(rdslink_testkit::bootstrap::aws_environment(account).await);
    env.insert("AWS_LAMBDA_FUNCTION_NAME".into(), FUNCTION.into());
    env.insert("RDSLINK_DNS_NAMESERVERS".into(), dns.addr().to_string());
    let bootstrap =
        rdslink_testkit::bootstrap::Bootstrap::start(&bin_dir.join("bootstrap"), &env).await;
    let delivered = std::time::Instant::now();
    let outcome = bootstrap.invoke(&event).await;
    let elapsed = delivered.elapsed();
    bootstrap.stop().await;
    println!("  the function answered: {outcome:?}");
    let target_group = env
        .get("RDSLINK_TARGET_GROUP_ARN")
        .context("RDSLINK_TARGET_GROUP_ARN")?;
    let targets = account
        .elbv2()
        .describe_target_health()
        .target_group_arn(target_group)
        .send()
        .await?;
    let held: Vec<&str> = targets
        .target_health_descriptions()
        .iter()
        .filter_map(|t| t.target()?.id())
        .collect();
    println!("  the target group now holds: {held:?} (asked ELBv2 directly)");
    println!(
        "  event delivered -> target group updated: {} ms",
        elapsed.as_millis()
    );
    anyhow::ensure!(
        held == [new_ip.as_str()],
        "the function did not move the target group onto {new_ip}"
    );
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
