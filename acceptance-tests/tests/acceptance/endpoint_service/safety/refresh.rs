//! What the state keeps when the provider cannot see or change everything: a refresh whose
//! database discovery fails (the database deleted, its nameserver silent) keeps the last answer
//! with a warning instead of failing the plan or forgetting where the database was; and an update
//! that fails after rebuilding parts deleted out of band records the rebuilt parts, so the next
//! apply works on them instead of building them again.

use std::cell::OnceCell;

use rdslink_acceptance_tests::step::{Outcome, Step};
use rdslink_testkit::SilentDns;
use rdslink_testkit::seed;
use serde_json::Value;

use super::super::aws::{inventory, parts};
use super::super::{ADDRESS, Bench, Service, state, text};
use super::{Snapshot, snapshot};

/// Terraform wraps diagnostics at 80 columns, and prints warnings on stdout (errors on stderr):
/// both streams, every run of whitespace as one space.
fn diagnostics(outcome: &Outcome) -> String {
    format!("{}\n{}", outcome.run.stdout, outcome.run.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The resource's attributes as the plan's refresh left them (`prior_state` of the plan's JSON).
fn refreshed(plan: &Value) -> &Value {
    plan["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|resource| resource["address"] == ADDRESS)
        .map(|resource| &resource["values"])
        .unwrap_or_else(|| panic!("the plan's refreshed state has no {ADDRESS}: {plan:#}"))
}

/// The plan (or refresh) warned that `database` cannot be discovered and that
/// `database_addresses` keeps its value, and reported no error.
fn assert_warned_about(outcome: &Outcome, database: &str) {
    let said = diagnostics(outcome);
    assert!(
        said.contains(&format!("Warning: Cannot discover {database} now")),
        "the warning must name {database}: {said}"
    );
    assert!(
        said.contains("`database_addresses` keeps its previous value"),
        "the warning must say the addresses are kept: {said}"
    );
    assert!(!said.contains("Error:"), "{said}");
}

/// The state as step 1 left it, and every part as AWS held it then.
#[derive(Default)]
struct Applied {
    state: OnceCell<Value>,
    parts: OnceCell<Snapshot>,
}

impl Applied {
    async fn record(&self, bench: &Bench) {
        let values = state(bench.workspace()).await;
        self.parts
            .set(snapshot(bench.account(), &values).await)
            .expect("recorded once");
        self.state.set(values).expect("recorded once");
    }

    fn state(&self) -> &Value {
        self.state.get().expect("step 1 recorded the state")
    }

    /// Nothing of the bundle changed in AWS since step 1, the target group's members included.
    async fn assert_untouched(&self, bench: &Bench) {
        let now = snapshot(bench.account(), self.state()).await;
        assert_eq!(
            &now,
            self.parts.get().expect("step 1 recorded the parts"),
            "a refresh that cannot discover the database must not touch the bundle"
        );
    }

    /// `values` (a refreshed state) holds step 1's `database_addresses`, which were not empty.
    fn assert_addresses_kept(&self, values: &Value) {
        let applied = &self.state()["database_addresses"];
        assert_ne!(applied, &serde_json::json!([]), "{:#}", self.state());
        assert_eq!(
            &values["database_addresses"], applied,
            "the refresh must keep the last addresses discovered"
        );
    }
}

#[tokio::test]
async fn a_database_deleted_before_a_refresh_keeps_its_addresses_with_a_warning() {
    let bench = Bench::new().await;
    let instance = seed::instance(bench.account(), bench.dns(), "orders").await;
    let service = Service::new(&bench, "orders").database("db_instance_identifier = \"orders\"");
    let applied = Applied::default();
    let database = "DB instance \"orders\"";
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
            applied.record(&bench).await;
            assert_eq!(
                applied.state()["database_addresses"],
                serde_json::json!([instance.ip.to_string()])
            );
        }))
        .step(
            Step::same_config()
                .named("a plan after the instance is deleted")
                .pre_config(async || {
                    bench
                        .account()
                        .rds()
                        .delete_db_instance()
                        .db_instance_identifier(&instance.id)
                        .skip_final_snapshot(true)
                        .send()
                        .await
                        .expect("DeleteDBInstance");
                })
                // Nothing to do: the state's addresses are the target group's.
                .plan_only()
                .check(async |outcome| {
                    assert_warned_about(outcome, database);
                    applied.assert_addresses_kept(refreshed(outcome.plan()));
                    applied.assert_untouched(&bench).await;
                }),
        )
        .step(
            Step::same_config()
                .named("a refresh written to the state")
                .refresh_only()
                .check(async |outcome| {
                    assert_warned_about(outcome, database);
                    applied.assert_addresses_kept(&state(bench.workspace()).await);
                    applied.assert_untouched(&bench).await;
                }),
        )
        .run()
        .await;
}

#[tokio::test]
async fn a_silent_nameserver_at_refresh_keeps_the_addresses_with_a_warning() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders");
    let silent = SilentDns::start().await;
    let provider = bench.provider().await;
    let silenced = provider.replace(&bench.dns().addr().to_string(), &silent.addr().to_string());
    assert_ne!(
        silenced, provider,
        "the provider block does not name the bench's DNS server"
    );
    let applied = Applied::default();
    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| applied.record(&bench).await))
        .step(
            Step::whole_config(format!("{silenced}\n{}", service.hcl()))
                .named("a plan whose nameserver never answers")
                .plan_only()
                .check(async |outcome| {
                    assert!(
                        silent.query_count() > 0,
                        "the provider never asked the silent nameserver"
                    );
                    assert_warned_about(outcome, "DB cluster \"orders\" (writer)");
                    applied.assert_addresses_kept(refreshed(outcome.plan()));
                    applied.assert_untouched(&bench).await;
                }),
        )
        .step(
            Step::config(service.hcl())
                .named("a plan once the nameserver answers again")
                .plan_only(),
        )
        .run()
        .await;
}

