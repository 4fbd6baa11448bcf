//! The AWS side of a consumer endpoint: its security group, the interface endpoint, and the
//! private hosted zones that answer the requested names with the endpoint's addresses. Nothing
//! here knows Terraform; every function names what it was doing in its error.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, ResourceType, State, Tag, TagSpecification, UserIdGroupPair,
    VpcEndpointType,
};
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, HostedZoneConfig, ResourceRecordSet, RrType,
    TagResourceType, Vpc, VpcRegion,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::time::Instant;

/// The tag every part carries: on the security group, the service name it admits clients of; on
/// the private zones, the endpoint they answer for.
pub const OWNERSHIP_TAG: &str = "rdslink:consumer-endpoint";
/// On a private zone: which attribute's name it answers (`database_hostname` or `dns_name`).
pub const NAME_ROLE_TAG: &str = "rdslink:private-name";

pub type Result<T> = std::result::Result<T, String>;

/// `what` failed, and why, as the engine words AWS failures everywhere.
fn failed<E, R>(what: &str, err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    format!("{what}: {}", rdslink_engine::aws_error::Failure::of(err))
}

fn code<E: ProvideErrorMetadata, R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// The subnets' problems for an endpoint in `vpc_id`: unknown ids, another VPC, two in one zone.
pub async fn subnet_problems(
    ec2: &aws_sdk_ec2::Client,
    vpc_id: &str,
    subnet_ids: &[String],
) -> Result<Vec<String>> {
    let answer = ec2
        .describe_subnets()
        .set_subnet_ids(Some(subnet_ids.to_vec()))
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) if code(&err) == Some("InvalidSubnetID.NotFound") => {
            return Ok(vec![format!(
                "a subnet does not exist: {}",
                err.as_service_error()
                    .and_then(|e| e.message())
                    .unwrap_or_default()
            )]);
        }
        Err(err) => return Err(failed("reading the subnets", &err)),
    };
    let mut problems = Vec::new();
    let mut zones: BTreeMap<String, String> = BTreeMap::new();
    for subnet in answer.subnets() {
        let id = subnet.subnet_id().unwrap_or_default();
        if subnet.vpc_id() != Some(vpc_id) {
            problems.push(format!(
                "{id} is in {}, not in {vpc_id}",
                subnet.vpc_id().unwrap_or("another VPC")
            ));
        }
        let zone = subnet.availability_zone().unwrap_or_default().to_owned();
        if let Some(other) = zones.insert(zone.clone(), id.to_owned()) {
            problems.push(format!(
                "{other} and {id} are both in {zone}: an endpoint takes one subnet per availability zone"
            ));
        }
    }
    Ok(problems)
}

fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

/// Creates the endpoint's security group: no ingress yet ([`set_ingress`]) and no egress (an
/// interface endpoint only answers connections, which security groups allow back statefully).
pub async fn create_security_group(
    ec2: &aws_sdk_ec2::Client,
    vpc_id: &str,
    service_name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    let service_id = service_name.rsplit('.').next().unwrap_or(service_name);
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() % 0xffff_ffff)
        .unwrap_or_default();
    let created = ec2
        .create_security_group()
        .vpc_id(vpc_id)
        .group_name(format!("rdslink-{service_id}-{nonce:08x}"))
        .description(format!("rdslink: clients of {service_name}"))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .set_tags(Some(ec2_tags(tags)))
                .build(),
        )
        .send()
        .await
        .map_err(|err| failed("creating the endpoint's security group", &err))?;
    let group_id = created
        .group_id()
        .ok_or("CreateSecurityGroup answered no group id")?
        .to_owned();
    let everything = IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.revoke_security_group_egress()
        .group_id(&group_id)
        .ip_permissions(everything)
        .send()
        .await
        .map_err(|err| {
            failed(
                "removing the default egress rule of the endpoint's security group",
                &err,
            )
        })?;
    Ok(group_id)
}

/// Who may reach the endpoint on which ports, as its security group says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingress {
    /// (port, CIDR block)
    pub cidrs: BTreeSet<(i32, String)>,
    /// (port, security group id)
    pub groups: BTreeSet<(i32, String)>,
    /// Rules that are not one TCP port: described, for the drift list.
    pub other: Vec<String>,
}

impl Ingress {
    pub fn wanted(port: i32, cidrs: &[String], groups: &[String]) -> Self {
        Ingress {
            cidrs: cidrs.iter().map(|cidr| (port, cidr.clone())).collect(),
            groups: groups.iter().map(|group| (port, group.clone())).collect(),
            other: Vec::new(),
        }
    }
}

