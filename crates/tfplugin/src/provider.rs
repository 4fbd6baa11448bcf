//! What a provider implements: the provider itself, its data sources and its resources.
//!
//! Implementations see [`Value`]s, [`Schema`]s, [`Diagnostics`] and a [`Context`] only; the
//! plugin layer turns them into gRPC messages. Report problems as diagnostics (errors stop
//! Terraform, warnings are shown) and return `None` when there is no result.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::{AttributePath, Diagnostics};
use super::plan;
use super::schema::Schema;
use super::upgrade;
use super::value::Value;

/// Per-request context: tells long operations when Terraform asks the provider to stop
/// (Ctrl-C), so they can give up early and, for applies, report what they already did.
#[derive(Debug, Clone)]
pub struct Context {
    stop: CancellationToken,
}

/// Returned by [`Context::until_stopped`] when Terraform asked the provider to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Terraform asked the provider to stop")]
pub struct Stopped;

/// Stops the [`Context`] it was created with; for tests of stop behaviour.
#[derive(Debug, Clone)]
pub struct StopHandle(CancellationToken);

impl StopHandle {
    pub fn stop(&self) {
        self.0.cancel();
    }
}

impl Context {
    pub(crate) fn new(stop: CancellationToken) -> Self {
        Self { stop }
    }

    /// A context that is never stopped (tests, background work).
    pub fn detached() -> Self {
        Self::new(CancellationToken::new())
    }

    /// A context and the handle that stops it (tests of stop behaviour).
    pub fn stoppable() -> (Self, StopHandle) {
        let token = CancellationToken::new();
        (Self::new(token.clone()), StopHandle(token))
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Completes when Terraform asks the provider to stop.
    pub async fn stopped(&self) {
        self.stop.cancelled().await;
    }

    /// Runs `work` unless and until Terraform asks the provider to stop; then `work` is
    /// dropped (cancelled at its current await point) and `Err(Stopped)` returned.
    pub async fn until_stopped<F: Future>(&self, work: F) -> Result<F::Output, Stopped> {
        tokio::select! {
            biased;
            () = self.stop.cancelled() => Err(Stopped),
            output = work => Ok(output),
        }
    }
}

/// The provider: its configuration block and the resource types it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's local name (`rdslink`): logs are tagged `provider.<name>`.
    fn type_name(&self) -> &'static str;

    /// The tracing targets (crate names) of the provider's own code, logged at the level Terraform
    /// asks for; other crates' events are logged from WARN up.
    fn log_targets(&self) -> &'static [&'static str] {
        &[]
    }

    /// The provider's release version, logged when Terraform starts it. (tfplugin6's
    /// GetMetadata has no field for it, so the log is where Terraform users see it.)
    fn version(&self) -> Option<&'static str> {
        None
    }

    /// Schema of the `provider "<name>" {}` block.
    fn schema(&self) -> Schema;

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;

    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    /// Checks the provider configuration without side effects; values may be unknown.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Receives the provider configuration once per process before any resource operation.
    async fn configure(&self, config: &Value, ctx: &Context, diags: &mut Diagnostics);
}

#[async_trait]
pub trait DataSource: Send + Sync {
    /// The data source type, e.g. `rdslink_database`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks the configuration without side effects; values may be unknown.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Reads the data: returns the whole state object (configuration plus computed attributes).
    async fn read(&self, config: &Value, ctx: &Context, diags: &mut Diagnostics) -> Option<Value>;
}

/// PlanResourceChange: what would change.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Null when the resource is being created.
    pub prior_state: Value,
    /// Terraform's proposal: the configuration merged with prior computed values. Null when the
    /// resource is being destroyed.
    pub proposed_new_state: Value,
    pub config: Value,
    /// Opaque data the provider stored with the state.
    pub prior_private: Vec<u8>,
}

impl PlanRequest {
    pub fn is_create(&self) -> bool {
        self.prior_state.is_null()
    }

    pub fn is_destroy(&self) -> bool {
        self.proposed_new_state.is_null()
    }
}

#[derive(Debug, Clone)]
pub struct PlanResponse {
    /// The expected state after apply; unknown where only apply can tell.
    pub planned_state: Value,
    /// Changed attributes that force destroying and re-creating the resource.
    pub requires_replace: Vec<AttributePath>,
    pub planned_private: Vec<u8>,
}

/// ApplyResourceChange: make it so.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// Null when creating.
    pub prior_state: Value,
    /// Null when destroying.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

impl ApplyRequest {
    pub fn is_create(&self) -> bool {
        self.prior_state.is_null()
    }

    pub fn is_destroy(&self) -> bool {
        self.planned_state.is_null()
    }
}

#[derive(Debug, Clone)]
pub struct ApplyResponse {
    /// The resulting state; null after a destroy. After a partial failure, return what exists
    /// together with error diagnostics so Terraform records it.
    pub new_state: Value,
    pub private: Vec<u8>,
}

/// ReadResource: refresh the state from the real world.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct ReadResponse {
    /// Null when the object no longer exists (Terraform then plans to create it again).
    pub new_state: Value,
    pub private: Vec<u8>,
}

#[async_trait]
pub trait Resource: Send + Sync {
    /// The resource type, e.g. `rdslink_endpoint_service`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks the configuration without side effects; values may be unknown.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Default: Terraform's proposal, with computed attributes the configuration leaves unset
    /// marked unknown when the resource is created or changed (see [`plan::default_plan`]).
    async fn plan(
        &self,
        req: PlanRequest,
        _ctx: &Context,
        _diags: &mut Diagnostics,
    ) -> Option<PlanResponse> {
        Some(plan::default_plan(&self.schema(), req))
    }

    /// Creates, updates or destroys. Must return promptly once `ctx` is stopped, with the state
    /// of whatever was already created (the server cancels it after a grace period).
    /// Returning `None` keeps the prior state.
    async fn apply(
        &self,
        req: ApplyRequest,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<ApplyResponse>;

    /// Refreshes the state. Returning `None` keeps the current state.
    async fn read(
        &self,
        req: ReadRequest,
        ctx: &Context,
        diags: &mut Diagnostics,
    ) -> Option<ReadResponse>;

    /// Turns an import id into a state that Terraform then refreshes with `read`.
    async fn import(&self, id: &str, ctx: &Context, diags: &mut Diagnostics) -> Option<Value>;

    /// Turns stored state written with schema version `from_version` (older than the current
    /// [`Schema::version`]) into the current version's shape, in one step from any older
    /// version. `state` is decoded from JSON without a type; the server makes the result
    /// conform to the current type (see [`crate::upgrade`]). Default: there are no older
    /// versions, so any upgrade is an error.
    fn upgrade_state(
        &self,
        from_version: i64,
        state: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let _ = state;
        upgrade::no_upgrade(self.type_name(), from_version, diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn until_stopped_cancels_pending_work() {
        let (ctx, stop) = Context::stoppable();
        assert_eq!(ctx.until_stopped(async { 7 }).await, Ok(7));
        assert!(!ctx.is_stopped());
        let pending = ctx.until_stopped(tokio::time::sleep(Duration::from_secs(3600)));
        stop.stop();
        assert_eq!(pending.await, Err(Stopped));
        assert!(ctx.is_stopped());
        // Once stopped, new work does not even start.
        assert_eq!(ctx.until_stopped(async { 7 }).await, Err(Stopped));
    }

    #[tokio::test]
    async fn detached_context_never_stops() {
        let ctx = Context::detached();
        let waited = tokio::time::timeout(Duration::from_millis(20), ctx.stopped()).await;
        assert!(waited.is_err());
    }
}
