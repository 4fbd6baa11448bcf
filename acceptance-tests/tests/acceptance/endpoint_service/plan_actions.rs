//! Which changes update the bundle in place and which replace it, read from the plan's JSON; and an
//! in-place update applied and checked in AWS.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::{Value, json};

use super::aws::{other_vpc, parts};
use super::{
    Bench, CONSUMER, DATABASE_TAG, DEFAULT_TAG, OWNERSHIP_TAG, Service, actions, is_replacement,
    state,
};

const SECOND_CONSUMER: &str = "arn:aws:iam::333333333333:root";

#[tokio::test]
async fn settings_update_in_place_while_name_port_vpc_and_subnets_replace() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    seed::aurora_cluster(bench.account(), bench.dns(), "archive", 1).await;
    let (other_vpc_id, _) = other_vpc(bench.account()).await;
    let base = Service::new(&bench, "orders").with("tags = { team = \"data\" }");

    let in_place = [
        (
            "allowed_principals",
            base.clone().principals(&[CONSUMER, SECOND_CONSUMER]),
        ),
        (
            "acceptance_required",
            base.clone().with("acceptance_required = true"),
        ),
        (
            "tags",
            Service {
                extra: vec!["tags = { team = \"payments\" }".into()],
                ..base.clone()
            },
        ),
        (
            "health_check",
            base.clone()
                .with("health_check {\n    interval_seconds = 30\n  }"),
        ),
        (
            "cross_zone_load_balancing",
            base.clone().with("cross_zone_load_balancing = false"),
        ),
        (
            "deregistration_delay_seconds",
            base.clone().with("deregistration_delay_seconds = 30"),
        ),
        ("role", base.clone().with("role = \"reader\"")),
        (
            "db_cluster_identifier",
            base.clone().database("db_cluster_identifier = \"archive\""),
        ),
    ];
    let first_subnet = vec![bench.subnets()[0].clone()];
    let replacing = [
        ("port", base.clone().with("port = 6543")),
        (
            "vpc_id",
            Service {
                vpc_id: other_vpc_id,
                ..base.clone()
            },
        ),
        (
            "subnet_ids",
            Service {
                subnet_ids: first_subnet,
                ..base.clone()
            },
        ),
        (
            "name",
            Service {
                name: "orders-2".into(),
                ..base.clone()
            },
        ),
    ];

    let mut case = bench.case().await.step(Step::config(base.hcl()));
    for (attribute, service) in &in_place {
        case = case.step(
            Step::config(service.hcl())
                .named(format!("changing {attribute}"))
                .plan_only()
                .expect_non_empty_plan(format!("{attribute} changed"))
                .check(async move |outcome| {
                    let planned = actions(outcome.plan());
                    assert_eq!(
                        planned,
                        ["update"],
                        "changing {attribute} plans {planned:?}, expected [\"update\"]"
                    );
                }),
        );
    }
    for (attribute, service) in &replacing {
        case = case.step(
            Step::config(service.hcl())
                .named(format!("changing {attribute}"))
                .plan_only()
                .expect_non_empty_plan(format!("{attribute} changed"))
                .check(async move |outcome| {
                    let planned = actions(outcome.plan());
                    assert!(
                        is_replacement(&planned),
                        "changing {attribute} plans {planned:?}, expected a replacement"
                    );
                }),
        );
    }
    case.step(
        Step::config(base.hcl())
            .named("back to the applied configuration, the plan must be empty")
            .plan_only(),
    )
    .run()
    .await;
}

#[tokio::test]
async fn an_in_place_update_changes_every_setting_in_aws_and_keeps_every_part() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 3).await;
    let base = Service::new(&bench, "orders").with("tags = { team = \"data\", cost = \"db\" }");
    let changed = Service { extra: vec![], ..base.clone() }
        .principals(&[SECOND_CONSUMER])
        .with("acceptance_required = true")
        .with("tags = { team = \"payments\" }")
        .with("cross_zone_load_balancing = false")
        .with("deregistration_delay_seconds = 30")
        .with("terminate_connections_on_deregistration = false")
        .with("role = \"reader\"")
        .with("health_check {\n    interval_seconds = 30\n    healthy_threshold = 3\n    unhealthy_threshold = 4\n  }");
    let before = OnceCell::new();
    bench
        .case()
        .await
        .step(Step::config(base.hcl()).check(async |_| {
            before.set(state(bench.workspace()).await).unwrap();
        }))
        .step(
            Step::config(changed.hcl())
                .plan_only()
                .expect_non_empty_plan("every setting changed")
                .check(async |outcome| assert_eq!(actions(outcome.plan()), ["update"])),
        )
        .step(Step::same_config().check(async |_| {
            let before = before.get().expect("step 1 saw the state");
            assert_every_setting_changed(&bench, &cluster, before).await;
        }))
        .run()
        .await;
}

