//! The sample's sync half: `rLambdaPrivsRole`, `rLambdaNLBUpdate` (Python 3.9, inline code),
//! `rLambdaTriggerTopic` with `rAttachTopicPolicy`, `rSnsLambdaInvokePermission`,
//! `rLambdaTriggerSubscription` and `rEventSubscription` (the database's `failover` and `failure`
//! events into the topic), with the template's properties.

use std::collections::BTreeMap;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, Runtime, TracingConfig, TracingMode, VpcConfig,
};
use serde_json::json;

use super::{
    EVENT_SUBSCRIPTION, FUNCTION, INVOKE_PERMISSION, LAMBDA_ROLE, Parameters, StackTags, TOPIC,
    TOPIC_POLICY, TOPIC_SUBSCRIPTION, built, generated_name, zip,
};
use crate::Account;

/// The function's code as the template inlines it; CloudFormation zips inline code as `index.py`.
const HANDLER_SOURCE: &str = include_str!("../../fixtures/aws-sample/index.py");

/// The managed policy the template attaches to the function's role.
pub const BASIC_EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

pub(super) async fn build(
    account: &Account,
    parameters: &Parameters,
    tags: &StackTags,
    resources: &mut BTreeMap<&'static str, String>,
) {
    let role_arn = role(account, parameters).await;
    resources.insert(LAMBDA_ROLE, parameters.role_name());

    let sns = account.sns();
    let created = built(
        sns.create_topic()
            .name(parameters.topic_name())
            .set_tags(Some(
                tags.of(TOPIC)
                    .into_iter()
                    .map(|(key, value)| {
                        aws_sdk_sns::types::Tag::builder()
                            .key(key)
                            .value(value)
                            .build()
                            .expect("a tag has a key and a value")
                    })
                    .collect(),
            ))
            .send()
            .await,
        TOPIC,
        "sns:CreateTopic",
    );
    let topic_arn = created.topic_arn().expect("a topic ARN").to_owned();
    resources.insert(TOPIC, topic_arn.clone());

    let topic_policy = json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic", "SNS:Publish", "SNS:Receive"
            ],
            "Resource": [topic_arn],
            "Condition": {"StringEquals": {"AWS:SourceOwner": account.id}}
        }]
    });
    built(
        sns.set_topic_attributes()
            .topic_arn(&topic_arn)
            .attribute_name("Policy")
            .attribute_value(topic_policy.to_string())
            .send()
            .await,
        TOPIC_POLICY,
        "sns:SetTopicAttributes",
    );
    resources.insert(
        TOPIC_POLICY,
        generated_name(&parameters.stack_name, TOPIC_POLICY),
    );

    let function_arn = function(account, parameters, tags, &role_arn, resources).await;
    resources.insert(FUNCTION, parameters.function_name());

    let statement_id = generated_name(&parameters.stack_name, INVOKE_PERMISSION);
    built(
        account
            .lambda()
            .add_permission()
            .function_name(&function_arn)
            .statement_id(&statement_id)
            .action("lambda:InvokeFunction")
            .principal("sns.amazonaws.com")
            .source_arn(&topic_arn)
            .send()
            .await,
        INVOKE_PERMISSION,
        "lambda:AddPermission",
    );
    resources.insert(INVOKE_PERMISSION, statement_id);

    let subscribed = built(
        sns.subscribe()
            .endpoint(&function_arn)
            .protocol("lambda")
            .topic_arn(&topic_arn)
            .return_subscription_arn(true)
            .send()
            .await,
        TOPIC_SUBSCRIPTION,
        "sns:Subscribe",
    );
    resources.insert(
        TOPIC_SUBSCRIPTION,
        subscribed
            .subscription_arn()
            .expect("a subscription ARN")
            .to_owned(),
    );

    // RDS keeps subscription names in lower case.
    let subscription_name =
        generated_name(&parameters.stack_name, EVENT_SUBSCRIPTION).to_lowercase();
    built(
        account
            .rds()
            .create_event_subscription()
            .subscription_name(&subscription_name)
            .event_categories("failover")
            .event_categories("failure")
            .sns_topic_arn(&topic_arn)
            .source_ids(parameters.database_identifier())
            .source_type(&parameters.rds_type)
            .enabled(true)
            .send()
            .await,
        EVENT_SUBSCRIPTION,
        "rds:CreateEventSubscription",
    );
    resources.insert(EVENT_SUBSCRIPTION, subscription_name);
}

/// `rLambdaPrivsRole`: Lambda may assume it; the inline policy and the managed policy of the
/// template. Returns its ARN.
async fn role(account: &Account, parameters: &Parameters) -> String {
    let iam = account.iam();
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": ["sts:AssumeRole"]
        }]
    });
    let created = built(
        iam.create_role()
            .role_name(parameters.role_name())
            .path("/")
            .assume_role_policy_document(trust.to_string())
            .send()
            .await,
        LAMBDA_ROLE,
        "iam:CreateRole",
    );
    let region = &account.region;
    let account_id = &account.id;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces", "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"
                ],
                "Resource": "*"
            },
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup"],
                "Resource": format!("arn:aws:logs:{region}:{account_id}:*")
            },
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": format!(
                    "arn:aws:logs:{region}:{account_id}:log-group:/aws/lambda/{}:*",
                    parameters.lambda_name
                )
            }
        ]
    });
    built(
        iam.put_role_policy()
            .role_name(parameters.role_name())
            .policy_name(parameters.role_policy_name())
            .policy_document(policy.to_string())
            .send()
            .await,
        LAMBDA_ROLE,
        "iam:PutRolePolicy",
    );
    built(
        iam.attach_role_policy()
            .role_name(parameters.role_name())
            .policy_arn(BASIC_EXECUTION_POLICY)
            .send()
            .await,
        LAMBDA_ROLE,
        "iam:AttachRolePolicy",
    );
    created
        .role()
        .map(|role| role.arn().to_owned())
        .expect("a role ARN")
}

/// `rLambdaNLBUpdate`: the Python function in the stack's subnets and security group, told the
/// database's endpoint, its port and the target group. Returns its ARN.
async fn function(
    account: &Account,
    parameters: &Parameters,
    tags: &StackTags,
    role_arn: &str,
    resources: &BTreeMap<&'static str, String>,
) -> String {
    let target_group_arn = resources
        .get(super::TARGET_GROUP)
        .expect("the target group is built before the function");
    let environment = Environment::builder()
        .variables("Cluster_EndPoint", &parameters.db_endpoint)
        .variables("RDS_Port", parameters.rds_port.to_string())
        .variables("NLB_TG_ARN", target_group_arn)
        .build();
    let created = built(
        account
            .lambda()
            .create_function()
            .vpc_config(
                VpcConfig::builder()
                    .security_group_ids(&parameters.security_group_id)
                    .set_subnet_ids(Some(parameters.subnet_ids.clone()))
                    .build(),
            )
            .function_name(parameters.function_name())
            .runtime(Runtime::Python39)
            .role(role_arn)
            .handler("index.lambda_handler")
            .environment(environment)
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip::single_file(
                        "index.py",
                        HANDLER_SOURCE.as_bytes(),
                    )))
                    .build(),
            )
            .description("Lambda function to update NLB target group IP address")
            .tracing_config(TracingConfig::builder().mode(TracingMode::Active).build())
            .set_tags(Some(
                tags.of(FUNCTION)
                    .into_iter()
                    .map(|(key, value)| (key.to_owned(), value))
                    .collect(),
            ))
            .send()
            .await,
        FUNCTION,
        "lambda:CreateFunction",
    );
    created.function_arn().expect("a function ARN").to_owned()
}
