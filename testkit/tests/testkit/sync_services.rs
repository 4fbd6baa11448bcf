//! The emulator answers the calls that deploy the sync Lambda as AWS documents them, through the
//! Rust SDK the provider uses: the behaviour `moto_faithful.py` adds or corrects, and what moto
//! already does right that the provider relies on.

use aws_sdk_lambda::error::ProvideErrorMetadata as _;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment, FunctionCode, LogFormat, LoggingConfig, Runtime, State,
};
use aws_sdk_scheduler::types::{
    FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState, Target,
};
use base64::Engine as _;
use rdslink_testkit::{Account, fresh_account};
use serde_json::{Value, json};
use sha2::Digest as _;

/// The smallest valid zip archive (an end-of-central-directory record): moto never runs it.
const EMPTY_ZIP: [u8; 22] = [
    b'P', b'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn trust_policy(service: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

async fn role(account: &Account, name: &str, service: &str) -> String {
    account
        .iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy(service))
        .send()
        .await
        .expect("iam:CreateRole")
        .role
        .map(|role| role.arn)
        .expect("the new role")
}

fn create_function(
    account: &Account,
    name: &str,
    role_arn: &str,
) -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder {
    account
        .lambda()
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .architectures(Architecture::Arm64)
        .handler("bootstrap")
        .role(role_arn)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP.to_vec()))
                .build(),
        )
}

/// Decodes the `%XX` escapes of IAM's policy documents.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match (bytes[index], bytes.get(index + 1..index + 3)) {
            (b'%', Some(hex)) => {
                let hex = std::str::from_utf8(hex).expect("ASCII escape");
                decoded.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).expect("UTF-8")
}

#[tokio::test]
async fn a_function_needs_a_role_that_lambda_can_assume() {
    let account = fresh_account().await;
    let missing = format!("arn:aws:iam::{}:role/missing", account.id);
    let ec2_role = role(&account, "ec2-only", "ec2.amazonaws.com").await;
    let lambda_role = role(&account, "sync", "lambda.amazonaws.com").await;
    for role_arn in [&missing, &ec2_role] {
        let err = create_function(&account, "orders-sync", role_arn)
            .send()
            .await
            .expect_err(role_arn);
        assert_eq!(
            err.code(),
            Some("InvalidParameterValueException"),
            "{role_arn}"
        );
        assert_eq!(
            err.message(),
            Some("The role defined for the function cannot be assumed by Lambda.")
        );
    }
    create_function(&account, "orders-sync", &lambda_role)
        .send()
        .await
        .expect("lambda:CreateFunction with a role Lambda can assume");
    let err = account
        .lambda()
        .update_function_configuration()
        .function_name("orders-sync")
        .role(&ec2_role)
        .send()
        .await
        .expect_err("switching to a role Lambda cannot assume");
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
}

