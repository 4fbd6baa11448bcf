//! The sync Lambda's rows: cold start to first response and peak RSS of rdslink's `bootstrap`
//! against the AWS sample's Python function, and the AWS calls one reconcile makes.
//!
//! Both functions run the same way: a fresh process per run under the testkit's Runtime API
//! emulator ([`rdslink_testkit::bootstrap`], [`rdslink_testkit::python_function`]), against the same
//! moto and loopback DNS, following the same seeded Aurora cluster, whose writer the target group
//! already holds (so each first invocation is a full no-op reconcile: discovery, a read of the
//! group, nothing to change). Runs alternate (ours, theirs, ours, ...) so that load on the machine
//! falls on both; the figures are medians.
//!
//! moto answers one call at a time, so calls a function makes side by side wait for each other
//! here as they would not on AWS: the cold start is also reported less the time the function's
//! AWS calls were in flight (recorded by a proxy), for both functions.
//!
//! AWS calls are counted through a [`FaultProxy`] that only delays each call a little (the
//! function's `AWS_ENDPOINT_URL` points at it), so they are what moto performed, as AWS would see
//! them, and calls made side by side overlap: the rows also say how many sequential round trips
//! they took, which is what a reconcile waits for on AWS (moto answers one call at a time).

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail, ensure};
use rdslink_testkit::bootstrap::{self, Bootstrap};
use rdslink_testkit::fault_proxy::{
    Call, FaultPlan, FaultProxy, sequential_round_trips, time_in_flight,
};
use rdslink_testkit::python_function::{self, SampleConfig};
use rdslink_testkit::runtime_api::Outcome;
use rdslink_testkit::{Account, DnsServer, moto, seed};
use serde_json::{Value, json};

use super::table::{Figure, Row, Target};

/// Runs per function for the medians.
const RUNS: usize = 9;
/// The sample's name in the baseline column.
const SAMPLE: &str = "AWS sample, Python";

/// Every sync-Lambda row, measuring `bootstrap` (a native build of `rdslink-sync-lambda`'s
/// `bootstrap`, e.g. `target/release/bootstrap`).
pub async fn rows(bootstrap: &Path) -> Result<Vec<Row>> {
    ensure!(
        bootstrap.is_file(),
        "{} does not exist: build it first (cargo build --release -p rdslink-sync-lambda --bin bootstrap)",
        bootstrap.display()
    );
    let bench = Bench::seed(bootstrap).await?;
    bench.check_both_do_their_work().await?;

    let mut rows = bench.cold_start_rows().await?;
    rows.extend(bench.call_count_rows().await?);
    Ok(rows)
}

/// One seeded database and target group, and how to start either function against them.
struct Bench {
    account: Account,
    dns: DnsServer,
    cluster: seed::Cluster,
    bootstrap: PathBuf,
}

/// What one cold run gave.
struct ColdRun {
    first_response: Duration,
    peak_rss: u64,
}

impl Bench {
    async fn seed(bootstrap: &Path) -> Result<Self> {
        let account = rdslink_testkit::fresh_account().await;
        let dns = DnsServer::start().await;
        let cluster = seed::aurora_cluster(&account, &dns, "bench-orders", 2).await;
        Ok(Bench {
            account,
            dns,
            cluster,
            bootstrap: bootstrap.to_owned(),
        })
    }

    /// A target group for the cluster, holding `targets`.
    async fn target_group(&self, name: &str, targets: &[Ipv4Addr]) -> Result<String> {
        let arn = seed::target_group(&self.account, name, self.cluster.port).await;
        if !targets.is_empty() {
            self.account
                .elbv2()
                .register_targets()
                .target_group_arn(&arn)
                .set_targets(Some(
                    targets
                        .iter()
                        .map(|ip| {
                            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                                .id(ip.to_string())
                                .port(i32::from(self.cluster.port))
                                .build()
                        })
                        .collect(),
                ))
                .send()
                .await
                .context("elbv2:RegisterTargets")?;
        }
        Ok(arn)
    }

    async fn registered(&self, target_group: &str) -> Result<Vec<Ipv4Addr>> {
        let health = self
            .account
            .elbv2()
            .describe_target_health()
            .target_group_arn(target_group)
            .send()
            .await
            .context("elbv2:DescribeTargetHealth")?;
        let mut ips: Vec<Ipv4Addr> = health
            .target_health_descriptions()
            .iter()
            .filter_map(|description| description.target()?.id()?.parse().ok())
            .collect();
        ips.sort();
        Ok(ips)
    }

