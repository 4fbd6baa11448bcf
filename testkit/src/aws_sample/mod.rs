//! The AWS sample's stack, built the way its CloudFormation template builds it.
//!
//! The sample ("Access Amazon RDS across VPCs using AWS PrivateLink and Network Load Balancer",
//! `testkit/fixtures/aws-sample/CrossAccountRDSAccess.yml`) is what rdslink's migration guide starts
//! from. moto's CloudFormation refuses the template's TCP listener, so [`build`] makes the same AWS
//! calls CloudFormation would, resource by resource, with the template's properties and names and
//! the `aws:cloudformation:*` tags CloudFormation puts on every resource that takes tags. What
//! [`build`] returns is what `aws cloudformation describe-stack-resources` would list: each logical
//! id's physical id.
//!
//! ```no_run
//! # async fn example(account: &rdslink_testkit::Account, vpc: &rdslink_testkit::seed::Vpc) {
//! use rdslink_testkit::aws_sample::{self, Parameters};
//!
//! let parameters = Parameters::new("orders-access", vpc, "orders.cluster-x.us-east-1.rds.amazonaws.com")
//!     .security_group(&aws_sample::default_security_group(account, &vpc.id).await)
//!     .target_role("arn:aws:iam::222222222222:root");
//! let stack = aws_sample::build(account, &parameters).await;
//! let service_id = stack.physical_id(aws_sample::ENDPOINT_SERVICE);
//! # }
//! ```

mod function;
mod network;
mod zip;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use aws_sdk_elasticloadbalancingv2::types::TargetDescription;

use crate::Account;
use crate::seed::Vpc;

pub use network::default_security_group;

/// The template's logical ids, as `describe-stack-resources` names them.
pub const LAMBDA_ROLE: &str = "rLambdaPrivsRole";
pub const FUNCTION: &str = "rLambdaNLBUpdate";
pub const TOPIC: &str = "rLambdaTriggerTopic";
pub const TOPIC_POLICY: &str = "rAttachTopicPolicy";
pub const TOPIC_SUBSCRIPTION: &str = "rLambdaTriggerSubscription";
pub const EVENT_SUBSCRIPTION: &str = "rEventSubscription";
pub const INVOKE_PERMISSION: &str = "rSnsLambdaInvokePermission";
pub const LOAD_BALANCER: &str = "rNetworkLoadBalancer";
pub const TARGET_GROUP: &str = "rNetworkLoadBalancerTargetGroup";
pub const LISTENER: &str = "rNetworkLoadBalancerListener";
pub const ENDPOINT_SERVICE: &str = "rVPCEndpointService";
pub const ENDPOINT_SERVICE_PERMISSION: &str = "rVPCEndpointServicePermission";

/// The template's parameters (`pVPCid`, `pSubnetsGroup`, ...), with its defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameters {
    /// The stack's name: every named resource carries it.
    pub stack_name: String,
    /// `pVPCid` (the template uses its first element).
    pub vpc_id: String,
    /// `pSubnetsGroup`: the load balancer's and the function's subnets.
    pub subnet_ids: Vec<String>,
    /// `pSecurityGroup`: the function's security group.
    pub security_group_id: String,
    /// `pTargetRoleARN`: the one principal allowed to connect to the endpoint service.
    pub target_role_arn: String,
    /// `pRDSType`: `db-cluster` (default) or `db-instance`.
    pub rds_type: String,
    /// `pLambdaName`, default `NLBAutoUpdate`.
    pub lambda_name: String,
    /// `pRDSPOrt`, default 5432.
    pub rds_port: u16,
    /// `pDBEndPoint`: the database's hostname (a cluster's writer endpoint for `db-cluster`).
    pub db_endpoint: String,
}

impl Parameters {
    /// The template's defaults in `vpc` (its subnets) for `db_endpoint`; the security group and
    /// the allowed principal are still to be given.
    pub fn new(stack_name: &str, vpc: &Vpc, db_endpoint: &str) -> Parameters {
        Parameters {
            stack_name: stack_name.to_owned(),
            vpc_id: vpc.id.clone(),
            subnet_ids: vpc.subnet_ids.clone(),
            security_group_id: String::new(),
            target_role_arn: String::new(),
            rds_type: "db-cluster".to_owned(),
            lambda_name: "NLBAutoUpdate".to_owned(),
            rds_port: 5432,
            db_endpoint: db_endpoint.to_owned(),
        }
    }

    pub fn security_group(mut self, security_group_id: &str) -> Parameters {
        self.security_group_id = security_group_id.to_owned();
        self
    }

    pub fn target_role(mut self, arn: &str) -> Parameters {
        self.target_role_arn = arn.to_owned();
        self
    }

    pub fn port(mut self, port: u16) -> Parameters {
        self.rds_port = port;
        self
    }

    /// `NLBAutoUpdate-<stack>`: the function's name (the template's `oLambdaName` output).
    pub fn function_name(&self) -> String {
        format!("{}-{}", self.lambda_name, self.stack_name)
    }

    /// `UpdateNLBIpRole-<stack>`.
    pub fn role_name(&self) -> String {
        format!("UpdateNLBIpRole-{}", self.stack_name)
    }

    /// `UpdateNLBIpPolicy<stack>`: the role's inline policy.
    pub fn role_policy_name(&self) -> String {
        format!("UpdateNLBIpPolicy{}", self.stack_name)
    }

