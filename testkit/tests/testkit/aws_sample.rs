//! `aws_sample::build`: every resource of the sample's template, with the template's properties,
//! as AWS then describes them. The role's managed policy needs the emulator's AttachRolePolicy of
//! AWS managed policies (`moto_faithful.py`): without it the build fails.

use std::net::Ipv4Addr;

use rdslink_testkit::aws_sample::{self, Parameters};
use rdslink_testkit::{fresh_account, seed};

const PRINCIPAL: &str = "arn:aws:iam::222222222222:root";
const ENDPOINT: &str = "orders.cluster-c9abcdefghij.us-east-1.rds.amazonaws.com";

#[tokio::test]
async fn the_sample_stack_is_built_with_the_templates_properties() {
    let account = fresh_account().await;
    let vpc = seed::default_vpc(&account).await;
    let security_group = aws_sample::default_security_group(&account, &vpc.id).await;
    let parameters = Parameters::new("rds-access", &vpc, ENDPOINT)
        .security_group(&security_group)
        .target_role(PRINCIPAL);
    let stack = aws_sample::build(&account, &parameters).await;
    let id = |logical| stack.physical_id(logical).to_owned();

    let elbv2 = account.elbv2();
    let group = elbv2
        .describe_target_groups()
        .target_group_arns(id(aws_sample::TARGET_GROUP))
        .send()
        .await
        .expect("DescribeTargetGroups")
        .target_groups()[0]
        .clone();
    assert_eq!(group.target_group_name(), Some("NLB-TG-RDS-rds-access"));
    assert_eq!(group.port(), Some(5432));
    assert_eq!(group.health_check_interval_seconds(), Some(10));
    assert_eq!(group.health_check_timeout_seconds(), Some(10));
    assert_eq!(group.healthy_threshold_count(), Some(3));
    assert_eq!(group.load_balancer_arns(), [id(aws_sample::LOAD_BALANCER)]);
    let attributes = elbv2
        .describe_target_group_attributes()
        .target_group_arn(id(aws_sample::TARGET_GROUP))
        .send()
        .await
        .expect("DescribeTargetGroupAttributes");
    assert!(attributes.attributes().iter().any(|a| {
        a.key() == Some("deregistration_delay.timeout_seconds") && a.value() == Some("0")
    }));
    let tags = elbv2
        .describe_tags()
        .resource_arns(id(aws_sample::TARGET_GROUP))
        .send()
        .await
        .expect("DescribeTags");
    let logical_id = tags.tag_descriptions()[0]
        .tags()
        .iter()
        .find(|tag| tag.key() == Some("aws:cloudformation:logical-id"))
        .and_then(|tag| tag.value());
    assert_eq!(logical_id, Some(aws_sample::TARGET_GROUP));

    let service = account
        .ec2()
        .describe_vpc_endpoint_service_configurations()
        .service_ids(id(aws_sample::ENDPOINT_SERVICE))
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations")
        .service_configurations()[0]
        .clone();
    assert_eq!(service.acceptance_required(), Some(false));
    assert_eq!(
        service.network_load_balancer_arns(),
        [id(aws_sample::LOAD_BALANCER)]
    );
    let principals = account
        .ec2()
        .describe_vpc_endpoint_service_permissions()
        .service_id(id(aws_sample::ENDPOINT_SERVICE))
        .send()
        .await
        .expect("DescribeVpcEndpointServicePermissions");
    let principals: Vec<_> = principals
        .allowed_principals()
        .iter()
        .filter_map(|p| p.principal())
        .collect();
    assert_eq!(principals, [PRINCIPAL]);

    let function = account
        .lambda()
        .get_function_configuration()
        .function_name(id(aws_sample::FUNCTION))
        .send()
        .await
        .expect("GetFunctionConfiguration");
    assert_eq!(function.function_name(), Some("NLBAutoUpdate-rds-access"));
    assert_eq!(function.handler(), Some("index.lambda_handler"));
    assert_eq!(function.runtime().map(|r| r.as_str()), Some("python3.9"));
    let variables = function
        .environment()
        .and_then(|e| e.variables())
        .expect("variables");
    assert_eq!(variables["Cluster_EndPoint"], ENDPOINT);
    assert_eq!(variables["RDS_Port"], "5432");
    assert_eq!(variables["NLB_TG_ARN"], id(aws_sample::TARGET_GROUP));

    let attached = account
        .iam()
        .list_attached_role_policies()
        .role_name(id(aws_sample::LAMBDA_ROLE))
        .send()
        .await
        .expect("ListAttachedRolePolicies");
    assert_eq!(
        attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .collect::<Vec<_>>(),
        ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    );

    let subscriptions = account
        .sns()
        .list_subscriptions_by_topic()
        .topic_arn(id(aws_sample::TOPIC))
        .send()
        .await
        .expect("ListSubscriptionsByTopic");
    let subscription = &subscriptions.subscriptions()[0];
    assert_eq!(subscription.protocol(), Some("lambda"));
    assert_eq!(
        subscription.subscription_arn(),
        Some(id(aws_sample::TOPIC_SUBSCRIPTION).as_str())
    );

    let events = account
        .rds()
        .describe_event_subscriptions()
        .subscription_name(id(aws_sample::EVENT_SUBSCRIPTION))
        .send()
        .await
        .expect("DescribeEventSubscriptions");
    let events = &events.event_subscriptions_list()[0];
    assert_eq!(events.source_type(), Some("db-cluster"));
    assert_eq!(events.source_ids_list(), ["orders"]);
    assert_eq!(events.event_categories_list(), ["failover", "failure"]);
    assert_eq!(events.sns_topic_arn(), Some(id(aws_sample::TOPIC).as_str()));

    let writer = Ipv4Addr::new(10, 0, 0, 7);
    aws_sample::record_first_run(&account, &stack, &[writer]).await;
    let health = elbv2
        .describe_target_health()
        .target_group_arn(id(aws_sample::TARGET_GROUP))
        .send()
        .await
        .expect("DescribeTargetHealth");
    let targets: Vec<_> = health
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target().map(|t| (t.id().map(str::to_owned), t.port())))
        .collect();
    assert_eq!(targets, [(Some(writer.to_string()), Some(5432))]);
}
