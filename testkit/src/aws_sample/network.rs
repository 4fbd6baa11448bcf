//! The sample's PrivateLink half: `rNetworkLoadBalancerTargetGroup`, `rNetworkLoadBalancer`,
//! `rNetworkLoadBalancerListener`, `rVPCEndpointService` and `rVPCEndpointServicePermission`, with
//! the template's properties. What the template leaves out keeps AWS's default (no cross-zone load
//! balancing, no security groups on the load balancer, connections not terminated on
//! deregistration, the default unhealthy threshold).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, Tag,
    TargetGroupAttribute, TargetTypeEnum,
};

use super::{
    ENDPOINT_SERVICE, ENDPOINT_SERVICE_PERMISSION, LISTENER, LOAD_BALANCER, Parameters, StackTags,
    TARGET_GROUP, built, generated_name,
};
use crate::Account;

/// The `default` security group of `vpc_id`: a value for `pSecurityGroup`.
///
/// # Panics
/// If the VPC has none or the emulator refuses.
pub async fn default_security_group(account: &Account, vpc_id: &str) -> String {
    let groups = account
        .ec2()
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .filters(
            Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .expect("ec2:DescribeSecurityGroups");
    groups
        .security_groups()
        .first()
        .and_then(|group| group.group_id())
        .unwrap_or_else(|| panic!("{vpc_id} has no default security group"))
        .to_owned()
}

pub(super) async fn build(
    account: &Account,
    parameters: &Parameters,
    tags: &StackTags,
    resources: &mut BTreeMap<&'static str, String>,
) {
    let elbv2 = account.elbv2();
    let elb_tags = |logical_id: &str| -> Vec<Tag> {
        tags.of(logical_id)
            .into_iter()
            .map(|(key, value)| Tag::builder().key(key).value(value).build())
            .collect()
    };
    let port = i32::from(parameters.rds_port);

    let created = built(
        elbv2
            .create_target_group()
            .name(parameters.target_group_name())
            .port(port)
            .target_type(TargetTypeEnum::Ip)
            .protocol(ProtocolEnum::Tcp)
            .vpc_id(&parameters.vpc_id)
            .health_check_enabled(true)
            .health_check_interval_seconds(10)
            .health_check_port(parameters.rds_port.to_string())
            .health_check_protocol(ProtocolEnum::Tcp)
            .health_check_timeout_seconds(10)
            .healthy_threshold_count(3)
            .set_tags(Some(elb_tags(TARGET_GROUP)))
            .send()
            .await,
        TARGET_GROUP,
        "elbv2:CreateTargetGroup",
    );
    let target_group_arn = created.target_groups()[0]
        .target_group_arn()
        .expect("a target group ARN")
        .to_owned();
    // TargetGroupAttributes are set by a second call, as CloudFormation's handler does.
    built(
        elbv2
            .modify_target_group_attributes()
            .target_group_arn(&target_group_arn)
            .attributes(
                TargetGroupAttribute::builder()
                    .key("deregistration_delay.timeout_seconds")
                    .value("0")
                    .build(),
            )
            .send()
            .await,
        TARGET_GROUP,
        "elbv2:ModifyTargetGroupAttributes",
    );
    resources.insert(TARGET_GROUP, target_group_arn.clone());

    let created = built(
        elbv2
            .create_load_balancer()
            .name(parameters.load_balancer_name())
            .scheme(LoadBalancerSchemeEnum::Internal)
            .set_subnets(Some(parameters.subnet_ids.clone()))
            .r#type(LoadBalancerTypeEnum::Network)
            .set_tags(Some(elb_tags(LOAD_BALANCER)))
            .send()
            .await,
        LOAD_BALANCER,
        "elbv2:CreateLoadBalancer",
    );
    let load_balancer_arn = created.load_balancers()[0]
        .load_balancer_arn()
        .expect("a load balancer ARN")
        .to_owned();
    resources.insert(LOAD_BALANCER, load_balancer_arn.clone());

    // AWS::ElasticLoadBalancingV2::Listener takes no tags in this template's time: none.
    let created = built(
        elbv2
            .create_listener()
            .default_actions(
                Action::builder()
                    .r#type(ActionTypeEnum::Forward)
                    .target_group_arn(&target_group_arn)
                    .build(),
            )
            .load_balancer_arn(&load_balancer_arn)
            .port(port)
            .protocol(ProtocolEnum::Tcp)
            .send()
            .await,
        LISTENER,
        "elbv2:CreateListener",
    );
    let listener_arn = created.listeners()[0]
        .listener_arn()
        .expect("a listener ARN")
        .to_owned();
    resources.insert(LISTENER, listener_arn);

    let ec2 = account.ec2();
    let service_tags = aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(aws_sdk_ec2::types::ResourceType::VpcEndpointService)
        .set_tags(Some(
            tags.of(ENDPOINT_SERVICE)
                .into_iter()
                .map(|(key, value)| {
                    aws_sdk_ec2::types::Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                })
                .collect(),
        ))
        .build();
    let created = built(
        ec2.create_vpc_endpoint_service_configuration()
            .acceptance_required(false)
            .network_load_balancer_arns(&load_balancer_arn)
            .tag_specifications(service_tags)
            .send()
            .await,
        ENDPOINT_SERVICE,
        "ec2:CreateVpcEndpointServiceConfiguration",
    );
    let service_id = created
        .service_configuration()
        .and_then(|service| service.service_id())
        .expect("a service id")
        .to_owned();
    resources.insert(ENDPOINT_SERVICE, service_id.clone());

    built(
        ec2.modify_vpc_endpoint_service_permissions()
            .service_id(&service_id)
            .add_allowed_principals(&parameters.target_role_arn)
            .send()
            .await,
        ENDPOINT_SERVICE_PERMISSION,
        "ec2:ModifyVpcEndpointServicePermissions",
    );
    resources.insert(
        ENDPOINT_SERVICE_PERMISSION,
        generated_name(&parameters.stack_name, ENDPOINT_SERVICE_PERMISSION),
    );
}
