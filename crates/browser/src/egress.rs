//! The egress proxy: every request Chromium makes goes through it.
//!
//! A forward proxy for plain HTTP (absolute-form requests) and `CONNECT`
//! tunnels (HTTPS and every WebSocket, which Chromium always tunnels), on a
//! loopback port. Each destination is resolved once by netguard and the
//! connection goes to the checked address, so a page's CDN subresources load
//! while private, loopback, link-local and metadata destinations are refused
//! before a socket opens. Redirects are followed by Chromium, so each hop is a
//! new request through here and is checked like the first.
//!
//! Only Chromium may use it: every request must carry the credential of a live
//! render [`EgressSession`] (a per-render user name and a per-process secret,
//! answered by Chromium through the DevTools protocol). The session also
//! collects the destinations refused during its render, so the render can tell
//! a refused page from a page that failed to load.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use netguard::Policy;
use rand::Rng as _;
use subtle::ConstantTimeEq as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// A destination that does not accept a connection in this time is down;
/// Chromium shows it as a failed subresource.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers that describe one hop, not the request: never passed on.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// One refused destination, as `host:port` and the reason netguard gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub destination: String,
    pub reason: String,
}

#[derive(Debug, Default)]
struct SessionLog {
    refused: Mutex<Vec<Refusal>>,
}

struct Shared {
    policy: Arc<Policy>,
    /// Random per process; never logged.
    password: String,
    sessions: Mutex<HashMap<String, Arc<SessionLog>>>,
}

/// The running proxy. Dropping it stops accepting connections.
pub struct EgressProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Drop for EgressProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// The credential of one render; dropping it makes the credential invalid.
pub struct EgressSession {
    username: String,
    log: Arc<SessionLog>,
    shared: Arc<Shared>,
}

impl Drop for EgressSession {
    fn drop(&mut self) {
        self.shared
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.username);
    }
}

impl EgressSession {
    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn password(&self) -> &str {
        &self.shared.password
    }

    /// Destinations refused so far during this render.
    pub fn refused(&self) -> Vec<Refusal> {
        self.log
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl EgressProxy {
    /// Listens on an ephemeral loopback port.
    pub async fn start(policy: Arc<Policy>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            policy,
            password: random_token(),
            sessions: Mutex::new(HashMap::new()),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Self {
            addr,
            shared,
            accept,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The value of Chromium's proxy setting that points at this proxy.
    pub fn proxy_server(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A new credential, valid until the session is dropped.
    pub fn session(&self) -> EgressSession {
        let username = random_token();
        let log = Arc::new(SessionLog::default());
        self.shared
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(username.clone(), Arc::clone(&log));
        EgressSession {
            username,
            log,
            shared: Arc::clone(&self.shared),
        }
    }
}

fn random_token() -> String {
    hex::encode(rand::rng().random::<[u8; 16]>())
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: pause instead of spinning.
                tracing::warn!(%error, "egress proxy cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(handle(&shared, request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            if let Err(error) = connection.await {
                tracing::debug!(%error, "egress proxy connection ended with an error");
            }
        });
    }
}

async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<ProxyBody> {
    let Some(log) = shared.authorize(request.headers()) else {
        let mut response = empty(StatusCode::PROXY_AUTHENTICATION_REQUIRED);
        response.headers_mut().insert(
            hyper::header::PROXY_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"lookout-egress\""),
        );
        return response;
    };
    let Some((host, port)) = destination(&request) else {
        return empty(StatusCode::BAD_REQUEST);
    };
    let addrs = match netguard::resolve_checked(&shared.policy, &host, port).await {
        Ok(addrs) => addrs,
        Err(error) => {
            let destination = format!("{host}:{port}");
            let reason = error.to_string();
            tracing::warn!(%destination, %reason, "egress proxy refused a destination");
            log.refused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Refusal {
                    destination,
                    reason,
                });
            return empty(StatusCode::FORBIDDEN);
        }
    };
    let upstream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&addrs[..])).await
    {
        Ok(Ok(upstream)) => upstream,
        Ok(Err(_)) | Err(_) => return empty(StatusCode::BAD_GATEWAY),
    };
    if request.method() == Method::CONNECT {
        tunnel(request, upstream)
    } else {
        forward(request, upstream).await
    }
}

impl Shared {
    /// The session whose credential the request carries.
    fn authorize(&self, headers: &HeaderMap) -> Option<Arc<SessionLog>> {
        let value = headers
            .get(hyper::header::PROXY_AUTHORIZATION)?
            .to_str()
            .ok()?;
        let encoded = value.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (username, password) = decoded.split_once(':')?;
        if !bool::from(password.as_bytes().ct_eq(self.password.as_bytes())) {
            return None;
        }
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(username)
            .cloned()
    }
}

/// Host and port of a `CONNECT` authority or an absolute-form `http` URI.
fn destination(request: &Request<Incoming>) -> Option<(String, u16)> {
    let uri = request.uri();
    let authority = uri.authority()?;
    let port = if request.method() == Method::CONNECT {
        authority.port_u16()?
    } else {
        // Chromium sends https through CONNECT; anything else here is not a
        // browser's plain HTTP request.
        if uri.scheme_str() != Some("http") {
            return None;
        }
        authority.port_u16().unwrap_or(80)
    };
    Some((authority.host().to_owned(), port))
}

fn tunnel(request: Request<Incoming>, mut upstream: TcpStream) -> Response<ProxyBody> {
    tokio::spawn(async move {
        match hyper::upgrade::on(request).await {
            Ok(upgraded) => {
                let mut client = TokioIo::new(upgraded);
                // Either side closing ends the tunnel; the error is only a reset.
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            }
            Err(error) => tracing::debug!(%error, "egress tunnel was not upgraded"),
        }
    });
    empty(StatusCode::OK)
}

async fn forward(request: Request<Incoming>, upstream: TcpStream) -> Response<ProxyBody> {
    let (mut parts, body) = request.into_parts();
    let (mut sender, connection) =
        match hyper::client::conn::http1::handshake(TokioIo::new(upstream)).await {
            Ok(pair) => pair,
            Err(_) => return empty(StatusCode::BAD_GATEWAY),
        };
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "egress upstream connection ended with an error");
        }
    });
    // The origin server expects the origin form: path and query only.
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .to_owned();
    parts.uri = match path.parse() {
        Ok(uri) => uri,
        Err(_) => return empty(StatusCode::BAD_REQUEST),
    };
    strip_hop_by_hop(&mut parts.headers);
    match sender.send_request(Request::from_parts(parts, body)).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, body.boxed())
        }
        Err(_) => empty(StatusCode::BAD_GATEWAY),
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in HOP_BY_HOP {
        headers.remove(HeaderName::from_static(name));
    }
}

fn empty(status: StatusCode) -> Response<ProxyBody> {
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    response
}
