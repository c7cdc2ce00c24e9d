//! Rendering with the real Debian Chromium (`make test` installs it; these
//! tests fail rather than skip without it).
//!
//! Two allowed hosts stand for a site and its CDN: 127.0.0.1 and 127.0.0.2
//! (the test allow-list). 127.0.0.3 is loopback outside the allow-list, so
//! the policy refuses it like any internal address; a honeypot there counts
//! the connections that got through.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_proto::browser::v1::{FetchOutcome, FetchRequest};
use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use browser::domain::Wait;
use browser::render::{RenderError, RenderRequest, RenderSettings, Renderer};
use helpers::{Honeypot, config, get_url, header as request_header, outcome, spawn_app};
use netguard::Policy;
use tokio::net::TcpListener;

const CHROMIUM: &str = "/usr/bin/chromium";
const ALLOW: &str = "127.0.0.1/32,127.0.0.2/32";

async fn rendering_app() -> helpers::TestApp {
    let mut config = config(ALLOW);
    config.chromium_path = PathBuf::from(CHROMIUM);
    config.default_timeout = Duration::from_secs(30);
    spawn_app(config).await
}

async fn renderer(concurrency: usize, queue: usize) -> Renderer {
    let settings = RenderSettings {
        executable: PathBuf::from(CHROMIUM),
        sandbox: false,
        concurrency,
        queue,
        max_dom_bytes: 1024 * 1024,
        max_screenshot_bytes: 8 * 1024 * 1024,
        max_screenshot_height: 4096,
    };
    Renderer::start(settings, Arc::new(Policy::from_allow_list(ALLOW).unwrap()))
        .await
        .unwrap()
}

async fn render(
    renderer: &Renderer,
    url: &str,
    wait: &Wait,
) -> Result<browser::render::Rendered, RenderError> {
    let url = url::Url::parse(url).unwrap();
    renderer
        .render(RenderRequest {
            url: &url,
            headers: &reqwest::header::HeaderMap::new(),
            wait,
            screenshot: false,
            cookies: &[],
            steps: &[],
        })
        .await
}

/// Serves `app` on `ip`, port 0.
async fn serve(ip: &str, app: Router) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn html(body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
}

/// The second allowed host: serves a script and remembers the headers it saw.
struct Cdn {
    addr: SocketAddr,
    seen_headers: Arc<Mutex<Vec<HeaderMap>>>,
}

async fn cdn() -> Cdn {
    let seen_headers = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&seen_headers);
    let app = Router::new().route(
        "/widget.js",
        get(move |headers: HeaderMap| {
            seen.lock().unwrap().push(headers);
            async {
                (
                    [(header::CONTENT_TYPE, "text/javascript")],
                    "document.getElementById('out').textContent = 'written by the CDN script';",
                )
            }
        }),
    );
    Cdn {
        addr: serve("127.0.0.2", app).await,
        seen_headers,
    }
}

/// The watched site on 127.0.0.1; `cdn` is the script host, `blocked` an
/// address the policy refuses.
async fn site(cdn: SocketAddr, blocked: SocketAddr) -> SocketAddr {
    let app = Router::new()
        .route(
            "/with-cdn",
            get(move |headers: HeaderMap| async move {
                let cookie = headers
                    .get(header::COOKIE)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("none")
                    .to_owned();
                html(format!(
                    "<html><head><title>Shop</title></head><body>\
                     <p id=\"out\">waiting for the CDN</p><p>cookie: {cookie}</p>\
                     <script src=\"http://{cdn}/widget.js\"></script></body></html>"
                ))
            }),
        )
        .route(
            "/probe",
            get(move || async move {
                // Every kind of subresource, aimed at three refused ranges.
                let mut body = String::from("<html><body><p>probe</p>");
                for target in [
                    blocked.to_string(),
                    "10.1.2.3".to_owned(),
                    "169.254.169.254".to_owned(),
                ] {
                    body.push_str(&format!(
                        "<img src=\"http://{target}/pixel.png\">\
                         <iframe src=\"http://{target}/frame\"></iframe>\
                         <script>fetch('http://{target}/steal').catch(() => {{}});\
                         try {{ new WebSocket('ws://{target}/socket'); }} catch (e) {{}}</script>"
                    ));
                }
                body.push_str("</body></html>");
                html(body)
            }),
        )
        .route(
            "/script-navigates",
            get(move || async move {
                html(format!(
                    "<html><body><p>leaving</p>\
                     <script>location.href = 'http://{blocked}/internal';</script></body></html>"
                ))
            }),
        )
        .route(
            "/redirect-inside",
            get(move || async move { Redirect::to(&format!("http://{blocked}/internal")) }),
        )
        .route(
            "/late",
            get(|| async {
                html(
                    "<html><body><p>early</p><script>setTimeout(() => {\
                     const p = document.createElement('p'); p.id = 'late';\
                     p.textContent = 'arrived late'; document.body.appendChild(p);\
                     }, 1500);</script></body></html>"
                        .to_owned(),
                )
            }),
        )
        .route(
            "/plain",
            get(|| async { html("<html><body><p>plain</p></body></html>".to_owned()) }),
        );
    serve("127.0.0.1", app).await
}

