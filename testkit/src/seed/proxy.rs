//! RDS Proxies.

use std::net::Ipv4Addr;

use aws_sdk_rds::types::{AuthScheme, EngineFamily, IamAuthMode, UserAuthConfig};

use crate::account::Account;
use crate::dns::DnsServer;
use crate::error::{Error, Result};

use super::network::find_default_vpc;
use super::or_panic;

/// A seeded DB proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    pub name: String,
    pub arn: String,
    /// The default proxy endpoint; in DNS an A RRset with `ips`.
    pub endpoint: String,
    pub ips: Vec<Ipv4Addr>,
    pub vpc_id: Option<String>,
}

/// Creates a PostgreSQL DB proxy `name` in two subnets of the default VPC (the role and the secret
/// it names need not exist in the emulator); its endpoint answers `ips` in `dns`.
///
/// # Panics
/// If the emulator refuses.
pub async fn proxy(account: &Account, dns: &DnsServer, name: &str, ips: &[Ipv4Addr]) -> Proxy {
    let proxy = or_panic(
        create_proxy(account, name, ips).await,
        format_args!("DB proxy {name}"),
    );
    dns.set_a(&proxy.endpoint, &proxy.ips);
    proxy
}

async fn create_proxy(account: &Account, name: &str, ips: &[Ipv4Addr]) -> Result<Proxy> {
    let vpc = find_default_vpc(account).await?;
    let secret_arn = format!(
        "arn:aws:secretsmanager:{}:{}:secret:rdslink-{name}",
        account.region, account.id
    );
    let created = account
        .rds()
        .create_db_proxy()
        .db_proxy_name(name)
        .engine_family(EngineFamily::Postgresql)
        .auth(
            UserAuthConfig::builder()
                .auth_scheme(AuthScheme::Secrets)
                .secret_arn(secret_arn)
                .iam_auth(IamAuthMode::Disabled)
                .build(),
        )
        .role_arn(format!("arn:aws:iam::{}:role/rdslink-proxy", account.id))
        .set_vpc_subnet_ids(Some(vpc.subnet_ids.iter().take(2).cloned().collect()))
        .send()
        .await
        .map_err(Error::aws("rds:CreateDBProxy"))?;
    let incomplete = |missing| Error::Incomplete {
        operation: "rds:CreateDBProxy",
        missing,
    };
    let proxy = created.db_proxy().ok_or(incomplete("DBProxy"))?;
    Ok(Proxy {
        name: name.to_owned(),
        arn: proxy
            .db_proxy_arn()
            .ok_or(incomplete("DBProxyArn"))?
            .to_owned(),
        endpoint: proxy.endpoint().ok_or(incomplete("Endpoint"))?.to_owned(),
        ips: ips.to_vec(),
        vpc_id: proxy.vpc_id().map(str::to_owned),
    })
}
