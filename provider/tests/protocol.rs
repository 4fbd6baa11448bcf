//! The built provider binary, launched exactly as Terraform launches it (go-plugin's
//! environment, a fresh P-521 CA:TRUE client certificate), spoken to over mutual TLS.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use terraform_provider_rdslink::RdslinkProvider;
use tfplugin::proto::go_plugin::Empty;
use tfplugin::proto::go_plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::provider::Provider;
use tfplugin::schema::Schema;
use tfplugin::testing::{
    ClientIdentity, Handshake, MAGIC_COOKIE, channel, client_config, connect_tls, parse_handshake,
};
use tfplugin::value::{Type, Value, msgpack};

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-rdslink");
const MIN_PORT: u16 = 10000;
const MAX_PORT: u16 = 25000;

/// A running provider process.
struct Plugin {
    child: Child,
    handshake: Handshake,
    identity: ClientIdentity,
    /// From spawning the process to reading its handshake line.
    startup: Duration,
    stderr: mpsc::Receiver<String>,
}

/// The environment Terraform 1.11 gives a provider.
fn terraform_env(identity: &ClientIdentity) -> Vec<(&'static str, String)> {
    vec![
        (MAGIC_COOKIE.0, MAGIC_COOKIE.1.to_string()),
        ("PLUGIN_PROTOCOL_VERSIONS", "6".to_string()),
        ("PLUGIN_CLIENT_CERT", identity.certificate_pem.clone()),
        ("PLUGIN_MIN_PORT", MIN_PORT.to_string()),
        ("PLUGIN_MAX_PORT", MAX_PORT.to_string()),
    ]
}

