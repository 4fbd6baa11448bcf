//! The consumer side of PrivateLink across accounts and regions, as `moto_privatelink.py` makes the
//! emulator answer it, through the Rust SDK the provider uses: a consumer account creates an
//! interface endpoint to a producer account's endpoint service (if the service allows it, in the
//! service's zones, from another region if the service supports that region, once per client
//! token), and the producer sees, accepts and rejects the connection.
//!
//! States are compared as strings: AWS (and so the emulator) sends `available`,
//! `pendingAcceptance`, `rejected`, `deleted`, which the SDK's `State` enum, spelled `Available`,
//! `PendingAcceptance`, ..., keeps as unknown values.

use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::error::ProvideErrorMetadata as _;
use aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder;
use aws_sdk_ec2::types::{
    Filter, ResourceType, ServiceConnectivityType, ServiceType, Tag, TagSpecification, VpcEndpoint,
    VpcEndpointConnection, VpcEndpointType,
};
use rdslink_testkit::{Account, REGION, fresh_account, seed};

/// The hosted zone of us-east-1's `vpce.amazonaws.com` names.
const VPCE_HOSTED_ZONE: &str = "Z7HUB22UULQXV";
/// An endpoint id no account has.
const UNKNOWN_ENDPOINT: &str = "vpce-0123456789abcdef0";
/// The region of consumers that reach a [`REGION`] service through cross-region PrivateLink.
const OTHER_REGION: &str = "us-west-2";

/// An endpoint service of the producer: its id and name, and its load balancer's ARN.
struct Service {
    id: String,
    name: String,
    load_balancer_arn: String,
}

/// Builds target group -> NLB -> listener -> endpoint service in the producer's default VPC, the
/// NLB in every subnet of it (so in every zone).
async fn endpoint_service(producer: &Account, prefix: &str, acceptance_required: bool) -> Service {
    let vpc = seed::default_vpc(producer).await;
    endpoint_service_on(producer, prefix, acceptance_required, &vpc.subnet_ids).await
}

/// [`endpoint_service`] with the NLB in the given subnets of the producer's default VPC only.
async fn endpoint_service_on(
    producer: &Account,
    prefix: &str,
    acceptance_required: bool,
    subnet_ids: &[String],
) -> Service {
    let vpc = seed::default_vpc(producer).await;
    let bundle = seed::hand_built_bundle(producer, prefix, &vpc.id, subnet_ids, 5432).await;
    let ec2 = producer.ec2();
    if !acceptance_required {
        ec2.modify_vpc_endpoint_service_configuration()
            .service_id(&bundle.service_id)
            .acceptance_required(false)
            .send()
            .await
            .expect("ModifyVpcEndpointServiceConfiguration");
    }
    let described = ec2
        .describe_vpc_endpoint_service_configurations()
        .service_ids(&bundle.service_id)
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations");
    let config = &described.service_configurations()[0];
    assert_eq!(config.acceptance_required(), Some(acceptance_required));
    Service {
        name: config.service_name().expect("service name").to_owned(),
        id: bundle.service_id,
        load_balancer_arn: bundle.load_balancer_arn,
    }
}

async fn allow(producer: &Account, service: &Service, principal: &str) {
    producer
        .ec2()
        .modify_vpc_endpoint_service_permissions()
        .service_id(&service.id)
        .add_allowed_principals(principal)
        .send()
        .await
        .expect("ModifyVpcEndpointServicePermissions");
}

fn root(account: &Account) -> String {
    format!("arn:aws:iam::{}:root", account.id)
}

/// The same account acting in another region.
fn in_region(account: &Account, region: &str) -> Account {
    Account {
        config: account
            .config
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build(),
        region: region.to_owned(),
        ..account.clone()
    }
}

/// ModifyVpcEndpointServiceConfiguration: AddSupportedRegions / RemoveSupportedRegions.
async fn change_supported_regions(
    producer: &Account,
    service_id: &str,
    add: &[&str],
    remove: &[&str],
) {
    let owned = |regions: &[&str]| {
        (!regions.is_empty()).then(|| regions.iter().map(|r| (*r).to_owned()).collect())
    };
    producer
        .ec2()
        .modify_vpc_endpoint_service_configuration()
        .service_id(service_id)
        .set_add_supported_regions(owned(add))
        .set_remove_supported_regions(owned(remove))
        .send()
        .await
        .expect("ModifyVpcEndpointServiceConfiguration");
}

/// (region, service state) of each of the service's supported regions, sorted.
fn region_details(details: &[aws_sdk_ec2::types::SupportedRegionDetail]) -> Vec<(String, String)> {
    let mut regions: Vec<(String, String)> = details
        .iter()
        .map(|detail| {
            (
                detail.region().expect("region").to_owned(),
                detail.service_state().expect("service state").to_owned(),
            )
        })
        .collect();
    regions.sort();
    regions
}

/// [`region_details`] of the service as DescribeVpcEndpointServiceConfigurations reports it.
async fn supported_regions(producer: &Account, service_id: &str) -> Vec<(String, String)> {
    let described = producer
        .ec2()
        .describe_vpc_endpoint_service_configurations()
        .service_ids(service_id)
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations");
    region_details(described.service_configurations()[0].supported_regions())
}

/// A consumer account: two subnets of its default VPC (and their zones) and its own security group.
struct Consumer {
    account: Account,
    vpc_id: String,
    subnet_ids: Vec<String>,
    zones: Vec<String>,
    security_group_id: String,
}

async fn consumer() -> Consumer {
    consumer_in(REGION).await
}