    /// The writer's address, as the emulator names the writer now.
    async fn writer_ip(&self) -> Result<Ipv4Addr> {
        let described = self
            .account
            .rds()
            .describe_db_clusters()
            .db_cluster_identifier(&self.cluster.id)
            .send()
            .await
            .context("rds:DescribeDBClusters")?;
        let writer = described
            .db_clusters()
            .first()
            .and_then(|cluster| {
                cluster
                    .db_cluster_members()
                    .iter()
                    .find(|member| member.is_cluster_writer() == Some(true))
            })
            .and_then(|member| member.db_instance_identifier())
            .context("the cluster has no writer")?;
        Ok(self.cluster.member(writer).ip)
    }

    /// rdslink's function, configured for the cluster's writer and `target_group` as the provider
    /// deploys it (with the members' endpoints), AWS through `endpoint` (moto or a counting
    /// proxy).
    async fn ours_env(&self, target_group: &str, endpoint: &str) -> HashMap<String, String> {
        let mut env = bootstrap::aws_environment(&self.account).await;
        env.insert("AWS_ENDPOINT_URL".to_owned(), endpoint.to_owned());
        let members: Vec<String> = self
            .cluster
            .members
            .iter()
            .map(|member| format!("{}={}", member.id.to_ascii_lowercase(), member.endpoint))
            .collect();
        for (name, value) in [
            ("RDSLINK_TARGET_GROUP_ARN", target_group.to_owned()),
            ("RDSLINK_DB_CLUSTER_IDENTIFIER", self.cluster.id.clone()),
            ("RDSLINK_PORT", self.cluster.port.to_string()),
            ("RDSLINK_DNS_NAMESERVERS", self.dns.addr().to_string()),
            ("RDSLINK_MEMBER_ENDPOINTS", members.join(",")),
        ] {
            env.insert(name.to_owned(), value);
        }
        env
    }

    /// The sample, configured as its template configures it for the cluster endpoint.
    async fn theirs_env(&self, target_group: &str, endpoint: &str) -> HashMap<String, String> {
        let mut env = bootstrap::aws_environment(&self.account).await;
        env.insert("AWS_ENDPOINT_URL".to_owned(), endpoint.to_owned());
        env.extend(python_function::sample_environment(&SampleConfig {
            cluster_endpoint: self.cluster.endpoint.clone(),
            port: self.cluster.port,
            target_group_arn: target_group.to_owned(),
            nameserver: self.dns.addr(),
        }));
        env
    }

    async fn start_ours(&self, env: &HashMap<String, String>) -> Bootstrap {
        Bootstrap::start(&self.bootstrap, env).await
    }

    /// Before anything is timed: each function, on an empty target group, registers the writer
    /// (so the sample really reaches moto, finds the group and resolves the cluster through the
    /// loopback DNS; a baseline that fails fast would flatter nobody).
    async fn check_both_do_their_work(&self) -> Result<()> {
        let moto = moto().await.endpoint.clone();
        let writer = self.cluster.writer().ip;
        let ours_group = self.target_group("bench-check-ours", &[]).await?;
        let ours = self
            .start_ours(&self.ours_env(&ours_group, &moto).await)
            .await;
        let summary = response(&ours, &scheduled_event(), "rdslink's function").await?;
        ensure!(
            summary["in_sync"] == json!(true),
            "rdslink's function did not converge: {summary}"
        );
        ours.stop().await;
        ensure!(
            self.registered(&ours_group).await? == [writer],
            "rdslink's function did not register the writer {writer}"
        );

        let theirs_group = self.target_group("bench-check-sample", &[]).await?;
        let theirs = python_function::start(&self.theirs_env(&theirs_group, &moto).await).await;
        response(&theirs, &scheduled_event(), SAMPLE).await?;
        theirs.stop().await;
        let registered = self.registered(&theirs_group).await?;
        ensure!(
            registered == [writer],
            "the AWS sample registered {registered:?}, not the writer {writer}"
        );
        Ok(())
    }

