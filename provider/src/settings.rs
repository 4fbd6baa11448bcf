//! The `provider "rdslink"` block: its schema, validate-time checks that point at the attribute, and
//! the conversion into [`Settings`].

use tfplugin::diag::{AttributePath, Diagnostics};
use tfplugin::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin::value::{Type, Value};

use super::aws::{AssumeRole, ServiceEndpoints, Settings};
use super::validate;

/// The services whose endpoints can be overridden one by one, with the name each has in `endpoints`.
const SERVICE_ENDPOINTS: [(&str, &str); 4] = [
    ("ec2", "Amazon EC2 (VPC endpoint services)"),
    (
        "elbv2",
        "Elastic Load Balancing v2 (load balancers, target groups, listeners)",
    ),
    ("rds", "Amazon RDS"),
    ("sts", "AWS STS (identity check and `assume_role`)"),
];

pub fn schema() -> Schema {
    let endpoints =
        Block::new("Per-service endpoint URLs. Each wins over `endpoint_url` for its service.")
            .attributes(SERVICE_ENDPOINTS.iter().map(|(name, service)| {
                Attribute::optional(*name, Type::String, format!("Endpoint URL for {service}."))
            }));
    let assume_role = Block::new(
        "A role to assume before calling AWS: how one configuration reaches another account. \
         The ambient credentials (standard AWS chain) must be allowed to assume it.",
    )
    .attribute(Attribute::required(
        "role_arn",
        Type::String,
        "ARN of the IAM role to assume, e.g. `arn:aws:iam::111111111111:role/rdslink`.",
    ))
    .attribute(Attribute::optional(
        "session_name",
        Type::String,
        "Session name recorded in CloudTrail. Defaults to `terraform-provider-rdslink`.",
    ))
    .attribute(
        Attribute::optional(
            "external_id",
            Type::String,
            "External ID the role's trust policy requires, if any.",
        )
        .sensitive(),
    );

    Schema::new(Block::new("The rdslink provider: private, failover-proof access to Amazon RDS through AWS PrivateLink.")
            .attribute(Attribute::optional(
                "region",
                Type::String,
                "AWS region, e.g. `eu-west-1`. Defaults to the standard AWS chain (`AWS_REGION`, the profile).",
            ))
            .attribute(Attribute::optional(
                "profile",
                Type::String,
                "Named profile from the shared AWS config and credentials files.",
            ))
            .attribute(Attribute::optional(
                "endpoint_url",
                Type::String,
                "Send every AWS API call to this URL (for emulators). `AWS_ENDPOINT_URL` is honoured too.",
            ))
            .attribute(Attribute::optional(
                "default_tags",
                Type::Map(Box::new(Type::String)),
                "Tags added to every AWS object rdslink creates; a resource's own `tags` win on conflicts.",
            ))
            .attribute(Attribute::optional(
                "dns_nameservers",
                Type::List(Box::new(Type::String)),
                "Resolve database endpoints with these DNS servers (`ip:port`) instead of the system resolver. \
                 Nothing is cached: every discovery asks again.",
            ))
            .block(NestedBlock::single("endpoints", endpoints))
            .block(NestedBlock::single("assume_role", assume_role)),
    )
}

/// Validate-time checks. Unknown values (from variables not yet known) are skipped: they are checked
/// again at configure time.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    check_string(
        config.get("region"),
        AttributePath::root("region"),
        validate::region,
        "Invalid region",
        diags,
    );
    check_string(
        config.get("endpoint_url"),
        AttributePath::root("endpoint_url"),
        validate::endpoint_url,
        "Invalid endpoint URL",
        diags,
    );
    let endpoints = config.get("endpoints");
    for (name, _) in SERVICE_ENDPOINTS {
        check_string(
            endpoints.get(name),
            AttributePath::root("endpoints").attribute(name),
            validate::endpoint_url,
            "Invalid endpoint URL",
            diags,
        );
    }
    let assume_role = config.get("assume_role");
    check_string(
        assume_role.get("role_arn"),
        AttributePath::root("assume_role").attribute("role_arn"),
        validate::iam_role_arn,
        "Invalid role ARN",
        diags,
    );
    if let Some(name) = assume_role.get("session_name").as_str() {
        // STS: 2-64 characters of [\w+=,.@-].
        let ok = (2..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
        if !ok {
            diags.error_at(
                AttributePath::root("assume_role").attribute("session_name"),
                "Invalid session name",
                format!(
                    "{name:?} is not a valid STS session name (2-64 letters, digits or _+=,.@-)."
                ),
            );
        }
    }
    for (index, server) in config.get("dns_nameservers").elements().iter().enumerate() {
        check_string(
            server,
            AttributePath::root("dns_nameservers").index(index as i64),
            |s| validate::nameserver(s).map(|_| ()),
            "Invalid DNS server address",
            diags,
        );
    }
}

/// The settings from a fully known configuration. Call after [`validate`] reported no errors.
pub fn from_config(config: &Value, diags: &mut Diagnostics) -> Option<Settings> {
    validate(config, diags);
    if !config.is_fully_known() {
        diags.error(
            "Provider configuration is not known yet",
            "The provider block uses values that are only known after apply; rdslink needs them to reach AWS. \
             Use values known at plan time (variables, literals, data sources).",
        );
    }
    if diags.has_errors() {
        return None;
    }
    let string = |v: &Value| v.as_str().map(str::to_owned);
    let endpoints = config.get("endpoints");
    let assume_role = config.get("assume_role");
    Some(Settings {
        region: string(config.get("region")),
        profile: string(config.get("profile")),
        endpoint_url: string(config.get("endpoint_url")),
        endpoints: ServiceEndpoints {
            ec2: string(endpoints.get("ec2")),
            elbv2: string(endpoints.get("elbv2")),
            rds: string(endpoints.get("rds")),
            sts: string(endpoints.get("sts")),
        },
        assume_role: string(assume_role.get("role_arn")).map(|role_arn| AssumeRole {
            role_arn,
            session_name: string(assume_role.get("session_name")),
            external_id: string(assume_role.get("external_id")),
        }),
        default_tags: config
            .get("default_tags")
            .entries()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        dns_nameservers: config
            .get("dns_nameservers")
            .elements()
            .iter()
            .filter_map(|v| validate::nameserver(v.as_str()?).ok())
            .collect(),
    })
}

/// Reports `check`'s complaint about a known string at `path`; null and unknown pass. The
/// complaint is a sentence about the value (a [`rdslink_engine::validate::Invalid`] or a plain
/// `String`).
pub(crate) fn check_string<E: std::fmt::Display>(
    value: &Value,
    path: AttributePath,
    check: impl Fn(&str) -> Result<(), E>,
    summary: &str,
    diags: &mut Diagnostics,
) {
    if let Some(text) = value.as_str()
        && let Err(reason) = check(text)
    {
        diags.error_at(path, summary, format!("{reason}."));
    }
}
