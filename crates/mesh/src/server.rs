//! Serving tonic routes: one tracing span per call whose parent is the
//! caller's trace context, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::Routes;
use tonic::transport::Server;
use tower_http::trace::TraceLayer;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::context;
use crate::tls::ServerTls;

/// A service's listener could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct BindError {
    pub addr: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

/// Binds a service's listener and tells the port it got. Services bind
/// before anything else, so that an address with port 0 gives tests a free
/// port they can read back.
pub async fn bind(addr: SocketAddr) -> Result<(TcpListener, u16), BindError> {
    let failed = |source| BindError { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(failed)?;
    let port = listener.local_addr().map_err(failed)?.port();
    Ok((listener, port))
}

/// Serves `routes` on `listener` until `shutdown` resolves, then lets
/// in-flight calls finish. With `tls` every connection must complete a TLS
/// handshake first; a plain-text or failed one is dropped alone.
pub async fn serve_grpc(
    listener: TcpListener,
    routes: Routes,
    tls: Option<&ServerTls>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let trace_layer = TraceLayer::new_for_grpc().make_span_with(|request: &http::Request<_>| {
        let request_id = request
            .headers()
            .get(context::REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|value| context::is_valid_request_id(value))
            .unwrap_or("");
        let span = tracing::info_span!(
            "grpc",
            method = %request.uri().path(),
            request_id = %request_id,
        );
        let _ = span.set_parent(context::extract(request.headers()));
        span
    });
    let mut server = Server::builder();
    if let Some(tls) = tls {
        server = server.tls_config(tls.config())?;
    }
    server
        .layer(trace_layer)
        .add_routes(routes)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await
}
