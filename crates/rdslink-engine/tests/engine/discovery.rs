//! Discovery: instance, cluster writer and readers, proxy, hostname, and every typed failure.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use rdslink_engine::function_env::MemberEndpoints;
use rdslink_engine::{
    AwsCalls, ClusterRole, DatabaseKind, DatabaseSelector, Discover, Discoverer, Resolver,
    ResolverOptions,
};
use rdslink_testkit::{SilentDns, seed};

use crate::support::{Fixture, PORT, ok};

fn cluster(identifier: &str, role: ClusterRole) -> DatabaseSelector {
    DatabaseSelector::Cluster {
        identifier: identifier.to_string(),
        role,
    }
}

#[tokio::test]
async fn instance_resolves_its_endpoint() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;

    let found = ok(
        fx.discoverer()
            .discover(&DatabaseSelector::Instance("orders".into()))
            .await,
        "discovery",
    );

    assert_eq!(found.kind, DatabaseKind::Instance);
    assert_eq!(found.endpoint, db.endpoint);
    assert_eq!(found.port, Some(db.port));
    assert_eq!(found.vpc_id, db.vpc_id);
    assert!(found.vpc_id.is_some());
    assert_eq!(found.engine.as_deref(), Some("postgres"));
    assert!(!found.availability_zones.is_empty());
    assert_eq!(found.writer_instance_identifier, None);
    assert_eq!(found.target_ips, vec![db.ip]);
}

#[tokio::test]
async fn instance_endpoint_is_followed_through_cnames() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let moved = Ipv4Addr::new(10, 200, 0, 7);
    fx.dns.set_cname(&db.endpoint, "ec2-host.internal.example");
    fx.dns.set_a("ec2-host.internal.example", &[moved]);

    let found = ok(
        fx.discoverer()
            .discover(&DatabaseSelector::Instance("orders".into()))
            .await,
        "discovery",
    );
    assert_eq!(found.target_ips, vec![moved]);
}

#[tokio::test]
async fn every_lookup_reaches_dns_no_cache() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    let discoverer = fx.discoverer();
    let selector = DatabaseSelector::Instance("orders".into());

    let first = ok(discoverer.discover(&selector).await, "first discovery");
    let moved = Ipv4Addr::new(10, 200, 0, 8);
    fx.dns.set_a(&db.endpoint, &[moved]);
    let second = ok(discoverer.discover(&selector).await, "second discovery");

    assert_eq!(first.target_ips, vec![db.ip]);
    assert_eq!(second.target_ips, vec![moved]);
}

#[tokio::test]
async fn cluster_writer_is_the_writer_instance_address() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 3).await;

    let found = ok(
        fx.discoverer()
            .discover(&cluster("aurora", ClusterRole::Writer))
            .await,
        "discovery",
    );

    assert_eq!(found.kind, DatabaseKind::Cluster);
    assert_eq!(found.endpoint, aurora.endpoint);
    assert_eq!(found.port, Some(aurora.port));
    assert_eq!(found.vpc_id, aurora.vpc_id);
    assert_eq!(found.engine.as_deref(), Some("aurora-postgresql"));
    assert_eq!(
        found.writer_instance_identifier.as_deref(),
        Some(aurora.writer().id.as_str())
    );
    assert_eq!(found.target_ips, vec![aurora.writer().ip]);
}

#[tokio::test]
async fn cluster_writer_follows_the_rds_api_not_the_stale_cluster_dns() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 2).await;
    let new_writer = seed::failover_cluster(&fx.account, &aurora, None).await;
    // The cluster endpoint's CNAME still names the old writer.

    let found = ok(
        fx.discoverer()
            .discover(&cluster("aurora", ClusterRole::Writer))
            .await,
        "discovery",
    );
    assert_ne!(new_writer, aurora.writer().id);
    assert_eq!(
        found.writer_instance_identifier.as_deref(),
        Some(new_writer.as_str())
    );
    assert_eq!(found.target_ips, vec![aurora.member(&new_writer).ip]);
}

/// The sync Lambda's discovery: the first reads the cluster and its instances side by side
/// (two calls, one round trip), later ones only the cluster, and a failover to a member is
/// followed from the remembered endpoints.
#[tokio::test]
async fn an_addresses_only_writer_reads_the_member_endpoints_once() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 2).await;
    let discoverer = fx.discoverer().addresses_only();
    let writer = cluster("aurora", ClusterRole::Writer);
    let discover = |calls: AwsCalls| {
        let (discoverer, writer) = (&discoverer, &writer);
        async move {
            let found = ok(
                Discover::discover(discoverer, writer, &calls).await,
                "discovery",
            );
            (found, calls.get())
        }
    };

    let (first, calls) = discover(AwsCalls::default()).await;
    assert_eq!(first.target_ips, vec![aurora.writer().ip]);
    assert_eq!(calls, 2, "DescribeDBClusters and DescribeDBInstances");

    let (again, calls) = discover(AwsCalls::default()).await;
    assert_eq!(again.target_ips, vec![aurora.writer().ip]);
    assert_eq!(calls, 1, "DescribeDBClusters only");

    let new_writer = seed::failover_cluster(&fx.account, &aurora, None).await;
    let (moved, calls) = discover(AwsCalls::default()).await;
    assert_eq!(moved.target_ips, vec![aurora.member(&new_writer).ip]);
    assert_eq!(calls, 1, "DescribeDBClusters only");
}

