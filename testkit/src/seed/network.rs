//! The account's default VPC, and the DB subnet group the seeds put databases in.

use aws_sdk_ec2::types::Filter;
use aws_sdk_rds::operation::create_db_subnet_group::CreateDBSubnetGroupError;

use crate::account::Account;
use crate::error::{Error, Result};

use super::or_panic;

/// The DB subnet group (all default subnets of the default VPC) every seeded database uses.
pub const SUBNET_GROUP: &str = "rdslink-default";

/// An account's default VPC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vpc {
    pub id: String,
    /// One default subnet per availability zone, in the emulator's order.
    pub subnet_ids: Vec<String>,
}

/// The account's default VPC (moto creates one per account and region, with one subnet per AZ).
///
/// # Panics
/// If the emulator does not answer as expected.
pub async fn default_vpc(account: &Account) -> Vpc {
    or_panic(find_default_vpc(account).await, "the default VPC")
}

pub(super) async fn find_default_vpc(account: &Account) -> Result<Vpc> {
    let ec2 = account.ec2();
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .map_err(Error::aws("ec2:DescribeVpcs"))?;
    let id = vpcs
        .vpcs()
        .first()
        .and_then(|vpc| vpc.vpc_id())
        .map(str::to_owned)
        .ok_or(Error::Incomplete {
            operation: "ec2:DescribeVpcs",
            missing: "a default VPC",
        })?;
    let subnets = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &id))
        .filters(filter("default-for-az", "true"))
        .send()
        .await
        .map_err(Error::aws("ec2:DescribeSubnets"))?;
    let subnet_ids: Vec<String> = subnets
        .subnets()
        .iter()
        .filter_map(|subnet| subnet.subnet_id())
        .map(str::to_owned)
        .collect();
    if subnet_ids.len() < 2 {
        return Err(Error::Emulator {
            what: "ec2:DescribeSubnets".to_owned(),
            detail: format!(
                "the default VPC {id} has {} default subnets, seeds need 2",
                subnet_ids.len()
            ),
        });
    }
    Ok(Vpc { id, subnet_ids })
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Creates [`SUBNET_GROUP`] unless it exists; returns its VPC id.
pub(super) async fn ensure_subnet_group(account: &Account) -> Result<String> {
    if let Some(vpc_id) = subnet_group_vpc(account, SUBNET_GROUP).await? {
        return Ok(vpc_id);
    }
    let vpc = find_default_vpc(account).await?;
    let created = account
        .rds()
        .create_db_subnet_group()
        .db_subnet_group_name(SUBNET_GROUP)
        .db_subnet_group_description("rdslink test databases (default VPC)")
        .set_subnet_ids(Some(vpc.subnet_ids.clone()))
        .send()
        .await;
    match created {
        Ok(_) => Ok(vpc.id),
        // Another seed in the same account created it meanwhile.
        Err(err)
            if err
                .as_service_error()
                .is_some_and(CreateDBSubnetGroupError::is_db_subnet_group_already_exists_fault) =>
        {
            Ok(vpc.id)
        }
        Err(err) => Err(Error::aws("rds:CreateDBSubnetGroup")(err)),
    }
}

/// The VPC of a DB subnet group, or `None` when the group does not exist.
pub(super) async fn subnet_group_vpc(account: &Account, name: &str) -> Result<Option<String>> {
    let described = account
        .rds()
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await;
    match described {
        Ok(output) => Ok(output
            .db_subnet_groups()
            .first()
            .and_then(|group| group.vpc_id())
            .map(str::to_owned)),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|service| service.is_db_subnet_group_not_found_fault()) =>
        {
            Ok(None)
        }
        Err(err) => Err(Error::aws("rds:DescribeDBSubnetGroups")(err)),
    }
}

/// A second VPC of the account (10.99.0.0/16) with one subnet in us-east-1a, for tests that need
/// something outside the default VPC; returns (vpc id, subnet id).
pub async fn other_vpc(account: &Account) -> (String, String) {
    let ec2 = account.ec2();
    let vpc_id = ec2
        .create_vpc()
        .cidr_block("10.99.0.0/16")
        .send()
        .await
        .expect("CreateVpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("VPC id")
        .to_owned();
    let subnet_id = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.99.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect("CreateSubnet")
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id")
        .to_owned();
    (vpc_id, subnet_id)
}
