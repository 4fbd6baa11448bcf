//! Discovery: "which IPv4 addresses should the target group point at now?"
//!
//! The RDS API says *which* instance plays the part (authoritative the moment a failover
//! completes); DNS says *where* that instance is (the only place RDS publishes addresses).

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_rds::operation::describe_db_clusters::DescribeDBClustersError;
use aws_sdk_rds::operation::describe_db_instances::DescribeDBInstancesError;
use aws_sdk_rds::operation::describe_db_proxies::DescribeDBProxiesError;
use aws_sdk_rds::types::{DbCluster, DbInstance, DbProxy, Filter};
use futures::future::try_join_all;
use tracing::debug;

use crate::error::AwsObject;
use crate::function_env::MemberEndpoints;
use crate::{AwsCalls, Error, Resolver};

// The selector types lived here before the selector got its own module; callers still name them
// through `discovery`.
pub use crate::selector::{ClusterRole, DatabaseKind, DatabaseSelector};

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub kind: DatabaseKind,
    /// The hostname a client would use: the instance endpoint, the cluster endpoint (writer) or
    /// reader endpoint (reader), the proxy endpoint, or the given hostname.
    pub endpoint: String,
    /// The port clients connect to (`None` for a bare hostname). For a proxy, the default port
    /// of its engine family, which is the port RDS Proxy listens on.
    pub port: Option<u16>,
    pub vpc_id: Option<String>,
    pub engine: Option<String>,
    /// Where the targets may be, now or after a failover: an instance's AZ and its Multi-AZ
    /// standby's AZ, or the cluster's AZs. Sorted. Empty for proxies and hostnames.
    pub availability_zones: Vec<String>,
    /// The cluster's writer instance (clusters only).
    pub writer_instance_identifier: Option<String>,
    /// The addresses to target: sorted, without duplicates, never empty.
    pub target_ips: Vec<Ipv4Addr>,
}

impl Discovery {
    /// The target addresses as a set.
    pub fn target_set(&self) -> BTreeSet<Ipv4Addr> {
        self.target_ips.iter().copied().collect()
    }
}

/// The discovery half of the engine, as `reconcile` sees it: the seam between the engine's logic
/// and the world. [`Discoverer`] is the real one (RDS API and DNS); the `testing` module has a
/// scripted, recording fake.
pub trait Discover: Send + Sync {
    /// Where `selector` is now, counting AWS API calls in `calls`. Fails (changing nothing
    /// anywhere) when the database is unknown, unavailable, or has no address.
    fn discover(
        &self,
        selector: &DatabaseSelector,
        calls: &AwsCalls,
    ) -> impl Future<Output = Result<Discovery, Error>> + Send;

    /// Re-resolves only the DNS part of an earlier discovery, for selectors whose addresses are
    /// exactly their endpoint's (instance, proxy, hostname). Used while waiting for DNS to move
    /// after a failover: the RDS API has nothing new to say then, so no AWS call is made.
    fn refresh_addresses(
        &self,
        discovery: &Discovery,
    ) -> impl Future<Output = Result<Discovery, Error>> + Send;
}

/// Finds a database's current addresses through the RDS API and DNS.
#[derive(Debug, Clone)]
pub struct Discoverer {
    rds: aws_sdk_rds::Client,
    resolver: Resolver,
    /// See [`Discoverer::addresses_only`].
    addresses_only: bool,
    /// Cluster member id (lower case) -> its instance endpoint, remembered in addresses-only
    /// mode. An instance's endpoint never changes while the instance exists (renaming it changes
    /// its id too), so only the cluster's choice of writer has to be asked each time.
    member_endpoints: Arc<Mutex<HashMap<String, String>>>,
}

/// Statuses in which an instance or cluster has no address worth targeting. A target left over
/// from before is kept (harmless: it fails health checks); nothing new is registered.
const UNAVAILABLE_STATUSES: &[&str] = &["stopped", "stopping", "deleting"];

