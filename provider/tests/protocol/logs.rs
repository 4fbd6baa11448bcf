//! Logs: hclog JSON lines on stderr.

use std::thread;
use std::time::Duration;

use tfplugin::proto::go_plugin::Empty;
use tfplugin::proto::go_plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin::proto::tfplugin6 as pb;

use crate::Plugin;

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