/// The sync Lambda deployed with its cluster's member endpoints (`RDSLINK_MEMBER_ENDPOINTS`):
/// its very first discovery reads only the cluster. A writer the hint does not know (a member
/// added after the deployment) is read by id.
#[tokio::test]
async fn an_addresses_only_writer_starts_from_the_endpoints_it_was_deployed_with() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 2).await;
    let writer = cluster("aurora", ClusterRole::Writer);
    let every_member = MemberEndpoints::new(
        aurora
            .members
            .iter()
            .map(|member| (member.id.as_str(), member.endpoint.as_str())),
    );
    let calls = AwsCalls::default();
    let discoverer = fx.discoverer().addresses_only().remembering(&every_member);
    let found = ok(
        Discover::discover(&discoverer, &writer, &calls).await,
        "discovery",
    );
    assert_eq!(found.target_ips, vec![aurora.writer().ip]);
    assert_eq!(calls.get(), 1, "DescribeDBClusters only");

    let readers_only = MemberEndpoints::new(
        aurora
            .members
            .iter()
            .filter(|member| !member.is_writer)
            .map(|member| (member.id.as_str(), member.endpoint.as_str())),
    );
    let calls = AwsCalls::default();
    let discoverer = fx.discoverer().addresses_only().remembering(&readers_only);
    let found = ok(
        Discover::discover(&discoverer, &writer, &calls).await,
        "discovery",
    );
    assert_eq!(found.target_ips, vec![aurora.writer().ip]);
    assert_eq!(
        calls.get(),
        2,
        "DescribeDBClusters, then DescribeDBInstances"
    );
}

/// A full writer discovery (the provider's) reads the cluster and its members side by side and
/// takes the writer's endpoint and VPC from that answer: two calls, in one round trip, after a
/// failover too.
#[tokio::test]
async fn a_writer_is_found_in_the_members_read_beside_the_cluster() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 2).await;
    let writer = cluster("aurora", ClusterRole::Writer);
    let mut expected = aurora.writer().id.clone();
    for failover in [false, true] {
        if failover {
            expected = seed::failover_cluster(&fx.account, &aurora, None).await;
        }
        let calls = AwsCalls::default();
        let found = ok(
            Discover::discover(&fx.discoverer(), &writer, &calls).await,
            "discovery",
        );
        assert_eq!(found.target_ips, vec![aurora.member(&expected).ip]);
        assert_eq!(
            found.writer_instance_identifier.as_deref(),
            Some(expected.as_str())
        );
        assert_eq!(found.vpc_id, aurora.vpc_id);
        assert_eq!(
            calls.get(),
            2,
            "DescribeDBClusters beside DescribeDBInstances"
        );
    }
}

#[tokio::test]
async fn cluster_readers_are_every_non_writer_instance() {
    let fx = Fixture::new().await;
    let aurora = seed::aurora_cluster(&fx.account, &fx.dns, "aurora", 3).await;

    let found = ok(
        fx.discoverer()
            .discover(&cluster("aurora", ClusterRole::Reader))
            .await,
        "discovery",
    );

    let mut readers: Vec<Ipv4Addr> = aurora
        .members
        .iter()
        .filter(|m| !m.is_writer)
        .map(|m| m.ip)
        .collect();
    readers.sort();
    assert_eq!(readers.len(), 2);
    assert_eq!(found.endpoint, aurora.reader_endpoint);
    assert_eq!(found.target_ips, readers);
}

#[tokio::test]
async fn a_cluster_of_one_has_no_readers() {
    let fx = Fixture::new().await;
    seed::aurora_cluster(&fx.account, &fx.dns, "solo", 1).await;

    let err = fx
        .discoverer()
        .discover(&cluster("solo", ClusterRole::Reader))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "cluster_has_no_readers", "{err}");
    assert!(err.to_string().contains("\"solo\""), "{err}");
}

#[tokio::test]
async fn a_cluster_without_instances_has_no_writer() {
    let fx = Fixture::new().await;
    fx.account
        .rds()
        .create_db_cluster()
        .db_cluster_identifier("empty")
        .engine("aurora-postgresql")
        .master_username("rdslink")
        .master_user_password("rdslink-test-password")
        .send()
        .await
        .expect("moto creates an empty cluster");

    let err = fx
        .discoverer()
        .discover(&cluster("empty", ClusterRole::Writer))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "cluster_has_no_writer", "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn proxy_targets_every_address_of_its_endpoint() {
    let fx = Fixture::new().await;
    let ips = [
        Ipv4Addr::new(10, 9, 0, 30),
        Ipv4Addr::new(10, 9, 0, 10),
        Ipv4Addr::new(10, 9, 0, 20),
    ];
    let proxy = seed::proxy(&fx.account, &fx.dns, "orders-proxy", &ips).await;

    let found = ok(
        fx.discoverer()
            .discover(&DatabaseSelector::Proxy("orders-proxy".into()))
            .await,
        "discovery",
    );

    assert_eq!(found.kind, DatabaseKind::Proxy);
    assert_eq!(found.endpoint, proxy.endpoint);
    assert_eq!(found.port, Some(PORT));
    assert_eq!(found.vpc_id, proxy.vpc_id);
    assert_eq!(found.engine.as_deref(), Some("POSTGRESQL"));
    let mut sorted = ips.to_vec();
    sorted.sort();
    assert_eq!(found.target_ips, sorted);
}

