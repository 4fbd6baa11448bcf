//! IP target groups, as the rdslink NLB uses them.

use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetTypeEnum};

use crate::account::Account;
use crate::error::{Error, Result};

use super::network::find_default_vpc;
use super::or_panic;

/// Creates an IP/TCP target group `name` on `port` in the account's default VPC; returns its ARN.
///
/// # Panics
/// If the emulator refuses.
pub async fn target_group(account: &Account, name: &str, port: u16) -> String {
    or_panic(
        create_target_group(account, name, port).await,
        format_args!("target group {name}"),
    )
}

async fn create_target_group(account: &Account, name: &str, port: u16) -> Result<String> {
    let vpc = find_default_vpc(account).await?;
    let created = account
        .elbv2()
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Tcp)
        .port(i32::from(port))
        .target_type(TargetTypeEnum::Ip)
        .vpc_id(vpc.id)
        .health_check_protocol(ProtocolEnum::Tcp)
        .send()
        .await
        .map_err(Error::aws("elbv2:CreateTargetGroup"))?;
    created
        .target_groups()
        .first()
        .and_then(|group| group.target_group_arn())
        .map(str::to_owned)
        .ok_or(Error::Incomplete {
            operation: "elbv2:CreateTargetGroup",
            missing: "TargetGroupArn",
        })
}
