use std::collections::HashSet;
use std::net::Ipv4Addr;

use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, TargetTypeEnum};
use rdslink_testkit::{DnsServer, fresh_account, seed};

use crate::resolve::ipv4;

#[tokio::test]
async fn aurora_cluster_points_dns_at_its_members() {
    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let cluster = seed::aurora_cluster(&account, &dns, "orders", 3).await;

    let ids: Vec<&str> = cluster
        .members
        .iter()
        .map(|member| member.id.as_str())
        .collect();
    assert_eq!(ids, ["orders-1", "orders-2", "orders-3"]);
    let writers: Vec<bool> = cluster
        .members
        .iter()
        .map(|member| member.is_writer)
        .collect();
    assert_eq!(writers, [true, false, false]);
    assert_eq!(cluster.port, 5432);
    let distinct: HashSet<Ipv4Addr> = cluster.members.iter().map(|member| member.ip).collect();
    assert_eq!(distinct.len(), 3, "every member has its own address");
    assert!(
        cluster
            .members
            .iter()
            .all(|member| member.ip.octets()[0] == 10)
    );

    for member in &cluster.members {
        assert_eq!(ipv4(dns.addr(), &member.endpoint).await, [member.ip]);
    }
    assert_eq!(
        ipv4(dns.addr(), &cluster.endpoint).await,
        [cluster.members[0].ip]
    );
    assert_eq!(
        ipv4(dns.addr(), &cluster.reader_endpoint).await,
        [cluster.members[1].ip]
    );

    let vpc = seed::default_vpc(&account).await;
    assert_eq!(cluster.vpc_id.as_deref(), Some(vpc.id.as_str()));
}

/// As on AWS, a cluster's instances report the cluster's DB subnet group, VPC included
/// (`moto_faithful.py`): the provider learns the database's VPC from the writer it reads anyway.
#[tokio::test]
async fn aurora_members_report_their_clusters_subnet_group() {
    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let cluster = seed::aurora_cluster(&account, &dns, "ledger", 2).await;
    let vpc = seed::default_vpc(&account).await;
    for member in &cluster.members {
        let described = account
            .rds()
            .describe_db_instances()
            .db_instance_identifier(&member.id)
            .send()
            .await
            .expect("DescribeDBInstances");
        let group = described.db_instances()[0]
            .db_subnet_group()
            .unwrap_or_else(|| panic!("{} reports no DB subnet group", member.id));
        assert_eq!(group.vpc_id(), Some(vpc.id.as_str()), "{}", member.id);
    }
}

#[tokio::test]
async fn failover_flips_the_writer_and_leaves_dns_to_the_caller() {
    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let cluster = seed::aurora_cluster(&account, &dns, "billing", 3).await;
    let old_writer_ip = cluster.writer().ip;

    let new_writer = seed::failover_cluster(&account, &cluster, Some("billing-3")).await;
    assert_eq!(new_writer, "billing-3");
    assert_eq!(
        ipv4(dns.addr(), &cluster.endpoint).await,
        [old_writer_ip],
        "failover_cluster does not touch DNS"
    );

    seed::point_writer_dns(&dns, &cluster, &new_writer);
    assert_eq!(
        ipv4(dns.addr(), &cluster.endpoint).await,
        [cluster.member("billing-3").ip]
    );

    let next_writer = seed::failover_cluster(&account, &cluster, None).await;
    assert_ne!(
        next_writer, "billing-3",
        "a failover without a target picks another member"
    );
    assert!(
        cluster
            .members
            .iter()
            .any(|member| member.id == next_writer)
    );
}

#[tokio::test]
async fn instance_endpoint_resolves_and_reports_its_vpc() {
    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let instance = seed::instance(&account, &dns, "inventory").await;
    assert_eq!(ipv4(dns.addr(), &instance.endpoint).await, [instance.ip]);
    assert_eq!(instance.port, 5432);

    let described = account
        .rds()
        .describe_db_instances()
        .db_instance_identifier("inventory")
        .send()
        .await
        .unwrap();
    let db = &described.db_instances()[0];
    assert_eq!(db.multi_az(), Some(true));
    assert_eq!(db.engine(), Some("postgres"));
    let vpc = seed::default_vpc(&account).await;
    assert_eq!(instance.vpc_id.as_deref(), Some(vpc.id.as_str()));
}

#[tokio::test]
async fn proxy_endpoint_resolves_to_the_given_addresses() {
    let account = fresh_account().await;
    let dns = DnsServer::start().await;
    let ips = [Ipv4Addr::new(10, 200, 0, 1), Ipv4Addr::new(10, 200, 0, 2)];
    let proxy = seed::proxy(&account, &dns, "orders-proxy", &ips).await;
    assert_eq!(ipv4(dns.addr(), &proxy.endpoint).await, ips);
    assert!(proxy.arn.contains(&account.id), "{}", proxy.arn);
    let vpc = seed::default_vpc(&account).await;
    assert_eq!(proxy.vpc_id.as_deref(), Some(vpc.id.as_str()));
}

#[tokio::test]
async fn target_group_is_ip_tcp_in_the_default_vpc() {
    let account = fresh_account().await;
    let arn = seed::target_group(&account, "rdslink-orders", 5432).await;
    let described = account
        .elbv2()
        .describe_target_groups()
        .target_group_arns(&arn)
        .send()
        .await
        .unwrap();
    let group = &described.target_groups()[0];
    assert_eq!(group.target_group_name(), Some("rdslink-orders"));
    assert_eq!(group.port(), Some(5432));
    assert_eq!(group.protocol(), Some(&ProtocolEnum::Tcp));
    assert_eq!(group.target_type(), Some(&TargetTypeEnum::Ip));
    let vpc = seed::default_vpc(&account).await;
    assert_eq!(group.vpc_id(), Some(vpc.id.as_str()));
}
