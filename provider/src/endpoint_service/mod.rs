//! `rdslink_endpoint_service`: the Terraform glue ([`resource`], [`schema`]) over the AWS layer
//! ([`aws`]), which knows nothing about Terraform.

pub mod aws;
mod resource;
mod schema;
mod timeouts;

pub use resource::EndpointServiceResource;