#[tokio::test]
async fn a_page_shows_the_text_a_script_from_a_second_allowed_host_wrote_and_a_screenshot() {
    let app = rendering_app().await;
    let honeypot = Honeypot::start("127.0.0.3").await;
    let cdn = cdn().await;
    let site = site(cdn.addr, honeypot.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            screenshot: true,
            css_selector: "#out".to_owned(),
            ..get_url(&format!("http://{site}/with-cdn"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    assert_eq!(rendered.text, "written by the CDN script");
    assert_eq!(rendered.title, "Shop");
    assert!(rendered.screenshot_png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[tokio::test]
async fn the_monitors_headers_reach_the_pages_origin_and_never_a_third_party() {
    let app = rendering_app().await;
    let honeypot = Honeypot::start("127.0.0.3").await;
    let cdn = cdn().await;
    let site = site(cdn.addr, honeypot.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            render: true,
            headers: vec![
                request_header("Cookie", "session=s3cret"),
                request_header("X-Team-Token", "t0ken"),
            ],
            ..get_url(&format!("http://{site}/with-cdn"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    assert!(
        rendered.text.contains("cookie: session=s3cret"),
        "{}",
        rendered.text
    );
    assert!(rendered.text.contains("written by the CDN script"));
    let seen = cdn.seen_headers.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].get(header::COOKIE).is_none());
    assert!(seen[0].get("x-team-token").is_none());
}

#[tokio::test]
async fn images_fetches_websockets_and_iframes_to_refused_ranges_are_refused_at_the_proxy() {
    let renderer = renderer(2, 0).await;
    let honeypot = Honeypot::start("127.0.0.3").await;
    let cdn = cdn().await;
    let site = site(cdn.addr, honeypot.addr).await;

    let rendered = render(
        &renderer,
        &format!("http://{site}/probe"),
        &Wait::NetworkIdle,
    )
    .await
    .unwrap();

    assert!(rendered.dom.contains("<p>probe</p>"));
    assert_eq!(honeypot.connections(), 0);
    let refused: Vec<String> = rendered
        .refused
        .iter()
        .map(|r| r.destination.clone())
        .collect();
    for destination in [
        honeypot.addr.to_string(),
        "10.1.2.3:80".to_owned(),
        "169.254.169.254:80".to_owned(),
    ] {
        // The image, the iframe, the fetch and the WebSocket each asked.
        let asked = refused.iter().filter(|d| **d == destination).count();
        assert!(
            asked >= 4,
            "{destination} refused {asked} times: {refused:?}"
        );
    }
}

#[tokio::test]
async fn a_redirect_into_a_refused_range_is_refused_not_rendered() {
    let renderer = renderer(2, 0).await;
    let honeypot = Honeypot::start("127.0.0.3").await;
    let cdn = cdn().await;
    let site = site(cdn.addr, honeypot.addr).await;

    let error = render(
        &renderer,
        &format!("http://{site}/redirect-inside"),
        &Wait::NetworkIdle,
    )
    .await
    .unwrap_err();

    match error {
        RenderError::Forbidden(refusal) => {
            assert_eq!(refusal.destination, honeypot.addr.to_string())
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(honeypot.connections(), 0);
}

#[tokio::test]
async fn a_script_navigation_to_a_refused_address_is_a_forbidden_destination_not_an_error_page() {
    let app = rendering_app().await;
    let honeypot = Honeypot::start("127.0.0.3").await;
    let cdn = cdn().await;
    let site = site(cdn.addr, honeypot.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            render: true,
            ..get_url(&format!("http://{site}/script-navigates"))
        })
        .await;

    assert_eq!(
        outcome(&rendered),
        FetchOutcome::ForbiddenDestination,
        "{}",
        rendered.text
    );
    assert!(
        rendered.detail.contains(&honeypot.addr.to_string()),
        "{}",
        rendered.detail
    );
    assert_eq!(honeypot.connections(), 0);
}

#[tokio::test]
async fn wait_for_a_selector_reads_the_page_once_the_element_exists() {
    let app = rendering_app().await;
    let honeypot = Honeypot::start("127.0.0.3").await;
    let cdn = cdn().await;
    let site = site(cdn.addr, honeypot.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            render: true,
            wait_for: "#late".to_owned(),
            ..get_url(&format!("http://{site}/late"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    assert!(rendered.text.contains("arrived late"), "{}", rendered.text);
}

#[tokio::test]
async fn an_invalid_wait_for_is_an_invalid_argument_naming_the_field() {
    let app = rendering_app().await;
    for wait_for in ["div[", "60000"] {
        let status = app
            .try_fetch(FetchRequest {
                render: true,
                wait_for: wait_for.to_owned(),
                ..get_url("http://127.0.0.1:1/")
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status.message().starts_with("wait_for:"),
            "{}",
            status.message()
        );
    }
}

#[tokio::test]
async fn a_render_beyond_the_slots_and_the_queue_is_refused_as_busy() {
    let renderer = renderer(1, 0).await;
    let honeypot = Honeypot::start("127.0.0.3").await;
    let cdn = cdn().await;
    let site = site(cdn.addr, honeypot.addr).await;
    let url = format!("http://{site}/plain");
    let long_wait = Wait::Delay(Duration::from_secs(3));

    // `join!` polls the first render first, and a render takes its place
    // before its first await, so the second finds the only slot taken.
    let (first, second) = tokio::join!(
        render(&renderer, &url, &long_wait),
        render(&renderer, &url, &Wait::NetworkIdle)
    );

    assert!(first.is_ok(), "{first:?}");
    assert!(matches!(second, Err(RenderError::Busy)), "{second:?}");
    // The slot is free again afterwards.
    render(&renderer, &url, &Wait::NetworkIdle).await.unwrap();
}

/// Width and height from a PNG's header chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let read = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (read(16), read(20))
}

#[tokio::test]
async fn a_screenshot_shows_the_whole_page_down_to_the_height_cap() {
    let app = Router::new()
        .route(
            "/short",
            get(|| async { html("<title>Short</title><p>one screen</p>".to_owned()) }),
        )
        .route(
            "/endless",
            get(|| async {
                html(
                    "<title>Feed</title><div style=\"height: 20000px\">a long feed</div>"
                        .to_owned(),
                )
            }),
        );
    let site = serve("127.0.0.1", app).await;
    let renderer = renderer(1, 0).await;
    let shoot = |path: &'static str| {
        let url = url::Url::parse(&format!("http://{site}{path}")).unwrap();
        let renderer = &renderer;
        async move {
            renderer
                .render(RenderRequest {
                    url: &url,
                    headers: &reqwest::header::HeaderMap::new(),
                    wait: &Wait::NetworkIdle,
                    screenshot: true,
                    cookies: &[],
                    steps: &[],
                })
                .await
                .unwrap()
                .screenshot_png
        }
    };
    let (width, height) = png_size(&shoot("/short").await);
    assert_eq!(width, 1280);
    assert!((1..=900).contains(&height), "one screen at most: {height}");
    assert_eq!(png_size(&shoot("/endless").await), (1280, 4096));
}