#[tokio::test]
async fn a_function_reads_back_its_code_hash_configuration_and_tags() {
    let account = fresh_account().await;
    let role_arn = role(&account, "sync", "lambda.amazonaws.com").await;
    let lambda = account.lambda();
    let created = create_function(&account, "orders-sync", &role_arn)
        .environment(
            Environment::builder()
                .variables("RDSLINK_PORT", "5432")
                .build(),
        )
        .timeout(60)
        .memory_size(128)
        .tags("rdslink:service", "orders")
        .send()
        .await
        .expect("lambda:CreateFunction");
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(EMPTY_ZIP));
    assert_eq!(created.code_sha256(), Some(sha.as_str()));

    let config = lambda
        .get_function_configuration()
        .function_name("orders-sync")
        .send()
        .await
        .expect("lambda:GetFunctionConfiguration");
    assert_eq!(config.code_sha256(), Some(sha.as_str()));
    assert_eq!(config.state(), Some(&State::Active));
    assert_eq!(config.architectures(), [Architecture::Arm64]);
    assert_eq!(config.timeout(), Some(60));
    assert_eq!(
        config
            .environment()
            .and_then(|env| env.variables())
            .and_then(|vars| vars.get("RDSLINK_PORT"))
            .map(String::as_str),
        Some("5432")
    );
    // Every function has a logging configuration: plain text to /aws/lambda/<name> by default.
    let logging = config.logging_config().expect("LoggingConfig");
    assert_eq!(logging.log_format(), Some(&LogFormat::Text));
    assert_eq!(logging.log_group(), Some("/aws/lambda/orders-sync"));
    assert_eq!(logging.application_log_level(), None);

    let tags = lambda
        .list_tags()
        .resource(config.function_arn().expect("FunctionArn"))
        .send()
        .await
        .expect("lambda:ListTags");
    assert_eq!(
        tags.tags()
            .and_then(|tags| tags.get("rdslink:service"))
            .map(String::as_str),
        Some("orders")
    );

    // JSON logs to a group of our own; log levels need JSON.
    let updated = lambda
        .update_function_configuration()
        .function_name("orders-sync")
        .logging_config(
            LoggingConfig::builder()
                .log_format(LogFormat::Json)
                .log_group("/rdslink/orders-sync")
                .build(),
        )
        .send()
        .await
        .expect("lambda:UpdateFunctionConfiguration");
    let logging = updated.logging_config().expect("LoggingConfig");
    assert_eq!(logging.log_format(), Some(&LogFormat::Json));
    assert_eq!(logging.log_group(), Some("/rdslink/orders-sync"));
    assert_eq!(
        logging.application_log_level().map(|level| level.as_str()),
        Some("INFO")
    );
    let err = create_function(&account, "text-with-level", &role_arn)
        .logging_config(
            LoggingConfig::builder()
                .log_format(LogFormat::Text)
                .system_log_level(aws_sdk_lambda::types::SystemLogLevel::Warn)
                .build(),
        )
        .send()
        .await
        .expect_err("a log level with text logs");
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
}

#[tokio::test]
async fn async_invoke_settings_are_replaced_and_concurrency_round_trips() {
    let account = fresh_account().await;
    let role_arn = role(&account, "sync", "lambda.amazonaws.com").await;
    create_function(&account, "orders-sync", &role_arn)
        .send()
        .await
        .expect("lambda:CreateFunction");
    let lambda = account.lambda();

    let err = lambda
        .get_function_event_invoke_config()
        .function_name("orders-sync")
        .send()
        .await
        .expect_err("no configuration yet");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    lambda
        .put_function_event_invoke_config()
        .function_name("orders-sync")
        .maximum_retry_attempts(0)
        .maximum_event_age_in_seconds(60)
        .send()
        .await
        .expect("lambda:PutFunctionEventInvokeConfig");
    // A second put replaces the whole configuration: what it leaves out is gone.
    lambda
        .put_function_event_invoke_config()
        .function_name("orders-sync")
        .maximum_retry_attempts(1)
        .send()
        .await
        .expect("lambda:PutFunctionEventInvokeConfig");
    let config = lambda
        .get_function_event_invoke_config()
        .function_name("orders-sync")
        .send()
        .await
        .expect("lambda:GetFunctionEventInvokeConfig");
    assert_eq!(config.maximum_retry_attempts(), Some(1));
    assert_eq!(config.maximum_event_age_in_seconds(), None);

    let concurrency = |client: aws_sdk_lambda::Client| async move {
        client
            .get_function_concurrency()
            .function_name("orders-sync")
            .send()
            .await
            .expect("lambda:GetFunctionConcurrency")
            .reserved_concurrent_executions()
    };
    assert_eq!(concurrency(lambda.clone()).await, None);
    lambda
        .put_function_concurrency()
        .function_name("orders-sync")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .expect("lambda:PutFunctionConcurrency");
    assert_eq!(concurrency(lambda.clone()).await, Some(1));
    lambda
        .delete_function_concurrency()
        .function_name("orders-sync")
        .send()
        .await
        .expect("lambda:DeleteFunctionConcurrency");
    assert_eq!(concurrency(lambda.clone()).await, None);
}