async fn assert_every_setting_changed(bench: &Bench, cluster: &seed::Cluster, before: &Value) {
    let after = state(bench.workspace()).await;
    for part in [
        "id",
        "service_name",
        "nlb_arn",
        "target_group_arn",
        "listener_arn",
    ] {
        assert_eq!(
            after[part], before[part],
            "{part} changed by an in-place update"
        );
    }
    let parts = parts(bench.account(), &after).await;
    assert_eq!(
        parts.principals,
        BTreeSet::from([SECOND_CONSUMER.to_owned()])
    );
    assert_eq!(parts.service.acceptance_required(), Some(true));
    assert_eq!(
        parts
            .load_balancer_attributes
            .get("load_balancing.cross_zone.enabled")
            .map(String::as_str),
        Some("false")
    );
    let tg = &parts.target_group;
    assert_eq!(
        (
            tg.health_check_interval_seconds(),
            tg.healthy_threshold_count(),
            tg.unhealthy_threshold_count()
        ),
        (Some(30), Some(3), Some(4))
    );
    let attribute = |key: &str| parts.target_group_attributes.get(key).map(String::as_str);
    assert_eq!(
        attribute("deregistration_delay.timeout_seconds"),
        Some("30")
    );
    assert_eq!(
        attribute("deregistration_delay.connection_termination.enabled"),
        Some("false")
    );
    let (default_key, default_value) = DEFAULT_TAG;
    for (part, tags) in parts.all_tags() {
        let expected = [
            ("team", "payments"),
            (default_key, default_value),
            (OWNERSHIP_TAG, "orders"),
            // The update moved the selector to the readers: the recorded selector follows.
            (DATABASE_TAG, "cluster:orders:reader"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(
            tags,
            &expected.into_iter().collect(),
            "{part}: the removed tag must go, the others stay"
        );
    }
    // role = "reader": every non-writer member, and no longer the writer.
    let readers: Vec<String> = cluster
        .members
        .iter()
        .filter(|m| !m.is_writer)
        .map(|m| m.ip.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(parts.target_ips(), readers);
    assert_eq!(after["registered_targets"], json!(readers));
}

/// Security groups change in place, except between none and some, which AWS allows only when the
/// load balancer is created.
#[tokio::test]
async fn security_groups_change_in_place_but_not_from_or_to_none() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 1).await;
    let ec2 = bench.account().ec2();
    let mut groups = Vec::new();
    for name in ["nlb-a", "nlb-b"] {
        let created = ec2
            .create_security_group()
            .group_name(name)
            .description("rdslink acceptance")
            .vpc_id(&bench.vpc.id)
            .send()
            .await
            .expect("CreateSecurityGroup");
        groups.push(created.group_id().expect("group id").to_owned());
    }
    let with_groups = |ids: &[String]| {
        Service::new(&bench, "orders").with(&format!("security_group_ids = {}", super::list(ids)))
    };
    let load_balancer_groups = async |values: &Value| {
        parts(bench.account(), values)
            .await
            .load_balancer
            .security_groups()
            .to_vec()
    };
    let before = OnceCell::new();
    bench
        .case()
        .await
        .step(
            Step::config(with_groups(&groups[..1]).hcl()).check(async |_| {
                let values = state(bench.workspace()).await;
                assert_eq!(load_balancer_groups(&values).await, &groups[..1]);
                before.set(values).unwrap();
            }),
        )
        .step(
            Step::config(with_groups(&groups[1..]).hcl())
                .plan_only()
                .expect_non_empty_plan("another security group")
                .check(async |outcome| assert_eq!(actions(outcome.plan()), ["update"])),
        )
        .step(Step::same_config().check(async |_| {
            let after = state(bench.workspace()).await;
            assert_eq!(after["nlb_arn"], before.get().unwrap()["nlb_arn"]);
            assert_eq!(load_balancer_groups(&after).await, &groups[1..]);
        }))
        .step(
            Step::config(Service::new(&bench, "orders").hcl())
                .plan_only()
                .expect_non_empty_plan("no security group any more")
                .check(async |outcome| {
                    let planned = actions(outcome.plan());
                    assert!(
                        is_replacement(&planned),
                        "dropping every security group must replace: {planned:?}"
                    );
                }),
        )
        .run()
        .await;
}

/// Tags: removing the resource's own tags keeps the provider's default tags and the ownership tag;
/// changing the provider's default tags updates every part.
#[tokio::test]
async fn removing_resource_tags_and_changing_default_tags_update_every_part() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 1).await;
    let tagged = Service::new(&bench, "orders").with("tags = { team = \"data\" }");
    let untagged = Service::new(&bench, "orders");
    let (default_key, default_value) = DEFAULT_TAG;
    // Another value for the provider's default tag.
    let retagged_provider = bench
        .provider()
        .await
        .replace(default_value, "rdslink-acceptance-2");
    bench
        .case()
        .await
        .step(Step::config(tagged.hcl()))
        .step(
            Step::config(untagged.hcl())
                .plan_only()
                .expect_non_empty_plan("the resource's tags are removed")
                .check(async |outcome| assert_eq!(actions(outcome.plan()), ["update"])),
        )
        .step(Step::same_config().check(async |_| {
            let values = state(bench.workspace()).await;
            let expected: super::aws::Tags = [
                (default_key, default_value),
                (OWNERSHIP_TAG, "orders"),
                (DATABASE_TAG, "cluster:orders:writer"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
            for (part, tags) in parts(bench.account(), &values).await.all_tags() {
                assert_eq!(tags, &expected, "{part}");
            }
        }))
        .step(
            Step::whole_config(format!("{retagged_provider}\n{}", untagged.hcl()))
                .plan_only()
                .expect_non_empty_plan("the provider's default tag changed")
                .check(async |outcome| assert_eq!(actions(outcome.plan()), ["update"])),
        )
        .step(Step::same_config().check(async |_| {
            let values = state(bench.workspace()).await;
            for (part, tags) in parts(bench.account(), &values).await.all_tags() {
                assert_eq!(
                    tags.get(default_key).map(String::as_str),
                    Some("rdslink-acceptance-2"),
                    "{part}"
                );
            }
            assert_eq!(
                values["tags_all"],
                json!({ default_key: "rdslink-acceptance-2" })
            );
        }))
        .run()
        .await;
}
