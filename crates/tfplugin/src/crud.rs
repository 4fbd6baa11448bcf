//! A CRUD adapter over the raw [`Resource`] protocol: a resource implements create, read,
//! update, delete and import on [`Value`]s, and optionally adjusts the generic plan; the adapter
//! plans with [`default_plan`] (the schema's defaults, unknowns and
//! replacement flags), dispatches ApplyResourceChange to create/update/delete, and passes the
//! private data Terraform stores with the state through unchanged.

use std::sync::Arc;

use async_trait::async_trait;

use crate::diag::{AttributePath, Diagnostics};
use crate::plan::{default_plan, replacements};
use crate::provider::{
    ApplyRequest, ApplyResponse, Context, PlanRequest, PlanResponse, ReadRequest, ReadResponse,
    Resource,
};
use crate::schema::Schema;
use crate::upgrade::no_upgrade;
use crate::value::Value;

/// The plan after the generic step; `modify_plan` may change `planned` and push to
/// `requires_replace`. The schema's replacement flags are judged afterwards, on the final
/// `planned`, so a value `modify_plan` fills in (a port it can predict, say) is judged as planned.
#[derive(Debug, Clone)]
pub struct PlannedChange {
    /// Null when creating.
    pub prior: Value,
    pub config: Value,
    /// The generic step's plan: unknown where only apply can tell.
    pub planned: Value,
    /// Replacements beyond the schema's flags (which the adapter adds after `modify_plan`).
    pub requires_replace: Vec<AttributePath>,
    /// Opaque data stored with the state; passed on to apply and the new state.
    pub private: Vec<u8>,
}

impl PlannedChange {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }
}

/// A resource as create/read/update/delete/import; serve it with [`resource`].
#[async_trait]
pub trait Crud: Send + Sync + 'static {
    /// The resource type, e.g. `rdslink_endpoint_service`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks the configuration without side effects; values may be unknown. Runs after the
    /// schema's own validators.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Adjusts the generic plan (values only the provider can predict, extra replacements).
    /// Not called for destroy plans. Default: nothing.
    async fn modify_plan(
        &self,
        _plan: &mut PlannedChange,
        _ctx: &Context,
        _diags: &mut Diagnostics,
    ) {
    }

    /// Returns the new state; after a partial failure return what exists (with error
    /// diagnostics) so Terraform records it; None = nothing created.
    async fn create(
        &self,
        planned: Value,
        config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value>;

    /// Some(Value::Null) = the object is gone; None = keep the current state (error in diags).
    async fn read(&self, state: Value, ctx: &Context, diags: &mut Diagnostics) -> Option<Value>;

    /// None = keep the prior state.
    async fn update(
        &self,
        prior: &Value,
        planned: Value,
        config: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<Value>;

    /// Ok = gone. Err(state) = what still exists (Terraform keeps it; None keeps the prior
    /// state as it was).
    async fn delete(
        &self,
        prior: &Value,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Result<(), Option<Value>>;

    /// Turns an import id into a state that Terraform then refreshes with `read`.
    async fn import(&self, id: &str, ctx: &Context, diags: &mut Diagnostics) -> Option<Value>;

    /// State upgrades, see [`crate::upgrade`]: `state` was written with `from_version` (older
    /// than the schema's) and is decoded without a type; return it in the current shape.
    /// Default: no upgrade needed (version 0 only), so any call is an error.
    fn upgrade_state(
        &self,
        from_version: i64,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let _ = state;
        no_upgrade(self.type_name(), from_version, diags)
    }
}

/// What forces replacement in a finished plan: the schema's flags judged on the final planned
/// value, then the replacements `modify_plan` added, each path once.
pub fn final_replacements(schema: &Schema, change: &PlannedChange) -> Vec<AttributePath> {
    let flagged = if change.prior.is_null() {
        Vec::new()
    } else {
        replacements(&schema.block, &change.prior, &change.planned)
    };
    let mut paths = Vec::with_capacity(flagged.len() + change.requires_replace.len());
    for path in flagged
        .into_iter()
        .chain(change.requires_replace.iter().cloned())
    {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// Serves a [`Crud`] as a [`Resource`] (plan = generic step + `modify_plan`; apply dispatches
/// create/update/delete; private data passed through).
pub fn resource<T: Crud>(crud: T) -> Arc<dyn Resource> {
    Arc::new(CrudResource(crud))
}

struct CrudResource<T>(T);

#[async_trait]
impl<T: Crud> Resource for CrudResource<T> {
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    fn schema(&self) -> Schema {
        self.0.schema()
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        self.0.validate_config(config, diags);
    }

    async fn plan(
        &self,
        req: PlanRequest,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<PlanResponse> {
        if req.is_destroy() {
            return Some(PlanResponse {
                planned_state: Value::Null,
                requires_replace: Vec::new(),
                planned_private: req.prior_private,
            });
        }
        let prior = req.prior_state.clone();
        let config = req.config.clone();
        let schema = self.0.schema();
        let generic = default_plan(&schema, req);
        let mut change = PlannedChange {
            prior,
            config,
            planned: generic.planned_state,
            requires_replace: Vec::new(),
            private: generic.planned_private,
        };
        self.0.modify_plan(&mut change, ctx, diags).await;
        let requires_replace = final_replacements(&schema, &change);
        Some(PlanResponse {
            planned_state: change.planned,
            requires_replace,
            planned_private: change.private,
        })
    }

    async fn apply(
        &self,
        req: ApplyRequest,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<ApplyResponse> {
        let private = req.planned_private;
        let new_state = if req.planned_state.is_null() {
            match self.0.delete(&req.prior_state, ctx, diags).await {
                Ok(()) => Value::Null,
                Err(remaining) => {
                    if !diags.has_errors() {
                        diags.error(
                            "Delete failed without an error",
                            "The provider reported that the object still exists but gave no \
                             reason. This is a bug in the provider.",
                        );
                    }
                    remaining?
                }
            }
        } else if req.prior_state.is_null() {
            self.0
                .create(req.planned_state, &req.config, ctx, diags)
                .await?
        } else {
            self.0
                .update(&req.prior_state, req.planned_state, &req.config, ctx, diags)
                .await?
        };
        Some(ApplyResponse { new_state, private })
    }

    async fn read(
        &self,
        req: ReadRequest,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<ReadResponse> {
        let new_state = self.0.read(req.current_state, ctx, diags).await?;
        Some(ReadResponse {
            new_state,
            private: req.private,
        })
    }

    async fn import(&self, id: &str, ctx: &Context, diags: &mut Diagnostics) -> Option<Value> {
        self.0.import(id, ctx, diags).await
    }

    fn upgrade_state(
        &self,
        from_version: i64,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        self.0.upgrade_state(from_version, state, diags)
    }
}