/// A security group in the bench's VPC, for the load balancer.
async fn security_group(bench: &Bench, name: &str) -> String {
    bench
        .account()
        .ec2()
        .create_security_group()
        .group_name(name)
        .description("rdslink acceptance")
        .vpc_id(&bench.vpc.id)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .expect("group id")
        .to_owned()
}

/// Deletes the bundle's listener, then its target group (AWS refuses to delete a target group a
/// listener forwards to).
async fn delete_listener_and_target_group(bench: &Bench, before: &Value) {
    let elbv2 = bench.account().elbv2();
    elbv2
        .delete_listener()
        .listener_arn(text(before, "listener_arn"))
        .send()
        .await
        .expect("DeleteListener");
    elbv2
        .delete_target_group()
        .target_group_arn(text(before, "target_group_arn"))
        .send()
        .await
        .expect("DeleteTargetGroup");
}

/// The only owned part of each kind, as AWS lists them; fails unless there is exactly one of each.
async fn the_one_of_each(bench: &Bench) -> [String; 4] {
    let owned = inventory(bench.account()).await.owned();
    assert_eq!(owned.counts(), (1, 1, 1, 1), "one of each part: {owned:#?}");
    let only = |parts: &std::collections::BTreeMap<String, _>| {
        parts.keys().next().expect("one part").clone()
    };
    [
        only(&owned.endpoint_services),
        only(&owned.load_balancers),
        only(&owned.target_groups),
        only(&owned.listeners),
    ]
}

/// The part ids a state records, in [`the_one_of_each`]'s order.
fn recorded(values: &Value) -> [String; 4] {
    ["id", "nlb_arn", "target_group_arn", "listener_arn"].map(|id| text(values, id).to_owned())
}

#[tokio::test]
async fn an_update_failing_after_rebuilding_parts_records_the_rebuilt_parts() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let first = security_group(&bench, "nlb-first").await;
    let second = security_group(&bench, "nlb-second").await;
    // Well formed, so only AWS can refuse it, at SetSecurityGroups: after the target group and
    // listener are rebuilt (the load balancer is kept, so the network is not checked first).
    let missing = "sg-0123456789abcdef0".to_owned();
    let with_group = |group: &String| {
        Service::new(&bench, "orders").with(&format!(
            "security_group_ids = {}",
            super::super::list(std::slice::from_ref(group))
        ))
    };
    let before = OnceCell::<Value>::new();
    let rebuilt = OnceCell::<[String; 4]>::new();
    bench
        .case()
        .await
        .step(Step::config(with_group(&first).hcl()).check(async |_| {
            before.set(state(bench.workspace()).await).unwrap();
        }))
        .step(
            Step::config(with_group(&missing).hcl())
                .named("an update failing after the target group and listener are rebuilt")
                .pre_config(async || {
                    delete_listener_and_target_group(&bench, before.get().unwrap()).await;
                })
                .expect_error("Cannot update the endpoint service")
                .expect_error(&missing)
                .check(async |_| {
                    let before = before.get().unwrap();
                    let after = state(bench.workspace()).await;
                    let existing = the_one_of_each(&bench).await;
                    assert_eq!(
                        recorded(&after),
                        existing,
                        "the state must record every part that exists"
                    );
                    for rebuilt in ["target_group_arn", "listener_arn"] {
                        assert_ne!(
                            after[rebuilt], before[rebuilt],
                            "the state still names the deleted part"
                        );
                    }
                    for kept in ["id", "nlb_arn"] {
                        assert_eq!(after[kept], before[kept]);
                    }
                    let shown = bench
                        .workspace()
                        .terraform(&["state", "show", "-no-color", ADDRESS])
                        .await
                        .unwrap()
                        .success()
                        .unwrap();
                    assert!(
                        shown.stdout.contains(text(&after, "target_group_arn"))
                            && !shown.stdout.contains(text(before, "target_group_arn")),
                        "terraform state show must name the rebuilt target group only:\n{}",
                        shown.stdout
                    );
                    rebuilt.set(existing).unwrap();
                }),
        )
        .step(
            Step::config(with_group(&second).hcl())
                .named("the next update, over the recorded parts")
                .check(async |_| {
                    let after = state(bench.workspace()).await;
                    let existing = the_one_of_each(&bench).await;
                    assert_eq!(recorded(&after), existing);
                    assert_eq!(
                        &existing,
                        rebuilt.get().unwrap(),
                        "the parts the failed update rebuilt are the ones kept"
                    );
                    let now = parts(bench.account(), &after).await;
                    assert_eq!(now.load_balancer.security_groups(), [second.as_str()]);
                    assert_eq!(
                        super::forward_target(&now.listener).as_deref(),
                        Some(text(&after, "target_group_arn"))
                    );
                    assert_eq!(now.target_ips(), [cluster.writer().ip.to_string()]);
                }),
        )
        .run()
        .await;
}
