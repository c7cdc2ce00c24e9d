//! Serving tonic routes: one tracing span per call whose parent is the
//! caller's trace context, and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
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

/// The connections a gRPC server accepts on `listener`, sending without
/// Nagle's delay (TCP_NODELAY), as tonic's own `serve` does and
/// `serve_with_incoming` does not: an answer goes out as several writes
/// (headers, message, trailers), and with Nagle on the last can wait for
/// the caller's delayed ACK of the first.
pub fn incoming(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener).with_nodelay(Some(true))
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
        .serve_with_incoming_shutdown(incoming(listener), shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use tokio::net::{TcpListener, TcpStream};
    use tokio_stream::StreamExt;

    use super::incoming;

    #[tokio::test]
    async fn accepted_connections_send_without_nagles_delay()
    -> Result<(), Box<dyn std::error::Error>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut accepted = incoming(listener);
        let _caller = TcpStream::connect(addr).await?;
        let connection = accepted.next().await.ok_or("the listener closed")??;
        assert!(
            connection.nodelay()?,
            "an accepted connection must have TCP_NODELAY"
        );
        Ok(())
    }
}
