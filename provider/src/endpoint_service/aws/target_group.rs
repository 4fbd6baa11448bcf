//! The IP target group (TCP): find, create, configure, read, delete.

use std::net::Ipv4Addr;

use aws_sdk_elasticloadbalancingv2::types::{
    ProtocolEnum, TargetGroup, TargetGroupAttribute, TargetTypeEnum,
};
use rdslink_engine::{AwsCalls, TargetGroup as EngineTargetGroup, Targets};

use super::AwsClients;
use super::error::{Error, Part, Result, aws};
use super::spec::{BundleSpec, HealthCheck, aws_name};
use super::tags::{Tags, elb_tags, elb_tags_of_one, owned_by};

const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";
const CONNECTION_TERMINATION: &str = "deregistration_delay.connection_termination.enabled";

/// The target group as AWS holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTargetGroup {
    pub arn: String,
    pub name: String,
    /// `TCP` for a bundle.
    pub protocol: String,
    /// `ip` for a bundle.
    pub target_type: String,
    pub port: u16,
    pub vpc_id: String,
    pub health_check: HealthCheck,
    /// `TCP` for a bundle.
    pub health_check_protocol: String,
    pub health_check_timeout_seconds: i32,
    pub deregistration_delay_seconds: i32,
    pub terminate_connections: bool,
    /// The load balancers forwarding to it.
    pub load_balancer_arns: Vec<String>,
    /// Registered (not draining) targets on `port`, sorted.
    pub registered_targets: Vec<Ipv4Addr>,
    pub tags: Tags,
}

/// The target group with this ARN.
pub async fn find_target_group(clients: &AwsClients, arn: &str) -> Result<TargetGroup> {
    let output = clients
        .elbv2
        .describe_target_groups()
        .target_group_arns(arn)
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:DescribeTargetGroups",
                &[(Part::TargetGroup, arn)],
                err,
            )
        })?;
    output
        .target_groups()
        .iter()
        .find(|group| group.target_group_arn() == Some(arn))
        .cloned()
        .ok_or_else(|| Error::NotFound {
            part: Part::TargetGroup,
            id: arn.to_owned(),
        })
}

/// The target group named `aws_name`, if any (names are unique per account and region).
pub(crate) async fn find_target_group_by_name(
    clients: &AwsClients,
    aws_name: &str,
) -> Result<Option<TargetGroup>> {
    let result = clients
        .elbv2
        .describe_target_groups()
        .names(aws_name)
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:DescribeTargetGroups",
                &[(Part::TargetGroup, aws_name)],
                err,
            )
        });
    match result {
        Ok(output) => Ok(output
            .target_groups()
            .iter()
            .find(|group| group.target_group_name() == Some(aws_name))
            .cloned()),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// Target groups of bundle `name` (named after it and carrying its ownership tag): at most one in
/// AWS, where names are unique.
pub async fn find_tagged_target_groups(clients: &AwsClients, name: &str) -> Result<Vec<String>> {
    let Some(group) = find_target_group_by_name(clients, &aws_name(name)).await? else {
        return Ok(Vec::new());
    };
    let arn = group.target_group_arn().unwrap_or_default().to_owned();
    match elb_tags_of_one(clients, Part::TargetGroup, &arn).await {
        Ok(tags) if owned_by(&tags, name) => Ok(vec![arn]),
        Ok(_) => Ok(Vec::new()),
        // Deleted between the two calls.
        Err(err) if err.is_not_found() => Ok(Vec::new()),
        Err(err) => Err(err),
    }
}

/// Creates the target group (without targets) and returns its ARN. Its attributes are set by
/// [`update_target_group_attributes`].
pub(crate) async fn create_target_group(clients: &AwsClients, spec: &BundleSpec) -> Result<String> {
    let name = spec.target_group_name();
    let output = clients
        .elbv2
        .create_target_group()
        .name(&name)
        .protocol(ProtocolEnum::Tcp)
        .port(i32::from(spec.port))
        .vpc_id(&spec.vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .health_check_enabled(true)
        .health_check_protocol(ProtocolEnum::Tcp)
        .health_check_port("traffic-port")
        .health_check_interval_seconds(spec.health_check.interval_seconds)
        .health_check_timeout_seconds(spec.health_check.timeout_seconds())
        .healthy_threshold_count(spec.health_check.healthy_threshold)
        .unhealthy_threshold_count(spec.health_check.unhealthy_threshold)
        .set_tags(Some(elb_tags(&spec.part_tags())))
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:CreateTargetGroup",
                &[(Part::TargetGroup, &name)],
                err,
            )
        })?;
    output
        .target_groups()
        .first()
        .and_then(|group| group.target_group_arn())
        .map(str::to_owned)
        .ok_or(Error::Incomplete {
            operation: "elbv2:CreateTargetGroup",
            missing: "the target group's ARN",
        })
}