impl Discoverer {
    pub fn new(rds: aws_sdk_rds::Client, resolver: Resolver) -> Self {
        Discoverer {
            rds,
            resolver,
            addresses_only: false,
            member_endpoints: Arc::default(),
        }
    }

    /// Discovery for a long-lived reconciler (the sync Lambda), which uses only the endpoint and
    /// the addresses: the best-effort VPC lookup is skipped (`vpc_id` may be `None`), and a
    /// cluster's member endpoints are read once, all in one call side by side with the first
    /// `DescribeDBClusters`, then remembered, so that a cluster writer costs one
    /// `DescribeDBClusters` per discovery (the writer's identity is still asked every time: that
    /// is what moves at a failover).
    pub fn addresses_only(mut self) -> Self {
        self.addresses_only = true;
        self
    }

    /// Starts an addresses-only discoverer knowing `endpoints` (written by the provider when it
    /// deployed the function, see [`MemberEndpoints`]): a cluster writer among them needs no
    /// `DescribeDBInstances` even on the first discovery. Any other member is read as before.
    pub fn remembering(self, endpoints: &MemberEndpoints) -> Self {
        self.member_endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(
                endpoints
                    .iter()
                    .map(|(id, endpoint)| (id.to_owned(), endpoint.to_owned())),
            );
        self
    }

    /// The resolver used for addresses.
    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// Where `selector` is now. Fails (changing nothing anywhere) when the database is unknown,
    /// unavailable, or has no address.
    pub async fn discover(&self, selector: &DatabaseSelector) -> Result<Discovery, Error> {
        self.discover_counted(selector, &AwsCalls::default()).await
    }

    async fn discover_counted(
        &self,
        selector: &DatabaseSelector,
        calls: &AwsCalls,
    ) -> Result<Discovery, Error> {
        let discovery = match selector {
            DatabaseSelector::Instance(identifier) => self.instance(identifier, calls).await,
            DatabaseSelector::Cluster { identifier, role } => {
                self.cluster(identifier, *role, calls).await
            }
            DatabaseSelector::Proxy(name) => self.proxy(name, calls).await,
            DatabaseSelector::Endpoint(hostname) => self.hostname(hostname).await,
        }?;
        debug!(
            selector = %selector,
            endpoint = %discovery.endpoint,
            target_ips = ?discovery.target_ips,
            "discovered"
        );
        Ok(discovery)
    }

    async fn instance(&self, identifier: &str, calls: &AwsCalls) -> Result<Discovery, Error> {
        let instance = self.describe_instance(identifier, calls).await?;
        let endpoint = usable_instance_endpoint(&instance, identifier)?;
        let target_ips = self.resolver.resolve_ipv4(endpoint).await?;
        let mut zones: Vec<String> = [
            instance.availability_zone(),
            instance.secondary_availability_zone(),
        ]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect();
        zones.sort();
        zones.dedup();
        Ok(Discovery {
            kind: DatabaseKind::Instance,
            endpoint: endpoint.to_string(),
            port: instance
                .endpoint()
                .and_then(|e| e.port())
                .and_then(|p| u16::try_from(p).ok()),
            vpc_id: instance_vpc_id(&instance),
            engine: instance.engine().map(str::to_string),
            availability_zones: zones,
            writer_instance_identifier: None,
            target_ips,
        })
    }