    /// `LambdaForNLBUpdate<stack>`.
    pub fn topic_name(&self) -> String {
        format!("LambdaForNLBUpdate{}", self.stack_name)
    }

    /// `NLB-RDS-<stack>`.
    pub fn load_balancer_name(&self) -> String {
        format!("NLB-RDS-{}", self.stack_name)
    }

    /// `NLB-TG-RDS-<stack>`.
    pub fn target_group_name(&self) -> String {
        format!("NLB-TG-RDS-{}", self.stack_name)
    }

    /// The event subscription's source: the first label of `pDBEndPoint` (the template's
    /// `!Select [0, !Split [".", !Ref pDBEndPoint]]`).
    pub fn database_identifier(&self) -> &str {
        self.db_endpoint.split('.').next().unwrap_or_default()
    }
}

/// The stack as built: every resource's physical id by logical id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleStack {
    pub parameters: Parameters,
    /// `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`, as tagged on the resources.
    pub stack_id: String,
    pub resources: BTreeMap<&'static str, String>,
}

impl SampleStack {
    /// The physical id of `logical_id` (an ARN, a name or an id, as CloudFormation records it).
    ///
    /// # Panics
    /// If the template has no such resource.
    pub fn physical_id(&self, logical_id: &str) -> &str {
        self.resources
            .get(logical_id)
            .unwrap_or_else(|| panic!("the sample's template has no resource {logical_id}"))
    }
}

/// Builds every resource of the template, in an order that respects its references, as
/// CloudFormation would for `create-stack` with `parameters`.
///
/// # Panics
/// If a parameter CloudFormation would refuse is missing, or the emulator refuses a call.
pub async fn build(account: &Account, parameters: &Parameters) -> SampleStack {
    assert!(
        !parameters.security_group_id.is_empty() && !parameters.target_role_arn.is_empty(),
        "pSecurityGroup and pTargetRoleARN have no default: give them to the parameters"
    );
    let stack_id = format!(
        "arn:aws:cloudformation:{}:{}:stack/{}/{}",
        account.region,
        account.id,
        parameters.stack_name,
        uuid_like()
    );
    let tags = StackTags {
        stack_name: parameters.stack_name.clone(),
        stack_id: stack_id.clone(),
    };
    let mut resources = BTreeMap::new();
    network::build(account, parameters, &tags, &mut resources).await;
    function::build(account, parameters, &tags, &mut resources).await;
    SampleStack {
        parameters: parameters.clone(),
        stack_id,
        resources,
    }
}

/// What the sample's function leaves after its first invocation: the log group Lambda creates for
/// it (`/aws/lambda/<function>`, outside the stack), and `addresses` (what the database's endpoint
/// resolved to) registered on `pRDSPOrt` in the target group, which the stack creates empty.
///
/// # Panics
/// If the emulator refuses.
pub async fn record_first_run(account: &Account, stack: &SampleStack, addresses: &[Ipv4Addr]) {
    built(
        account
            .logs()
            .create_log_group()
            .log_group_name(format!("/aws/lambda/{}", stack.parameters.function_name()))
            .send()
            .await,
        FUNCTION,
        "logs:CreateLogGroup",
    );
    let targets = addresses
        .iter()
        .map(|ip| {
            TargetDescription::builder()
                .id(ip.to_string())
                .port(i32::from(stack.parameters.rds_port))
                .build()
        })
        .collect();
    built(
        account
            .elbv2()
            .register_targets()
            .target_group_arn(stack.physical_id(TARGET_GROUP))
            .set_targets(Some(targets))
            .send()
            .await,
        FUNCTION,
        "elbv2:RegisterTargets",
    );
}

/// The tags CloudFormation adds to every resource of a stack that takes tags.
#[derive(Clone, Debug)]
struct StackTags {
    stack_name: String,
    stack_id: String,
}

impl StackTags {
    fn of(&self, logical_id: &str) -> Vec<(&'static str, String)> {
        vec![
            ("aws:cloudformation:stack-name", self.stack_name.clone()),
            ("aws:cloudformation:stack-id", self.stack_id.clone()),
            ("aws:cloudformation:logical-id", logical_id.to_owned()),
        ]
    }
}

/// The unique part CloudFormation appends to names it generates
/// (`<stack>-<logical id>-<suffix>`): upper-case letters and digits, different on every call.
fn generated_suffix(salt: &str, length: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write(salt.as_bytes());
    let mut state = hasher.finish();
    (0..length)
        .map(|_| {
            // xorshift: enough to spread the random seed over the suffix.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// A random id in UUID form, as CloudFormation's stack ids end.
fn uuid_like() -> String {
    let hex: String = generated_suffix("stack-id", 32)
        .chars()
        .map(|c| char::from_digit(c as u32 % 16, 16).expect("a hex digit"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The generated name of a resource the template does not name.
fn generated_name(stack_name: &str, logical_id: &str) -> String {
    format!(
        "{stack_name}-{logical_id}-{}",
        generated_suffix(logical_id, 12)
    )
}

/// Unwraps a build step or panics naming the resource and the call.
fn built<T, E: std::fmt::Debug>(result: Result<T, E>, logical_id: &str, call: &str) -> T {
    result.unwrap_or_else(|err| panic!("building the sample's {logical_id} ({call}): {err:?}"))
}