/// [`consumer`] in the given region.
async fn consumer_in(region: &str) -> Consumer {
    let account = in_region(&fresh_account().await, region);
    let vpc = seed::default_vpc(&account).await;
    let subnet_ids: Vec<String> = vpc.subnet_ids[..2].to_vec();
    let ec2 = account.ec2();
    let subnets = ec2
        .describe_subnets()
        .set_subnet_ids(Some(subnet_ids.clone()))
        .send()
        .await
        .expect("DescribeSubnets");
    let zones = subnet_ids
        .iter()
        .map(|id| {
            subnets
                .subnets()
                .iter()
                .find(|subnet| subnet.subnet_id() == Some(id.as_str()))
                .and_then(|subnet| subnet.availability_zone())
                .expect("the subnet's zone")
                .to_owned()
        })
        .collect();
    let security_group_id = ec2
        .create_security_group()
        .group_name("rdslink-endpoint")
        .description("the consumer's endpoint")
        .vpc_id(&vpc.id)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .expect("group id")
        .to_owned();
    Consumer {
        account,
        vpc_id: vpc.id,
        subnet_ids,
        zones,
        security_group_id,
    }
}

type CreateEndpointResult = Result<
    aws_sdk_ec2::operation::create_vpc_endpoint::CreateVpcEndpointOutput,
    aws_sdk_ec2::error::SdkError<
        aws_sdk_ec2::operation::create_vpc_endpoint::CreateVpcEndpointError,
    >,
>;

/// CreateVpcEndpoint (Interface, the consumer's two subnets and security group, private DNS off,
/// tagged `Name = <name>`).
async fn create_endpoint(
    consumer: &Consumer,
    service_name: &str,
    name: &str,
) -> CreateEndpointResult {
    endpoint_request(consumer, service_name, name).send().await
}

/// The request [`create_endpoint`] sends, to add to.
fn endpoint_request(
    consumer: &Consumer,
    service_name: &str,
    name: &str,
) -> CreateVpcEndpointFluentBuilder {
    consumer
        .account
        .ec2()
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .vpc_id(&consumer.vpc_id)
        .service_name(service_name)
        .set_subnet_ids(Some(consumer.subnet_ids.clone()))
        .security_group_ids(&consumer.security_group_id)
        .private_dns_enabled(false)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::VpcEndpoint)
                .tags(Tag::builder().key("Name").value(name).build())
                .build(),
        )
}

