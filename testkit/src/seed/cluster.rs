//! Aurora PostgreSQL clusters and their failover.

use std::net::Ipv4Addr;

use aws_sdk_rds::types::DbCluster;

use crate::account::Account;
use crate::dns::DnsServer;
use crate::error::{Error, Result};

use super::network::{ensure_subnet_group, subnet_group_vpc};
use super::{MASTER_PASSWORD, MASTER_USERNAME, fake_ip, or_panic};

const ENGINE: &str = "aurora-postgresql";
const INSTANCE_CLASS: &str = "db.r6g.large";

/// A seeded Aurora cluster, as it was right after seeding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub id: String,
    /// The writer (cluster) endpoint; in DNS a CNAME to the writer's instance endpoint.
    pub endpoint: String,
    /// The reader endpoint; in DNS a CNAME to the first reader's instance endpoint (to the writer's
    /// when the cluster has a single member).
    pub reader_endpoint: String,
    pub port: u16,
    /// In creation order; the first one is the writer. `is_writer` is not updated by
    /// [`failover_cluster`]: ask the emulator.
    pub members: Vec<Member>,
    /// The VPC of the cluster's DB subnet group.
    pub vpc_id: Option<String>,
}

/// One instance of a seeded cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    /// The instance endpoint; in DNS an A record with `ip`.
    pub endpoint: String,
    pub ip: Ipv4Addr,
    pub is_writer: bool,
}

impl Cluster {
    /// The member with this instance id.
    ///
    /// # Panics
    /// If there is none.
    pub fn member(&self, id: &str) -> &Member {
        match self.members.iter().find(|member| member.id == id) {
            Some(member) => member,
            None => panic!("cluster {} has no member {id}", self.id),
        }
    }

    /// The member that was the writer when the cluster was seeded.
    pub fn writer(&self) -> &Member {
        // Seeding guarantees exactly one writer, the first member.
        &self.members[0]
    }
}

/// Creates an `aurora-postgresql` cluster `cluster_id` with `members` instances named
/// `<cluster_id>-1`, `<cluster_id>-2`, ...; the first is the writer. In `dns`, every instance
/// endpoint gets its own [`fake_ip`], the cluster endpoint becomes a CNAME to the writer's instance
/// endpoint and the reader endpoint a CNAME to a reader's.
///
/// # Panics
/// If `members` is 0 or the emulator refuses.
pub async fn aurora_cluster(
    account: &Account,
    dns: &DnsServer,
    cluster_id: &str,
    members: usize,
) -> Cluster {
    assert!(members > 0, "an Aurora cluster needs at least one instance");
    let cluster = or_panic(
        create_cluster(account, cluster_id, members).await,
        format_args!("Aurora cluster {cluster_id}"),
    );
    for member in &cluster.members {
        dns.set_a(&member.endpoint, &[member.ip]);
    }
    dns.set_cname(&cluster.endpoint, &cluster.writer().endpoint);
    let reader = cluster
        .members
        .iter()
        .find(|member| !member.is_writer)
        .unwrap_or(cluster.writer());
    dns.set_cname(&cluster.reader_endpoint, &reader.endpoint);
    cluster
}

/// `FailoverDBCluster` (to `target` when given), then returns the writer the emulator reports.
/// DNS is left alone: tests decide whether and when it moves (see [`point_writer_dns`]).
///
/// # Panics
/// If the emulator refuses or reports no writer.
pub async fn failover_cluster(
    account: &Account,
    cluster: &Cluster,
    target: Option<&str>,
) -> String {
    or_panic(
        failover(account, cluster, target).await,
        format_args!("a failover of cluster {}", cluster.id),
    )
}

/// Points the cluster endpoint (CNAME) at the instance endpoint of member `writer_id`, as Aurora's
/// DNS does some seconds after a failover.
///
/// # Panics
/// If the cluster has no such member.
pub fn point_writer_dns(dns: &DnsServer, cluster: &Cluster, writer_id: &str) {
    dns.set_cname(&cluster.endpoint, &cluster.member(writer_id).endpoint);
}

