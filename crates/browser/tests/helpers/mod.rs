//! A running browser service and a local website to point it at.

#![allow(clippy::unwrap_used, dead_code)] // Tests may unwrap; each test file uses part of this.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use api_proto::browser::v1::browser_client::BrowserClient;
use api_proto::browser::v1::{FetchOutcome, FetchRequest, FetchResponse, Header};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use browser::config::Config;
use browser::startup::Application;
use mesh::client::InternalChannel;
use mesh::config::Environment;
use mesh::internal_auth::InternalKeys;
use netguard::Policy;
use secrecy::SecretString;
use tokio::net::TcpListener;

pub const KEY: &str = "scheduler-test-key-0123456789abcdef";
/// The gateway's key: it may fetch too (previews).
pub const GATEWAY_KEY: &str = "gateway-test-key-0123456789abcdef01";
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct TestApp {
    pub port: u16,
    pub client: BrowserClient<InternalChannel>,
}

impl TestApp {
    pub async fn fetch(&self, request: FetchRequest) -> FetchResponse {
        self.client
            .clone()
            .fetch(request)
            .await
            .unwrap()
            .into_inner()
    }

    pub async fn fetch_url(&self, url: &str) -> FetchResponse {
        self.fetch(get_url(url)).await
    }

    pub async fn try_fetch(&self, request: FetchRequest) -> Result<FetchResponse, tonic::Status> {
        self.client
            .clone()
            .fetch(request)
            .await
            .map(|r| r.into_inner())
    }
}

pub fn get_url(url: &str) -> FetchRequest {
    FetchRequest {
        url: url.to_owned(),
        ..Default::default()
    }
}

pub fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

pub fn outcome(response: &FetchResponse) -> FetchOutcome {
    FetchOutcome::try_from(response.outcome).unwrap()
}

pub fn config(allow: &str) -> Config {
    Config {
        environment: Environment::Development,
        addr: "127.0.0.1:0".parse().unwrap(),
        internal_keys: InternalKeys::from_keys([("scheduler", KEY), ("gateway", GATEWAY_KEY)]),
        policy: Policy::from_allow_list(allow).unwrap(),
        max_body_bytes: MAX_BODY_BYTES,
        default_timeout: Duration::from_secs(5),
        chromium_path: PathBuf::from("/nonexistent/chromium"),
        // Tests run as root in CI containers, where Chromium has no sandbox.
        chromium_no_sandbox: true,
        render_concurrency: 2,
        max_screenshot_bytes: 8 * 1024 * 1024,
        shutdown_drain: std::time::Duration::ZERO,
        tls: None,
        max_screenshot_height: 4096,
        seen_bodies: Config::DEFAULT_SEEN_BODIES,
    }
}

/// Starts the service on port 0 and connects a client carrying the key.
pub async fn spawn_app(config: Config) -> TestApp {
    spawn_app_with_key(config, KEY).await
}

pub async fn spawn_app_with_key(config: Config, key: &str) -> TestApp {
    let app = Application::build(config).await.unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let channel = mesh::client::connect_lazy(
        &format!("http://127.0.0.1:{port}"),
        &SecretString::from(key.to_owned()),
        // Rendering tests start a Chromium each, in parallel, on a shared
        // machine; the service's own deadlines end every fetch well before.
        Duration::from_secs(60),
        None,
    )
    .unwrap();
    TestApp {
        port,
        client: BrowserClient::new(channel)
            .max_decoding_message_size(api_proto::BROWSER_MAX_RESPONSE_BYTES),
    }
}

