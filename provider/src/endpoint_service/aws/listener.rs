//! The TCP listener that forwards the load balancer's port to the target group.

use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, Listener, ProtocolEnum};

use super::AwsClients;
use super::error::{Error, Part, Result, aws};
use super::tags::{Tags, elb_tags, elb_tags_of, owned_by};

/// The listener as AWS holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedListener {
    pub arn: String,
    pub load_balancer_arn: String,
    pub port: u16,
    /// `TCP` for a bundle.
    pub protocol: String,
    /// The one target group the default action forwards to, if it is such a forward.
    pub target_group_arn: Option<String>,
    pub tags: Tags,
}

/// The listener with this ARN.
pub async fn find_listener(clients: &AwsClients, arn: &str) -> Result<Listener> {
    let output = clients
        .elbv2
        .describe_listeners()
        .listener_arns(arn)
        .send()
        .await
        .map_err(|err| aws("elbv2:DescribeListeners", &[(Part::Listener, arn)], err))?;
    output
        .listeners()
        .iter()
        .find(|listener| listener.listener_arn() == Some(arn))
        .cloned()
        .ok_or_else(|| Error::NotFound {
            part: Part::Listener,
            id: arn.to_owned(),
        })
}

/// Every listener of the load balancer.
pub async fn listeners_of(clients: &AwsClients, load_balancer_arn: &str) -> Result<Vec<Listener>> {
    let mut listeners = Vec::new();
    let mut pages = clients
        .elbv2
        .describe_listeners()
        .load_balancer_arn(load_balancer_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| {
            aws(
                "elbv2:DescribeListeners",
                &[(Part::LoadBalancer, load_balancer_arn)],
                err,
            )
        })?;
        listeners.extend(page.listeners().iter().cloned());
    }
    Ok(listeners)
}

/// Listeners of the load balancer that carry bundle `name`'s ownership tag.
pub async fn find_tagged_listeners(
    clients: &AwsClients,
    load_balancer_arn: &str,
    name: &str,
) -> Result<Vec<String>> {
    let arns: Vec<String> = match listeners_of(clients, load_balancer_arn).await {
        Ok(listeners) => listeners
            .iter()
            .filter_map(|listener| listener.listener_arn().map(str::to_owned))
            .collect(),
        Err(err) if err.is_not_found() => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    if arns.is_empty() {
        return Ok(arns);
    }
    let tags = match elb_tags_of(clients, Part::Listener, &arns).await {
        Ok(tags) => tags,
        Err(err) if err.is_not_found() => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    Ok(arns
        .into_iter()
        .filter(|arn| tags.get(arn).is_some_and(|tags| owned_by(tags, name)))
        .collect())
}

/// The one target group a listener's default action forwards to: a plain `forward` action, or a
/// weighted forward with a single group.
pub fn forward_target(listener: &Listener) -> Option<String> {
    let actions = listener.default_actions();
    let [action] = actions else {
        return None;
    };
    forward_target_of(action)
}

fn forward_target_of(action: &Action) -> Option<String> {
    if action.r#type() != Some(&ActionTypeEnum::Forward) {
        return None;
    }
    if let Some(arn) = action.target_group_arn() {
        return Some(arn.to_owned());
    }
    match action.forward_config().map(|config| config.target_groups()) {
        Some([single]) => single.target_group_arn().map(str::to_owned),
        _ => None,
    }
}

fn forward_to(target_group_arn: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(target_group_arn)
        .build()
}

/// Creates the TCP listener on `port` forwarding to the target group; returns its ARN.
pub(crate) async fn create_listener(
    clients: &AwsClients,
    load_balancer_arn: &str,
    target_group_arn: &str,
    port: u16,
    tags: &Tags,
) -> Result<String> {
    let output = clients
        .elbv2
        .create_listener()
        .load_balancer_arn(load_balancer_arn)
        .protocol(ProtocolEnum::Tcp)
        .port(i32::from(port))
        .default_actions(forward_to(target_group_arn))
        .set_tags(Some(elb_tags(tags)))
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:CreateListener",
                &[
                    (Part::LoadBalancer, load_balancer_arn),
                    (Part::TargetGroup, target_group_arn),
                ],
                err,
            )
        })?;
    output
        .listeners()
        .first()
        .and_then(|listener| listener.listener_arn())
        .map(str::to_owned)
        .ok_or(Error::Incomplete {
            operation: "elbv2:CreateListener",
            missing: "the listener's ARN",
        })
}

/// Points the listener's default action at the target group.
pub(crate) async fn forward_listener_to(
    clients: &AwsClients,
    listener_arn: &str,
    target_group_arn: &str,
) -> Result<()> {
    clients
        .elbv2
        .modify_listener()
        .listener_arn(listener_arn)
        .default_actions(forward_to(target_group_arn))
        .send()
        .await
        .map_err(|err| {
            aws(
                "elbv2:ModifyListener",
                &[
                    (Part::Listener, listener_arn),
                    (Part::TargetGroup, target_group_arn),
                ],
                err,
            )
        })?;
    Ok(())
}

/// The listener; its tags are read with the other parts' ([`super::read`]).
pub(crate) async fn describe_listener(clients: &AwsClients, arn: &str) -> Result<ObservedListener> {
    let listener = find_listener(clients, arn).await?;
    Ok(ObservedListener {
        arn: arn.to_owned(),
        load_balancer_arn: listener.load_balancer_arn().unwrap_or_default().to_owned(),
        port: listener
            .port()
            .and_then(|port| u16::try_from(port).ok())
            .unwrap_or_default(),
        protocol: listener
            .protocol()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        target_group_arn: forward_target(&listener),
        tags: Tags::default(),
    })
}

/// Deletes the listener; already gone counts as done.
pub(crate) async fn delete_listener(clients: &AwsClients, arn: &str) -> Result<()> {
    let result = clients
        .elbv2
        .delete_listener()
        .listener_arn(arn)
        .send()
        .await
        .map_err(|err| aws("elbv2:DeleteListener", &[(Part::Listener, arn)], err));
    match result {
        Ok(_) => Ok(()),
        Err(err) if err.is_not_found() => Ok(()),
        Err(err) => Err(err),
    }
}