async fn create_cluster(account: &Account, cluster_id: &str, members: usize) -> Result<Cluster> {
    let rds = account.rds();
    ensure_subnet_group(account).await?;
    rds.create_db_cluster()
        .db_cluster_identifier(cluster_id)
        .engine(ENGINE)
        .master_username(MASTER_USERNAME)
        .master_user_password(MASTER_PASSWORD)
        .db_subnet_group_name(super::SUBNET_GROUP)
        .send()
        .await
        .map_err(Error::aws("rds:CreateDBCluster"))?;
    // One at a time: the first instance of a cluster becomes its writer.
    for number in 1..=members {
        rds.create_db_instance()
            .db_instance_identifier(format!("{cluster_id}-{number}"))
            .db_cluster_identifier(cluster_id)
            .engine(ENGINE)
            .db_instance_class(INSTANCE_CLASS)
            .send()
            .await
            .map_err(Error::aws("rds:CreateDBInstance"))?;
    }

    let described = describe_cluster(account, cluster_id).await?;
    let endpoint = required(described.endpoint(), "rds:DescribeDBClusters", "Endpoint")?;
    let reader_endpoint = required(
        described.reader_endpoint(),
        "rds:DescribeDBClusters",
        "ReaderEndpoint",
    )?;
    let port = described
        .port()
        .and_then(|port| u16::try_from(port).ok())
        .ok_or(Error::Incomplete {
            operation: "rds:DescribeDBClusters",
            missing: "a valid Port",
        })?;
    let vpc_id = match described.db_subnet_group() {
        Some(group) => subnet_group_vpc(account, group).await?,
        None => None,
    };

    let mut seeded = Vec::with_capacity(members);
    for number in 1..=members {
        let id = format!("{cluster_id}-{number}");
        let is_writer = described.db_cluster_members().iter().any(|member| {
            member.db_instance_identifier() == Some(id.as_str())
                && member.is_cluster_writer() == Some(true)
        });
        seeded.push(Member {
            endpoint: instance_endpoint(account, &id).await?,
            ip: fake_ip(),
            is_writer,
            id,
        });
    }
    let writers: Vec<&str> = seeded
        .iter()
        .filter(|member| member.is_writer)
        .map(|member| member.id.as_str())
        .collect();
    if writers != [format!("{cluster_id}-1")] {
        return Err(Error::Emulator {
            what: format!("rds:DescribeDBClusters {cluster_id}"),
            detail: format!("expected the first instance to be the only writer, got {writers:?}"),
        });
    }

    Ok(Cluster {
        id: cluster_id.to_owned(),
        endpoint,
        reader_endpoint,
        port,
        members: seeded,
        vpc_id,
    })
}

async fn failover(account: &Account, cluster: &Cluster, target: Option<&str>) -> Result<String> {
    account
        .rds()
        .failover_db_cluster()
        .db_cluster_identifier(&cluster.id)
        .set_target_db_instance_identifier(target.map(str::to_owned))
        .send()
        .await
        .map_err(Error::aws("rds:FailoverDBCluster"))?;
    let described = describe_cluster(account, &cluster.id).await?;
    described
        .db_cluster_members()
        .iter()
        .find(|member| member.is_cluster_writer() == Some(true))
        .and_then(|member| member.db_instance_identifier())
        .map(str::to_owned)
        .ok_or(Error::Incomplete {
            operation: "rds:DescribeDBClusters",
            missing: "a writer member",
        })
}

async fn describe_cluster(account: &Account, cluster_id: &str) -> Result<DbCluster> {
    account
        .rds()
        .describe_db_clusters()
        .db_cluster_identifier(cluster_id)
        .send()
        .await
        .map_err(Error::aws("rds:DescribeDBClusters"))?
        .db_clusters()
        .first()
        .cloned()
        .ok_or(Error::Incomplete {
            operation: "rds:DescribeDBClusters",
            missing: "the cluster",
        })
}

pub(super) async fn instance_endpoint(account: &Account, instance_id: &str) -> Result<String> {
    let described = account
        .rds()
        .describe_db_instances()
        .db_instance_identifier(instance_id)
        .send()
        .await
        .map_err(Error::aws("rds:DescribeDBInstances"))?;
    described
        .db_instances()
        .first()
        .and_then(|instance| instance.endpoint())
        .and_then(|endpoint| endpoint.address())
        .map(str::to_owned)
        .ok_or(Error::Incomplete {
            operation: "rds:DescribeDBInstances",
            missing: "Endpoint.Address",
        })
}

fn required(value: Option<&str>, operation: &'static str, missing: &'static str) -> Result<String> {
    value
        .map(str::to_owned)
        .ok_or(Error::Incomplete { operation, missing })
}
