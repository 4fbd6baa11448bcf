//! How AWS failures become [`Error`]s, and how they read.

use super::*;

#[test]
fn not_found_codes_name_the_part_and_the_id_the_call_addressed() {
    let err = from_code(
        "elbv2:CreateListener",
        &[
            (Part::LoadBalancer, "arn:lb"),
            (Part::TargetGroup, "arn:tg"),
        ],
        Some("TargetGroupNotFound".into()),
        "m".into(),
    );
    assert!(
        matches!(&err, Error::NotFound { part: Part::TargetGroup, id } if id == "arn:tg"),
        "{err:?}"
    );
    for code in [
        "InvalidVpcEndpointServiceId.NotFound",
        "InvalidVpcEndpointService.NotFound",
    ] {
        let err = from_code(
            "ec2:X",
            &[(Part::EndpointService, "vpce-svc-1")],
            Some(code.into()),
            "m".into(),
        );
        assert!(err.is_not_found(), "{code}: {err:?}");
    }
}

#[test]
fn resource_in_use_is_typed_and_retryable() {
    let err = from_code(
        "elbv2:DeleteTargetGroup",
        &[(Part::TargetGroup, "arn:tg")],
        Some("ResourceInUse".into()),
        "in use by a listener".into(),
    );
    assert!(err.is_in_use(), "{err:?}");
    // Retrying is the callers' business (the delete loop waits); the shared classifier says so.
    assert!(aws_error::classify(Some("ResourceInUse"), None).is_retryable());
    assert!(err.to_string().contains("arn:tg"));
}

#[test]
fn other_codes_keep_operation_code_and_retry_hint() {
    let err = from_code("ec2:X", &[], Some("AccessDenied".into()), "no".into());
    assert!(
        matches!(&err, Error::Aws { retryable: false, code: Some(code), .. } if code == "AccessDenied"),
        "{err:?}"
    );
    assert!(!err.is_not_found());
    assert!(err.to_string().contains("ec2:X"));

    let err = from_code(
        "ec2:X",
        &[],
        Some("RequestLimitExceeded".into()),
        "slow down".into(),
    );
    assert!(
        matches!(
            err,
            Error::Aws {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn not_found_codes_of_objects_outside_a_bundle_stay_aws_errors() {
    let err = from_code(
        "rds:DescribeDBInstances",
        &[(Part::TargetGroup, "arn:tg")],
        Some("DBInstanceNotFound".into()),
        "no such instance".into(),
    );
    assert!(
        matches!(
            err,
            Error::Aws {
                retryable: false,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn an_aws_answer_is_one_sentence_with_operation_object_code_and_message() {
    let err = from_code(
        "elbv2:CreateLoadBalancer",
        &[(Part::LoadBalancer, "rdslink-orders")],
        Some("AccessDenied".into()),
        "User: arn:aws:iam::1:user/x is not authorized to perform: elasticloadbalancing:CreateLoadBalancer".into(),
    );
    assert_eq!(
        err.to_string(),
        "elbv2:CreateLoadBalancer for load balancer rdslink-orders failed: AWS answered \
         AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: \
         elasticloadbalancing:CreateLoadBalancer; check that the provider's credentials (or \
         assumed role) are allowed this action"
    );
    assert!(!err.is_unanswered());
}

#[test]
fn no_answer_is_a_sentence_about_reachability_never_a_struct_dump() {
    use aws_sdk_ec2::error::ConnectorError;
    use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsError;

    let io = std::io::Error::other("dns error: failed to lookup address information");
    let sdk: SdkError<DescribeVpcsError, HttpResponse> =
        SdkError::dispatch_failure(ConnectorError::io(io.into()));
    let err = aws("ec2:DescribeVpcs", &[], sdk);
    let text = err.to_string();
    assert!(err.is_unanswered(), "{err:?}");
    assert!(
        matches!(
            &err,
            Error::Aws {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        text.starts_with("ec2:DescribeVpcs failed: no answer came from AWS ("),
        "{text}"
    );
    assert!(
        text.contains("failed to lookup address information"),
        "{text}"
    );
    assert!(text.contains("reachable"), "{text}");
    for dump in ["ConnectorError", "DispatchFailure", "{", "kind:"] {
        assert!(!text.contains(dump), "no Debug dump ({dump}): {text}");
    }
}

#[test]
fn a_working_bundle_of_the_same_name_is_refused_with_the_import_command() {
    let err = Error::BundleExists {
        name: "shared".into(),
        service_id: "vpce-svc-0123456789abcdef0".into(),
        load_balancer_arn: "arn:lb".into(),
    };
    let text = err.to_string();
    assert!(
        text.contains("terraform import <resource address> vpce-svc-0123456789abcdef0"),
        "{text}"
    );
    assert!(text.contains("unique per account and region"), "{text}");
}

#[test]
fn engine_target_group_not_found_becomes_typed_not_found() {
    let err: Error = rdslink_engine::Error::TargetGroupNotFound {
        arn: "arn:tg".into(),
    }
    .into();
    assert!(err.is_not_found());
}
