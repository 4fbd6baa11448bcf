//! Seeds for emulated accounts: databases, proxies and target groups, with the test DNS server
//! pointed at fake addresses for every endpoint. Each function returns what tests assert on.
//!
//! moto quirks these work around (checked against moto 5.2.5):
//! - Aurora instances carry no `DBSubnetGroup` (so no VPC id), even when their cluster has one; a
//!   cluster's `DBSubnetGroup` is only a name (as in AWS). Seeds create a real subnet group,
//!   [`SUBNET_GROUP`], from the default VPC's subnets, so `DescribeDBSubnetGroups` on a cluster's
//!   group gives its VPC, and plain instances report `DBSubnetGroup.VpcId` as in AWS.
//! - No default DB subnet group exists, and RDS exposes no VPC id without one; DB proxies need real
//!   subnet ids; target groups need an existing VPC: the seeds read the default VPC through EC2.
//! - Every instance endpoint is `<id>.aaaaaaaaaa.<region>.rds.amazonaws.com`, in every account:
//!   give each test its own [`DnsServer`](crate::DnsServer), or distinct instance ids.
//! - `FailoverDBCluster` flips `IsClusterWriter` at once (status stays `available`).

mod cluster;
mod fake_ip;
mod hand_built;
mod instance;
mod network;
mod proxy;
mod target_group;

pub use cluster::{Cluster, Member, aurora_cluster, failover_cluster, point_writer_dns};
pub use fake_ip::fake_ip;
pub use hand_built::{HandBuiltBundle, hand_built_bundle};
pub use instance::{Instance, instance};
pub use network::{SUBNET_GROUP, Vpc, default_vpc, other_vpc};
pub use proxy::{Proxy, proxy};
pub use target_group::target_group;

/// Master credentials of every seeded database (moto stores them; nothing connects).
const MASTER_USERNAME: &str = "rdslink";
const MASTER_PASSWORD: &str = "rdslink-test-password";

/// Unwraps a seed step or panics with what was being seeded.
fn or_panic<T>(result: crate::error::Result<T>, what: impl std::fmt::Display) -> T {
    match result {
        Ok(value) => value,
        Err(err) => panic!("seeding {what} failed: {err}"),
    }
}
