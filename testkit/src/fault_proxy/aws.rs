//! Which AWS service and operation a request is, and how that service answers an error.
//!
//! The shapes are the ones the AWS SDK for Rust parses (`rest_xml_wrapped_errors.rs` for the
//! query protocol, `ec2_query_errors.rs` for EC2, `x-amzn-errortype` / `__type` for the JSON
//! protocols); the codes come from the services' models (botocore's `service-2.json`) where they
//! are modelled, and AWS's common errors otherwise. Every throttling code below is in the SDK's
//! `THROTTLING_ERRORS` (aws-runtime), so the SDK retries it as throttling; every 5xx status is one
//! the SDK retries as transient.

use super::http1::{Request, Response};
use super::plan::Fault;

/// The wire protocol of a service, which decides the shape of its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// `awsQuery`: form-encoded `Action=...`, `<ErrorResponse><Error>` errors.
    Query,
    /// EC2's own query dialect: `<Response><Errors><Error>` errors.
    Ec2,
    /// `awsJson1_0` / `awsJson1_1`: `X-Amz-Target`, `{"__type": ...}` errors.
    AwsJson,
    /// `restJson1`: operation in method and path, `x-amzn-errortype` errors.
    RestJson,
}

/// The service (SigV4 signing name) and operation of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// `None` when the request carries no SigV4 credential scope.
    pub(crate) service: Option<String>,
    pub(crate) operation: String,
    pub(crate) protocol: Protocol,
    /// The `Content-Type` of JSON-protocol errors.
    pub(crate) json_type: &'static str,
}

pub(crate) fn identify(request: &Request) -> Target {
    let service = signing_service(request);
    let protocol = service
        .as_deref()
        .and_then(known_protocol)
        .unwrap_or_else(|| protocol_by_shape(request));
    Target {
        service,
        operation: operation(request),
        protocol,
        json_type: json_type(request),
    }
}

/// The service of `Credential=AKID/20250101/us-east-1/<service>/aws4_request` in the
/// `Authorization` header, or of `X-Amz-Credential` in a presigned URL.
fn signing_service(request: &Request) -> Option<String> {
    let scope = match request.header("authorization") {
        Some(authorization) => authorization
            .split(['=', ',', ' '])
            .skip_while(|part| *part != "Credential")
            .nth(1)?
            .to_owned(),
        None => request
            .query()?
            .split('&')
            .find_map(|pair| pair.strip_prefix("X-Amz-Credential="))?
            .replace("%2F", "/")
            .replace("%2f", "/"),
    };
    let parts: Vec<&str> = scope.split('/').collect();
    match parts.as_slice() {
        [_key, _date, _region, service, "aws4_request"] => Some((*service).to_owned()),
        _ => None,
    }
}

fn known_protocol(service: &str) -> Option<Protocol> {
    match service {
        "sts"
        | "rds"
        | "elasticloadbalancing"
        | "iam"
        | "sns"
        | "sqs"
        | "cloudformation"
        | "autoscaling"
        | "monitoring" => Some(Protocol::Query),
        "ec2" => Some(Protocol::Ec2),
        "events" | "logs" | "secretsmanager" | "ssm" | "kms" => Some(Protocol::AwsJson),
        "lambda" | "scheduler" => Some(Protocol::RestJson),
        _ => None,
    }
}

fn protocol_by_shape(request: &Request) -> Protocol {
    if request.header("x-amz-target").is_some() {
        Protocol::AwsJson
    } else if form_action(request).is_some() {
        Protocol::Query
    } else {
        Protocol::RestJson
    }
}