    async fn cluster(
        &self,
        identifier: &str,
        role: ClusterRole,
        calls: &AwsCalls,
    ) -> Result<Discovery, Error> {
        // A writer discovery reads the members (by the cluster filter) side by side with the
        // cluster, which names the writer: one round trip instead of two. In addresses-only mode
        // only while no member's endpoint is remembered. The read is best effort: without it the
        // writer is read by id below.
        let prefetch =
            role == ClusterRole::Writer && (!self.addresses_only || self.knows_no_member());
        let (cluster, members) = if prefetch {
            futures::future::try_join(self.describe_cluster(identifier, calls), async {
                Ok(self.describe_cluster_instances(identifier, calls).await)
            })
            .await?
        } else {
            (self.describe_cluster(identifier, calls).await?, None)
        };
        let status = cluster.status().unwrap_or_default();
        if UNAVAILABLE_STATUSES.contains(&status) {
            return Err(Error::DatabaseUnavailable {
                kind: "DB cluster",
                identifier: identifier.to_string(),
                status: status.to_string(),
            });
        }
        let writer = cluster
            .db_cluster_members()
            .iter()
            .find(|member| member.is_cluster_writer() == Some(true))
            .and_then(|member| member.db_instance_identifier())
            .ok_or_else(|| Error::ClusterHasNoWriter {
                identifier: identifier.to_string(),
            })?
            .to_string();

        let (endpoint, target_ips, vpc_id) = match role {
            ClusterRole::Writer if self.addresses_only => {
                let instance_endpoint = self
                    .member_endpoint(&cluster, &writer, members, calls)
                    .await?;
                let target_ips = self.resolver.resolve_ipv4(&instance_endpoint).await?;
                (cluster.endpoint(), target_ips, None)
            }
            ClusterRole::Writer => {
                // The writer's own instance endpoint, not the cluster endpoint: the RDS API
                // names the new writer the moment a failover completes, while the cluster
                // endpoint's CNAME follows later.
                let prefetched = members.and_then(|instances| {
                    instances.into_iter().find(|instance| {
                        instance
                            .db_instance_identifier()
                            .is_some_and(|id| id.eq_ignore_ascii_case(&writer))
                    })
                });
                let instance = match prefetched {
                    Some(instance) => instance,
                    None => self.describe_instance(&writer, calls).await?,
                };
                let instance_endpoint = usable_instance_endpoint(&instance, &writer)?;
                let target_ips = self.resolver.resolve_ipv4(instance_endpoint).await?;
                (cluster.endpoint(), target_ips, instance_vpc_id(&instance))
            }
            ClusterRole::Reader => {
                let (target_ips, vpc_id) =
                    self.readers(&cluster, identifier, &writer, calls).await?;
                (cluster.reader_endpoint(), target_ips, vpc_id)
            }
        };
        let endpoint = endpoint.ok_or_else(|| Error::EndpointNotAssigned {
            kind: "DB cluster",
            identifier: identifier.to_string(),
            status: status.to_string(),
        })?;
        let vpc_id = match vpc_id {
            Some(vpc_id) => Some(vpc_id),
            None if self.addresses_only => None,
            None => self.cluster_subnet_group_vpc(&cluster, calls).await,
        };
        let mut zones: Vec<String> = cluster.availability_zones().to_vec();
        zones.sort();
        zones.dedup();
        Ok(Discovery {
            kind: DatabaseKind::Cluster,
            endpoint: endpoint.to_string(),
            port: cluster.port().and_then(|p| u16::try_from(p).ok()),
            vpc_id,
            engine: cluster.engine().map(str::to_string),
            availability_zones: zones,
            writer_instance_identifier: Some(writer),
            target_ips,
        })
    }