#[tokio::test]
async fn invoke_permissions_have_unique_ids_and_go_with_the_function() {
    let account = fresh_account().await;
    let role_arn = role(&account, "sync", "lambda.amazonaws.com").await;
    create_function(&account, "orders-sync", &role_arn)
        .send()
        .await
        .expect("lambda:CreateFunction");
    let lambda = account.lambda();
    let rule_arn = format!(
        "arn:aws:events:us-east-1:{}:rule/rdslink-orders",
        account.id
    );
    let allow_events = || {
        lambda
            .add_permission()
            .function_name("orders-sync")
            .statement_id("rdslink-events")
            .action("lambda:InvokeFunction")
            .principal("events.amazonaws.com")
            .source_arn(&rule_arn)
            .send()
    };
    allow_events().await.expect("lambda:AddPermission");
    let err = allow_events()
        .await
        .expect_err("the same statement id again");
    assert_eq!(err.code(), Some("ResourceConflictException"));

    let policy = lambda
        .get_policy()
        .function_name("orders-sync")
        .send()
        .await
        .expect("lambda:GetPolicy");
    let policy: Value = serde_json::from_str(policy.policy().expect("Policy")).expect("JSON");
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{policy}");
    assert_eq!(statements[0]["Sid"], json!("rdslink-events"));
    assert_eq!(
        statements[0]["Principal"],
        json!({"Service": "events.amazonaws.com"})
    );
    assert_eq!(
        statements[0]["Condition"]["ArnLike"]["AWS:SourceArn"],
        json!(rule_arn)
    );

    lambda
        .remove_permission()
        .function_name("orders-sync")
        .statement_id("rdslink-events")
        .send()
        .await
        .expect("lambda:RemovePermission");
    let err = lambda
        .get_policy()
        .function_name("orders-sync")
        .send()
        .await
        .expect_err("no statement left");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    // Deleting the function deletes its policy and settings with it.
    allow_events().await.expect("lambda:AddPermission");
    lambda
        .put_function_concurrency()
        .function_name("orders-sync")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .expect("lambda:PutFunctionConcurrency");
    lambda
        .delete_function()
        .function_name("orders-sync")
        .send()
        .await
        .expect("lambda:DeleteFunction");
    create_function(&account, "orders-sync", &role_arn)
        .send()
        .await
        .expect("lambda:CreateFunction again");
    let err = lambda
        .get_policy()
        .function_name("orders-sync")
        .send()
        .await
        .expect_err("a new function has no policy");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let concurrency = lambda
        .get_function_concurrency()
        .function_name("orders-sync")
        .send()
        .await
        .expect("lambda:GetFunctionConcurrency");
    assert_eq!(concurrency.reserved_concurrent_executions(), None);
}

#[tokio::test]
async fn role_policies_read_back_url_encoded_and_boundaries_must_exist() {
    let account = fresh_account().await;
    let iam = account.iam();
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            "Resource": "*"
        }]
    });
    role(&account, "sync", "lambda.amazonaws.com").await;
    iam.put_role_policy()
        .role_name("sync")
        .policy_name("sync")
        .policy_document(document.to_string())
        .send()
        .await
        .expect("iam:PutRolePolicy");
    let read = iam
        .get_role_policy()
        .role_name("sync")
        .policy_name("sync")
        .send()
        .await
        .expect("iam:GetRolePolicy");
    // IAM answers policy documents URL-encoded (RFC 3986); the SDK passes them on as they are.
    assert!(
        read.policy_document().starts_with("%7B"),
        "{}",
        read.policy_document()
    );
    let decoded: Value =
        serde_json::from_str(&percent_decode(read.policy_document())).expect("JSON after decoding");
    assert_eq!(decoded, document);

    let boundary = format!("arn:aws:iam::{}:policy/rdslink-boundary", account.id);
    let err = iam
        .create_role()
        .role_name("bounded")
        .assume_role_policy_document(trust_policy("lambda.amazonaws.com"))
        .permissions_boundary(&boundary)
        .send()
        .await
        .expect_err("a boundary that does not exist");
    assert_eq!(err.code(), Some("NoSuchEntity"));
    iam.create_policy()
        .policy_name("rdslink-boundary")
        .policy_document(document.to_string())
        .send()
        .await
        .expect("iam:CreatePolicy");
    let created = iam
        .create_role()
        .role_name("bounded")
        .assume_role_policy_document(trust_policy("lambda.amazonaws.com"))
        .permissions_boundary(&boundary)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("rdslink:service")
                .value("orders")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("iam:CreateRole with an existing boundary");
    let role = created.role.expect("role");
    assert_eq!(
        role.permissions_boundary()
            .and_then(|boundary| boundary.permissions_boundary_arn()),
        Some(boundary.as_str())
    );
}

