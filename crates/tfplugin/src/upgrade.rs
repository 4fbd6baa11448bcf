//! State upgrades (UpgradeResourceState): Terraform hands the provider each stored state with the
//! schema version it was written with, before planning, and expects it back in the current
//! schema's shape.
//!
//! - A version newer than the schema's: an error (the state was written by a newer provider).
//! - The same version: the stored JSON is decoded with the current schema; attributes the schema
//!   no longer has are dropped, as terraform-plugin-framework does (it decodes with
//!   `IgnoreUndefinedAttributes`), so removing an attribute needs no version bump.
//! - An older version: the JSON is decoded *without* a type, since the old shape differs:
//!   objects become [`Value::Object`], arrays [`Value::List`], numbers keep every digit, and
//!   `dynamic` values stay in their `{"value": ..., "type": ...}` JSON form. The resource's
//!   [`Resource::upgrade_state`] returns the current shape; the result is then made to
//!   [`conform`] to the current type (lists become sets and objects maps where the schema says
//!   so, absent attributes null). Attributes the schema does not have, unknown values and type
//!   mismatches in the result are refused as a provider bug: unlike the stored JSON, the upgrade
//!   is the provider's own code.
//! - The legacy flatmap format (Terraform 0.11, SDKv1) is refused.
//!
//! Write-only attributes are null in the result, as in every state.

use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::null_write_only;
use crate::provider::Resource;
use crate::schema::Schema;
use crate::value::{Value, ValueError, conform, json};

/// The stored state as Terraform sends it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredState<'a> {
    pub type_name: &'a str,
    /// The schema version the state was written with.
    pub version: i64,
    /// cty JSON; empty when there is none.
    pub json: &'a [u8],
    /// Whether Terraform sent the legacy flatmap form instead.
    pub flatmap: bool,
}

/// The stored state in the current schema's shape; `None` with an error diagnostic when it
/// cannot be upgraded. No state at all is null.
pub(crate) fn upgrade(
    resource: &dyn Resource,
    schema: &Schema,
    stored: StoredState<'_>,
    diags: &mut Diagnostics,
) -> Option<Value> {
    if stored.version > schema.version {
        diags.error(
            "Resource state from a newer provider",
            format!(
                "The state of this {} was written with schema version {} by a newer version of \
                 the provider; this version knows up to version {}. Use the newer provider \
                 version.",
                stored.type_name, stored.version, schema.version
            ),
        );
        return None;
    }
    if stored.json.is_empty() {
        if stored.flatmap {
            diags.error(
                "Unsupported state format",
                "The stored state uses the legacy flatmap format of Terraform 0.11 and SDKv1 \
                 providers, which this provider never wrote. Refresh the state with the provider \
                 version that wrote it, using Terraform 0.12 or later, first.",
            );
            return None;
        }
        return Some(Value::Null);
    }
    let ty = schema.value_type();
    let mut state = if stored.version == schema.version {
        json::decode(stored.json, &ty, json::UndefinedAttributes::Ignore)
            .map_err(|error| diags.push(invalid("Invalid stored state", error, "")))
            .ok()?
    } else {
        let untyped = json::decode_untyped(stored.json)
            .map_err(|error| diags.push(invalid("Invalid stored state", error, "")))
            .ok()?;
        let upgraded = resource.upgrade_state(stored.version, untyped, diags);
        let Some(upgraded) = upgraded else {
            if !diags.has_errors() {
                diags.error(
                    "Upgrading state returned no result",
                    "The provider returned neither a state nor an error. This is a bug in the \
                     provider.",
                );
            }
            return None;
        };
        conform(upgraded, &ty)
            .map_err(|error| {
                let note = format!(
                    " (upgrading from schema version {} to {}). This is a bug in the provider.",
                    stored.version, schema.version
                );
                diags.push(invalid(
                    "Provider produced an invalid upgraded state",
                    error,
                    &note,
                ));
            })
            .ok()?
    };
    null_write_only(&schema.block, &mut state);
    Some(state)
}

/// The default [`Resource::upgrade_state`]: no upgrade exists.
pub(crate) fn no_upgrade(
    type_name: &str,
    from_version: i64,
    diags: &mut Diagnostics,
) -> Option<Value> {
    diags.error(
        "Unable to upgrade resource state",
        format!(
            "The stored state of this {type_name} has schema version {from_version}, and this \
             provider has no upgrade from that version. This is a bug in the provider."
        ),
    );
    None
}

fn invalid(summary: &str, error: ValueError, note: &str) -> Diagnostic {
    let diagnostic = Diagnostic::error(summary, format!("{}{note}", error.reason()));
    if error.path.is_empty() {
        diagnostic
    } else {
        diagnostic.at(error.path)
    }
}
