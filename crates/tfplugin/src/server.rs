//! Serving: bind, announce, accept TLS connections and run the gRPC services until Terraform
//! asks the provider to shut down.

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tonic::transport::server::Connected;

use super::go_plugin::{Broker, Controller, Stdio};
use super::handshake::{Launch, LaunchError, handshake_line};
use super::logging;
use super::proto::go_plugin::grpc_broker_server::GrpcBrokerServer;
use super::proto::go_plugin::grpc_controller_server::GrpcControllerServer;
use super::proto::go_plugin::grpc_stdio_server::GrpcStdioServer;
use super::proto::tfplugin6::provider_server::ProviderServer;
use super::provider::Provider;
use super::service::ProviderService;
use super::tls::{self, TlsError};

/// Terraform allows gRPC messages up to 256 MiB (large states); tonic's default is 4 MiB.
const MAX_MESSAGE_SIZE: usize = 256 << 20;
/// A client that has not finished its TLS handshake by then is not Terraform.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// go-plugin's health service name.
const HEALTH_SERVICE: &str = "plugin";

/// Tunables of the server; the defaults suit Terraform.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// After StopProvider, how long an apply may run on to return partial state before it is
    /// cancelled.
    pub apply_stop_grace: Duration,
    /// After Shutdown, how long open connections get to finish before the process exits
    /// (Terraform kills the process 2 s after asking).
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            apply_stop_grace: Duration::from_secs(20),
            shutdown_grace: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("could not listen: {0}")]
    Listen(io::Error),
    #[error("could not write the handshake line to stdout: {0}")]
    Handshake(io::Error),
    #[error("could not install the interrupt handler: {0}")]
    Signal(io::Error),
    #[error("the gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("the server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Serves `provider` to the Terraform that launched this process, until Terraform shuts it
/// down. Call from `main` inside a multi-threaded tokio runtime.
pub async fn serve<P: Provider>(provider: P) -> Result<(), ServeError> {
    serve_with(provider, ServeOptions::default()).await
}

/// [`serve`] with explicit options.
pub async fn serve_with<P: Provider>(provider: P, options: ServeOptions) -> Result<(), ServeError> {
    let launch = Launch::from_env()?;
    logging::init(provider.type_name(), provider.log_targets());
    tracing::info!(
        version = provider.version().unwrap_or("unknown"),
        "Starting terraform-provider-{}",
        provider.type_name()
    );
    ignore_interrupts()?;
    let running = start(provider, &launch, options).await?;
    announce(&running.handshake_line)?;
    tracing::debug!(address = %running.address, "Serving");
    running.task.await?
}

/// Terraform forwards Ctrl-C by calling StopProvider; the signal itself also reaches the
/// provider (same process group) and must not kill it, or partial state would be lost.
fn ignore_interrupts() -> Result<(), ServeError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupts = signal(SignalKind::interrupt()).map_err(ServeError::Signal)?;
        tokio::spawn(async move {
            while interrupts.recv().await.is_some() {
                tracing::debug!(
                    "Ignoring SIGINT: Terraform stops the provider through StopProvider"
                );
            }
        });
    }
    Ok(())
}

/// Prints the handshake line; stdout is not written again.
fn announce(line: &str) -> Result<(), ServeError> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(ServeError::Handshake)
}

/// A server accepting connections.
pub(crate) struct Running {
    pub handshake_line: String,
    pub address: SocketAddr,
    pub task: JoinHandle<Result<(), ServeError>>,
}

/// Binds, builds the services and starts serving in a task; connections queue in the listen
/// backlog until the task accepts them.
pub(crate) async fn start<P: Provider>(
    provider: P,
    launch: &Launch,
    options: ServeOptions,
) -> Result<Running, ServeError> {
    let client_certificate = tls::parse_client_certificate(&launch.client_certificate_pem)?;
    let identity = tls::generate_server_identity()?;
    let handshake_certificate = identity.certificate.clone();
    let tls_config = tls::server_config(identity, client_certificate)?;

    let listener = launch.bind()?;
    listener.set_nonblocking(true).map_err(ServeError::Listen)?;
    let listener = TcpListener::from_std(listener).map_err(ServeError::Listen)?;
    let address = listener.local_addr().map_err(ServeError::Listen)?;

    let stop = CancellationToken::new();
    let shutdown = CancellationToken::new();
    let provider_service =
        ProviderService::new(Arc::new(provider), stop.clone(), options.apply_stop_grace);
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status(HEALTH_SERVICE, tonic_health::ServingStatus::Serving)
        .await;
    let router = Server::builder()
        .add_service(health_service)
        .add_service(
            ProviderServer::new(provider_service)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(GrpcControllerServer::new(Controller {
            stop,
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }));

    let (connections, incoming) = mpsc::channel::<TlsConnection>(16);
    let accepting = tokio::spawn(accept(listener, TlsAcceptor::from(tls_config), connections));
    let incoming = futures::stream::unfold(incoming, |mut incoming| async move {
        let connection = incoming.recv().await?;
        Some((Ok::<_, io::Error>(connection), incoming))
    });
    let grace = options.shutdown_grace;
    let serving_shutdown = shutdown.clone();
    let task = tokio::spawn(async move {
        let serving = router
            .serve_with_incoming_shutdown(incoming, serving_shutdown.clone().cancelled_owned());
        let drained_or_late = async {
            serving_shutdown.cancelled().await;
            tokio::time::sleep(grace).await;
        };
        let outcome = tokio::select! {
            served = serving => served.map_err(ServeError::from),
            // Connections still open after the grace period (Terraform keeps its own open
            // until we exit) are dropped with the process.
            () = drained_or_late => Ok(()),
        };
        accepting.abort();
        outcome
    });

    Ok(Running {
        handshake_line: handshake_line(address, &handshake_certificate),
        address,
        task,
    })
}

/// Accepts TCP connections, completes their TLS handshake (mutual, pinned client certificate)
/// and hands them to the gRPC server. Refused clients are logged and dropped.
async fn accept(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    connections: mpsc::Sender<TlsConnection>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // e.g. out of file descriptors: back off instead of spinning.
                tracing::warn!(%error, "Could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // gRPC sends small frames; Nagle's algorithm would hold each back ~40 ms.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "Could not set TCP_NODELAY");
        }
        let acceptor = acceptor.clone();
        let connections = connections.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = connections.send(TlsConnection(stream)).await;
                }
                Ok(Err(error)) => tracing::warn!(
                    %peer,
                    %error,
                    "Refused a connection: TLS handshake failed (only the certificate Terraform \
                     passed in PLUGIN_CLIENT_CERT is accepted)"
                ),
                Err(_) => tracing::warn!(%peer, "Refused a connection: TLS handshake timed out"),
            }
        });
    }
}

/// An accepted, authenticated connection, in the shape tonic's server wants.
struct TlsConnection(tokio_rustls::server::TlsStream<TcpStream>);

impl Connected for TlsConnection {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for TlsConnection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}