/// `Action` of query protocols, the operation of `X-Amz-Target`, else `METHOD /path`.
fn operation(request: &Request) -> String {
    if let Some(target) = request.header("x-amz-target") {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    if let Some(action) = form_action(request) {
        return action;
    }
    format!("{} {}", request.method, request.path())
}

/// `Action=...` of a form-encoded body or of the query string.
fn form_action(request: &Request) -> Option<String> {
    let form = request
        .header("content-type")
        .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    let body = form.then(|| String::from_utf8_lossy(&request.body).into_owned());
    [body.as_deref(), request.query()]
        .into_iter()
        .flatten()
        .flat_map(|pairs| pairs.split('&'))
        .find_map(|pair| pair.strip_prefix("Action="))
        .map(str::to_owned)
}

/// The answer `target`'s service gives for `fault` (one of the answered faults: throttling or a
/// 5xx); `request_id` is reported where the service reports its request id.
pub(crate) fn error_response(target: &Target, fault: Fault, request_id: &str) -> Response {
    let service = target.service.as_deref().unwrap_or_default();
    let (status, code) = status_and_code(service, target.protocol, fault);
    let client_fault = status < 500;
    let message = match fault {
        Fault::Throttle => "Rate exceeded",
        Fault::ServiceUnavailable => "Service is unavailable, try again later",
        _ => "An internal error occurred, try again later",
    };
    let request_id_header = ("x-amzn-RequestId".to_owned(), request_id.to_owned());
    let (headers, body) = match target.protocol {
        Protocol::Query => {
            let kind = if client_fault { "Sender" } else { "Receiver" };
            let body = format!(
                "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>\
                 <Message>{message}</Message></Error><RequestId>{request_id}</RequestId>\
                 </ErrorResponse>"
            );
            (vec![content_type("text/xml"), request_id_header], body)
        }
        Protocol::Ec2 => {
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>\
                 <Code>{code}</Code><Message>{message}</Message></Error></Errors>\
                 <RequestID>{request_id}</RequestID></Response>"
            );
            (vec![content_type("text/xml;charset=UTF-8")], body)
        }
        Protocol::AwsJson => {
            let body = serde_json::json!({ "__type": code, "message": message }).to_string();
            (
                vec![content_type(target.json_type), request_id_header],
                body,
            )
        }
        Protocol::RestJson => {
            let mut body = serde_json::json!({ "message": message });
            if service == "lambda" {
                body["Type"] = (if client_fault { "User" } else { "Service" }).into();
                if fault == Fault::Throttle {
                    body["Reason"] = "CallerRateLimitExceeded".into();
                }
            }
            let headers = vec![
                content_type("application/json"),
                ("x-amzn-errortype".to_owned(), code.to_owned()),
                request_id_header,
            ];
            (headers, body.to_string())
        }
    };
    Response::new(status, headers, body.into_bytes())
}

fn status_and_code(service: &str, protocol: Protocol, fault: Fault) -> (u16, &'static str) {
    match (protocol, fault) {
        (Protocol::Ec2, Fault::Throttle) => (503, "RequestLimitExceeded"),
        (Protocol::Ec2, Fault::ServiceUnavailable) => (503, "Unavailable"),
        (Protocol::Ec2, _) => (500, "InternalError"),

        (Protocol::Query, Fault::Throttle) => (400, "Throttling"),
        (Protocol::Query, Fault::ServiceUnavailable) => (503, "ServiceUnavailable"),
        (Protocol::Query, _) => match service {
            "iam" => (500, "ServiceFailure"),
            "sns" => (500, "InternalError"),
            _ => (500, "InternalFailure"),
        },

        (Protocol::AwsJson, Fault::Throttle) => (400, "ThrottlingException"),
        (Protocol::AwsJson, Fault::ServiceUnavailable) => match service {
            "logs" => (503, "ServiceUnavailableException"),
            _ => (503, "ServiceUnavailable"),
        },
        (Protocol::AwsJson, _) => match service {
            "events" => (500, "InternalException"),
            "logs" => (500, "InternalServerException"),
            _ => (500, "InternalFailure"),
        },

        // Lambda and EventBridge Scheduler model their throttling errors as 429.
        (Protocol::RestJson, Fault::Throttle) => match service {
            "lambda" => (429, "TooManyRequestsException"),
            _ => (429, "ThrottlingException"),
        },
        (Protocol::RestJson, Fault::ServiceUnavailable) => (503, "ServiceUnavailableException"),
        (Protocol::RestJson, _) => match service {
            "lambda" => (500, "ServiceException"),
            _ => (500, "InternalServerException"),
        },
    }
}

