//! Pure validators for user input: the engine's shared rules ([`rdslink_engine::validate`]), so
//! that the provider and the sync Lambda accept and reject the same values. Each failure reads
//! as a sentence about the value; callers attach it to the attribute that carried the value.
//! (The selector's identifiers and hostnames are checked by the shared selector rule.)

pub use rdslink_engine::validate::{Arn, endpoint_url, iam_role_arn, nameserver, region};