/// The security group's ingress; `None` when the group is gone.
pub async fn read_ingress(ec2: &aws_sdk_ec2::Client, group_id: &str) -> Result<Option<Ingress>> {
    let answer = ec2
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) if code(&err) == Some("InvalidGroup.NotFound") => return Ok(None),
        Err(err) => return Err(failed("reading the endpoint's security group", &err)),
    };
    let Some(group) = answer.security_groups().first() else {
        return Ok(None);
    };
    let mut ingress = Ingress::default();
    for permission in group.ip_permissions() {
        let single_tcp_port = permission.ip_protocol() == Some("tcp")
            && permission.from_port().is_some()
            && permission.from_port() == permission.to_port();
        if !single_tcp_port {
            ingress.other.push(format!(
                "protocol {} ports {:?}-{:?}",
                permission.ip_protocol().unwrap_or("?"),
                permission.from_port(),
                permission.to_port()
            ));
            continue;
        }
        let port = permission.from_port().unwrap_or_default();
        for range in permission.ip_ranges() {
            ingress
                .cidrs
                .insert((port, range.cidr_ip().unwrap_or_default().to_owned()));
        }
        for range in permission.ipv6_ranges() {
            ingress
                .cidrs
                .insert((port, range.cidr_ipv6().unwrap_or_default().to_owned()));
        }
        for pair in permission.user_id_group_pairs() {
            ingress
                .groups
                .insert((port, pair.group_id().unwrap_or_default().to_owned()));
        }
    }
    Ok(Some(ingress))
}

fn permission(port: i32, cidr: Option<&str>, group: Option<&str>) -> IpPermission {
    let mut builder = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port);
    if let Some(cidr) = cidr {
        builder = if cidr.contains(':') {
            builder.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(cidr).build())
        } else {
            builder.ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        };
    }
    if let Some(group) = group {
        builder = builder.user_id_group_pairs(UserIdGroupPair::builder().group_id(group).build());
    }
    builder.build()
}

fn permissions(ingress: &Ingress) -> Vec<IpPermission> {
    ingress
        .cidrs
        .iter()
        .map(|(port, cidr)| permission(*port, Some(cidr), None))
        .chain(
            ingress
                .groups
                .iter()
                .map(|(port, group)| permission(*port, None, Some(group))),
        )
        .collect()
}

/// Brings the group's single-port TCP ingress to `wanted`: revokes what is not wanted (a widened
/// rule included), authorises what is missing. Rules of other shapes are revoked too.
pub async fn set_ingress(
    ec2: &aws_sdk_ec2::Client,
    group_id: &str,
    wanted: &Ingress,
) -> Result<()> {
    let current = read_ingress(ec2, group_id)
        .await?
        .ok_or("the endpoint's security group is gone")?;
    let extra = Ingress {
        cidrs: current.cidrs.difference(&wanted.cidrs).cloned().collect(),
        groups: current.groups.difference(&wanted.groups).cloned().collect(),
        other: Vec::new(),
    };
    let missing = Ingress {
        cidrs: wanted.cidrs.difference(&current.cidrs).cloned().collect(),
        groups: wanted.groups.difference(&current.groups).cloned().collect(),
        other: Vec::new(),
    };
    let extra = permissions(&extra);
    if !extra.is_empty() {
        ec2.revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(extra))
            .send()
            .await
            .map_err(|err| {
                failed(
                    "revoking ingress rules of the endpoint's security group",
                    &err,
                )
            })?;
    }
    let missing = permissions(&missing);
    if !missing.is_empty() {
        ec2.authorize_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(missing))
            .send()
            .await
            .map_err(|err| failed("allowing clients in the endpoint's security group", &err))?;
    }
    Ok(())
}

/// Deletes the security group, waiting while the endpoint's network interfaces still use it.
pub async fn delete_security_group(
    ec2: &aws_sdk_ec2::Client,
    group_id: &str,
    deadline: Instant,
) -> Result<()> {
    let mut pause = Duration::from_millis(500);
    loop {
        match ec2.delete_security_group().group_id(group_id).send().await {
            Ok(_) => return Ok(()),
            Err(err) if code(&err) == Some("InvalidGroup.NotFound") => return Ok(()),
            Err(err) if code(&err) == Some("DependencyViolation") && Instant::now() < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
            }
            Err(err) => return Err(failed("deleting the endpoint's security group", &err)),
        }
    }
}

/// What to create the interface endpoint with.
pub struct EndpointSpec<'a> {
    pub service_name: &'a str,
    pub service_region: Option<&'a str>,
    pub vpc_id: &'a str,
    pub subnet_ids: &'a [String],
    pub security_group_id: &'a str,
    pub tags: &'a BTreeMap<String, String>,
    /// Makes a retried create (a lost answer) return the first endpoint, not a second one.
    pub client_token: &'a str,
}