fn command(env: &[(&str, String)]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_remove(MAGIC_COOKIE.0)
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

impl Plugin {
    fn launch() -> Self {
        Self::launch_with(&[])
    }

    fn launch_with(extra_env: &[(&'static str, String)]) -> Self {
        let identity = ClientIdentity::like_terraform();
        let mut env = terraform_env(&identity);
        env.extend(extra_env.iter().cloned());
        let started = Instant::now();
        let mut child = command(&env)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {BINARY}: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (line_sender, line) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = line_sender.send(first);
            // Anything else on stdout would be a protocol violation: keep it for the checks.
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            let _ = line_sender.send(rest);
        });
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        let (stderr_sender, stderr_lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = stderr_sender.send(line);
            }
        });
        let first = line
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no handshake line within 10 s"));
        let startup = started.elapsed();
        assert!(
            first.ends_with('\n'),
            "the handshake line must end with a newline: {first:?}"
        );
        let handshake = parse_handshake(&first).unwrap_or_else(|e| panic!("{e}"));
        let port = handshake.address.port();
        assert!(
            (MIN_PORT..=MAX_PORT).contains(&port),
            "port {port} outside the range"
        );
        Self {
            child,
            handshake,
            identity,
            startup,
            stderr: stderr_lines,
        }
    }

    async fn channel(&self) -> Channel {
        channel(&self.handshake, Some(&self.identity))
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"))
    }

    async fn provider(&self) -> ProviderClient<Channel> {
        ProviderClient::new(self.channel().await)
    }

    /// Peak resident set size so far, in KiB (Linux).
    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn wait_for_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                Ok(None) => panic!("the provider did not exit within {within:?}"),
                Err(error) => panic!("wait: {error}"),
            }
        }
    }

    fn stderr_lines(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary with `env` and returns its exit status, stdout and stderr.
fn run_to_exit(env: &[(&str, String)]) -> (ExitStatus, String, String) {
    let output = command(env)
        .output()
        .unwrap_or_else(|e| panic!("run {BINARY}: {e}"));
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn announces_itself_and_serves_the_schema() {
    let plugin = Plugin::launch();
    let mut provider = plugin.provider().await;
    let schema = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap_or_else(|e| panic!("GetProviderSchema: {e}"))
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let block = schema.provider.and_then(|p| p.block).unwrap_or_default();
    assert!(!block.description.is_empty());
    assert_eq!(block.description_kind, pb::StringKind::Markdown as i32);
    let capabilities = schema.server_capabilities.unwrap_or_default();
    assert!(capabilities.get_provider_schema_optional);
    assert!(capabilities.plan_destroy);

    let metadata = provider
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap_or_else(|e| panic!("GetMetadata: {e}"))
        .into_inner();
    let mut listed: Vec<String> = metadata
        .resources
        .into_iter()
        .map(|r| r.type_name)
        .collect();
    let mut schemas: Vec<String> = schema.resource_schemas.keys().cloned().collect();
    listed.sort();
    schemas.sort();
    assert_eq!(listed, schemas);

    // Schemas are cached: the second call is served the same.
    let again = provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap_or_else(|e| panic!("GetProviderSchema: {e}"))
        .into_inner();
    assert_eq!(again.resource_schemas.len(), schemas.len());

    eprintln!(
        "provider start to handshake line: {} ms; peak RSS after the schema calls: {} KiB",
        plugin.startup.as_millis(),
        plugin.peak_rss_kib().unwrap_or_default()
    );
    assert!(
        plugin.startup < Duration::from_secs(2),
        "slow start: {:?}",
        plugin.startup
    );
}

#[tokio::test]
async fn reports_plugin_serving_on_the_health_service() {
    let plugin = Plugin::launch();
    let response = HealthClient::new(plugin.channel().await)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap_or_else(|e| panic!("Health/Check: {e}"))
        .into_inner();
    assert_eq!(response.status, ServingStatus::Serving as i32);
}

/// Connects at the TLS level and tries an HTTP/2 exchange; returns the error that ended it.
async fn tls_exchange_error(plugin: &Plugin, identity: Option<&ClientIdentity>) -> String {
    let config = client_config(&plugin.handshake, identity);
    // With TLS 1.3 the client finishes its side of the handshake before the server has checked
    // the client certificate; the refusal arrives as an alert on the first read.
    let mut tls = match connect_tls(&plugin.handshake, config).await {
        Ok(tls) => tls,
        Err(error) => return error.to_string(),
    };
    let _ = tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    let mut buffer = [0u8; 64];
    match tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buffer)).await {
        Ok(Ok(0)) => "connection closed".to_string(),
        Ok(Ok(n)) => panic!("the server answered a refused client with {n} bytes"),
        Ok(Err(error)) => error.to_string(),
        Err(_) => panic!("the server neither answered nor refused"),
    }
}

async fn assert_rpc_refused(plugin: &Plugin, identity: Option<&ClientIdentity>) {
    let refused = match channel(&plugin.handshake, identity).await {
        Err(_) => true,
        Ok(channel) => ProviderClient::new(channel)
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_err(),
    };
    assert!(
        refused,
        "a gRPC call succeeded without Terraform's certificate"
    );
}

#[tokio::test]
async fn refuses_a_client_without_a_certificate() {
    let plugin = Plugin::launch();
    let error = tls_exchange_error(&plugin, None).await;
    assert!(error.contains("CertificateRequired"), "{error}");
    assert_rpc_refused(&plugin, None).await;
    // Shutdown in particular must not be reachable.
    if let Ok(channel) = channel(&plugin.handshake, None).await {
        assert!(
            GrpcControllerClient::new(channel)
                .shutdown(Empty {})
                .await
                .is_err()
        );
    }
    // The real client is still served afterwards.
    let mut provider = plugin.provider().await;
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn refuses_a_client_with_another_certificate() {
    let plugin = Plugin::launch();
    let stranger = ClientIdentity::like_terraform();
    let error = tls_exchange_error(&plugin, Some(&stranger)).await;
    assert!(error.contains("AccessDenied"), "{error}");
    assert_rpc_refused(&plugin, Some(&stranger)).await;
    let mut provider = plugin.provider().await;
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}

#[test]
fn without_the_magic_cookie_it_explains_and_exits_1() {
    let identity = ClientIdentity::like_terraform();
    let env: Vec<_> = terraform_env(&identity)
        .into_iter()
        .filter(|(name, _)| *name != MAGIC_COOKIE.0)
        .collect();
    let (status, stdout, stderr) = run_to_exit(&env);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("This binary is a plugin. These are not meant to be executed directly."),
        "{stderr}"
    );
    assert!(
        stderr.contains("load any plugins automatically"),
        "{stderr}"
    );
}

