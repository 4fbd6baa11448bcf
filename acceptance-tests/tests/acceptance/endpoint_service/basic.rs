//! Create: every part exists with the settings rdslink promises (and, as after every apply, the
//! next plan is empty).

use std::collections::BTreeSet;

use aws_sdk_elasticloadbalancingv2::types::{
    ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, TargetTypeEnum,
};
use rdslink_acceptance_tests::step::Step;
use rdslink_testkit::seed;
use serde_json::json;

use super::aws::parts;
use super::{Bench, CONSUMER, DEFAULT_TAG, OWNERSHIP_TAG, Service, state, strings, text};

const SECOND_CONSUMER: &str = "arn:aws:iam::333333333333:role/reporting";

#[tokio::test]
async fn basic_creates_every_part_as_configured_and_the_next_plan_is_empty() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let service = Service::new(&bench, "orders")
        .principals(&[CONSUMER, SECOND_CONSUMER])
        .with("tags = { team = \"data\" }");

    bench
        .case()
        .await
        .step(Step::config(service.hcl()).check(async |_| {
            assert_every_part_as_configured(&bench, &cluster).await;
        }))
        .run()
        .await;
}

async fn assert_every_part_as_configured(bench: &Bench, cluster: &seed::Cluster) {
    let writer = cluster.writer();
    let values = state(bench.workspace()).await;
    let parts = parts(bench.account(), &values).await;
    let port = i32::from(cluster.port);

    // The load balancer: internal, network, in the configured subnets, cross-zone on.
    let lb = &parts.load_balancer;
    assert_eq!(lb.r#type(), Some(&LoadBalancerTypeEnum::Network), "{lb:?}");
    assert_eq!(
        lb.scheme(),
        Some(&LoadBalancerSchemeEnum::Internal),
        "{lb:?}"
    );
    assert_eq!(lb.load_balancer_name(), Some("rdslink-orders"));
    assert_eq!(lb.vpc_id(), Some(bench.vpc.id.as_str()));
    let lb_subnets: BTreeSet<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_owned))
        .collect();
    assert_eq!(
        lb_subnets,
        bench.subnets().iter().cloned().collect::<BTreeSet<_>>()
    );
    assert_eq!(
        parts
            .load_balancer_attributes
            .get("load_balancing.cross_zone.enabled")
            .map(String::as_str),
        Some("true")
    );

    // The target group: IP targets over TCP on the database's port, fast health checks, and
    // connections to a deregistered (demoted) primary cut at once.
    let tg = &parts.target_group;
    assert_eq!(tg.target_type(), Some(&TargetTypeEnum::Ip), "{tg:?}");
    assert_eq!(tg.protocol(), Some(&ProtocolEnum::Tcp));
    assert_eq!(tg.port(), Some(port));
    assert_eq!(tg.vpc_id(), Some(bench.vpc.id.as_str()));
    assert_eq!(tg.health_check_protocol(), Some(&ProtocolEnum::Tcp));
    assert_eq!(tg.health_check_interval_seconds(), Some(10));
    assert_eq!(tg.healthy_threshold_count(), Some(2));
    assert_eq!(tg.unhealthy_threshold_count(), Some(2));
    let attribute = |key: &str| parts.target_group_attributes.get(key).map(String::as_str);
    assert_eq!(attribute("deregistration_delay.timeout_seconds"), Some("0"));
    assert_eq!(
        attribute("deregistration_delay.connection_termination.enabled"),
        Some("true")
    );

    // The listener: TCP on the port, forwarding to that target group.
    let listener = &parts.listener;
    assert_eq!(listener.load_balancer_arn(), lb.load_balancer_arn());
    assert_eq!(listener.protocol(), Some(&ProtocolEnum::Tcp));
    assert_eq!(listener.port(), Some(port));
    let [action] = listener.default_actions() else {
        panic!("one default action: {listener:?}")
    };
    assert_eq!(action.r#type(), Some(&ActionTypeEnum::Forward));
    assert_eq!(action.target_group_arn(), tg.target_group_arn());

    // The endpoint service: on that load balancer, no acceptance, exactly the principals.
    let service_config = &parts.service;
    assert_eq!(
        service_config.network_load_balancer_arns(),
        [text(&values, "nlb_arn").to_owned()]
    );
    assert_eq!(service_config.acceptance_required(), Some(false));
    let principals: BTreeSet<String> = [CONSUMER, SECOND_CONSUMER].map(str::to_owned).into();
    assert_eq!(parts.principals, principals);
    assert_eq!(
        service_config.service_name(),
        Some(text(&values, "service_name"))
    );

    // Tags: the resource's, the provider's default tags and the ownership tag, on all four parts.
    let (default_key, default_value) = DEFAULT_TAG;
    for (part, tags) in parts.all_tags() {
        assert_eq!(
            tags.get(OWNERSHIP_TAG).map(String::as_str),
            Some("orders"),
            "{part}: {tags:?}"
        );
        assert_eq!(
            tags.get(default_key).map(String::as_str),
            Some(default_value),
            "{part}: {tags:?}"
        );
        assert_eq!(
            tags.get("team").map(String::as_str),
            Some("data"),
            "{part}: {tags:?}"
        );
    }

    // Targets: the writer's address only (not the reader's), on the port.
    assert_eq!(
        parts.targets,
        BTreeSet::from([(writer.ip.to_string(), port)])
    );

    // Terraform's view agrees with AWS.
    assert_eq!(values["registered_targets"], json!([writer.ip.to_string()]));
    assert_eq!(values["port"], json!(cluster.port));
    assert_eq!(values["endpoint"], json!(cluster.endpoint));
    assert_eq!(values["role"], "writer");
    assert_eq!(strings(&values, "allowed_principals"), principals);
    assert_eq!(values["tags"], json!({"team": "data"}));
    assert_eq!(
        values["tags_all"],
        json!({"team": "data", default_key: default_value})
    );
    assert!(text(&values, "id").starts_with("vpce-svc-"), "{values:#}");
    assert!(
        text(&values, "service_name").ends_with(text(&values, "id")),
        "{values:#}"
    );
    assert_eq!(values["nlb_dns_name"].as_str(), lb.dns_name());
    let zones: BTreeSet<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_owned))
        .collect();
    assert_eq!(strings(&values, "availability_zones"), zones);
}