    /// Whether no cluster member's endpoint is remembered yet.
    fn knows_no_member(&self) -> bool {
        self.member_endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// The instance endpoint of cluster member `member`: remembered, or taken from `prefetched`
    /// (the cluster's instances, read side by side with the cluster) when it has the member, or
    /// read with every other member's in one `DescribeDBInstances` (so that a failover to
    /// another member needs no read). Only an instance with a usable endpoint is answered from a
    /// read.
    async fn member_endpoint(
        &self,
        cluster: &DbCluster,
        member: &str,
        prefetched: Option<Vec<DbInstance>>,
        calls: &AwsCalls,
    ) -> Result<String, Error> {
        let key = member.to_ascii_lowercase();
        let remembered = |endpoints: &Mutex<HashMap<String, String>>| {
            let endpoints = endpoints.lock().unwrap_or_else(PoisonError::into_inner);
            endpoints.get(&key).cloned()
        };
        if let Some(endpoint) = remembered(&self.member_endpoints) {
            return Ok(endpoint);
        }
        let is_member = |instance: &DbInstance| {
            instance
                .db_instance_identifier()
                .is_some_and(|id| id.eq_ignore_ascii_case(member))
        };
        let instances = match prefetched {
            Some(instances) if instances.iter().any(is_member) => instances,
            _ => {
                let member_ids: Vec<String> = cluster
                    .db_cluster_members()
                    .iter()
                    .filter_map(|member| member.db_instance_identifier())
                    .map(str::to_string)
                    .collect();
                self.describe_instances_by_id(&member_ids, calls).await?
            }
        };
        let instance = instances
            .iter()
            .find(|instance| is_member(instance))
            .ok_or_else(|| Error::DbInstanceNotFound {
                identifier: member.to_string(),
            })?;
        let endpoint = usable_instance_endpoint(instance, member)?.to_string();
        let mut endpoints = self
            .member_endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for instance in &instances {
            let id = instance.db_instance_identifier();
            let address = instance.endpoint().and_then(|endpoint| endpoint.address());
            if let (Some(id), Some(address)) = (id, address) {
                endpoints.insert(id.to_ascii_lowercase(), address.to_string());
            }
        }
        Ok(endpoint)
    }

    /// Every running non-writer member's own address, resolved concurrently.
    async fn readers(
        &self,
        cluster: &DbCluster,
        identifier: &str,
        writer: &str,
        calls: &AwsCalls,
    ) -> Result<(Vec<Ipv4Addr>, Option<String>), Error> {
        let reader_ids: Vec<String> = cluster
            .db_cluster_members()
            .iter()
            .filter(|member| member.is_cluster_writer() != Some(true))
            .filter_map(|member| member.db_instance_identifier())
            .filter(|id| *id != writer)
            .map(str::to_string)
            .collect();
        let no_readers = || Error::ClusterHasNoReaders {
            identifier: identifier.to_string(),
        };
        if reader_ids.is_empty() {
            return Err(no_readers());
        }
        let instances = self.describe_instances_by_id(&reader_ids, calls).await?;
        // A reader that is being created, stopped or deleted has no address worth targeting;
        // the others still serve reads.
        let running: Vec<(&DbInstance, &str)> = instances
            .iter()
            .filter(|instance| {
                let status = instance.db_instance_status().unwrap_or_default();
                !UNAVAILABLE_STATUSES.contains(&status)
            })
            .filter_map(|instance| {
                let address = instance.endpoint().and_then(|e| e.address())?;
                Some((instance, address))
            })
            .collect();
        if running.is_empty() {
            return Err(no_readers());
        }
        let resolved = try_join_all(
            running
                .iter()
                .map(|(_, address)| self.resolver.resolve_ipv4(address)),
        )
        .await?;
        let target_ips: BTreeSet<Ipv4Addr> = resolved.into_iter().flatten().collect();
        let vpc_id = running
            .iter()
            .find_map(|(instance, _)| instance_vpc_id(instance));
        Ok((target_ips.into_iter().collect(), vpc_id))
    }

    /// The cluster's VPC through its DB subnet group, for when the member instances' own
    /// descriptions do not carry the group (AWS includes it; some emulators do not). Best effort:
    /// the VPC is informative (the data source shows it), so a failure here only leaves it out.
    async fn cluster_subnet_group_vpc(
        &self,
        cluster: &DbCluster,
        calls: &AwsCalls,
    ) -> Option<String> {
        let group = cluster.db_subnet_group()?;
        calls.record();
        match self
            .rds
            .describe_db_subnet_groups()
            .db_subnet_group_name(group)
            .send()
            .await
        {
            Ok(output) => output
                .db_subnet_groups()
                .first()
                .and_then(|group| group.vpc_id())
                .map(str::to_string),
            Err(err) => {
                debug!(
                    subnet_group = group,
                    error = %aws_sdk_rds::error::DisplayErrorContext(&err),
                    "cannot read the cluster's DB subnet group; VPC left unknown"
                );
                None
            }
        }
    }

    async fn proxy(&self, name: &str, calls: &AwsCalls) -> Result<Discovery, Error> {
        let proxy = self.describe_proxy(name, calls).await?;
        let endpoint = proxy.endpoint().ok_or_else(|| Error::EndpointNotAssigned {
            kind: "DB proxy",
            identifier: name.to_string(),
            status: proxy
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        })?;
        let target_ips = self.resolver.resolve_ipv4(endpoint).await?;
        Ok(Discovery {
            kind: DatabaseKind::Proxy,
            endpoint: endpoint.to_string(),
            port: proxy.engine_family().and_then(proxy_port),
            vpc_id: proxy.vpc_id().map(str::to_string),
            engine: proxy.engine_family().map(str::to_string),
            availability_zones: Vec::new(),
            writer_instance_identifier: None,
            target_ips,
        })
    }

    async fn hostname(&self, hostname: &str) -> Result<Discovery, Error> {
        let target_ips = self.resolver.resolve_ipv4(hostname).await?;
        Ok(Discovery {
            kind: DatabaseKind::Endpoint,
            endpoint: hostname.to_string(),
            port: None,
            vpc_id: None,
            engine: None,
            availability_zones: Vec::new(),
            writer_instance_identifier: None,
            target_ips,
        })
    }

    async fn describe_instance(
        &self,
        identifier: &str,
        calls: &AwsCalls,
    ) -> Result<DbInstance, Error> {
        calls.record();
        let output = self
            .rds
            .describe_db_instances()
            .db_instance_identifier(identifier)
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(DescribeDBInstancesError::DbInstanceNotFoundFault(_)) => {
                    Error::DbInstanceNotFound {
                        identifier: identifier.to_string(),
                    }
                }
                _ => Error::aws_about(
                    "rds:DescribeDBInstances",
                    AwsObject::DbInstance(identifier),
                    err,
                ),
            })?;
        output
            .db_instances()
            .iter()
            .find(|instance| {
                instance
                    .db_instance_identifier()
                    .is_some_and(|id| id.eq_ignore_ascii_case(identifier))
            })
            .cloned()
            .ok_or_else(|| Error::DbInstanceNotFound {
                identifier: identifier.to_string(),
            })
    }

    /// Several instances in one call (a cluster has at most 16 members; the filter takes 100).
    async fn describe_instances_by_id(
        &self,
        identifiers: &[String],
        calls: &AwsCalls,
    ) -> Result<Vec<DbInstance>, Error> {
        calls.record();
        let filter = Filter::builder()
            .name("db-instance-id")
            .set_values(Some(identifiers.to_vec()))
            .build();
        let output = self
            .rds
            .describe_db_instances()
            .filters(filter)
            .send()
            .await
            .map_err(|err| {
                Error::aws_about(
                    "rds:DescribeDBInstances",
                    AwsObject::DbInstances(identifiers),
                    err,
                )
            })?;
        Ok(output.db_instances().to_vec())
    }

    /// The instances of cluster `identifier` (a cluster has at most 16; the page holds 100), or
    /// `None` when the read fails: the caller falls back to reading the members by id.
    async fn describe_cluster_instances(
        &self,
        identifier: &str,
        calls: &AwsCalls,
    ) -> Option<Vec<DbInstance>> {
        calls.record();
        let filter = Filter::builder()
            .name("db-cluster-id")
            .values(identifier)
            .build();
        match self
            .rds
            .describe_db_instances()
            .filters(filter)
            .send()
            .await
        {
            Ok(output) => Some(output.db_instances().to_vec()),
            Err(err) => {
                debug!(
                    cluster = identifier,
                    error = %aws_sdk_rds::error::DisplayErrorContext(&err),
                    "cannot read the cluster's instances by the cluster filter; reading them by id"
                );
                None
            }
        }
    }

    async fn describe_cluster(
        &self,
        identifier: &str,
        calls: &AwsCalls,
    ) -> Result<DbCluster, Error> {
        calls.record();
        let output = self
            .rds
            .describe_db_clusters()
            .db_cluster_identifier(identifier)
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(DescribeDBClustersError::DbClusterNotFoundFault(_)) => {
                    Error::DbClusterNotFound {
                        identifier: identifier.to_string(),
                    }
                }
                _ => Error::aws_about(
                    "rds:DescribeDBClusters",
                    AwsObject::DbCluster(identifier),
                    err,
                ),
            })?;
        output
            .db_clusters()
            .iter()
            .find(|cluster| {
                cluster
                    .db_cluster_identifier()
                    .is_some_and(|id| id.eq_ignore_ascii_case(identifier))
            })
            .cloned()
            .ok_or_else(|| Error::DbClusterNotFound {
                identifier: identifier.to_string(),
            })
    }

    async fn describe_proxy(&self, name: &str, calls: &AwsCalls) -> Result<DbProxy, Error> {
        calls.record();
        let output = self
            .rds
            .describe_db_proxies()
            .db_proxy_name(name)
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(DescribeDBProxiesError::DbProxyNotFoundFault(_)) => Error::DbProxyNotFound {
                    name: name.to_string(),
                },
                _ => Error::aws_about("rds:DescribeDBProxies", AwsObject::DbProxy(name), err),
            })?;
        output
            .db_proxies()
            .iter()
            .find(|proxy| proxy.db_proxy_name() == Some(name))
            .cloned()
            .ok_or_else(|| Error::DbProxyNotFound {
                name: name.to_string(),
            })
    }
}

