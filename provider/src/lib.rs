//! terraform-provider-rdslink: a Terraform provider giving other AWS accounts private,
//! failover-proof access to an Amazon RDS database through AWS PrivateLink.
//!
//! [`plugin`] speaks Terraform's plugin protocol 6 and knows nothing about AWS.

pub mod plugin;
pub mod provider;