#[tokio::test]
async fn log_retention_takes_only_the_documented_values() {
    let account = fresh_account().await;
    let logs = account.logs();
    logs.create_log_group()
        .log_group_name("/aws/lambda/orders-sync")
        .tags("rdslink:service", "orders")
        .send()
        .await
        .expect("logs:CreateLogGroup");
    let err = logs
        .put_retention_policy()
        .log_group_name("/aws/lambda/orders-sync")
        .retention_in_days(15)
        .send()
        .await
        .expect_err("15 days is not a retention CloudWatch Logs offers");
    assert_eq!(
        aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata::code(&err),
        Some("InvalidParameterException")
    );
    logs.put_retention_policy()
        .log_group_name("/aws/lambda/orders-sync")
        .retention_in_days(14)
        .send()
        .await
        .expect("logs:PutRetentionPolicy");
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/orders")
        .send()
        .await
        .expect("logs:DescribeLogGroups");
    let group = groups.log_groups().first().expect("the group");
    assert_eq!(group.retention_in_days(), Some(14));
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(group.log_group_arn().expect("logGroupArn"))
        .send()
        .await
        .expect("logs:ListTagsForResource");
    assert_eq!(
        tags.tags()
            .and_then(|tags| tags.get("rdslink:service"))
            .map(String::as_str),
        Some("orders")
    );
}

#[tokio::test]
async fn schedules_check_their_expression_and_keep_their_target() {
    let account = fresh_account().await;
    let scheduler = account.scheduler();
    let function_arn = format!(
        "arn:aws:lambda:us-east-1:{}:function:orders-sync",
        account.id
    );
    let role_arn = format!("arn:aws:iam::{}:role/rdslink-scheduler", account.id);
    let target = |input: &str| {
        Target::builder()
            .arn(&function_arn)
            .role_arn(&role_arn)
            .input(input)
            .retry_policy(
                RetryPolicy::builder()
                    .maximum_retry_attempts(0)
                    .maximum_event_age_in_seconds(60)
                    .build(),
            )
            .build()
            .expect("target")
    };
    let off = FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .expect("window");
    for expression in [
        "every minute",
        "rate(0 minutes)",
        "rate(1 minute",
        "cron(* * * * *)",
    ] {
        let err = scheduler
            .create_schedule()
            .name("broken")
            .schedule_expression(expression)
            .flexible_time_window(off.clone())
            .target(target("{}"))
            .send()
            .await
            .expect_err(expression);
        assert_eq!(
            aws_sdk_scheduler::error::ProvideErrorMetadata::code(&err),
            Some("ValidationException"),
            "{expression}"
        );
    }
    let input = r#"{"source":"rdslink.schedule"}"#;
    scheduler
        .create_schedule()
        .name("rdslink-orders")
        .schedule_expression("rate(1 minute)")
        .flexible_time_window(off.clone())
        .target(target(input))
        .state(ScheduleState::Disabled)
        .send()
        .await
        .expect("scheduler:CreateSchedule");
    let schedule = scheduler
        .get_schedule()
        .name("rdslink-orders")
        .send()
        .await
        .expect("scheduler:GetSchedule");
    assert_eq!(schedule.schedule_expression(), Some("rate(1 minute)"));
    assert_eq!(schedule.state(), Some(&ScheduleState::Disabled));
    let read = schedule.target().expect("Target");
    assert_eq!(read.arn(), function_arn);
    assert_eq!(read.role_arn(), role_arn);
    assert_eq!(read.input(), Some(input));
    assert_eq!(
        read.retry_policy().map(|retry| (
            retry.maximum_retry_attempts(),
            retry.maximum_event_age_in_seconds()
        )),
        Some((Some(0), Some(60)))
    );

    // UpdateSchedule replaces the schedule: State left out is ENABLED again.
    scheduler
        .update_schedule()
        .name("rdslink-orders")
        .schedule_expression("rate(2 minutes)")
        .flexible_time_window(off)
        .target(target(input))
        .send()
        .await
        .expect("scheduler:UpdateSchedule");
    let schedule = scheduler
        .get_schedule()
        .name("rdslink-orders")
        .send()
        .await
        .expect("scheduler:GetSchedule");
    assert_eq!(schedule.schedule_expression(), Some("rate(2 minutes)"));
    assert_eq!(schedule.state(), Some(&ScheduleState::Enabled));
}