impl Discover for Discoverer {
    async fn discover(
        &self,
        selector: &DatabaseSelector,
        calls: &AwsCalls,
    ) -> Result<Discovery, Error> {
        self.discover_counted(selector, calls).await
    }

    async fn refresh_addresses(&self, discovery: &Discovery) -> Result<Discovery, Error> {
        debug_assert!(discovery.kind != DatabaseKind::Cluster);
        let target_ips = self.resolver.resolve_ipv4(&discovery.endpoint).await?;
        Ok(Discovery {
            target_ips,
            ..discovery.clone()
        })
    }
}

/// The instance's endpoint address, or why it has none worth targeting.
fn usable_instance_endpoint<'a>(
    instance: &'a DbInstance,
    identifier: &str,
) -> Result<&'a str, Error> {
    let status = instance.db_instance_status().unwrap_or_default();
    if UNAVAILABLE_STATUSES.contains(&status) {
        return Err(Error::DatabaseUnavailable {
            kind: "DB instance",
            identifier: identifier.to_string(),
            status: status.to_string(),
        });
    }
    instance
        .endpoint()
        .and_then(|endpoint| endpoint.address())
        .ok_or_else(|| Error::EndpointNotAssigned {
            kind: "DB instance",
            identifier: identifier.to_string(),
            status: status.to_string(),
        })
}

fn instance_vpc_id(instance: &DbInstance) -> Option<String> {
    instance
        .db_subnet_group()
        .and_then(|group| group.vpc_id())
        .map(str::to_string)
}

/// RDS Proxy listens on its engine family's standard port; the API does not return it.
fn proxy_port(engine_family: &str) -> Option<u16> {
    match engine_family {
        "MYSQL" => Some(3306),
        "POSTGRESQL" => Some(5432),
        "SQLSERVER" => Some(1433),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_ports_follow_the_engine_family() {
        assert_eq!(proxy_port("POSTGRESQL"), Some(5432));
        assert_eq!(proxy_port("MYSQL"), Some(3306));
        assert_eq!(proxy_port("SQLSERVER"), Some(1433));
        assert_eq!(proxy_port("ORACLE"), None);
    }
}