    /// Cold start to first response, and peak RSS: [`RUNS`] fresh processes of each, alternating,
    /// each answering one scheduled event with a no-op reconcile.
    async fn cold_start_rows(&self) -> Result<Vec<Row>> {
        let moto = moto().await.endpoint.clone();
        let writer = self.writer_ip().await?;
        let group = self.target_group("bench-cold-start", &[writer]).await?;
        let ours_env = self.ours_env(&group, &moto).await;
        let theirs_env = self.theirs_env(&group, &moto).await;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            ours.push(cold_run(self.start_ours(&ours_env).await, "rdslink's function").await?);
            theirs.push(cold_run(python_function::start(&theirs_env).await, SAMPLE).await?);
        }
        ensure!(
            self.registered(&group).await? == [writer],
            "the cold-start runs changed the target group"
        );
        let time = |runs: &[ColdRun]| {
            Figure::Time(median(runs.iter().map(|run| run.first_response).collect()))
        };
        let rss =
            |runs: &[ColdRun]| Figure::Bytes(median(runs.iter().map(|run| run.peak_rss).collect()));
        let (ours_outside, theirs_outside) = self.cold_starts_outside_aws(&group).await?;
        Ok(vec![
            Row::new(
                format!(
                    "sync Lambda: cold start to first response (no-op reconcile, median of {RUNS})"
                ),
                time(&ours),
                Target::SpeedupAtLeast(20.0),
            )
            .against(SAMPLE, time(&theirs)),
            // moto answers one call at a time, so this function's two calls, side by side on
            // AWS, wait for each other here; the sample makes one. What each function spends
            // outside its AWS calls is its own.
            Row::new(
                format!(
                    "  the same, less the time its AWS calls were in flight (through a proxy; median of {RUNS})"
                ),
                Figure::Time(median(ours_outside)),
                Target::None,
            )
            .against(SAMPLE, Figure::Time(median(theirs_outside))),
            Row::new(
                "sync Lambda: peak RSS (VmHWM at first response)",
                rss(&ours),
                Target::AtMost(Figure::Bytes(16 << 20)),
            )
            .against(SAMPLE, rss(&theirs)),
        ])
    }

    /// Cold starts as in [`Bench::cold_start_rows`], AWS reached through a proxy that only
    /// records: for each function, every run's time to first response less the time at least one
    /// of its AWS calls was in flight.
    async fn cold_starts_outside_aws(&self, group: &str) -> Result<(Vec<Duration>, Vec<Duration>)> {
        let proxy = FaultProxy::start(&moto().await.endpoint, FaultPlan::none()).await;
        let ours_env = self.ours_env(group, &proxy.endpoint()).await;
        let theirs_env = self.theirs_env(group, &proxy.endpoint()).await;
        let outside = |run: ColdRun| {
            let calls = proxy.forwarded_calls();
            run.first_response.saturating_sub(time_in_flight(&calls))
        };
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            proxy.clear();
            let run = cold_run(self.start_ours(&ours_env).await, "rdslink's function").await?;
            ours.push(outside(run));
            proxy.clear();
            let run = cold_run(python_function::start(&theirs_env).await, SAMPLE).await?;
            theirs.push(outside(run));
        }
        Ok((ours, theirs))
    }

    /// AWS calls per reconcile, through a counting proxy: a cold no-op (the first invocation of
    /// a fresh process, the group already right), a warm no-op, and a failover (the cluster fails
    /// over and its DNS moves, then the event arrives at the warm function).
    async fn call_count_rows(&self) -> Result<Vec<Row>> {
        let proxy = FaultProxy::start(
            &moto().await.endpoint,
            FaultPlan::latency(Duration::from_millis(20)),
        )
        .await;
        let writer = self.writer_ip().await?;
        let group = self.target_group("bench-calls", &[writer]).await?;

        let ours = self
            .start_ours(&self.ours_env(&group, &proxy.endpoint()).await)
            .await;
        let ours_cold = counted(&proxy, &ours, &scheduled_event()).await?;
        let ours_warm = counted(&proxy, &ours, &scheduled_event()).await?;
        let new_writer = self.fail_over().await?;
        let ours_failover = counted(&proxy, &ours, &self.failover_event()).await?;
        ours.stop().await;
        ensure!(
            self.registered(&group).await? == [new_writer],
            "rdslink's function did not move the group to the new writer {new_writer}"
        );

        // The sample's failover is not run: it deregisters with the AvailabilityZone that AWS's
        // DescribeTargetHealth reports for IP targets and moto leaves out, so under moto it fails
        // (boto3 refuses `AvailabilityZone: None`). Its no-op is counted.
        let theirs =
            python_function::start(&self.theirs_env(&group, &proxy.endpoint()).await).await;
        let theirs_cold = counted(&proxy, &theirs, &scheduled_event()).await?;
        let theirs_warm = counted(&proxy, &theirs, &scheduled_event()).await?;
        theirs.stop().await;

        let row = |what: &str, ours: &[Call], limit: u64| {
            Row::new(
                format!(
                    "sync Lambda: AWS calls, {what} [{}] in {} sequential round trips",
                    names(ours),
                    sequential_round_trips(ours)
                ),
                Figure::Count(ours.len() as u64),
                Target::AtMost(Figure::Count(limit)),
            )
        };
        let sample = |calls: &[Call]| Figure::Count(calls.len() as u64);
        Ok(vec![
            row("no-op reconcile, first invocation", &ours_cold, 2)
                .against(SAMPLE, sample(&theirs_cold)),
            row("no-op reconcile, warm", &ours_warm, 2).against(SAMPLE, sample(&theirs_warm)),
            row("failover reconcile, warm", &ours_failover, 4),
        ])
    }

    /// Fails the cluster over to its other member and moves the cluster endpoint's DNS to it, as
    /// Aurora does; returns the new writer's address.
    async fn fail_over(&self) -> Result<Ipv4Addr> {
        let before = self.writer_ip().await?;
        let writer = seed::failover_cluster(&self.account, &self.cluster, None).await;
        seed::point_writer_dns(&self.dns, &self.cluster, &writer);
        let after = self.cluster.member(&writer).ip;
        ensure!(after != before, "the failover kept the writer {writer}");
        Ok(after)
    }

    /// RDS-EVENT-0071 ("Completed failover to DB instance") about this cluster, through
    /// EventBridge.
    fn failover_event(&self) -> Value {
        let arn = format!(
            "arn:aws:rds:{}:{}:cluster:{}",
            self.account.region, self.account.id, self.cluster.id
        );
        json!({
            "version": "0",
            "id": "2c5c9739-02be-610b-ab16-33a388360c78",
            "detail-type": "RDS DB Cluster Event",
            "source": "aws.rds",
            "account": self.account.id,
            "time": "2026-01-01T00:05:00Z",
            "region": self.account.region,
            "resources": [arn],
            "detail": {
                "EventCategories": ["failover"],
                "SourceType": "CLUSTER",
                "SourceArn": arn,
                "Date": "2026-01-01T00:05:00.000Z",
                "Message": "Completed failover to DB instance",
                "SourceIdentifier": self.cluster.id,
                "EventID": "RDS-EVENT-0071"
            }
        })
    }
}

