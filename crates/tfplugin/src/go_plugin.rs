//! go-plugin's services that every plugin serves besides its own: Shutdown (the graceful exit
//! Terraform asks for), the stdio mirror and the broker.

use std::pin::Pin;

use futures::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::proto::go_plugin as pb;

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A response stream that sends nothing and ends when `done` is cancelled.
fn silent_until<T: Send + 'static>(done: CancellationToken) -> ResponseStream<T> {
    Box::pin(futures::stream::unfold(Some(done), |done| async move {
        if let Some(done) = done {
            done.cancelled().await;
        }
        None::<(Result<T, Status>, Option<CancellationToken>)>
    }))
}

/// `plugin.GRPCController`: Shutdown stops in-flight work and ends the process gracefully.
pub(crate) struct Controller {
    pub stop: CancellationToken,
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _request: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        tracing::debug!("Terraform asked the provider to shut down");
        self.stop.cancel();
        self.shutdown.cancel();
        Ok(Response::new(pb::Empty {}))
    }
}

/// `plugin.GRPCStdio`: go-plugin mirrors a plugin's stdout/stderr through this stream. This
/// provider writes its logs to stderr directly (Terraform reads them there) and nothing to
/// stdout, so the stream stays open and silent until shutdown, then ends cleanly.
pub(crate) struct Stdio {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = ResponseStream<pb::StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(silent_until(self.shutdown.clone())))
    }
}

/// `plugin.GRPCBroker`: for plugins that open extra connections back to Terraform. Terraform
/// opens the stream on every launch; this provider needs no extra connections, so incoming
/// messages are read and dropped, and the stream ends when Terraform closes its side.
pub(crate) struct Broker {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = ResponseStream<pb::ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<pb::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut incoming = request.into_inner();
        let done = self.shutdown.child_token();
        let finished = done.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = finished.cancelled() => break,
                    message = incoming.message() => match message {
                        Ok(Some(info)) => tracing::debug!(
                            service_id = info.service_id,
                            "Ignoring a broker connection offer"
                        ),
                        Ok(None) | Err(_) => break,
                    },
                }
            }
            finished.cancel();
        });
        Ok(Response::new(silent_until(done)))
    }
}