pub async fn create_endpoint(ec2: &aws_sdk_ec2::Client, spec: &EndpointSpec<'_>) -> Result<String> {
    let created = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .service_name(spec.service_name)
        .set_service_region(spec.service_region.map(str::to_owned))
        .vpc_id(spec.vpc_id)
        .set_subnet_ids(Some(spec.subnet_ids.to_vec()))
        .security_group_ids(spec.security_group_id)
        .private_dns_enabled(false)
        .client_token(spec.client_token)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::VpcEndpoint)
                .set_tags(Some(ec2_tags(spec.tags)))
                .build(),
        )
        .send()
        .await
        .map_err(|err| failed("creating the interface endpoint", &err))?;
    created
        .vpc_endpoint()
        .and_then(|endpoint| endpoint.vpc_endpoint_id())
        .map(str::to_owned)
        .ok_or_else(|| "CreateVpcEndpoint answered no endpoint id".to_owned())
}

/// The endpoint as EC2 reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedEndpoint {
    pub id: String,
    pub state: String,
    pub service_name: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    /// (DNS name, hosted zone id), the regional name first, as EC2 lists them.
    pub dns_entries: Vec<(String, String)>,
    pub network_interface_ids: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl ObservedEndpoint {
    /// The regional DNS name and its hosted zone: what the private names alias.
    pub fn regional_entry(&self) -> Option<&(String, String)> {
        self.dns_entries.first()
    }
}

pub async fn read_endpoint(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
) -> Result<Option<ObservedEndpoint>> {
    let answer = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) if code(&err) == Some("InvalidVpcEndpointId.NotFound") => return Ok(None),
        Err(err) => return Err(failed("reading the interface endpoint", &err)),
    };
    let Some(endpoint) = answer.vpc_endpoints().first() else {
        return Ok(None);
    };
    let state = endpoint
        .state()
        .map(State::as_str)
        .unwrap_or_default()
        .to_owned();
    if matches!(state.to_ascii_lowercase().as_str(), "deleted" | "deleting") {
        return Ok(None);
    }
    let mut network_interface_ids = endpoint.network_interface_ids().to_vec();
    network_interface_ids.sort();
    Ok(Some(ObservedEndpoint {
        id: id.to_owned(),
        state,
        service_name: endpoint.service_name().unwrap_or_default().to_owned(),
        vpc_id: endpoint.vpc_id().unwrap_or_default().to_owned(),
        subnet_ids: endpoint.subnet_ids().to_vec(),
        security_group_ids: endpoint
            .groups()
            .iter()
            .filter_map(|group| group.group_id().map(str::to_owned))
            .collect(),
        dns_entries: endpoint
            .dns_entries()
            .iter()
            .map(|entry| {
                (
                    entry.dns_name().unwrap_or_default().to_owned(),
                    entry.hosted_zone_id().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        network_interface_ids,
        tags: endpoint
            .tags()
            .iter()
            .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value()?.to_owned())))
            .collect(),
    }))
}