#[test]
fn without_protocol_6_it_fails_clearly() {
    let identity = ClientIdentity::like_terraform();
    let mut env = terraform_env(&identity);
    env.retain(|(name, _)| *name != "PLUGIN_PROTOCOL_VERSIONS");
    env.push(("PLUGIN_PROTOCOL_VERSIONS", "4,5".to_string()));
    let (status, stdout, stderr) = run_to_exit(&env);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "");
    assert!(stderr.contains("speaks only protocol 6"), "{stderr}");
    assert!(stderr.contains("4,5"), "{stderr}");
}

#[test]
fn without_a_client_certificate_it_refuses_to_start() {
    let identity = ClientIdentity::like_terraform();
    let mut env = terraform_env(&identity);
    env.retain(|(name, _)| *name != "PLUGIN_CLIENT_CERT");
    let (status, stdout, stderr) = run_to_exit(&env);
    assert_eq!(status.code(), Some(1));
    assert_eq!(stdout, "", "nothing may be served without mutual TLS");
    assert!(stderr.contains("PLUGIN_CLIENT_CERT"), "{stderr}");
}

#[tokio::test]
async fn shutdown_exits_zero_and_prints_nothing_more() {
    let mut plugin = Plugin::launch();
    GrpcControllerClient::new(plugin.channel().await)
        .shutdown(Empty {})
        .await
        .unwrap_or_else(|e| panic!("Shutdown: {e}"));
    let status = plugin.wait_for_exit(Duration::from_secs(3));
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn stop_provider_returns_at_once_and_the_process_keeps_serving() {
    let plugin = Plugin::launch();
    let mut provider = plugin.provider().await;
    let started = Instant::now();
    let response = provider
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap_or_else(|e| panic!("StopProvider: {e}"))
        .into_inner();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(response.error, "");
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn survives_ctrl_c_so_terraform_can_stop_it_gracefully() {
    let plugin = Plugin::launch();
    let pid = plugin.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(sent.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut provider = plugin.provider().await;
    assert!(
        provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn logs_hclog_json_lines_on_stderr() {
    let mut plugin = Plugin::launch_with(&[("TF_LOG", "DEBUG".to_string())]);
    let mut provider = plugin.provider().await;
    let empty_config = pb::DynamicValue {
        msgpack: vec![0x80], // an empty object: the placeholder/real provider block without attributes set
        json: Vec::new(),
    };
    let _ = provider
        .validate_provider_config(pb::validate_provider_config::Request {
            config: Some(empty_config),
        })
        .await;
    GrpcControllerClient::new(plugin.channel().await)
        .shutdown(Empty {})
        .await
        .unwrap_or_else(|e| panic!("Shutdown: {e}"));
    plugin.wait_for_exit(Duration::from_secs(3));
    thread::sleep(Duration::from_millis(100));
    let lines = plugin.stderr_lines();
    assert!(!lines.is_empty(), "no log lines at TF_LOG=DEBUG");
    for line in &lines {
        let json: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(json["@level"].is_string(), "{line}");
        assert!(json["@message"].is_string(), "{line}");
        assert_eq!(json["@module"], "provider.rdslink", "{line}");
        let stamp = json["@timestamp"].as_str().unwrap_or_default();
        assert!(stamp.ends_with('Z') && stamp.len() == 27, "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"tf_rpc\":\"ValidateProviderConfig\"")),
        "{lines:#?}"
    );
}

/// Encodes an object of strings (null where `None`) for a DynamicValue of the given schema type.
fn msgpack_object(attributes: &[(&str, Option<&str>)], ty: &Type) -> Vec<u8> {
    let value = Value::object(
        attributes
            .iter()
            .map(|(name, text)| (*name, text.map(Value::string).unwrap_or(Value::Null))),
    );
    let value = fill_nulls(value, ty);
    msgpack::encode(&value, ty).unwrap_or_else(|e| panic!("encoding {value:?}: {e}"))
}

/// The object type of a block with the given attribute names, all strings or lists of strings.
fn object_type(schema: &Schema) -> Type {
    schema.value_type()
}

#[tokio::test]
async fn stop_provider_cancels_a_slow_data_source_read() {
    let moto = rdslink_testkit::moto().await;
    let silent = rdslink_testkit::SilentDns::start().await;
    let plugin = Plugin::launch_with(&[
        (
            "AWS_ACCESS_KEY_ID",
            rdslink_testkit::STATIC_ACCESS_KEY_ID.to_string(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY",
            rdslink_testkit::STATIC_SECRET_ACCESS_KEY.to_string(),
        ),
    ]);
    let mut provider = plugin.provider().await;

    let rdslink = RdslinkProvider::new();
    let provider_type = object_type(&rdslink.schema());
    let config = Value::object([
        ("region", Value::string("us-east-1")),
        ("endpoint_url", Value::string(moto.endpoint.clone())),
        (
            "dns_nameservers",
            Value::list_of_strings([silent.addr().to_string()]),
        ),
    ]);
    let config = fill_nulls(config, &provider_type);
    let configured = provider
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: Some(pb::DynamicValue {
                msgpack: msgpack::encode(&config, &provider_type).unwrap(),
                json: vec![],
            }),
            client_capabilities: None,
        })
        .await
        .unwrap_or_else(|e| panic!("ConfigureProvider: {e}"))
        .into_inner();
    assert!(
        configured.diagnostics.is_empty(),
        "{:?}",
        configured.diagnostics
    );

    let database = rdslink
        .data_sources()
        .into_iter()
        .find(|d| d.type_name() == "rdslink_database")
        .expect("rdslink_database");
    let database_type = object_type(&database.schema());
    let read_config = msgpack_object(&[("endpoint", Some("db.silent.internal"))], &database_type);
    let mut reader = provider.clone();
    let read = async move {
        reader
            .read_data_source(pb::read_data_source::Request {
                type_name: "rdslink_database".into(),
                config: Some(pb::DynamicValue {
                    msgpack: read_config,
                    json: vec![],
                }),
                provider_meta: None,
                client_capabilities: None,
            })
            .await
            .map(|r| r.into_inner())
    };
    let mut stopper = provider.clone();
    let stop = async move {
        stopper
            .stop_provider(pb::stop_provider::Request {})
            .await
            .map(|_| ())
    };
    // The silent nameserver would keep the read waiting for its resolver timeouts (seconds).
    let (response, after) =
        tfplugin::testing::assert_cancelled_by_stop(read, stop, Duration::from_millis(800)).await;
    let response = response.unwrap_or_else(|e| panic!("ReadDataSource: {e}"));
    let summaries: Vec<&str> = response
        .diagnostics
        .iter()
        .map(|d| d.summary.as_str())
        .collect();
    assert!(
        summaries.iter().any(|s| s.contains("stopped")),
        "expected a 'stopped' diagnostic, got {:?}",
        response.diagnostics
    );
    eprintln!("read cancelled {} ms after StopProvider", after.as_millis());
}

/// Every attribute of `ty`'s object that `value` lacks, as null (msgpack objects carry them all).
fn fill_nulls(value: Value, ty: &Type) -> Value {
    let Type::Object(attributes) = ty else {
        return value;
    };
    let mut value = value;
    for name in attributes.keys() {
        if value.get(name).is_null() {
            value.set_attribute(name.clone(), Value::Null);
        }
    }
    value
}
