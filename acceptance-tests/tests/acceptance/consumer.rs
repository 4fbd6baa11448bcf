//! `rdslink_consumer_endpoint` across accounts, through the modules a consumer team copies: the
//! producer account applies `modules/producer`, the consumer account `modules/consumer` with the
//! producer's outputs, both from one configuration with two aliased providers (each assuming a
//! role in its own emulated account). The consumer's endpoint, security group and private names
//! are read back in the consumer account; the producer sees the connection in its own.

use std::path::PathBuf;
use std::time::Instant;

use aws_sdk_ec2::types::Filter;
use rdslink_acceptance_tests::{Workspace, provider_block};
use rdslink_testkit::{Account, seed};

use super::endpoint_service::{Bench, aws::assert_nothing_owned_left};

const ENDPOINT: &str = "module.orders_db.rdslink_consumer_endpoint.this";

/// The tag rdslink puts on the consumer endpoint's security group.
const OWNERSHIP_TAG: &str = "rdslink:consumer-endpoint";

/// The repository's `modules/` directory, as a consumer's configuration names it.
fn modules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("modules")
}

/// `block` (a `provider "rdslink"` block) under `alias`.
fn aliased(block: &str, alias: &str) -> String {
    block.replacen(
        "provider \"rdslink\" {",
        &format!("provider \"rdslink\" {{\n  alias = \"{alias}\""),
        1,
    )
}