/// Waits until the endpoint is usable (`available`) or waits on the producer
/// (`pendingAcceptance`); a rejected or failed endpoint is an error.
pub async fn wait_settled(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    deadline: Instant,
) -> Result<ObservedEndpoint> {
    let mut pause = Duration::from_millis(200);
    loop {
        let endpoint = read_endpoint(ec2, id)
            .await?
            .ok_or_else(|| format!("the endpoint {id} disappeared while it was created"))?;
        match endpoint.state.as_str() {
            "available" | "pendingAcceptance" => return Ok(endpoint),
            "rejected" | "failed" | "expired" => {
                return Err(format!(
                    "the endpoint {id} is {}: the producer refused the connection or PrivateLink could not \
                     provision it",
                    endpoint.state
                ));
            }
            _ if Instant::now() >= deadline => {
                return Err(format!(
                    "the endpoint {id} is still {} at the timeout",
                    endpoint.state
                ));
            }
            _ => {
                tokio::time::sleep(pause).await;
                pause = (pause * 3 / 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// Deletes the endpoint and waits until it is gone.
pub async fn delete_endpoint(ec2: &aws_sdk_ec2::Client, id: &str, deadline: Instant) -> Result<()> {
    let deleted = ec2.delete_vpc_endpoints().vpc_endpoint_ids(id).send().await;
    match deleted {
        Ok(answer) => {
            if let Some(item) = answer.unsuccessful().first() {
                let error = item.error();
                let code = error.and_then(|e| e.code()).unwrap_or_default();
                if code != "InvalidVpcEndpoint.NotFound" && code != "InvalidVpcEndpointId.NotFound"
                {
                    return Err(format!(
                        "deleting the interface endpoint {id}: {code}: {}",
                        error.and_then(|e| e.message()).unwrap_or_default()
                    ));
                }
            }
        }
        Err(err) if code(&err) == Some("InvalidVpcEndpointId.NotFound") => return Ok(()),
        Err(err) => return Err(failed("deleting the interface endpoint", &err)),
    }
    let mut pause = Duration::from_millis(200);
    while read_endpoint(ec2, id).await?.is_some() {
        if Instant::now() >= deadline {
            return Err(format!(
                "the endpoint {id} was still being deleted at the timeout"
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 3 / 2).min(Duration::from_secs(10));
    }
    Ok(())
}

/// Creates a private hosted zone named `name`, associated with the VPC, tagged as the endpoint's.
pub async fn create_zone(
    route53: &aws_sdk_route53::Client,
    name: &str,
    role: &str,
    vpc_id: &str,
    region: &str,
    endpoint_id: &str,
) -> Result<String> {
    let reference = format!(
        "rdslink-{endpoint_id}-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default()
    );
    let created = route53
        .create_hosted_zone()
        .name(name)
        .caller_reference(reference)
        .vpc(
            Vpc::builder()
                .vpc_id(vpc_id)
                .vpc_region(VpcRegion::from(region))
                .build(),
        )
        .hosted_zone_config(
            HostedZoneConfig::builder()
                .private_zone(true)
                .comment(format!("rdslink: {name} answered by {endpoint_id}"))
                .build(),
        )
        .send()
        .await
        .map_err(|err| failed(&format!("creating the private hosted zone {name}"), &err))?;
    let zone_id = created
        .hosted_zone()
        .map(|zone| zone.id().trim_start_matches("/hostedzone/").to_owned())
        .ok_or("CreateHostedZone answered no zone")?;
    route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(&zone_id)
        .add_tags(
            aws_sdk_route53::types::Tag::builder()
                .key(OWNERSHIP_TAG)
                .value(endpoint_id)
                .build(),
        )
        .add_tags(
            aws_sdk_route53::types::Tag::builder()
                .key(NAME_ROLE_TAG)
                .value(role)
                .build(),
        )
        .send()
        .await
        .map_err(|err| failed(&format!("tagging the private hosted zone {name}"), &err))?;
    Ok(zone_id)
}

/// Points `name` (the zone's apex) at the endpoint's regional DNS name.
pub async fn point_name(
    route53: &aws_sdk_route53::Client,
    zone_id: &str,
    name: &str,
    target: &(String, String),
) -> Result<()> {
    let record = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(
            AliasTarget::builder()
                .dns_name(&target.0)
                .hosted_zone_id(&target.1)
                .evaluate_target_health(false)
                .build()
                .map_err(|err| err.to_string())?,
        )
        .build()
        .map_err(|err| err.to_string())?;
    let change = Change::builder()
        .action(ChangeAction::Upsert)
        .resource_record_set(record)
        .build()
        .map_err(|err| err.to_string())?;
    route53
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(
            ChangeBatch::builder()
                .changes(change)
                .build()
                .map_err(|err| err.to_string())?,
        )
        .send()
        .await
        .map_err(|err| failed(&format!("pointing {name} at the endpoint"), &err))?;
    Ok(())
}

/// What `name` answers in its zone: `Ok(None)` when the zone is gone, `Some(None)` when the
/// record is, else its alias target (DNS name without the trailing dot, hosted zone id).
pub async fn read_name(
    route53: &aws_sdk_route53::Client,
    zone_id: &str,
    name: &str,
) -> Result<Option<Option<(String, String)>>> {
    let answer = route53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .start_record_name(name)
        .start_record_type(RrType::A)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) if code(&err) == Some("NoSuchHostedZone") => return Ok(None),
        Err(err) => return Err(failed(&format!("reading the record of {name}"), &err)),
    };
    let wanted = format!("{}.", name.trim_end_matches('.'));
    let record = answer.resource_record_sets().iter().find(|record| {
        record.name().eq_ignore_ascii_case(&wanted) && record.r#type() == &RrType::A
    });
    Ok(Some(record.and_then(|record| {
        record.alias_target().map(|target| {
            (
                target.dns_name().trim_end_matches('.').to_ascii_lowercase(),
                target.hosted_zone_id().to_owned(),
            )
        })
    })))
}

/// Deletes the zone and the records rdslink put in it; a zone already gone is fine.
pub async fn delete_zone(route53: &aws_sdk_route53::Client, zone_id: &str) -> Result<()> {
    let records = route53
        .list_resource_record_sets()
        .hosted_zone_id(zone_id)
        .send()
        .await;
    let records = match records {
        Ok(records) => records,
        Err(err) if code(&err) == Some("NoSuchHostedZone") => return Ok(()),
        Err(err) => return Err(failed("reading a private hosted zone's records", &err)),
    };
    let changes: Vec<Change> = records
        .resource_record_sets()
        .iter()
        .filter(|record| !matches!(record.r#type(), RrType::Soa | RrType::Ns))
        .filter_map(|record| {
            Change::builder()
                .action(ChangeAction::Delete)
                .resource_record_set(record.clone())
                .build()
                .ok()
        })
        .collect();
    if !changes.is_empty() {
        route53
            .change_resource_record_sets()
            .hosted_zone_id(zone_id)
            .change_batch(
                ChangeBatch::builder()
                    .set_changes(Some(changes))
                    .build()
                    .map_err(|err| err.to_string())?,
            )
            .send()
            .await
            .map_err(|err| failed("deleting a private hosted zone's records", &err))?;
    }
    match route53.delete_hosted_zone().id(zone_id).send().await {
        Ok(_) => Ok(()),
        Err(err) if code(&err) == Some("NoSuchHostedZone") => Ok(()),
        Err(err) => Err(failed("deleting a private hosted zone", &err)),
    }
}

/// The private zones tagged as `endpoint_id`'s, by the attribute whose name each answers:
/// `(role, zone id, zone name)`.
pub async fn find_zones(
    route53: &aws_sdk_route53::Client,
    endpoint_id: &str,
) -> Result<Vec<(String, String, String)>> {
    let mut found = Vec::new();
    let mut marker = None;
    loop {
        let page = route53
            .list_hosted_zones()
            .set_marker(marker)
            .send()
            .await
            .map_err(|err| failed("listing the hosted zones", &err))?;
        for zone in page.hosted_zones() {
            if !zone.config().is_some_and(|config| config.private_zone()) {
                continue;
            }
            let id = zone.id().trim_start_matches("/hostedzone/").to_owned();
            let tags = route53
                .list_tags_for_resource()
                .resource_type(TagResourceType::Hostedzone)
                .resource_id(&id)
                .send()
                .await
                .map_err(|err| failed("reading a hosted zone's tags", &err))?;
            let tags: BTreeMap<String, String> = tags
                .resource_tag_set()
                .map(|set| {
                    set.tags()
                        .iter()
                        .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            if tags.get(OWNERSHIP_TAG).map(String::as_str) == Some(endpoint_id)
                && let Some(role) = tags.get(NAME_ROLE_TAG)
            {
                found.push((
                    role.clone(),
                    id,
                    zone.name().trim_end_matches('.').to_owned(),
                ));
            }
        }
        match page.next_marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
}

/// The security groups among `group_ids` that carry the ownership tag.
pub async fn owned_groups(ec2: &aws_sdk_ec2::Client, group_ids: &[String]) -> Result<Vec<String>> {
    if group_ids.is_empty() {
        return Ok(Vec::new());
    }
    let answer = ec2
        .describe_security_groups()
        .set_group_ids(Some(group_ids.to_vec()))
        .send()
        .await
        .map_err(|err| failed("reading the endpoint's security groups", &err))?;
    Ok(answer
        .security_groups()
        .iter()
        .filter(|group| {
            group
                .tags()
                .iter()
                .any(|tag| tag.key() == Some(OWNERSHIP_TAG))
        })
        .filter_map(|group| group.group_id().map(str::to_owned))
        .collect())
}

/// Sets the tags of the endpoint and its security group to `tags` (`previous`: the keys they had).
pub async fn retag(
    ec2: &aws_sdk_ec2::Client,
    resources: &[String],
    previous: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> Result<()> {
    let removed: Vec<Tag> = previous
        .keys()
        .filter(|key| !tags.contains_key(*key) && key.as_str() != OWNERSHIP_TAG)
        .map(|key| Tag::builder().key(key).build())
        .collect();
    if !removed.is_empty() {
        ec2.delete_tags()
            .set_resources(Some(resources.to_vec()))
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|err| failed("removing tags", &err))?;
    }
    if !tags.is_empty() {
        ec2.create_tags()
            .set_resources(Some(resources.to_vec()))
            .set_tags(Some(ec2_tags(tags)))
            .send()
            .await
            .map_err(|err| failed("tagging", &err))?;
    }
    Ok(())
}
