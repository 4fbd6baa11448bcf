//! The server in-process over real mutual TLS on loopback, driven by the generated gRPC client
//! the way Terraform drives it, and the conversions the tests need.

use std::time::Duration;

use tonic::transport::Channel;

use crate::handshake::Launch;
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_client::ProviderClient;
use crate::provider::Provider;
use crate::server::{Running, ServeOptions, start};
use crate::testing::{ClientIdentity, channel, parse_handshake};
use crate::value::{Type, Value, msgpack};

pub struct Harness {
    pub running: Running,
    pub channel: Channel,
}

impl Harness {
    /// Serves `provider`; an apply may run `apply_stop_grace` after a stop.
    pub async fn start<P: Provider>(provider: P, apply_stop_grace: Duration) -> Self {
        let identity = ClientIdentity::like_terraform();
        let launch = Launch {
            client_certificate_pem: identity.certificate_pem.clone(),
            min_port: 0,
            max_port: 0,
        };
        let options = ServeOptions {
            apply_stop_grace,
            shutdown_grace: Duration::from_secs(1),
        };
        let running = start(provider, &launch, options)
            .await
            .unwrap_or_else(|e| panic!("start: {e}"));
        let handshake =
            parse_handshake(&running.handshake_line).unwrap_or_else(|e| panic!("handshake: {e}"));
        let channel = channel(&handshake, Some(&identity))
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        Self { running, channel }
    }

    pub fn provider(&self) -> ProviderClient<Channel> {
        ProviderClient::new(self.channel.clone())
    }

    pub async fn stop(&self) -> Result<(), tonic::Status> {
        self.provider()
            .stop_provider(pb::stop_provider::Request {})
            .await
            .map(|_| ())
    }
}

pub fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).unwrap_or_else(|e| panic!("encode: {e}")),
        json: Vec::new(),
    })
}

pub fn value_of(dynamic: Option<&pb::DynamicValue>, ty: &Type) -> Value {
    let bytes = dynamic.map(|d| d.msgpack.clone()).unwrap_or_default();
    msgpack::decode(&bytes, ty).unwrap_or_else(|e| panic!("decode: {e}"))
}

pub fn summaries(diagnostics: &[pb::Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.summary.clone()).collect()
}