/// Sets the health check's interval and thresholds (and the timeout derived from the interval).
pub async fn update_health_check(
    clients: &AwsClients,
    arn: &str,
    health_check: &HealthCheck,
) -> Result<()> {
    clients
        .elbv2
        .modify_target_group()
        .target_group_arn(arn)
        .health_check_protocol(ProtocolEnum::Tcp)
        .health_check_interval_seconds(health_check.interval_seconds)
        .health_check_timeout_seconds(health_check.timeout_seconds())
        .healthy_threshold_count(health_check.healthy_threshold)
        .unhealthy_threshold_count(health_check.unhealthy_threshold)
        .send()
        .await
        .map_err(|err| aws("elbv2:ModifyTargetGroup", &[(Part::TargetGroup, arn)], err))?;
    Ok(())
}

/// Sets how long deregistered targets drain, and whether their connections are closed when the
/// drain ends.
pub async fn update_target_group_attributes(
    clients: &AwsClients,
    arn: &str,
    deregistration_delay_seconds: i32,
    terminate_connections: bool,
) -> Result<()> {
    let attribute = |key: &str, value: String| {
        TargetGroupAttribute::builder()
            .key(key)
            .value(value)
            .build()
    };
    clients
        .elbv2
        .modify_target_group_attributes()
        .target_group_arn(arn)
        .attributes(attribute(
            DEREGISTRATION_DELAY,
            deregistration_delay_seconds.to_string(),
        ))
        .attributes(attribute(
            CONNECTION_TERMINATION,
            terminate_connections.to_string(),
        ))
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:ModifyTargetGroupAttributes",
                &[(Part::TargetGroup, arn)],
                err,
            )
        })?;
    Ok(())
}

/// The target group, its attributes (side by side) and its registered targets; its tags are
/// read with the other parts' ([`super::read`]).
pub(crate) async fn describe_target_group(
    clients: &AwsClients,
    arn: &str,
) -> Result<ObservedTargetGroup> {
    let subject = [(Part::TargetGroup, arn)];
    let (group, attributes) = tokio::try_join!(find_target_group(clients, arn), async {
        clients
            .elbv2
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(|err| aws("elbv2:DescribeTargetGroupAttributes", &subject, err))
    })?;
    let attribute = |key: &str| {
        attributes
            .attributes()
            .iter()
            .find(|a| a.key() == Some(key))
            .and_then(|a| a.value())
            .map(str::to_owned)
    };
    let port = group
        .port()
        .and_then(|port| u16::try_from(port).ok())
        .ok_or(Error::Incomplete {
            operation: "elbv2:DescribeTargetGroups",
            missing: "the target group's port",
        })?;
    let engine = EngineTargetGroup::new(clients.elbv2.clone(), arn, port);
    let registered_targets = engine
        .registered(&AwsCalls::default())
        .await?
        .into_iter()
        .collect();
    let mut load_balancer_arns = group.load_balancer_arns().to_vec();
    load_balancer_arns.sort();

    Ok(ObservedTargetGroup {
        arn: arn.to_owned(),
        name: group.target_group_name().unwrap_or_default().to_owned(),
        protocol: group
            .protocol()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        target_type: group
            .target_type()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        port,
        vpc_id: group.vpc_id().unwrap_or_default().to_owned(),
        health_check: HealthCheck {
            interval_seconds: group.health_check_interval_seconds().unwrap_or_default(),
            healthy_threshold: group.healthy_threshold_count().unwrap_or_default(),
            unhealthy_threshold: group.unhealthy_threshold_count().unwrap_or_default(),
        },
        health_check_protocol: group
            .health_check_protocol()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        health_check_timeout_seconds: group.health_check_timeout_seconds().unwrap_or_default(),
        // AWS always returns both attributes; the defaults are AWS's own.
        deregistration_delay_seconds: attribute(DEREGISTRATION_DELAY)
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
        terminate_connections: attribute(CONNECTION_TERMINATION).is_some_and(|v| v == "true"),
        load_balancer_arns,
        registered_targets,
        tags: Tags::default(),
    })
}

/// Deletes the target group. Already gone counts as done; "in use" (a listener or a load balancer
/// being deleted still refers to it) is [`Error::InUse`] for the caller to retry.
pub(crate) async fn delete_target_group(clients: &AwsClients, arn: &str) -> Result<()> {
    let result = clients
        .elbv2
        .delete_target_group()
        .target_group_arn(arn)
        .send()
        .await
        .map_err(|err| aws("elbv2:DeleteTargetGroup", &[(Part::TargetGroup, arn)], err));
    match result {
        Ok(_) => Ok(()),
        Err(err) if err.is_not_found() => Ok(()),
        Err(err) => Err(err),
    }
}

/// The properties AWS cannot change in place, compared with the spec: for adopting a leftover.
pub(crate) fn immutable_mismatch(
    group: &TargetGroup,
    spec: &BundleSpec,
) -> Option<(&'static str, String, String)> {
    let checks: [(&'static str, String, String); 4] = [
        (
            "port",
            spec.port.to_string(),
            group.port().map(|p| p.to_string()).unwrap_or_default(),
        ),
        (
            "vpc_id",
            spec.vpc_id.clone(),
            group.vpc_id().unwrap_or_default().to_owned(),
        ),
        (
            "protocol",
            "TCP".into(),
            group
                .protocol()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
        ),
        (
            "target type",
            "ip".into(),
            group
                .target_type()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
        ),
    ];
    checks
        .into_iter()
        .find(|(_, expected, actual)| expected != actual)
}