fn hcl_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|item| format!("\"{item}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The consumer team's account and the VPC its endpoint goes in.
struct Consumer {
    account: Account,
    vpc: seed::Vpc,
}

impl Consumer {
    /// A fresh emulated account and its default VPC.
    async fn new() -> Consumer {
        let account = rdslink_testkit::fresh_account().await;
        Consumer {
            vpc: seed::default_vpc(&account).await,
            account,
        }
    }
}

/// Destroys the configuration, then checks that neither account holds anything of it.
async fn destroy_leaving_nothing(workspace: &Workspace, bench: &Bench, consumer: &Consumer) {
    workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_consumer_account_empty(&consumer.account).await;
    assert_nothing_owned_left(bench.account()).await;
}

/// The producer's acceptance of the consumer's endpoint.
const ACCEPTER: &str = r#"
resource "rdslink_endpoint_connection" "orders_db" {
  provider        = rdslink.producer
  service_id      = module.share.service_id
  vpc_endpoint_id = module.orders_db.endpoint_id
}
"#;

async fn configuration(bench: &Bench, consumer: &Consumer, acceptance_required: bool) -> String {
    configuration_with(bench, consumer, acceptance_required, "").await
}

async fn configuration_with(
    bench: &Bench,
    consumer: &Consumer,
    acceptance_required: bool,
    accepter: &str,
) -> String {
    let moto = rdslink_testkit::moto().await;
    let producer = aliased(&bench.provider().await, "producer");
    let consumer_provider = aliased(
        &provider_block(
            &moto.endpoint,
            &consumer.account.role_arn,
            bench.dns().addr(),
        ),
        "consumer",
    );
    let modules = modules_dir();
    let modules = modules.display();
    format!(
        r#"{producer}
{consumer_provider}
module "share" {{
  source    = "{modules}/producer"
  providers = {{ rdslink = rdslink.producer }}

  name                  = "orders"
  db_cluster_identifier = "orders"
  vpc_id                = "{producer_vpc}"
  subnet_ids            = {producer_subnets}
  allowed_principals    = ["arn:aws:iam::{consumer_id}:root"]
  acceptance_required   = {acceptance_required}
}}

module "orders_db" {{
  source    = "{modules}/consumer"
  providers = {{ rdslink = rdslink.consumer }}

  service_name        = module.share.service_name
  database_hostname   = module.share.database_hostname
  port                = module.share.port
  vpc_id              = "{consumer_vpc}"
  subnet_ids          = {consumer_subnets}
  allowed_cidr_blocks = ["10.20.0.0/16"]
  dns_name            = "orders.db.internal"
}}

output "hostname" {{
  value = module.orders_db.hostname
}}

output "endpoint_id" {{
  value = module.orders_db.endpoint_id
}}

output "service_name" {{
  value = module.share.service_name
}}

output "service_id" {{
  value = module.share.service_id
}}

output "connections" {{
  value = module.share.connections
}}

output "consumer_state" {{
  value = module.orders_db.state
}}
{accepter}"#,
        producer_vpc = bench.vpc.id,
        producer_subnets = hcl_list(bench.subnets()),
        consumer_id = consumer.account.id,
        consumer_vpc = consumer.vpc.id,
        consumer_subnets = hcl_list(&consumer.vpc.subnet_ids),
    )
}

async fn output(workspace: &Workspace, name: &str) -> String {
    workspace
        .output(name)
        .await
        .unwrap()
        .as_str()
        .unwrap_or_else(|| panic!("output {name} is a string"))
        .to_owned()
}

/// The consumer's endpoint as EC2 reports it in the consumer account.
pub(crate) async fn endpoint(account: &Account, id: &str) -> aws_sdk_ec2::types::VpcEndpoint {
    account
        .ec2()
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await
        .expect("DescribeVpcEndpoints")
        .vpc_endpoints()
        .first()
        .cloned()
        .expect("the endpoint")
}

/// (port, source) of every ingress rule of `group`; and whether it has any egress rule.
async fn rules(account: &Account, group: &str) -> (Vec<(i32, String)>, bool) {
    let answer = account
        .ec2()
        .describe_security_groups()
        .group_ids(group)
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let group = answer.security_groups().first().expect("the group");
    let mut ingress = Vec::new();
    for permission in group.ip_permissions() {
        let port = permission.from_port().unwrap_or(-1);
        assert_eq!(permission.ip_protocol(), Some("tcp"), "{permission:?}");
        assert_eq!(
            permission.from_port(),
            permission.to_port(),
            "{permission:?}"
        );
        for range in permission.ip_ranges() {
            ingress.push((port, range.cidr_ip().unwrap_or_default().to_owned()));
        }
        for pair in permission.user_id_group_pairs() {
            ingress.push((port, pair.group_id().unwrap_or_default().to_owned()));
        }
    }
    ingress.sort();
    (ingress, !group.ip_permissions_egress().is_empty())
}

/// The private zones of the consumer account: (name without the trailing dot, id).
pub(crate) async fn private_zones(account: &Account) -> Vec<(String, String)> {
    let zones = account
        .route53()
        .list_hosted_zones()
        .send()
        .await
        .expect("ListHostedZones");
    let mut found: Vec<(String, String)> = zones
        .hosted_zones()
        .iter()
        .filter(|zone| zone.config().is_some_and(|config| config.private_zone()))
        .map(|zone| {
            (
                zone.name().trim_end_matches('.').to_owned(),
                zone.id().trim_start_matches("/hostedzone/").to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

/// The alias target of `name`'s A record in `zone`, without the trailing dot.
pub(crate) async fn alias_of(account: &Account, zone: &str, name: &str) -> Option<String> {
    let records = account
        .route53()
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .expect("ListResourceRecordSets");
    records
        .resource_record_sets()
        .iter()
        .find(|record| {
            record.name().trim_end_matches('.') == name
                && record.r#type() == &aws_sdk_route53::types::RrType::A
        })
        .and_then(|record| record.alias_target())
        .map(|target| target.dns_name().trim_end_matches('.').to_owned())
}

/// Deletes the A records of `zone` out of band, as someone editing the zone by hand would.
async fn delete_a_records(account: &Account, zone: &str) {
    let route53 = account.route53();
    let records = route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .expect("ListResourceRecordSets");
    for record in records
        .resource_record_sets()
        .iter()
        .filter(|record| record.r#type() == &aws_sdk_route53::types::RrType::A)
    {
        let change = aws_sdk_route53::types::Change::builder()
            .action(aws_sdk_route53::types::ChangeAction::Delete)
            .resource_record_set(record.clone())
            .build()
            .unwrap();
        route53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(
                aws_sdk_route53::types::ChangeBatch::builder()
                    .changes(change)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("ChangeResourceRecordSets");
    }
}

/// The producer's view of its service's connections: (endpoint id, owner, state).
async fn connections(account: &Account, service_id: &str) -> Vec<(String, String, String)> {
    let answer = account
        .ec2()
        .describe_vpc_endpoint_connections()
        .filters(
            Filter::builder()
                .name("service-id")
                .values(service_id)
                .build(),
        )
        .send()
        .await
        .expect("DescribeVpcEndpointConnections");
    answer
        .vpc_endpoint_connections()
        .iter()
        .map(|connection| {
            (
                connection.vpc_endpoint_id().unwrap_or_default().to_owned(),
                connection
                    .vpc_endpoint_owner()
                    .unwrap_or_default()
                    .to_owned(),
                connection
                    .vpc_endpoint_state()
                    .map(|state| state.as_str().to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Nothing of the consumer's is left: no endpoint that is not deleted, no rdslink security group,
/// no private zone.
pub(crate) async fn assert_consumer_account_empty(account: &Account) {
    let endpoints = account
        .ec2()
        .describe_vpc_endpoints()
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    let live: Vec<_> = endpoints
        .vpc_endpoints()
        .iter()
        .filter(|endpoint| {
            !matches!(
                endpoint
                    .state()
                    .map(|state| state.as_str().to_ascii_lowercase())
                    .as_deref(),
                Some("deleted" | "deleting")
            )
        })
        .map(|endpoint| endpoint.vpc_endpoint_id().unwrap_or_default().to_owned())
        .collect();
    assert!(live.is_empty(), "endpoints remain: {live:?}");
    let groups = account
        .ec2()
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name("tag-key")
                .values(OWNERSHIP_TAG)
                .build(),
        )
        .send()
        .await
        .expect("DescribeSecurityGroups");
    assert!(groups.security_groups().is_empty(), "{groups:#?}");
    let zones = private_zones(account).await;
    assert!(zones.is_empty(), "private zones remain: {zones:?}");
}

#[tokio::test]
async fn a_consumer_account_reaches_the_database_under_its_own_hostname() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let consumer = Consumer::new().await;
    let workspace = Workspace::new(&configuration(&bench, &consumer, false).await).unwrap();
    workspace
        .terraform(&["get", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();

    let started = Instant::now();
    workspace
        .apply()
        .await
        .unwrap_or_else(|err| panic!("the cross-account apply: {err:#}"));
    eprintln!("cross-account apply: {:?}", started.elapsed());

    let endpoint_id = output(&workspace, "endpoint_id").await;
    let hostname = output(&workspace, "hostname").await;
    assert_eq!(
        hostname, cluster.endpoint,
        "clients keep the database's own hostname"
    );
    let found = endpoint(&consumer.account, &endpoint_id).await;
    assert_eq!(found.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(
        found.service_name(),
        Some(output(&workspace, "service_name").await.as_str())
    );
    let groups: Vec<&str> = found.groups().iter().filter_map(|g| g.group_id()).collect();
    let [group] = groups.as_slice() else {
        panic!("one security group: {groups:?}");
    };
    let (ingress, has_egress) = rules(&consumer.account, group).await;
    assert_eq!(
        ingress,
        [(i32::from(cluster.port), "10.20.0.0/16".to_owned())]
    );
    assert!(!has_egress, "the endpoint's group needs no egress");

    let regional = found
        .dns_entries()
        .first()
        .and_then(|entry| entry.dns_name())
        .expect("a regional DNS name")
        .trim_end_matches('.')
        .to_owned();
    let zones = private_zones(&consumer.account).await;
    let mut names: Vec<&str> = zones.iter().map(|(name, _)| name.as_str()).collect();
    names.sort();
    let mut wanted = vec![cluster.endpoint.as_str(), "orders.db.internal"];
    wanted.sort();
    assert_eq!(names, wanted);
    for (name, zone) in &zones {
        assert_eq!(
            alias_of(&consumer.account, zone, name).await.as_deref(),
            Some(regional.as_str()),
            "{name}"
        );
    }

    let service_id = output(&workspace, "service_id").await;
    assert_eq!(
        connections(bench.account(), &service_id).await,
        [(
            endpoint_id.clone(),
            consumer.account.id.clone(),
            "available".to_owned()
        )]
    );
    // The producer's `connections` learns of the endpoint at the next refresh (the service was
    // created before the endpoint); after it, nothing is left to change.
    workspace
        .terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let (code, plan) = workspace.plan_exit_code(&[]).await.unwrap();
    assert_eq!(
        code, 0,
        "the plan after the apply is empty:\n{}",
        plan.stdout
    );

    // A rule widened out of band shows in the plan, and apply narrows it again.
    consumer
        .account
        .ec2()
        .authorize_security_group_ingress()
        .group_id(*group)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(i32::from(cluster.port))
                .to_port(i32::from(cluster.port))
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(code, 2, "{}", plan.stdout);
    assert!(
        plan.stdout.contains("0.0.0.0/0"),
        "the plan names the widened rule:\n{}",
        plan.stdout
    );
    workspace.apply().await.unwrap();
    assert_eq!(
        rules(&consumer.account, group).await.0,
        [(i32::from(cluster.port), "10.20.0.0/16".to_owned())]
    );

    // A private record deleted out of band: drift in the plan, repaired by apply.
    let (name, zone) = zones
        .iter()
        .find(|(name, _)| name == "orders.db.internal")
        .unwrap();
    delete_a_records(&consumer.account, zone).await;
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(code, 2, "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("the record of orders.db.internal is gone"),
        "{}",
        plan.stdout
    );
    workspace.apply().await.unwrap();
    assert_eq!(
        alias_of(&consumer.account, zone, name).await.as_deref(),
        Some(regional.as_str())
    );

    // A private zone deleted out of band (its record first, as Route 53 requires): the plan
    // makes a new one, and the name answers again.
    delete_a_records(&consumer.account, zone).await;
    let route53 = consumer.account.route53();
    route53.delete_hosted_zone().id(zone).send().await.unwrap();
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(code, 2, "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("the private hosted zone of orders.db.internal is gone"),
        "{}",
        plan.stdout
    );
    workspace.apply().await.unwrap();
    let zones_now = private_zones(&consumer.account).await;
    let (_, new_zone) = zones_now
        .iter()
        .find(|(name, _)| name == "orders.db.internal")
        .expect("a new zone for the name");
    assert_ne!(new_zone, zone);
    assert_eq!(
        alias_of(&consumer.account, new_zone, "orders.db.internal")
            .await
            .as_deref(),
        Some(regional.as_str())
    );
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(code, 0, "{}", plan.stdout);

    // The endpoint deleted out of band: the plan replaces the resource, whose delete removes the
    // security group and private zones the old endpoint left.
    consumer
        .account
        .ec2()
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&endpoint_id)
        .send()
        .await
        .unwrap();
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(code, 2, "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("rdslink_consumer_endpoint.this must be replaced"),
        "{}",
        plan.stdout
    );
    workspace.apply().await.unwrap();
    let endpoint_id = output(&workspace, "endpoint_id").await;
    let owned_groups = consumer
        .account
        .ec2()
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name("tag-key")
                .values(OWNERSHIP_TAG)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        owned_groups.security_groups().len(),
        1,
        "the old endpoint's security group went with it: {owned_groups:#?}"
    );
    assert_eq!(
        private_zones(&consumer.account).await.len(),
        2,
        "one zone per name"
    );
    assert_eq!(
        endpoint(&consumer.account, &endpoint_id)
            .await
            .state()
            .map(|s| s.as_str()),
        Some("available")
    );
    // The producer's `connections` learns of the new endpoint at the next refresh.
    workspace
        .terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();

    // Import by the endpoint id rebuilds the same state: the plan after it is empty.
    workspace
        .terraform(&["state", "rm", ENDPOINT])
        .await
        .unwrap()
        .success()
        .unwrap();
    workspace
        .terraform(&["import", "-no-color", ENDPOINT, &endpoint_id])
        .await
        .unwrap()
        .success()
        .unwrap();
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(
        code, 0,
        "the plan after an import is empty:\n{}",
        plan.stdout
    );

    destroy_leaving_nothing(&workspace, &bench, &consumer).await;
}

#[tokio::test]
async fn an_account_the_producer_did_not_allow_cannot_create_an_endpoint() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let consumer = Consumer::new().await;
    // The producer allows another account only.
    let configuration = configuration(&bench, &consumer, false).await.replace(
        &format!("arn:aws:iam::{}:root", consumer.account.id),
        "arn:aws:iam::222222222222:root",
    );
    let workspace = Workspace::new(&configuration).unwrap();
    workspace
        .terraform(&["get", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let run = workspace
        .terraform(&["apply", "-auto-approve", "-no-color"])
        .await
        .unwrap();
    assert_ne!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("InvalidServiceName"), "{}", run.stderr);
    destroy_leaving_nothing(&workspace, &bench, &consumer).await;
}

/// Bad input fails `terraform validate` on the attribute, before any AWS call.
#[tokio::test]
async fn bad_consumer_input_is_refused_at_validate_time() {
    let cases = [
        (
            "service_name = \"vpce-svc-0123456789abcdef0\"",
            "Invalid service name",
        ),
        (
            "database_hostname = \"orders.db.internal\"",
            "Invalid database hostname",
        ),
        (
            "allowed_cidr_blocks = [\"0.0.0.0/0\"]",
            "Open to every address",
        ),
        (
            "allowed_cidr_blocks = [\"10.20.0.1/16\"]",
            "Invalid CIDR block",
        ),
        ("subnet_ids = [\"subnet-nope\"]", "Invalid subnet id"),
    ];
    for (line, summary) in cases {
        let mut attributes = vec![
            (
                "service_name",
                "\"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0\"",
            ),
            ("vpc_id", "\"vpc-0123456789abcdef0\""),
            ("subnet_ids", "[\"subnet-0123456789abcdef0\"]"),
            ("port", "5432"),
        ];
        let key = line.split(" = ").next().unwrap();
        attributes.retain(|(name, _)| *name != key);
        let body: String = attributes
            .iter()
            .map(|(name, value)| format!("  {name} = {value}\n"))
            .chain(std::iter::once(format!("  {line}\n")))
            .collect();
        let workspace = Workspace::new(&format!(
            "resource \"rdslink_consumer_endpoint\" \"this\" {{\n{body}}}\n"
        ))
        .unwrap();
        let validate = workspace.validate_json().await.unwrap();
        let errors = rdslink_acceptance_tests::validate_errors(&validate);
        assert!(
            errors
                .iter()
                .any(|(found, code)| found == summary && code.contains(key)),
            "{line}: {errors:?}"
        );
    }
}

#[tokio::test]
async fn with_acceptance_required_the_endpoint_waits_until_the_producer_accepts_it() {
    let bench = Bench::new().await;
    seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let consumer = Consumer::new().await;
    let workspace = Workspace::new(&configuration(&bench, &consumer, true).await).unwrap();
    workspace
        .terraform(&["get", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let applied = workspace.apply().await.unwrap();
    assert!(
        applied
            .stdout
            .contains("The producer must accept this endpoint")
            || applied
                .stderr
                .contains("The producer must accept this endpoint"),
        "the apply says the producer must accept:\n{applied:#?}"
    );
    let endpoint_id = output(&workspace, "endpoint_id").await;
    assert_eq!(
        output(&workspace, "consumer_state").await,
        "pendingAcceptance"
    );
    // The producer's refresh lists the waiting endpoint.
    workspace
        .terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(
        workspace.output("connections").await.unwrap(),
        serde_json::json!([{
            "vpc_endpoint_id": endpoint_id,
            "owner": consumer.account.id,
            "state": "pendingAcceptance",
        }])
    );

    // The producer accepts: the consumer's endpoint becomes available.
    workspace
        .write_configuration(&configuration_with(&bench, &consumer, true, ACCEPTER).await)
        .unwrap();
    workspace.apply().await.unwrap();
    assert_eq!(
        endpoint(&consumer.account, &endpoint_id)
            .await
            .state()
            .map(|s| s.as_str()),
        Some("available")
    );
    workspace
        .terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(output(&workspace, "consumer_state").await, "available");
    assert_eq!(
        workspace.output("connections").await.unwrap()[0]["state"],
        "available"
    );
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(code, 0, "{}", plan.stdout);

    destroy_leaving_nothing(&workspace, &bench, &consumer).await;
}

/// Two teams, two configurations: whichever destroys first, nothing is left in either account. A
/// producer destroying first while the consumer is connected is refused (after its delete timeout)
/// with the command that would cut the consumer off, rather than cutting it off silently; once the
/// consumer has destroyed its endpoint, the producer's destroy completes.
#[tokio::test]
async fn two_teams_destroying_in_either_order_leave_nothing_behind() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let consumer = Consumer::new().await;
    let moto = rdslink_testkit::moto().await;
    let consumer_provider = provider_block(
        &moto.endpoint,
        &consumer.account.role_arn,
        bench.dns().addr(),
    );
    for producer_first in [true, false] {
        let producer = bench
            .other_workspace(
                &super::endpoint_service::Service::new(&bench, "orders")
                    .principals(&[&format!("arn:aws:iam::{}:root", consumer.account.id)])
                    .with("timeouts {\n    delete = \"5s\"\n  }")
                    .hcl(),
            )
            .await;
        producer.apply().await.unwrap().success().unwrap();
        let values = super::endpoint_service::state(&producer).await;
        let service_name = values["service_name"].as_str().unwrap().to_owned();
        let consumer_workspace = Workspace::new(&format!(
            "{consumer_provider}\nresource \"rdslink_consumer_endpoint\" \"orders\" {{\n  service_name = \"{service_name}\"\n  port = {port}\n  vpc_id = \"{vpc}\"\n  subnet_ids = {subnets}\n  allowed_cidr_blocks = [\"10.20.0.0/16\"]\n  database_hostname = \"{hostname}\"\n}}\n",
            port = cluster.port,
            vpc = consumer.vpc.id,
            subnets = hcl_list(&consumer.vpc.subnet_ids),
            hostname = cluster.endpoint,
        ))
        .unwrap();
        consumer_workspace.apply().await.unwrap().success().unwrap();

        if producer_first {
            let refused = producer
                .terraform(&["destroy", "-auto-approve", "-no-color"])
                .await
                .unwrap();
            assert_ne!(refused.code, 0, "{refused:#?}");
            assert!(
                refused.stderr.contains("reject-vpc-endpoint-connections"),
                "the refusal names the command that would cut the consumer off:\n{}",
                refused.stderr
            );
            let consumer_values = super::endpoint_service::state_values_of(
                &consumer_workspace,
                "rdslink_consumer_endpoint.orders",
            )
            .await
            .expect("the consumer endpoint");
            let endpoint_id = super::endpoint_service::text(&consumer_values, "id");
            assert_eq!(
                endpoint(&consumer.account, endpoint_id)
                    .await
                    .state()
                    .map(|s| s.as_str()),
                Some("available"),
                "the consumer is still connected"
            );
        }
        consumer_workspace
            .terraform(&["destroy", "-auto-approve", "-no-color"])
            .await
            .unwrap()
            .success()
            .unwrap();
        producer
            .terraform(&["destroy", "-auto-approve", "-no-color"])
            .await
            .unwrap()
            .success()
            .unwrap();
        assert_consumer_account_empty(&consumer.account).await;
        assert_nothing_owned_left(bench.account()).await;
    }
}

/// Subnets are checked when the provider can ask EC2, at plan time, on `subnet_ids`: one that is
/// not in `vpc_id` (here: the producer's, another account's) and two in one availability zone.
#[tokio::test]
async fn subnets_in_another_vpc_or_sharing_a_zone_fail_the_plan_on_subnet_ids() {
    let consumer_account = rdslink_testkit::fresh_account().await;
    let vpc = seed::default_vpc(&consumer_account).await;
    let first = consumer_account
        .ec2()
        .describe_subnets()
        .subnet_ids(&vpc.subnet_ids[0])
        .send()
        .await
        .unwrap();
    let zone = first.subnets()[0].availability_zone().unwrap().to_owned();
    let second_in_zone = consumer_account
        .ec2()
        .create_subnet()
        .vpc_id(&vpc.id)
        .cidr_block("172.31.200.0/24")
        .availability_zone(&zone)
        .send()
        .await
        .expect("CreateSubnet")
        .subnet
        .and_then(|subnet| subnet.subnet_id)
        .unwrap();
    let other_vpc = consumer_account
        .ec2()
        .create_vpc()
        .cidr_block("10.77.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|vpc| vpc.vpc_id)
        .unwrap();
    let moto = rdslink_testkit::moto().await;
    let dns = rdslink_testkit::DnsServer::start().await;
    let provider = provider_block(&moto.endpoint, &consumer_account.role_arn, dns.addr());
    let cases = [
        (other_vpc.clone(), vec![vpc.subnet_ids[0].clone()], "is in"),
        (
            vpc.id.clone(),
            vec![vpc.subnet_ids[0].clone(), second_in_zone.clone()],
            "are both in",
        ),
    ];
    for (vpc_id, subnets, reason) in cases {
        let workspace = Workspace::new(&format!(
            "{provider}\nresource \"rdslink_consumer_endpoint\" \"this\" {{\n  service_name = \"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0\"\n  port = 5432\n  vpc_id = \"{vpc_id}\"\n  subnet_ids = {}\n}}\n",
            hcl_list(&subnets)
        ))
        .unwrap();
        let run = workspace.terraform(&["plan", "-no-color"]).await.unwrap();
        assert_ne!(run.code, 0, "{run:#?}");
        assert!(run.stderr.contains("Invalid subnets"), "{}", run.stderr);
        assert!(run.stderr.contains(reason), "{reason}: {}", run.stderr);
        assert!(
            run.stderr.contains("subnet_ids"),
            "points at subnet_ids: {}",
            run.stderr
        );
    }
}

/// The consumer account's default VPC in `region`.
async fn default_vpc_in(account: &Account, region: &str) -> (aws_sdk_ec2::Client, seed::Vpc) {
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&account.config)
            .region(aws_sdk_ec2::config::Region::new(region.to_owned()))
            .build(),
    );
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .expect("DescribeVpcs");
    let vpc_id = vpcs.vpcs()[0].vpc_id().unwrap().to_owned();
    let subnets = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .expect("DescribeSubnets");
    let mut by_zone = std::collections::BTreeMap::new();
    for subnet in subnets.subnets() {
        by_zone
            .entry(subnet.availability_zone().unwrap_or_default().to_owned())
            .or_insert_with(|| subnet.subnet_id().unwrap_or_default().to_owned());
    }
    let vpc = seed::Vpc {
        id: vpc_id,
        subnet_ids: by_zone.into_values().take(2).collect(),
    };
    (ec2, vpc)
}

/// Cross-region PrivateLink: the producer (us-east-1) lists eu-west-1 in `supported_regions`; a
/// consumer in eu-west-1 sets `service_region`. Without it the plan says so on `service_name`.
#[tokio::test]
async fn a_consumer_in_another_region_connects_through_cross_region_privatelink() {
    let bench = Bench::new().await;
    let cluster = seed::aurora_cluster(bench.account(), bench.dns(), "orders", 2).await;
    let consumer_account = rdslink_testkit::fresh_account().await;
    let (consumer_ec2, vpc) = default_vpc_in(&consumer_account, "eu-west-1").await;
    let moto = rdslink_testkit::moto().await;
    let producer = aliased(&bench.provider().await, "producer");
    let consumer_provider = aliased(
        &provider_block(
            &moto.endpoint,
            &consumer_account.role_arn,
            bench.dns().addr(),
        )
        .replace(
            "region          = \"us-east-1\"",
            "region          = \"eu-west-1\"",
        ),
        "consumer",
    );
    assert!(
        consumer_provider.contains("eu-west-1"),
        "{consumer_provider}"
    );
    let configuration = |service_region: &str| {
        format!(
            r#"{producer}
{consumer_provider}
resource "rdslink_endpoint_service" "orders" {{
  provider              = rdslink.producer
  name                  = "orders"
  db_cluster_identifier = "orders"
  vpc_id                = "{producer_vpc}"
  subnet_ids            = {producer_subnets}
  allowed_principals    = ["arn:aws:iam::{consumer_id}:root"]
  supported_regions     = ["eu-west-1"]
}}

resource "rdslink_consumer_endpoint" "orders" {{
  provider            = rdslink.consumer
  service_name        = rdslink_endpoint_service.orders.service_name
  {service_region}
  port                = {port}
  vpc_id              = "{consumer_vpc}"
  subnet_ids          = {consumer_subnets}
  allowed_cidr_blocks = ["10.20.0.0/16"]
}}
"#,
            producer_vpc = bench.vpc.id,
            producer_subnets = hcl_list(bench.subnets()),
            consumer_id = consumer_account.id,
            port = cluster.port,
            consumer_vpc = vpc.id,
            consumer_subnets = hcl_list(&vpc.subnet_ids),
        )
    };
    let workspace = Workspace::new(&configuration("")).unwrap();
    // The service's region is known only once it exists: the first plan cannot tell; apply
    // the producer first, then the consumer's plan names the mistake.
    workspace
        .terraform(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-target=rdslink_endpoint_service.orders",
        ])
        .await
        .unwrap()
        .success()
        .unwrap();
    let refused = workspace.terraform(&["plan", "-no-color"]).await.unwrap();
    assert_ne!(refused.code, 0, "{refused:#?}");
    assert!(
        refused.stderr.contains("Service in another region"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("service_region = \"us-east-1\""),
        "{}",
        refused.stderr
    );

    workspace
        .write_configuration(&configuration("service_region      = \"us-east-1\""))
        .unwrap();
    workspace
        .apply()
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
    let values =
        super::endpoint_service::state_values_of(&workspace, "rdslink_consumer_endpoint.orders")
            .await
            .expect("the consumer endpoint");
    let endpoint_id = super::endpoint_service::text(&values, "id").to_owned();
    let found = consumer_ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&endpoint_id)
        .send()
        .await
        .unwrap();
    let found = &found.vpc_endpoints()[0];
    assert_eq!(found.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(found.service_region(), Some("us-east-1"));
    let producer_values =
        super::endpoint_service::state_values_of(&workspace, "rdslink_endpoint_service.orders")
            .await
            .unwrap();
    assert_eq!(
        producer_values["supported_regions"],
        serde_json::json!(["eu-west-1"])
    );
    let service_id = super::endpoint_service::text(&producer_values, "id").to_owned();
    assert_eq!(
        connections(bench.account(), &service_id).await,
        [(
            endpoint_id,
            consumer_account.id.clone(),
            "available".to_owned()
        )]
    );
    workspace
        .terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let (code, plan) = workspace.plan_exit_code(&["-no-color"]).await.unwrap();
    assert_eq!(code, 0, "{}", plan.stdout);
    workspace
        .terraform(&["destroy", "-auto-approve", "-no-color"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let left = consumer_ec2.describe_vpc_endpoints().send().await.unwrap();
    assert!(
        left.vpc_endpoints().iter().all(|endpoint| endpoint
            .state()
            .is_some_and(|s| s.as_str().eq_ignore_ascii_case("deleted"))),
        "{left:#?}"
    );
    assert_nothing_owned_left(bench.account()).await;
}
