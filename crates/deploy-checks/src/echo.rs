//! A stand-in upstream for nginx: answers every request with a JSON echo of
//! the method, URI, headers and body size it received, and remembers every
//! URI, so a check can prove both what was forwarded and what never arrived.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Json;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

type Seen = Arc<Mutex<Vec<String>>>;

/// The echo server, listening on 127.0.0.1 at a port chosen by the system.
#[derive(Debug)]
pub struct EchoUpstream {
    addr: SocketAddr,
    seen: Seen,
    task: JoinHandle<()>,
}

impl EchoUpstream {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let seen = Seen::default();
        let app = Router::new().fallback(echo).with_state(Arc::clone(&seen));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, seen, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request URI (path and query) that reached this upstream.
    pub fn seen_uris(&self) -> Vec<String> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }
}

impl Drop for EchoUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn echo(State(seen): State<Seen>, request: Request) -> Json<Value> {
    let (parts, body) = request.into_parts();
    let uri = parts.uri.to_string();
    if let Ok(mut seen) = seen.lock() {
        seen.push(uri.clone());
    }
    // Every value of every header, so a duplicated header is visible.
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        headers
            .entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    // Read whole, so that nginx delivers every byte of a large body.
    let body_bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_or(-1, |bytes| i64::try_from(bytes.len()).unwrap_or(i64::MAX));
    Json(json!({
        "echo": true,
        "method": parts.method.as_str(),
        "uri": uri,
        "headers": headers,
        "body_bytes": body_bytes,
    }))
}