/// JSON-protocol errors come back in the request's own `application/x-amz-json-1.x` type.
fn json_type(request: &Request) -> &'static str {
    match request.header("content-type") {
        Some(kind) if kind.starts_with("application/x-amz-json-1.0") => {
            "application/x-amz-json-1.0"
        }
        _ => "application/x-amz-json-1.1",
    }
}

fn content_type(value: &str) -> (String, String) {
    ("Content-Type".to_owned(), value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            version: "HTTP/1.1".to_owned(),
            headers: (headers.iter())
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn signed(service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=ASIA123/20250101/us-east-1/{service}/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc"
        )
    }

    #[test]
    fn identifies_query_json_and_rest_json_calls() {
        let auth = signed("elasticloadbalancing");
        let query = request(
            "POST",
            "/",
            &[
                ("authorization", &auth),
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
            ],
            "Action=CreateTargetGroup&Version=2015-12-01&Name=a",
        );
        let target = identify(&query);
        assert_eq!(target.service.as_deref(), Some("elasticloadbalancing"));
        assert_eq!(
            (target.operation.as_str(), target.protocol),
            ("CreateTargetGroup", Protocol::Query)
        );

        let auth = signed("events");
        let json = request(
            "POST",
            "/",
            &[
                ("Authorization", &auth),
                ("X-Amz-Target", "AWSEvents.PutRule"),
            ],
            "{}",
        );
        let target = identify(&json);
        assert_eq!(
            (target.operation.as_str(), target.protocol),
            ("PutRule", Protocol::AwsJson)
        );

        let auth = signed("lambda");
        let rest = request(
            "GET",
            "/2015-03-31/functions/f?Qualifier=1",
            &[("Authorization", &auth)],
            "",
        );
        let target = identify(&rest);
        assert_eq!(
            (target.operation.as_str(), target.protocol),
            ("GET /2015-03-31/functions/f", Protocol::RestJson)
        );

        let unsigned = request("POST", "/moto-api/reset", &[], "");
        assert_eq!(identify(&unsigned).service, None);
    }

    #[test]
    fn presigned_urls_name_their_service() {
        let presigned = request(
            "GET",
            "/?Action=GetCallerIdentity&X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fsts%2Faws4_request",
            &[],
            "",
        );
        let target = identify(&presigned);
        assert_eq!(target.service.as_deref(), Some("sts"));
        assert_eq!(target.operation, "GetCallerIdentity");
    }

    #[test]
    fn lambda_throttling_is_a_429_with_its_error_type_header() {
        let target = Target {
            service: Some("lambda".to_owned()),
            operation: "POST /2015-03-31/functions".to_owned(),
            protocol: Protocol::RestJson,
            json_type: "application/x-amz-json-1.1",
        };
        let response = error_response(&target, Fault::Throttle, "id-1");
        assert_eq!(response.status, 429);
        assert!(response.headers.contains(&(
            "x-amzn-errortype".to_owned(),
            "TooManyRequestsException".to_owned()
        )));
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["Type"], "User");
        assert_eq!(body["message"], "Rate exceeded");
    }

    #[test]
    fn ec2_and_query_5xx_use_their_own_codes() {
        let ec2 = Target {
            service: Some("ec2".to_owned()),
            operation: "DescribeVpcs".to_owned(),
            protocol: Protocol::Ec2,
            json_type: "application/x-amz-json-1.1",
        };
        let response = error_response(&ec2, Fault::InternalError, "id-2");
        let body = String::from_utf8(response.body).unwrap();
        assert_eq!(response.status, 500);
        assert!(
            body.contains("<Errors><Error><Code>InternalError</Code>"),
            "{body}"
        );
        assert!(body.contains("<RequestID>id-2</RequestID>"), "{body}");

        let rds = Target {
            service: Some("rds".to_owned()),
            ..ec2
        };
        let rds = Target {
            protocol: Protocol::Query,
            ..rds
        };
        let response = error_response(&rds, Fault::ServiceUnavailable, "id-3");
        let body = String::from_utf8(response.body).unwrap();
        assert_eq!(response.status, 503);
        assert!(
            body.contains("<Type>Receiver</Type><Code>ServiceUnavailable</Code>"),
            "{body}"
        );
    }
}