/// A function attached to a VPC: Lambda checks the subnets, the security groups and that the
/// execution role may create network interfaces, reports the subnets' VPC, and empty lists
/// detach the function.
#[tokio::test]
async fn a_vpc_function_needs_real_subnets_groups_and_eni_permissions() {
    let account = fresh_account().await;
    let ec2 = account.ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .expect("CreateVpc")
        .vpc
        .and_then(|vpc| vpc.vpc_id)
        .expect("a VPC id");
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.9.1.0/24")
        .send()
        .await
        .expect("CreateSubnet")
        .subnet
        .and_then(|subnet| subnet.subnet_id)
        .expect("a subnet id");
    let group = ec2
        .create_security_group()
        .vpc_id(&vpc)
        .group_name("fn")
        .description("fn")
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id
        .expect("a group id");
    let vpc_config = |subnets: &[&str], groups: &[&str]| {
        aws_sdk_lambda::types::VpcConfig::builder()
            .set_subnet_ids(Some(subnets.iter().map(|s| (*s).to_owned()).collect()))
            .set_security_group_ids(Some(groups.iter().map(|s| (*s).to_owned()).collect()))
            .build()
    };
    let plain_role = role(&account, "no-eni", "lambda.amazonaws.com").await;
    let refused = create_function(&account, "vpc-fn", &plain_role)
        .vpc_config(vpc_config(&[&subnet], &[&group]))
        .send()
        .await
        .expect_err("a role without ec2:CreateNetworkInterface");
    assert_eq!(refused.code(), Some("InvalidParameterValueException"));
    assert!(
        refused
            .message()
            .unwrap_or_default()
            .contains("CreateNetworkInterface"),
        "{refused:?}"
    );

    let eni_role = role(&account, "eni", "lambda.amazonaws.com").await;
    account
        .iam()
        .put_role_policy()
        .role_name("eni")
        .policy_name("eni")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["ec2:CreateNetworkInterface"],
                "Resource": format!("arn:aws:ec2:{}:{}:network-interface/*", account.region, account.id)}]})
            .to_string(),
        )
        .send()
        .await
        .expect("PutRolePolicy");
    for (subnets, groups) in [
        (["subnet-0000000000000dead"], [group.as_str()]),
        ([subnet.as_str()], ["sg-0000000000000dead"]),
    ] {
        let refused = create_function(&account, "vpc-fn", &eni_role)
            .vpc_config(vpc_config(&subnets, &groups))
            .send()
            .await
            .expect_err("a subnet or group that does not exist");
        assert_eq!(
            refused.code(),
            Some("InvalidParameterValueException"),
            "{refused:?}"
        );
    }
    create_function(&account, "vpc-fn", &eni_role)
        .vpc_config(vpc_config(&[&subnet], &[&group]))
        .send()
        .await
        .expect("CreateFunction in the VPC");
    let config = account
        .lambda()
        .get_function_configuration()
        .function_name("vpc-fn")
        .send()
        .await
        .expect("GetFunctionConfiguration");
    let reported = config.vpc_config().expect("a VPC configuration");
    assert_eq!(reported.vpc_id(), Some(vpc.as_str()));
    assert_eq!(reported.subnet_ids(), std::slice::from_ref(&subnet));
    assert_eq!(reported.security_group_ids(), std::slice::from_ref(&group));

    account
        .lambda()
        .update_function_configuration()
        .function_name("vpc-fn")
        .vpc_config(vpc_config(&[], &[]))
        .send()
        .await
        .expect("detaching the function");
    let config = account
        .lambda()
        .get_function_configuration()
        .function_name("vpc-fn")
        .send()
        .await
        .expect("GetFunctionConfiguration");
    assert!(
        config
            .vpc_config()
            .is_none_or(|vpc| vpc.subnet_ids().is_empty()),
        "{config:?}"
    );
}
