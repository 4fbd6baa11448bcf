//! Multi-AZ RDS for PostgreSQL instances.

use std::net::Ipv4Addr;

use crate::account::Account;
use crate::dns::DnsServer;
use crate::error::{Error, Result};

use super::{MASTER_PASSWORD, MASTER_USERNAME, SUBNET_GROUP, fake_ip, or_panic};

const ENGINE: &str = "postgres";
const INSTANCE_CLASS: &str = "db.t3.micro";
const ALLOCATED_STORAGE_GIB: i32 = 20;

/// A seeded RDS instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    pub arn: String,
    /// In DNS an A record with `ip`.
    pub endpoint: String,
    pub port: u16,
    pub ip: Ipv4Addr,
    /// `DBSubnetGroup.VpcId` as the emulator reports it.
    pub vpc_id: Option<String>,
}

/// Creates a Multi-AZ `postgres` instance `id` in [`SUBNET_GROUP`]; its endpoint answers one
/// [`fake_ip`] in `dns`.
///
/// # Panics
/// If the emulator refuses.
pub async fn instance(account: &Account, dns: &DnsServer, id: &str) -> Instance {
    let instance = or_panic(
        create_instance(account, id).await,
        format_args!("RDS instance {id}"),
    );
    dns.set_a(&instance.endpoint, &[instance.ip]);
    instance
}

async fn create_instance(account: &Account, id: &str) -> Result<Instance> {
    super::network::ensure_subnet_group(account).await?;
    let created = account
        .rds()
        .create_db_instance()
        .db_instance_identifier(id)
        .engine(ENGINE)
        .db_instance_class(INSTANCE_CLASS)
        .allocated_storage(ALLOCATED_STORAGE_GIB)
        .multi_az(true)
        .master_username(MASTER_USERNAME)
        .master_user_password(MASTER_PASSWORD)
        .db_subnet_group_name(SUBNET_GROUP)
        .send()
        .await
        .map_err(Error::aws("rds:CreateDBInstance"))?;
    let incomplete = |missing| Error::Incomplete {
        operation: "rds:CreateDBInstance",
        missing,
    };
    let instance = created.db_instance().ok_or(incomplete("DBInstance"))?;
    let endpoint = instance.endpoint().ok_or(incomplete("Endpoint"))?;
    Ok(Instance {
        id: id.to_owned(),
        arn: instance
            .db_instance_arn()
            .ok_or(incomplete("DBInstanceArn"))?
            .to_owned(),
        endpoint: endpoint
            .address()
            .ok_or(incomplete("Endpoint.Address"))?
            .to_owned(),
        port: endpoint
            .port()
            .and_then(|port| u16::try_from(port).ok())
            .ok_or(incomplete("a valid Endpoint.Port"))?,
        ip: fake_ip(),
        vpc_id: instance
            .db_subnet_group()
            .and_then(|group| group.vpc_id())
            .map(str::to_owned),
    })
}
