//! A PrivateLink bundle built without rdslink, as the AWS sample's CloudFormation stack or a person
//! with the console would: no rdslink names, no rdslink tags. Import and adoption tests start from it.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
    TargetTypeEnum,
};

use crate::Account;

/// The ids of a hand-built bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandBuiltBundle {
    pub service_id: String,
    pub load_balancer_arn: String,
    pub listener_arn: String,
    pub target_group_arn: String,
}

/// Builds target group -> internal network load balancer -> TCP listener on `port` -> endpoint
/// service (acceptance required), named `<prefix>-targets` and `<prefix>-nlb`.
pub async fn hand_built_bundle(
    account: &Account,
    prefix: &str,
    vpc_id: &str,
    subnet_ids: &[String],
    port: u16,
) -> HandBuiltBundle {
    let elbv2 = account.elbv2();
    let target_group_arn = elbv2
        .create_target_group()
        .name(format!("{prefix}-targets"))
        .protocol(ProtocolEnum::Tcp)
        .port(i32::from(port))
        .vpc_id(vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .expect("CreateTargetGroup")
        .target_groups()[0]
        .target_group_arn()
        .expect("target group ARN")
        .to_owned();
    let load_balancer_arn = elbv2
        .create_load_balancer()
        .name(format!("{prefix}-nlb"))
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(subnet_ids.to_vec()))
        .send()
        .await
        .expect("CreateLoadBalancer")
        .load_balancers()[0]
        .load_balancer_arn()
        .expect("load balancer ARN")
        .to_owned();
    let listener_arn = elbv2
        .create_listener()
        .load_balancer_arn(&load_balancer_arn)
        .protocol(ProtocolEnum::Tcp)
        .port(i32::from(port))
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&target_group_arn)
                .build(),
        )
        .send()
        .await
        .expect("CreateListener")
        .listeners()[0]
        .listener_arn()
        .expect("listener ARN")
        .to_owned();
    let service_id = account
        .ec2()
        .create_vpc_endpoint_service_configuration()
        .network_load_balancer_arns(&load_balancer_arn)
        .acceptance_required(true)
        .send()
        .await
        .expect("CreateVpcEndpointServiceConfiguration")
        .service_configuration()
        .and_then(|s| s.service_id())
        .expect("service id")
        .to_owned();
    HandBuiltBundle {
        service_id,
        load_balancer_arn,
        listener_arn,
        target_group_arn,
    }
}