/// A server that counts connections and answers every request with "secret".
/// It stands for an internal service an attacker wants to reach.
pub struct Honeypot {
    pub addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Honeypot {
    pub async fn start(ip: &str) -> Self {
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        Self { addr, accepted }
    }

    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// The website under watch, on 127.0.0.1.
pub struct Site {
    pub addr: SocketAddr,
}

impl Site {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `redirect_targets` are absolute URLs served as redirects from
    /// `/redirect/0`, `/redirect/1`, ...
    pub async fn start(redirect_targets: Vec<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let targets = Arc::new(redirect_targets);
        let app = Router::new()
            .route("/page", get(|| async { html(PAGE) }))
            .route("/data", get(|| async {
                ([(header::CONTENT_TYPE, "application/json")], DATA)
            }))
            .route("/text", get(|| async { "plain text\nline two" }))
            .route("/image", get(|| async {
                ([(header::CONTENT_TYPE, "image/png")], vec![0x89u8, b'P', b'N', b'G'])
            }))
            .route("/broken-json", get(|| async {
                ([(header::CONTENT_TYPE, "application/json")], "{oops")
            }))
            .route("/gone", get(|| async { StatusCode::GONE }))
            .route("/server-error", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
            .route("/forbidden", get(|| async { (StatusCode::FORBIDDEN, "members only") }))
            .route("/challenge", get(|| async {
                (
                    StatusCode::FORBIDDEN,
                    html("<html><head><title>Just a moment...</title></head><body><div id=\"cf-chl-widget\"></div></body></html>"),
                )
            }))
            .route("/mitigated", get(|| async {
                (StatusCode::SERVICE_UNAVAILABLE, [("cf-mitigated", "challenge")], "")
            }))
            .route("/rate-limited-captcha", get(|| async {
                (StatusCode::TOO_MANY_REQUESTS, html("<p>Please solve the CAPTCHA</p>"))
            }))
            .route("/chain/1", get(|| async { Redirect::to("/chain/2") }))
            .route("/chain/2", get(|| async { Redirect::permanent("/chain/3") }))
            .route("/chain/3", get(|| async { Redirect::temporary("/page") }))
            .route("/loop/{n}", get(|n: axum::extract::Path<u32>| async move {
                Redirect::to(&format!("/loop/{}", n.0 + 1))
            }))
            .route("/redirect/{i}", get(move |i: axum::extract::Path<usize>| {
                let targets = Arc::clone(&targets);
                async move {
                    match targets.get(i.0) {
                        Some(target) => Redirect::to(target).into_response(),
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                }
            }))
            .route("/huge", get(|| async { "x".repeat(MAX_BODY_BYTES * 3) }))
            .route("/huge-stream", get(|| async {
                // No content length: the body arrives chunked.
                let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'y'; 8 * 1024]));
                Response::builder()
                    .header(header::CONTENT_TYPE, "text/plain")
                    .body(Body::from_stream(tokio_stream::iter(chunks)))
                    .unwrap()
            }))
            .route("/slow", get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                html("<p>finally</p>")
            }))
            .route("/latin1", get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")],
                    b"<html><title>Caf\xe9</title><body><p>Cr\xe8me br\xfbl\xe9e: 5 \xa4</p></body></html>".to_vec(),
                )
            }))
            .route("/scripted", get(|| async { html(SCRIPTED) }))
            .route("/probe/{target}", get(|target: axum::extract::Path<String>| async move {
                // Subresources and scripts aimed at an internal address.
                let page = format!(
                    "<html><body><p>probe</p><img src=\"http://{0}/pixel.png\">\
                     <iframe src=\"http://{0}/frame\"></iframe>\
                     <script>fetch('http://{0}/steal').catch(() => {{}});</script></body></html>",
                    target.0
                );
                ([(header::CONTENT_TYPE, "text/html")], page)
            }))
            .route("/echo-cookie", get(|headers: HeaderMap| async move {
                let cookie = headers
                    .get(header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("no cookie")
                    .to_owned();
                let agent = headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                format!("cookie: {cookie}\nagent: {agent}")
            }));
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr }
    }
}

fn html(body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
}

pub const PAGE: &str = r#"<!doctype html><html><head><title>Widget shop</title>
<script>document.write("nope")</script><style>p{}</style></head>
<body><h1>Widget Pro</h1><p>Price: <span class="price">99 EUR</span></p>
<p>In stock</p></body></html>"#;

pub const SCRIPTED: &str = r#"<html><head><title>Scripted</title></head><body>
<div id="out">loading</div>
<script>document.getElementById("out").textContent = "rendered by script";</script>
</body></html>"#;

pub const DATA: &str = r#"{"product": {"name": "Widget", "price": 99, "tags": ["a", "b"]}}"#;

/// Process ids of the Chromium browser processes this test process started.
pub fn chromium_children() -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
            let Some((head, tail)) = stat.rsplit_once(')') else {
                return false;
            };
            let mut fields = tail.split_whitespace();
            let alive = fields.next() != Some("Z");
            let parent = fields.next().and_then(|p| p.parse::<u32>().ok());
            head.contains("(chromium") && alive && parent == Some(me)
        })
        .collect()
}
