//! The producer's side of the consumers' endpoints: an endpoint service's connections, and
//! accepting or rejecting one (EC2's DescribeVpcEndpointConnections, AcceptVpcEndpointConnections,
//! RejectVpcEndpointConnections).

use aws_sdk_ec2::types::Filter;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub type Result<T> = std::result::Result<T, String>;

/// One consumer endpoint's connection, as the producer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedConnection {
    pub vpc_endpoint_id: String,
    /// The consumer's account.
    pub owner: String,
    /// `pendingAcceptance`, `available`, `rejected`, ...
    pub state: String,
}

/// `what` failed, and why, as the engine words AWS failures everywhere.
fn failed<E, R>(what: &str, err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    format!("{what}: {}", rdslink_engine::aws_error::Failure::of(err))
}

/// The connections of `service_id` that are not deleted, sorted by endpoint id.
pub async fn list(ec2: &aws_sdk_ec2::Client, service_id: &str) -> Result<Vec<ObservedConnection>> {
    let mut connections = Vec::new();
    let mut next_token = None;
    loop {
        let page = ec2
            .describe_vpc_endpoint_connections()
            .filters(
                Filter::builder()
                    .name("service-id")
                    .values(service_id)
                    .build(),
            )
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|err| {
                failed(
                    &format!("reading the connections of endpoint service {service_id}"),
                    &err,
                )
            })?;
        connections.extend(
            page.vpc_endpoint_connections()
                .iter()
                .filter(|connection| connection.service_id().is_none_or(|id| id == service_id))
                .map(|connection| ObservedConnection {
                    vpc_endpoint_id: connection.vpc_endpoint_id().unwrap_or_default().to_owned(),
                    owner: connection
                        .vpc_endpoint_owner()
                        .unwrap_or_default()
                        .to_owned(),
                    state: connection
                        .vpc_endpoint_state()
                        .map(|state| state.as_str().to_owned())
                        .unwrap_or_default(),
                })
                .filter(|connection| !connection.state.eq_ignore_ascii_case("deleted")),
        );
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
            _ => break,
        }
    }
    connections.sort_by(|a, b| a.vpc_endpoint_id.cmp(&b.vpc_endpoint_id));
    Ok(connections)
}

/// The connection of `endpoint_id` to `service_id`, if there is one that is not deleted.
pub async fn find(
    ec2: &aws_sdk_ec2::Client,
    service_id: &str,
    endpoint_id: &str,
) -> Result<Option<ObservedConnection>> {
    Ok(list(ec2, service_id)
        .await?
        .into_iter()
        .find(|connection| connection.vpc_endpoint_id == endpoint_id))
}

/// Accepts (`accept`) or rejects the connection. The calls succeed as a whole and report each
/// endpoint's failure as an unsuccessful item.
pub async fn decide(
    ec2: &aws_sdk_ec2::Client,
    service_id: &str,
    endpoint_id: &str,
    accept: bool,
) -> Result<()> {
    let what = if accept { "accepting" } else { "rejecting" };
    let unsuccessful = if accept {
        ec2.accept_vpc_endpoint_connections()
            .service_id(service_id)
            .vpc_endpoint_ids(endpoint_id)
            .send()
            .await
            .map_err(|err| failed(&format!("{what} the connection of {endpoint_id}"), &err))?
            .unsuccessful()
            .to_vec()
    } else {
        ec2.reject_vpc_endpoint_connections()
            .service_id(service_id)
            .vpc_endpoint_ids(endpoint_id)
            .send()
            .await
            .map_err(|err| failed(&format!("{what} the connection of {endpoint_id}"), &err))?
            .unsuccessful()
            .to_vec()
    };
    match unsuccessful.first().and_then(|item| item.error()) {
        None => Ok(()),
        Some(error) => Err(format!(
            "{what} the connection of {endpoint_id} to {service_id}: {}: {}",
            error.code().unwrap_or_default(),
            error.message().unwrap_or_default()
        )),
    }
}
