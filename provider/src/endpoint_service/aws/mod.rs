//! The AWS side of `rdslink_endpoint_service`: one bundle per resource, made of
//!
//! 1. an IP target group (TCP) holding the database's current addresses,
//! 2. an internal Network Load Balancer,
//! 3. a TCP listener forwarding the load balancer's port to the target group,
//! 4. a VPC endpoint service (PrivateLink) on the load balancer, open to the allowed principals.
//!
//! Nothing here knows Terraform: the resource's glue maps its schema onto [`BundleSpec`] and the
//! results back. Access follows HashiCorp's layering: *find* (one object by id, "not found" as
//! the typed [`Error::NotFound`]), *status*, and *wait* (adaptive polling with a named deadline and
//! prompt cancellation, see [`poll`]).
//!
//! # Invariants
//!
//! - Every part carries the tag [`OWNERSHIP_TAG`]` = <name>`, set by the create call itself, so
//!   there is no moment when a part exists untagged.
//! - `create` records each part's id in its [`PartialBundle`] as soon as AWS returns it, before
//!   any further call. Failure policy (agreed with the glue): on any error the glue saves the
//!   partial ids as a tainted resource, so the next apply or destroy deletes them. The only parts
//!   `progress` can miss are those whose create call succeeded in AWS while its answer was lost
//!   (network failure, process killed); they carry the ownership tag, so the next `create`
//!   adopts them and `delete(.., Some(name), ..)` / [`sweep`] removes them.
//! - A bundle `name` must be unique per account and region: rdslink derives the load balancer's
//!   and the target group's names from it, and adopts parts tagged with it only when they do not
//!   form a working bundle ([`ownership`]): a create that meets another state's working bundle is
//!   refused before it changes anything, and delete never sweeps one.
//! - Deletion runs endpoint service -> listener -> load balancer -> target group, treats
//!   "not found" as done, and retries AWS's documented "in use" refusals until the timeout.
//! - Targets change only through the sync engine's [`reconcile`](rdslink_engine::reconcile())
//!   ([`reconcile_targets`]), the Lambda's writer algorithm: fresh discovery, register new
//!   addresses first, deregister stale ones only against a second fresh discovery, never empty
//!   the group. A recreated target group is filled before any listener forwards to it.

mod bundle;
mod create;
mod delete;
mod endpoint_service;
mod error;
mod import;
mod listener;
mod load_balancer;
mod network;
mod observed;
mod ownership;
pub mod poll;
mod spec;
mod tags;
mod target_group;
mod targets;
mod update;

/// The clients belong to the provider's configuration; re-exported so this layer names them as
/// before.
pub use crate::aws::AwsClients;
pub use bundle::{Bundle, PartialBundle};
pub use create::{Preflight, build, create, preflight, recreate_missing};
pub use delete::{Leftovers, delete, find_leftovers, sweep};
pub use endpoint_service::{
    ObservedEndpointService, PrincipalChanges, allowed_principals, find_endpoint_service,
    find_tagged_endpoint_services, read_endpoint_service, update_acceptance, update_principals,
    update_supported_regions,
};
pub use error::{Error, Part, Result};
pub use import::{DATABASE_TAG, find_bundle_by_service_id, recorded_database};
pub use listener::{
    ObservedListener, find_listener, find_tagged_listeners, forward_target, listeners_of,
};
pub use load_balancer::{
    ObservedLoadBalancer, find_load_balancer, find_tagged_load_balancers, load_balancer_status,
    security_groups_change_needs_replacement, update_cross_zone, update_security_groups,
    wait_load_balancer_active,
};
pub use network::{Network, validate_network};
pub use observed::{Observed, read};
pub use spec::{
    BundleSpec, HealthCheck, MAX_NAME_LEN, MAX_TAGS, NAME_PREFIX, OWNERSHIP_TAG, aws_name,
    validate_name, with_ownership,
};
pub use tags::{TagChanges, Tags};
pub use target_group::{
    ObservedTargetGroup, find_tagged_target_groups, find_target_group, update_health_check,
    update_target_group_attributes,
};
pub use targets::{reconcile_targets, reconcile_targets_with, recreate_target_group};
pub use update::{point_service_at, update_tags};
