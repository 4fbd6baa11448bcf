//! Which changes update the bundle in place and which replace it, read from the plan's JSON; and an
//! in-place update applied and checked in AWS.

use std::collections::BTreeSet;

use rdslink_testkit::seed;
use serde_json::json;

use super::aws::{other_vpc, parts};
use super::{
    Bench, CONSUMER, DEFAULT_TAG, OWNERSHIP_TAG, Service, actions, assert_plan, is_replacement,
    plan_json, state,
};

const SECOND_CONSUMER: &str = "arn:aws:iam::333333333333:root";

#[tokio::test]
async fn settings_update_in_place_while_name_port_vpc_and_subnets_replace() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    seed::aurora_cluster(bench.account(), bench.dns(), "archive", 1).await;
    let (other_vpc_id, _) = other_vpc(bench.account()).await;
    let base = Service::new(&bench, "orders").with("tags = { team = \"data\" }");
    bench.configure(&base.hcl()).await;
    bench.workspace().apply().await.unwrap();

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

    let mut wrong = Vec::new();
    for (attribute, service) in &in_place {
        bench.configure(&service.hcl()).await;
        let planned = actions(&plan_json(bench.workspace()).await);
        if planned != ["update"] {
            wrong.push(format!(
                "changing {attribute} plans {planned:?}, expected [\"update\"]"
            ));
        }
    }
    for (attribute, service) in &replacing {
        bench.configure(&service.hcl()).await;
        let planned = actions(&plan_json(bench.workspace()).await);
        if !is_replacement(&planned) {
            wrong.push(format!(
                "changing {attribute} plans {planned:?}, expected a replacement"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    bench.configure(&base.hcl()).await;
    assert_plan(
        bench.workspace(),
        0,
        "back to the applied configuration, the plan must be empty",
    )
    .await;
}

#[tokio::test]
async fn an_in_place_update_changes_every_setting_in_aws_and_keeps_every_part() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 3).await;
    let base = Service::new(&bench, "orders").with("tags = { team = \"data\", cost = \"db\" }");
    bench.configure(&base.hcl()).await;
    bench.workspace().apply().await.unwrap();
    let before = state(bench.workspace()).await;

    let changed = Service { extra: vec![], ..base.clone() }
        .principals(&[SECOND_CONSUMER])
        .with("acceptance_required = true")
        .with("tags = { team = \"payments\" }")
        .with("cross_zone_load_balancing = false")
        .with("deregistration_delay_seconds = 30")
        .with("terminate_connections_on_deregistration = false")
        .with("role = \"reader\"")
        .with("health_check {\n    interval_seconds = 30\n    healthy_threshold = 3\n    unhealthy_threshold = 4\n  }");
    bench.configure(&changed.hcl()).await;
    assert_eq!(actions(&plan_json(bench.workspace()).await), ["update"]);
    bench.workspace().apply().await.unwrap();

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

    assert_plan(bench.workspace(), 0, "updated, the plan must be empty").await;
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
    bench.configure(&with_groups(&groups[..1]).hcl()).await;
    bench.workspace().apply().await.unwrap();
    let before = state(bench.workspace()).await;
    assert_eq!(
        parts(bench.account(), &before)
            .await
            .load_balancer
            .security_groups(),
        &groups[..1]
    );

    bench.configure(&with_groups(&groups[1..]).hcl()).await;
    assert_eq!(actions(&plan_json(bench.workspace()).await), ["update"]);
    bench.workspace().apply().await.unwrap();
    let after = state(bench.workspace()).await;
    assert_eq!(after["nlb_arn"], before["nlb_arn"]);
    assert_eq!(
        parts(bench.account(), &after)
            .await
            .load_balancer
            .security_groups(),
        &groups[1..]
    );
    assert_plan(bench.workspace(), 0, "updated, the plan must be empty").await;

    bench.configure(&Service::new(&bench, "orders").hcl()).await;
    let planned = actions(&plan_json(bench.workspace()).await);
    assert!(
        is_replacement(&planned),
        "dropping every security group must replace: {planned:?}"
    );
}

/// Tags: removing the resource's own tags keeps the provider's default tags and the ownership tag;
/// changing the provider's default tags updates every part.
#[tokio::test]
async fn removing_resource_tags_and_changing_default_tags_update_every_part() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 1).await;
    let tagged = Service::new(&bench, "orders").with("tags = { team = \"data\" }");
    bench.configure(&tagged.hcl()).await;
    bench.workspace().apply().await.unwrap();

    let untagged = Service::new(&bench, "orders");
    bench.configure(&untagged.hcl()).await;
    assert_eq!(actions(&plan_json(bench.workspace()).await), ["update"]);
    bench.workspace().apply().await.unwrap();
    let values = state(bench.workspace()).await;
    let (default_key, default_value) = DEFAULT_TAG;
    let expected: super::aws::Tags = [(default_key, default_value), (OWNERSHIP_TAG, "orders")]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
    for (part, tags) in parts(bench.account(), &values).await.all_tags() {
        assert_eq!(tags, &expected, "{part}");
    }
    assert_plan(bench.workspace(), 0, "untagged, the plan must be empty").await;

    // Another value for the provider's default tag.
    let provider = bench
        .provider()
        .await
        .replace(default_value, "rdslink-acceptance-2");
    bench
        .world
        .workspace
        .write_configuration(&format!("{provider}\n{}", untagged.hcl()))
        .unwrap();
    assert_eq!(actions(&plan_json(bench.workspace()).await), ["update"]);
    bench.workspace().apply().await.unwrap();
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
    assert_plan(bench.workspace(), 0, "retagged, the plan must be empty").await;
}
