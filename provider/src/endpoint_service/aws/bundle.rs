//! The ids of a bundle: complete ([`Bundle`]) or as far as they exist ([`PartialBundle`]).

/// A complete bundle: what `create` returns and import finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// `vpce-svc-...`
    pub service_id: String,
    /// `com.amazonaws.vpce.<region>.vpce-svc-...`: what consumers create endpoints to.
    pub service_name: String,
    pub nlb_arn: String,
    pub nlb_dns_name: String,
    pub target_group_arn: String,
    pub listener_arn: String,
    /// The load balancer's zones, sorted.
    pub availability_zones: Vec<String>,
}

/// The parts of a bundle that exist, by id. `create` fills it in as each part comes to exist, so
/// that whatever happens afterwards, everything created is recorded here; `delete` takes one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartialBundle {
    pub target_group_arn: Option<String>,
    pub load_balancer_arn: Option<String>,
    pub listener_arn: Option<String>,
    pub service_id: Option<String>,
}

impl PartialBundle {
    /// No part recorded.
    pub fn is_empty(&self) -> bool {
        self.target_group_arn.is_none()
            && self.load_balancer_arn.is_none()
            && self.listener_arn.is_none()
            && self.service_id.is_none()
    }
}

impl From<&Bundle> for PartialBundle {
    fn from(bundle: &Bundle) -> Self {
        PartialBundle {
            target_group_arn: Some(bundle.target_group_arn.clone()),
            load_balancer_arn: Some(bundle.nlb_arn.clone()),
            listener_arn: Some(bundle.listener_arn.clone()),
            service_id: Some(bundle.service_id.clone()),
        }
    }
}