/// One scheduled event, then process start to response and peak RSS; the process is stopped.
async fn cold_run(function: Bootstrap, what: &str) -> Result<ColdRun> {
    response(&function, &scheduled_event(), what).await?;
    let first_response = function.spawned().elapsed();
    let peak_rss = function
        .peak_rss_kib()
        .with_context(|| format!("no VmHWM for {what}"))?
        * 1024;
    function.stop().await;
    Ok(ColdRun {
        first_response,
        peak_rss,
    })
}

/// The AWS calls the function made answering `payload`.
async fn counted(proxy: &FaultProxy, function: &Bootstrap, payload: &Value) -> Result<Vec<Call>> {
    proxy.clear();
    response(function, payload, "the function").await?;
    Ok(proxy.forwarded_calls())
}

/// Invokes and expects a response (not an error).
async fn response(function: &Bootstrap, payload: &Value, what: &str) -> Result<Value> {
    match function.invoke(payload).await {
        Outcome::Response(value) => Ok(value),
        Outcome::Error(report) => bail!("{what} failed: {report:?}\n{}", function.output()),
    }
}

fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-01T00:05:00Z",
        "region": rdslink_testkit::REGION,
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/rdslink-orders-schedule"],
        "detail": {}
    })
}

fn names(calls: &[Call]) -> String {
    calls
        .iter()
        .map(|call| call.operation.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn median<T: Ord + Copy>(mut values: Vec<T>) -> T {
    values.sort();
    values[values.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![5, 1, 9, 3, 7]), 5);
        assert_eq!(
            median(vec![Duration::from_millis(2)]),
            Duration::from_millis(2)
        );
    }
}