#[tokio::test]
async fn a_hostname_targets_all_its_addresses_sorted_and_deduplicated() {
    let fx = Fixture::new().await;
    let (a, b) = (Ipv4Addr::new(10, 8, 0, 2), Ipv4Addr::new(10, 8, 0, 1));
    fx.dns.set_a("db.corp.example", &[a, b, a]);

    let found = ok(
        fx.discoverer()
            .discover(&DatabaseSelector::Endpoint("db.corp.example".into()))
            .await,
        "discovery",
    );

    assert_eq!(found.kind, DatabaseKind::Endpoint);
    assert_eq!(found.endpoint, "db.corp.example");
    assert_eq!(found.target_ips, vec![b, a]);
    assert_eq!(found.port, None);
    assert_eq!(found.vpc_id, None);
    assert!(found.availability_zones.is_empty());
}

#[tokio::test]
async fn unknown_databases_are_typed_not_found_errors() {
    let fx = Fixture::new().await;
    let discoverer = fx.discoverer();
    let cases = [
        (
            DatabaseSelector::Instance("nope".into()),
            "db_instance_not_found",
        ),
        (cluster("nope", ClusterRole::Writer), "db_cluster_not_found"),
        (DatabaseSelector::Proxy("nope".into()), "db_proxy_not_found"),
    ];
    for (selector, kind) in cases {
        let err = discoverer.discover(&selector).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{selector}: {err}");
        assert!(!err.is_retryable(), "{selector}: {err}");
        assert!(err.to_string().contains("\"nope\""), "{err}");
    }
}

#[tokio::test]
async fn a_stopped_instance_is_unavailable() {
    let fx = Fixture::new().await;
    seed::instance(&fx.account, &fx.dns, "paused").await;
    fx.account
        .rds()
        .stop_db_instance()
        .db_instance_identifier("paused")
        .send()
        .await
        .expect("moto stops the instance");

    let err = fx
        .discoverer()
        .discover(&DatabaseSelector::Instance("paused".into()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "database_unavailable", "{err}");
    assert!(err.to_string().contains("stopped"), "{err}");
}

#[tokio::test]
async fn a_name_that_does_not_exist_and_a_name_without_addresses_differ() {
    let fx = Fixture::new().await;
    fx.dns.set_a("empty.corp.example", &[]);
    let discoverer = fx.discoverer();

    let missing = discoverer
        .discover(&DatabaseSelector::Endpoint("missing.corp.example".into()))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), "name_does_not_resolve", "{missing}");
    assert!(
        missing.to_string().contains(&fx.dns.addr().to_string()),
        "{missing}"
    );

    let empty = discoverer
        .discover(&DatabaseSelector::Endpoint("empty.corp.example".into()))
        .await
        .unwrap_err();
    assert_eq!(empty.kind(), "no_addresses", "{empty}");
    assert!(empty.is_retryable());
}

#[tokio::test]
async fn an_instance_whose_endpoint_does_not_resolve_fails_discovery() {
    let fx = Fixture::new().await;
    let db = seed::instance(&fx.account, &fx.dns, "orders").await;
    fx.dns.remove(&db.endpoint);

    let err = fx
        .discoverer()
        .discover(&DatabaseSelector::Instance("orders".into()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "name_does_not_resolve", "{err}");
    assert!(err.is_retryable());
    assert!(err.is_discovery_failure());
}

#[tokio::test]
async fn a_silent_nameserver_times_out_within_the_configured_budget() {
    let fx = Fixture::new().await;
    let silent = SilentDns::start().await;
    let options = ResolverOptions {
        timeout: Duration::from_millis(300),
        attempts: 2,
    };
    let discoverer = Discoverer::new(
        fx.account.rds(),
        Resolver::with_nameservers_and_options(&[silent.addr()], options),
    );

    let started = Instant::now();
    let err = discoverer
        .discover(&DatabaseSelector::Endpoint("db.corp.example".into()))
        .await
        .unwrap_err();
    let took = started.elapsed();

    assert_eq!(err.kind(), "resolver_timeout", "{err}");
    assert!(err.is_retryable());
    assert!(silent.query_count() > 0, "the resolver never asked");
    // attempts x timeout, plus one timeout of slack, plus scheduling noise.
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert!(
        took >= Duration::from_millis(300),
        "gave up too early: {took:?}"
    );
}