/// The ids of the account's endpoints (DescribeVpcEndpoints), sorted.
async fn endpoint_ids(account: &Account) -> Vec<String> {
    let described = account
        .ec2()
        .describe_vpc_endpoints()
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    let mut ids: Vec<String> = described
        .vpc_endpoints()
        .iter()
        .filter_map(|endpoint| endpoint.vpc_endpoint_id().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

fn id_of(created: &aws_sdk_ec2::operation::create_vpc_endpoint::CreateVpcEndpointOutput) -> String {
    created
        .vpc_endpoint()
        .and_then(VpcEndpoint::vpc_endpoint_id)
        .expect("endpoint id")
        .to_owned()
}

/// The id of a new endpoint that the service is expected to let the consumer create.
async fn endpoint_id(consumer: &Consumer, service: &Service, name: &str) -> String {
    create_endpoint(consumer, &service.name, name)
        .await
        .expect("CreateVpcEndpoint to an allowed service")
        .vpc_endpoint()
        .and_then(VpcEndpoint::vpc_endpoint_id)
        .expect("endpoint id")
        .to_owned()
}

async fn describe_endpoint(consumer: &Consumer, endpoint_id: &str) -> VpcEndpoint {
    let described = consumer
        .account
        .ec2()
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(endpoint_id)
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    assert_eq!(described.vpc_endpoints().len(), 1);
    described.vpc_endpoints()[0].clone()
}

async fn endpoint_state(consumer: &Consumer, endpoint_id: &str) -> String {
    describe_endpoint(consumer, endpoint_id)
        .await
        .state()
        .expect("State")
        .as_str()
        .to_owned()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// DescribeVpcEndpointConnections in the producer's account with the given filters.
async fn connections(producer: &Account, filters: Vec<Filter>) -> Vec<VpcEndpointConnection> {
    producer
        .ec2()
        .describe_vpc_endpoint_connections()
        .set_filters(Some(filters))
        .send()
        .await
        .expect("DescribeVpcEndpointConnections")
        .vpc_endpoint_connections()
        .to_vec()
}

/// (endpoint id, state) of the producer's connections with the given filters, sorted.
async fn connection_states(producer: &Account, filters: Vec<Filter>) -> Vec<(String, String)> {
    let mut states: Vec<(String, String)> = connections(producer, filters)
        .await
        .iter()
        .map(|connection| {
            (
                connection
                    .vpc_endpoint_id()
                    .expect("endpoint id")
                    .to_owned(),
                connection
                    .vpc_endpoint_state()
                    .expect("state")
                    .as_str()
                    .to_owned(),
            )
        })
        .collect();
    states.sort();
    states
}

fn pair(endpoint_id: &str, state: &str) -> (String, String) {
    (endpoint_id.to_owned(), state.to_owned())
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

/// The (resource id, error code) of each unsuccessful item.
fn unsuccessful(items: &[aws_sdk_ec2::types::UnsuccessfulItem]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|item| {
            (
                item.resource_id().expect("resource id").to_owned(),
                item.error()
                    .and_then(|error| error.code())
                    .expect("error code")
                    .to_owned(),
            )
        })
        .collect()
}

async fn accept(
    producer: &Account,
    service_id: &str,
    endpoint_ids: &[&str],
) -> Vec<(String, String)> {
    let accepted = producer
        .ec2()
        .accept_vpc_endpoint_connections()
        .service_id(service_id)
        .set_vpc_endpoint_ids(Some(
            endpoint_ids.iter().map(|id| (*id).to_owned()).collect(),
        ))
        .send()
        .await
        .expect("AcceptVpcEndpointConnections");
    unsuccessful(accepted.unsuccessful())
}

async fn reject(
    producer: &Account,
    service_id: &str,
    endpoint_ids: &[&str],
) -> Vec<(String, String)> {
    let rejected = producer
        .ec2()
        .reject_vpc_endpoint_connections()
        .service_id(service_id)
        .set_vpc_endpoint_ids(Some(
            endpoint_ids.iter().map(|id| (*id).to_owned()).collect(),
        ))
        .send()
        .await
        .expect("RejectVpcEndpointConnections");
    unsuccessful(rejected.unsuccessful())
}

async fn delete_service(producer: &Account, service_id: &str) -> Vec<(String, String)> {
    let deleted = producer
        .ec2()
        .delete_vpc_endpoint_service_configurations()
        .service_ids(service_id)
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations");
    unsuccessful(deleted.unsuccessful())
}

/// The producer's endpoint service ids.
async fn service_ids(producer: &Account) -> Vec<String> {
    producer
        .ec2()
        .describe_vpc_endpoint_service_configurations()
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations")
        .service_configurations()
        .iter()
        .filter_map(|config| config.service_id().map(str::to_owned))
        .collect()
}

/// Every service name DescribeVpcEndpointServices lists to the account (all pages).
async fn listed_service_names(account: &Account) -> Vec<String> {
    let ec2 = account.ec2();
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = ec2
            .describe_vpc_endpoint_services()
            .set_next_token(token.take())
            .send()
            .await
            .expect("DescribeVpcEndpointServices");
        names.extend(page.service_names().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return names,
        }
    }
}

fn assert_invalid_service_name(err: &impl aws_sdk_ec2::error::ProvideErrorMetadata, name: &str) {
    assert_eq!(err.code(), Some("InvalidServiceName"), "{name}");
    assert_eq!(
        err.message(),
        Some(format!("The Vpc Endpoint Service '{name}' does not exist").as_str())
    );
}

#[tokio::test]
async fn a_service_is_invisible_to_an_account_it_does_not_allow() {
    let producer = fresh_account().await;
    let (stranger, other) = (consumer().await, fresh_account().await);
    let service = endpoint_service(&producer, "invisible", true).await;
    // Another account's permission is no permission for the stranger.
    allow(&producer, &service, &root(&other)).await;

    let err = create_endpoint(&stranger, &service.name, "refused")
        .await
        .expect_err("CreateVpcEndpoint to a service that does not allow the account");
    assert_invalid_service_name(&err, &service.name);
    let err = stranger
        .account
        .ec2()
        .describe_vpc_endpoint_services()
        .service_names(&service.name)
        .send()
        .await
        .expect_err("DescribeVpcEndpointServices of a service that does not allow the account");
    assert_invalid_service_name(&err, &service.name);
    assert!(
        !listed_service_names(&stranger.account)
            .await
            .contains(&service.name)
    );

    // A name no account has is refused the same way.
    let missing = format!("com.amazonaws.vpce.{REGION}.vpce-svc-0123456789abcdef0");
    let err = create_endpoint(&stranger, &missing, "missing")
        .await
        .expect_err("CreateVpcEndpoint to a service that does not exist");
    assert_invalid_service_name(&err, &missing);

    // Nothing was made: the producer has no connection, the stranger no endpoint.
    assert!(connections(&producer, vec![]).await.is_empty());
    let endpoints = stranger
        .account
        .ec2()
        .describe_vpc_endpoints()
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    assert!(endpoints.vpc_endpoints().is_empty());
}

#[tokio::test]
async fn a_service_admits_an_allowed_root_any_iam_arn_of_an_account_or_everyone() {
    let producer = fresh_account().await;
    let service = endpoint_service(&producer, "principals", false).await;
    let (by_root, by_role, later) = (consumer().await, consumer().await, consumer().await);
    allow(&producer, &service, &root(&by_root.account)).await;
    allow(&producer, &service, &by_role.account.role_arn).await;

    let root_endpoint = endpoint_id(&by_root, &service, "by-root").await;
    let role_endpoint = endpoint_id(&by_role, &service, "by-role").await;
    let err = create_endpoint(&later, &service.name, "not-yet")
        .await
        .expect_err("not allowed yet");
    assert_invalid_service_name(&err, &service.name);

    allow(&producer, &service, "*").await;
    let later_endpoint = endpoint_id(&later, &service, "everyone").await;
    assert!(
        listed_service_names(&later.account)
            .await
            .contains(&service.name)
    );

    let owners: Vec<(String, String)> = connections(&producer, vec![])
        .await
        .iter()
        .map(|connection| {
            (
                connection
                    .vpc_endpoint_id()
                    .expect("endpoint id")
                    .to_owned(),
                connection.vpc_endpoint_owner().expect("owner").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        sorted(owners),
        sorted(vec![
            pair(&root_endpoint, &by_root.account.id),
            pair(&role_endpoint, &by_role.account.id),
            pair(&later_endpoint, &later.account.id),
        ])
    );
}

#[tokio::test]
async fn an_endpoint_to_a_service_without_acceptance_is_available_with_aws_dns_names() {
    let producer = fresh_account().await;
    let consumer = consumer().await;
    let service = endpoint_service(&producer, "open", false).await;
    allow(&producer, &service, &root(&consumer.account)).await;

    let created = create_endpoint(&consumer, &service.name, "orders")
        .await
        .expect("CreateVpcEndpoint");
    let created = created.vpc_endpoint().expect("the endpoint");
    let id = created.vpc_endpoint_id().expect("endpoint id").to_owned();
    assert_eq!(created.state().map(|s| s.as_str()), Some("available"));

    // <id>-<8 random lowercase alphanumerics>.<service id>.<region>.vpce.amazonaws.com, then one
    // name per subnet with -<zone> after the random part, all in the region's hosted zone.
    let entries = created.dns_entries();
    assert_eq!(entries.len(), 1 + consumer.subnet_ids.len());
    let domain = format!("{}.{REGION}.vpce.amazonaws.com", service.id);
    let regional = entries[0].dns_name().expect("regional name");
    let random = regional
        .strip_prefix(&format!("{id}-"))
        .and_then(|rest| rest.strip_suffix(&format!(".{domain}")))
        .unwrap_or_else(|| panic!("regional name {regional}"));
    assert_eq!(random.len(), 8, "{regional}");
    assert!(
        random
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{regional}"
    );
    let mut expected = vec![format!("{id}-{random}.{domain}")];
    expected.extend(
        consumer
            .zones
            .iter()
            .map(|zone| format!("{id}-{random}-{zone}.{domain}")),
    );
    let names: Vec<&str> = entries.iter().filter_map(|e| e.dns_name()).collect();
    assert_eq!(names, expected);
    assert!(
        entries
            .iter()
            .all(|entry| entry.hosted_zone_id() == Some(VPCE_HOSTED_ZONE))
    );

    // The consumer reads it all back.
    let endpoint = describe_endpoint(&consumer, &id).await;
    assert_eq!(endpoint.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(endpoint.service_name(), Some(service.name.as_str()));
    assert_eq!(
        endpoint.vpc_endpoint_type(),
        Some(&VpcEndpointType::Interface)
    );
    assert_eq!(endpoint.vpc_id(), Some(consumer.vpc_id.as_str()));
    assert_eq!(endpoint.owner_id(), Some(consumer.account.id.as_str()));
    assert_eq!(endpoint.private_dns_enabled(), Some(false));
    assert_eq!(endpoint.subnet_ids(), consumer.subnet_ids.as_slice());
    assert_eq!(endpoint.dns_entries(), entries);
    assert_eq!(endpoint.network_interface_ids().len(), 2);
    assert!(
        endpoint
            .network_interface_ids()
            .iter()
            .all(|eni| eni.starts_with("eni-"))
    );
    let groups: Vec<&str> = endpoint
        .groups()
        .iter()
        .filter_map(|group| group.group_id())
        .collect();
    assert_eq!(groups, [consumer.security_group_id.as_str()]);
    let tags: Vec<(&str, &str)> = endpoint
        .tags()
        .iter()
        .filter_map(|tag| Some((tag.key()?, tag.value()?)))
        .collect();
    assert_eq!(tags, [("Name", "orders")]);

    // The producer sees one available connection with the same names.
    let found = connections(&producer, vec![]).await;
    assert_eq!(found.len(), 1);
    let connection = &found[0];
    assert_eq!(connection.service_id(), Some(service.id.as_str()));
    assert_eq!(connection.vpc_endpoint_id(), Some(id.as_str()));
    assert_eq!(
        connection.vpc_endpoint_owner(),
        Some(consumer.account.id.as_str())
    );
    assert_eq!(
        connection.vpc_endpoint_state().map(|s| s.as_str()),
        Some("available")
    );
    assert_eq!(connection.dns_entries(), entries);
}

#[tokio::test]
async fn a_pending_connection_follows_the_producers_accept_and_reject() {
    let producer = fresh_account().await;
    let consumer = consumer().await;
    let service = endpoint_service(&producer, "guarded", true).await;
    allow(&producer, &service, &root(&consumer.account)).await;

    let accepted = endpoint_id(&consumer, &service, "accepted").await;
    let refused = endpoint_id(&consumer, &service, "refused").await;
    assert_eq!(
        endpoint_state(&consumer, &accepted).await,
        "pendingAcceptance"
    );
    assert_eq!(
        endpoint_state(&consumer, &refused).await,
        "pendingAcceptance"
    );

    let found = connections(&producer, vec![filter("vpc-endpoint-id", &accepted)]).await;
    assert_eq!(found.len(), 1);
    let connection = &found[0];
    assert_eq!(connection.service_id(), Some(service.id.as_str()));
    assert_eq!(
        connection.vpc_endpoint_owner(),
        Some(consumer.account.id.as_str())
    );
    assert_eq!(
        connection.vpc_endpoint_state().map(|s| s.as_str()),
        Some("pendingAcceptance")
    );
    assert_eq!(
        connection.network_load_balancer_arns(),
        std::slice::from_ref(&service.load_balancer_arn)
    );
    assert_eq!(
        connection.ip_address_type().map(|t| t.as_str()),
        Some("ipv4")
    );
    assert!(
        connection
            .vpc_endpoint_connection_id()
            .is_some_and(|id| id.starts_with("vpce-con-")),
        "{connection:?}"
    );
    assert!(connection.creation_timestamp().is_some());
    let endpoint = describe_endpoint(&consumer, &accepted).await;
    assert_eq!(connection.dns_entries(), endpoint.dns_entries());
    assert_eq!(connection.dns_entries().len(), 3);

    assert_eq!(accept(&producer, &service.id, &[&accepted]).await, []);
    assert_eq!(endpoint_state(&consumer, &accepted).await, "available");
    assert_eq!(reject(&producer, &service.id, &[&refused]).await, []);
    assert_eq!(endpoint_state(&consumer, &refused).await, "rejected");
    assert_eq!(
        connection_states(&producer, vec![]).await,
        sorted(vec![
            pair(&accepted, "available"),
            pair(&refused, "rejected")
        ])
    );

    // An available connection can be rejected too.
    assert_eq!(reject(&producer, &service.id, &[&accepted]).await, []);
    assert_eq!(endpoint_state(&consumer, &accepted).await, "rejected");
    assert_eq!(
        connection_states(&producer, vec![filter("vpc-endpoint-state", "rejected")]).await,
        sorted(vec![
            pair(&accepted, "rejected"),
            pair(&refused, "rejected")
        ])
    );
}

#[tokio::test]
async fn ids_that_are_not_connections_of_the_service_come_back_unsuccessful() {
    let producer = fresh_account().await;
    let consumer = consumer().await;
    let service = endpoint_service(&producer, "partial", true).await;
    let other_service = endpoint_service(&producer, "elsewhere", true).await;
    allow(&producer, &service, &root(&consumer.account)).await;
    allow(&producer, &other_service, &root(&consumer.account)).await;
    let pending = endpoint_id(&consumer, &service, "pending").await;
    let elsewhere = endpoint_id(&consumer, &other_service, "elsewhere").await;

    let not_found = |id: &str| pair(id, "InvalidVpcEndpoint.NotFound");
    assert_eq!(
        accept(
            &producer,
            &service.id,
            &[UNKNOWN_ENDPOINT, &pending, &elsewhere]
        )
        .await,
        [not_found(UNKNOWN_ENDPOINT), not_found(&elsewhere)]
    );
    assert_eq!(endpoint_state(&consumer, &pending).await, "available");
    assert_eq!(
        endpoint_state(&consumer, &elsewhere).await,
        "pendingAcceptance"
    );
    assert_eq!(
        reject(&producer, &service.id, &[&elsewhere, UNKNOWN_ENDPOINT]).await,
        [not_found(&elsewhere), not_found(UNKNOWN_ENDPOINT)]
    );
    assert_eq!(
        endpoint_state(&consumer, &elsewhere).await,
        "pendingAcceptance"
    );

    // Only the service's owner decides: to anyone else the service does not exist.
    let err = consumer
        .account
        .ec2()
        .accept_vpc_endpoint_connections()
        .service_id(&other_service.id)
        .vpc_endpoint_ids(&elsewhere)
        .send()
        .await
        .expect_err("AcceptVpcEndpointConnections by the consumer");
    assert_eq!(err.code(), Some("InvalidVpcEndpointServiceId.NotFound"));
    let err = producer
        .ec2()
        .reject_vpc_endpoint_connections()
        .service_id("vpce-svc-0123456789abcdef0")
        .vpc_endpoint_ids(&pending)
        .send()
        .await
        .expect_err("RejectVpcEndpointConnections of an unknown service");
    assert_eq!(err.code(), Some("InvalidVpcEndpointServiceId.NotFound"));
    assert_eq!(endpoint_state(&consumer, &pending).await, "available");
    assert_eq!(
        endpoint_state(&consumer, &elsewhere).await,
        "pendingAcceptance"
    );
    // The consumer has no service, so no connection to see.
    assert!(connections(&consumer.account, vec![]).await.is_empty());
}

#[tokio::test]
async fn connections_filter_by_service_endpoint_owner_and_state() {
    let producer = fresh_account().await;
    let (first, second) = (consumer().await, consumer().await);
    let guarded = endpoint_service(&producer, "guarded", true).await;
    let open = endpoint_service(&producer, "open", false).await;
    for service in [&guarded, &open] {
        allow(&producer, service, "*").await;
    }
    let first_guarded = endpoint_id(&first, &guarded, "first-guarded").await;
    let second_guarded = endpoint_id(&second, &guarded, "second-guarded").await;
    let first_open = endpoint_id(&first, &open, "first-open").await;

    assert_eq!(
        connection_states(&producer, vec![]).await,
        sorted(vec![
            pair(&first_guarded, "pendingAcceptance"),
            pair(&second_guarded, "pendingAcceptance"),
            pair(&first_open, "available"),
        ])
    );
    assert_eq!(
        connection_states(&producer, vec![filter("service-id", &open.id)]).await,
        [pair(&first_open, "available")]
    );
    assert_eq!(
        connection_states(
            &producer,
            vec![filter("vpc-endpoint-owner", &first.account.id)]
        )
        .await,
        sorted(vec![
            pair(&first_guarded, "pendingAcceptance"),
            pair(&first_open, "available")
        ])
    );
    assert_eq!(
        connection_states(&producer, vec![filter("vpc-endpoint-id", &second_guarded)]).await,
        [pair(&second_guarded, "pendingAcceptance")]
    );
    assert_eq!(
        connection_states(
            &producer,
            vec![filter("vpc-endpoint-state", "pendingAcceptance")]
        )
        .await,
        sorted(vec![
            pair(&first_guarded, "pendingAcceptance"),
            pair(&second_guarded, "pendingAcceptance"),
        ])
    );
    // Filters combine; values of one filter are alternatives.
    assert_eq!(
        connection_states(
            &producer,
            vec![
                filter("service-id", &guarded.id),
                filter("vpc-endpoint-owner", &second.account.id),
            ]
        )
        .await,
        [pair(&second_guarded, "pendingAcceptance")]
    );
    assert_eq!(
        connection_states(
            &producer,
            vec![
                Filter::builder()
                    .name("vpc-endpoint-state")
                    .values("available")
                    .values("rejected")
                    .build()
            ]
        )
        .await,
        [pair(&first_open, "available")]
    );
    assert!(
        connection_states(&producer, vec![filter("vpc-endpoint-owner", &producer.id)])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_service_with_a_pending_or_available_connection_is_not_deleted() {
    let producer = fresh_account().await;
    let consumer = consumer().await;
    let service = endpoint_service(&producer, "kept", true).await;
    allow(&producer, &service, &root(&consumer.account)).await;
    let endpoint = endpoint_id(&consumer, &service, "kept").await;

    let refused = vec![pair(&service.id, "ExistingVpcEndpointConnections")];
    assert_eq!(delete_service(&producer, &service.id).await, refused);
    assert_eq!(
        service_ids(&producer).await,
        std::slice::from_ref(&service.id)
    );
    assert_eq!(accept(&producer, &service.id, &[&endpoint]).await, []);
    let deleted = producer
        .ec2()
        .delete_vpc_endpoint_service_configurations()
        .service_ids(&service.id)
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations");
    let item = &deleted.unsuccessful()[0];
    assert_eq!(
        item.error().and_then(|error| error.message()),
        Some("Service has existing active VPC Endpoint connections!")
    );
    assert_eq!(unsuccessful(deleted.unsuccessful()), refused);
    assert_eq!(
        service_ids(&producer).await,
        std::slice::from_ref(&service.id)
    );

    // The consumer deletes its endpoint: the connection stays listed, deleted, and no longer
    // keeps the service.
    let deleted = consumer
        .account
        .ec2()
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&endpoint)
        .send()
        .await
        .expect("DeleteVpcEndpoints");
    assert!(deleted.unsuccessful().is_empty());
    assert_eq!(
        connection_states(&producer, vec![]).await,
        [pair(&endpoint, "deleted")]
    );
    assert_eq!(
        accept(&producer, &service.id, &[&endpoint]).await,
        [pair(&endpoint, "InvalidVpcEndpoint.NotFound")]
    );
    assert_eq!(delete_service(&producer, &service.id).await, []);
    assert!(service_ids(&producer).await.is_empty());
    // Gone for the consumer too.
    let err = create_endpoint(&consumer, &service.name, "too-late")
        .await
        .expect_err("CreateVpcEndpoint to a deleted service");
    assert_invalid_service_name(&err, &service.name);
}

#[tokio::test]
async fn a_service_whose_connections_are_rejected_is_deleted() {
    let producer = fresh_account().await;
    let consumer = consumer().await;
    let service = endpoint_service(&producer, "rejected", false).await;
    let unknown = "vpce-svc-0123456789abcdef0";
    allow(&producer, &service, &root(&consumer.account)).await;
    let endpoint = endpoint_id(&consumer, &service, "rejected").await;
    assert_eq!(endpoint_state(&consumer, &endpoint).await, "available");

    assert_eq!(reject(&producer, &service.id, &[&endpoint]).await, []);
    let deleted = producer
        .ec2()
        .delete_vpc_endpoint_service_configurations()
        .service_ids(unknown)
        .service_ids(&service.id)
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations");
    assert_eq!(
        unsuccessful(deleted.unsuccessful()),
        [pair(unknown, "InvalidVpcEndpointService.NotFound")]
    );
    assert!(service_ids(&producer).await.is_empty());
    assert_eq!(endpoint_state(&consumer, &endpoint).await, "rejected");
}

#[tokio::test]
async fn the_consumer_describes_the_services_it_may_use() {
    let producer = fresh_account().await;
    let consumer = consumer().await;
    let allowed = endpoint_service(&producer, "allowed", true).await;
    let hidden = endpoint_service(&producer, "hidden", false).await;
    allow(&producer, &allowed, &root(&consumer.account)).await;

    let described = consumer
        .account
        .ec2()
        .describe_vpc_endpoint_services()
        .service_names(&allowed.name)
        .send()
        .await
        .expect("DescribeVpcEndpointServices");
    assert_eq!(
        described.service_names(),
        std::slice::from_ref(&allowed.name)
    );
    assert_eq!(described.service_details().len(), 1);
    let detail = &described.service_details()[0];
    assert_eq!(detail.service_name(), Some(allowed.name.as_str()));
    assert_eq!(detail.service_id(), Some(allowed.id.as_str()));
    let types: Vec<_> = detail
        .service_type()
        .iter()
        .filter_map(|t| t.service_type())
        .collect();
    assert_eq!(types, [&ServiceType::Interface]);
    let vpc = seed::default_vpc(&producer).await;
    let producer_subnets = producer
        .ec2()
        .describe_subnets()
        .set_subnet_ids(Some(vpc.subnet_ids.clone()))
        .send()
        .await
        .expect("DescribeSubnets");
    let mut zones: Vec<String> = producer_subnets
        .subnets()
        .iter()
        .filter_map(|subnet| subnet.availability_zone().map(str::to_owned))
        .collect();
    zones.sort();
    assert_eq!(detail.availability_zones(), zones.as_slice());
    assert_eq!(detail.owner(), Some(producer.id.as_str()));
    assert_eq!(detail.acceptance_required(), Some(true));
    assert_eq!(detail.manages_vpc_endpoints(), Some(false));
    assert_eq!(detail.vpc_endpoint_policy_supported(), Some(false));
    assert_eq!(
        detail.base_endpoint_dns_names(),
        [format!("{}.{REGION}.vpce.amazonaws.com", allowed.id)]
    );
    assert_eq!(
        detail.supported_ip_address_types(),
        [ServiceConnectivityType::Ipv4]
    );
    assert_eq!(detail.private_dns_name(), None);
    assert!(detail.private_dns_names().is_empty());

    let listed = listed_service_names(&consumer.account).await;
    assert!(listed.contains(&allowed.name));
    assert!(!listed.contains(&hidden.name));
    // AWS's own services are still listed.
    assert!(listed.contains(&format!("com.amazonaws.{REGION}.s3")));
    let err = consumer
        .account
        .ec2()
        .describe_vpc_endpoint_services()
        .service_names(&allowed.name)
        .service_names(&hidden.name)
        .send()
        .await
        .expect_err("DescribeVpcEndpointServices naming a service the account may not use");
    assert_invalid_service_name(&err, &hidden.name);

    // The owner sees both of its services.
    let own = listed_service_names(&producer).await;
    assert!(own.contains(&allowed.name) && own.contains(&hidden.name));
}

#[tokio::test]
async fn a_create_repeated_with_its_client_token_returns_the_first_endpoint() {
    let producer = fresh_account().await;
    let (consumer, other) = (consumer().await, consumer().await);
    let service = endpoint_service(&producer, "retried", false).await;
    allow(&producer, &service, "*").await;
    let token = format!("rdslink-{}", consumer.security_group_id);

    let first = endpoint_request(&consumer, &service.name, "retried")
        .client_token(&token)
        .send()
        .await
        .expect("CreateVpcEndpoint");
    let id = id_of(&first);
    assert_eq!(first.client_token(), Some(token.as_str()));
    // A retry (its answer lost, say) gets the same endpoint back, made once.
    let again = endpoint_request(&consumer, &service.name, "retried")
        .client_token(&token)
        .send()
        .await
        .expect("CreateVpcEndpoint repeated");
    assert_eq!(again.client_token(), Some(token.as_str()));
    assert_eq!(again.vpc_endpoint(), first.vpc_endpoint());
    assert_eq!(
        endpoint_ids(&consumer.account).await,
        std::slice::from_ref(&id)
    );

    // The same token with any other parameter is refused, and makes nothing.
    let mismatch = format!("The client token {token} was already used with different parameters.");
    let renamed = endpoint_request(&consumer, &service.name, "renamed")
        .client_token(&token)
        .send()
        .await
        .expect_err("the same token with another tag");
    let one_subnet = endpoint_request(&consumer, &service.name, "retried")
        .client_token(&token)
        .set_subnet_ids(Some(consumer.subnet_ids[..1].to_vec()))
        .send()
        .await
        .expect_err("the same token with other subnets");
    for err in [&renamed, &one_subnet] {
        assert_eq!(err.code(), Some("IdempotentParameterMismatch"));
        assert_eq!(err.message(), Some(mismatch.as_str()));
    }
    assert_eq!(
        endpoint_ids(&consumer.account).await,
        std::slice::from_ref(&id)
    );
    assert_eq!(
        connection_states(&producer, vec![]).await,
        [pair(&id, "available")]
    );

    // Another token makes another endpoint; the token of one account is nothing to another.
    let second = endpoint_request(&consumer, &service.name, "retried")
        .client_token(format!("{token}-2"))
        .send()
        .await
        .expect("CreateVpcEndpoint with another token");
    let second = id_of(&second);
    let elsewhere = endpoint_request(&other, &service.name, "retried")
        .client_token(&token)
        .send()
        .await
        .expect("CreateVpcEndpoint by another account with the same token");
    let elsewhere = id_of(&elsewhere);
    let mut both = vec![id.clone(), second.clone()];
    both.sort();
    assert_eq!(endpoint_ids(&consumer.account).await, both);
    assert_eq!(
        endpoint_ids(&other.account).await,
        std::slice::from_ref(&elsewhere)
    );
    assert_eq!(
        connection_states(&producer, vec![]).await,
        sorted(vec![
            pair(&id, "available"),
            pair(&second, "available"),
            pair(&elsewhere, "available"),
        ])
    );
}

#[tokio::test]
async fn a_consumer_in_another_region_reaches_a_service_that_supports_its_region() {
    let producer = fresh_account().await;
    let service = endpoint_service(&producer, "remote", false).await;
    let (consumer, stranger) = (
        consumer_in(OTHER_REGION).await,
        consumer_in(OTHER_REGION).await,
    );
    allow(&producer, &service, &root(&consumer.account)).await;
    let across = |consumer: &Consumer, name: &str| {
        endpoint_request(consumer, &service.name, name).service_region(REGION)
    };

    // Without ServiceRegion a service of another region does not exist for the consumer; with it,
    // not while the service does not support the consumer's region.
    let err = create_endpoint(&consumer, &service.name, "no-region")
        .await
        .expect_err("CreateVpcEndpoint to another region's service without ServiceRegion");
    assert_invalid_service_name(&err, &service.name);
    let err = across(&consumer, "unsupported")
        .send()
        .await
        .expect_err("CreateVpcEndpoint from a region the service does not support");
    assert_invalid_service_name(&err, &service.name);

    change_supported_regions(&producer, &service.id, &[OTHER_REGION], &[]).await;
    // ServiceRegion must be the region the service's name says.
    let err = endpoint_request(&consumer, &service.name, "wrong-region")
        .service_region("us-east-2")
        .send()
        .await
        .expect_err("CreateVpcEndpoint with the wrong ServiceRegion");
    assert_invalid_service_name(&err, &service.name);
    // A supported region admits only the accounts the service allows.
    let err = across(&stranger, "stranger")
        .send()
        .await
        .expect_err("CreateVpcEndpoint by an account the service does not allow");
    assert_invalid_service_name(&err, &service.name);

    let created = across(&consumer, "remote")
        .send()
        .await
        .expect("CreateVpcEndpoint across regions");
    let id = id_of(&created);
    let endpoint = describe_endpoint(&consumer, &id).await;
    assert_eq!(endpoint.service_region(), Some(REGION));
    assert_eq!(endpoint.service_name(), Some(service.name.as_str()));
    assert_eq!(endpoint.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(endpoint.owner_id(), Some(consumer.account.id.as_str()));
    // The subnets are in the consumer's region's zones, none of which the service (in REGION) is
    // in: a cross-region endpoint is not held to the service's zones.
    assert!(
        consumer
            .zones
            .iter()
            .all(|zone| zone.starts_with(OTHER_REGION))
    );
    assert_eq!(endpoint.subnet_ids(), consumer.subnet_ids.as_slice());
    // DNS names in the service region's vpce domain and hosted zone, zonal ones per endpoint zone.
    let entries = endpoint.dns_entries();
    let domain = format!("{}.{REGION}.vpce.amazonaws.com", service.id);
    let regional = entries[0].dns_name().expect("regional name");
    let random = regional
        .strip_prefix(&format!("{id}-"))
        .and_then(|rest| rest.strip_suffix(&format!(".{domain}")))
        .unwrap_or_else(|| panic!("regional name {regional}"));
    let mut expected = vec![format!("{id}-{random}.{domain}")];
    expected.extend(
        consumer
            .zones
            .iter()
            .map(|zone| format!("{id}-{random}-{zone}.{domain}")),
    );
    let names: Vec<&str> = entries.iter().filter_map(|e| e.dns_name()).collect();
    assert_eq!(names, expected);
    assert!(
        entries
            .iter()
            .all(|entry| entry.hosted_zone_id() == Some(VPCE_HOSTED_ZONE))
    );

    // The producer sees the connection, from the consumer's region.
    let found = connections(&producer, vec![]).await;
    assert_eq!(found.len(), 1);
    let connection = &found[0];
    assert_eq!(connection.vpc_endpoint_id(), Some(id.as_str()));
    assert_eq!(connection.vpc_endpoint_region(), Some(OTHER_REGION));
    assert_eq!(
        connection.vpc_endpoint_owner(),
        Some(consumer.account.id.as_str())
    );
    assert_eq!(connection.dns_entries(), entries);
    assert_eq!(
        connection_states(&producer, vec![filter("vpc-endpoint-region", OTHER_REGION)]).await,
        [pair(&id, "available")]
    );
    assert!(
        connection_states(&producer, vec![filter("vpc-endpoint-region", REGION)])
            .await
            .is_empty()
    );

    // Once the service no longer supports the region, no new endpoint is made from it.
    change_supported_regions(&producer, &service.id, &[], &[OTHER_REGION]).await;
    let err = across(&consumer, "too-late")
        .send()
        .await
        .expect_err("CreateVpcEndpoint from a region no longer supported");
    assert_invalid_service_name(&err, &service.name);
    assert_eq!(
        endpoint_ids(&consumer.account).await,
        std::slice::from_ref(&id)
    );
}

#[tokio::test]
async fn a_service_lists_its_own_region_among_its_supported_regions() {
    let producer = fresh_account().await;
    let available = |region: &str| pair(region, "Available");
    let service = endpoint_service(&producer, "regions", true).await;
    assert_eq!(
        supported_regions(&producer, &service.id).await,
        [available(REGION)]
    );
    change_supported_regions(&producer, &service.id, &[OTHER_REGION, "eu-west-1"], &[]).await;
    assert_eq!(
        supported_regions(&producer, &service.id).await,
        sorted(vec![
            available(REGION),
            available(OTHER_REGION),
            available("eu-west-1")
        ])
    );
    change_supported_regions(&producer, &service.id, &[], &["eu-west-1"]).await;
    assert_eq!(
        supported_regions(&producer, &service.id).await,
        sorted(vec![available(REGION), available(OTHER_REGION)])
    );

    // Created with SupportedRegions naming its own region too: each region is listed once.
    let vpc = seed::default_vpc(&producer).await;
    let balancer = producer
        .elbv2()
        .create_load_balancer()
        .name("regions-at-create")
        .r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Network)
        .scheme(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(vpc.subnet_ids.clone()))
        .send()
        .await
        .expect("CreateLoadBalancer");
    let balancer_arn = balancer.load_balancers()[0]
        .load_balancer_arn()
        .expect("load balancer ARN");
    let created = producer
        .ec2()
        .create_vpc_endpoint_service_configuration()
        .network_load_balancer_arns(balancer_arn)
        .supported_regions(REGION)
        .supported_regions(OTHER_REGION)
        .send()
        .await
        .expect("CreateVpcEndpointServiceConfiguration");
    let config = created.service_configuration().expect("the service");
    let both = sorted(vec![available(REGION), available(OTHER_REGION)]);
    assert_eq!(region_details(config.supported_regions()), both);
    let id = config.service_id().expect("service id");
    assert_eq!(supported_regions(&producer, id).await, both);
}

#[tokio::test]
async fn an_interface_endpoint_needs_subnets_in_the_zones_of_the_service() {
    let producer = fresh_account().await;
    let consumer = consumer().await;
    // The service's load balancer is in the consumer's first zone only.
    let vpc = seed::default_vpc(&producer).await;
    let producer_subnets = producer
        .ec2()
        .describe_subnets()
        .set_subnet_ids(Some(vpc.subnet_ids.clone()))
        .send()
        .await
        .expect("DescribeSubnets");
    let in_first_zone = producer_subnets
        .subnets()
        .iter()
        .find(|subnet| subnet.availability_zone() == Some(consumer.zones[0].as_str()))
        .and_then(|subnet| subnet.subnet_id())
        .expect("a producer subnet in the consumer's first zone")
        .to_owned();
    let service = endpoint_service_on(&producer, "zonal", false, &[in_first_zone]).await;
    allow(&producer, &service, &root(&consumer.account)).await;
    let described = consumer
        .account
        .ec2()
        .describe_vpc_endpoint_services()
        .service_names(&service.name)
        .send()
        .await
        .expect("DescribeVpcEndpointServices");
    assert_eq!(
        described.service_details()[0].availability_zones(),
        [consumer.zones[0].clone()]
    );

    // The second subnet's zone is not the service's: refused, and nothing is made.
    let err = create_endpoint(&consumer, &service.name, "both-zones")
        .await
        .expect_err("CreateVpcEndpoint with a subnet outside the service's zones");
    assert_eq!(err.code(), Some("InvalidParameter"));
    assert_eq!(
        err.message(),
        Some(
            format!(
                "The VPC endpoint service {} does not support the availability zone of the subnet: {}.",
                service.name, consumer.subnet_ids[1]
            )
            .as_str()
        )
    );
    assert!(endpoint_ids(&consumer.account).await.is_empty());
    assert!(connections(&producer, vec![]).await.is_empty());

    // In the service's zone only, it is made.
    let created = endpoint_request(&consumer, &service.name, "first-zone")
        .set_subnet_ids(Some(consumer.subnet_ids[..1].to_vec()))
        .send()
        .await
        .expect("CreateVpcEndpoint in the service's zone");
    let id = id_of(&created);
    let endpoint = describe_endpoint(&consumer, &id).await;
    assert_eq!(endpoint.subnet_ids(), &consumer.subnet_ids[..1]);
    assert_eq!(endpoint.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(
        connection_states(&producer, vec![]).await,
        [pair(&id, "available")]
    );
}
