//! A monitor's cookies and browser steps in real Chromium, and WebRTC kept
//! off the network. A loopback site on 127.0.0.1 with a login form stands
//! for a page behind a login; 127.0.0.2 stands for a third-party host that
//! records the headers it receives.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_proto::browser::v1::{BrowserStep, Cookie, FetchOutcome, FetchRequest};
use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use helpers::{config, get_url, outcome, spawn_app};
use tokio::net::{TcpListener, UdpSocket};

const SESSION: &str = "session=open-sesame";

async fn rendering_app() -> helpers::TestApp {
    let mut config = config("127.0.0.1/32,127.0.0.2/32");
    config.chromium_path = PathBuf::from("/usr/bin/chromium");
    config.default_timeout = Duration::from_secs(45);
    spawn_app(config).await
}

async fn serve(ip: &str, app: Router) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// The third-party host: serves a script and records every request's headers.
struct ThirdParty {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

async fn third_party() -> ThirdParty {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let app = Router::new().route(
        "/tracker.js",
        get(move |headers: HeaderMap| {
            record.lock().unwrap().push(headers);
            async {
                (
                    [(header::CONTENT_TYPE, "text/javascript")],
                    "document.getElementById('widget').textContent = 'widget loaded';",
                )
            }
        }),
    );
    ThirdParty {
        addr: serve("127.0.0.2", app).await,
        seen,
    }
}

fn signed_in(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .any(|cookie| cookie.trim() == SESSION)
}

/// A site whose account page needs the session cookie that its login form
/// sets (user `ann`, password `hunter2`).
async fn site(third_party: SocketAddr) -> SocketAddr {
    let app = Router::new()
        .route(
            "/account",
            get(move |headers: HeaderMap| async move {
                if !signed_in(&headers) {
                    return Redirect::to("/login").into_response();
                }
                html(format!(
                    "<html><body><p id=\"balance\">Balance: 42 EUR</p><p id=\"widget\"></p>\
                     <script src=\"http://{third_party}/tracker.js\"></script></body></html>"
                ))
            }),
        )
        .route(
            "/login",
            get(|| async {
                html(
                    "<html><body><form method=\"post\" action=\"/login\">\
                     <input id=\"user\" name=\"user\"><input id=\"password\" name=\"password\" type=\"password\">\
                     <button id=\"go\" type=\"submit\">Sign in</button></form></body></html>"
                        .to_owned(),
                )
            })
            .post(|body: String| async move {
                let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect();
                let field = |name: &str| {
                    form.iter()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.as_str())
                };
                if field("user") == Some("ann") && field("password") == Some("hunter2") {
                    (
                        [(header::SET_COOKIE, format!("{SESSION}; Path=/; HttpOnly"))],
                        Redirect::to("/account"),
                    )
                        .into_response()
                } else {
                    html("<html><body><p id=\"error\">wrong password</p></body></html>".to_owned())
                }
            }),
        );
    serve("127.0.0.1", app).await
}

fn step(action: &str, selector: &str, value: &str) -> BrowserStep {
    BrowserStep {
        action: action.to_owned(),
        selector: selector.to_owned(),
        value: value.to_owned(),
        ms: 0,
    }
}

fn login_steps() -> Vec<BrowserStep> {
    vec![
        step("fill", "#user", "ann"),
        step("fill", "#password", "hunter2"),
        step("click", "#go", ""),
    ]
}

#[tokio::test]
async fn steps_log_in_through_the_form_and_the_text_behind_the_login_is_extracted() {
    let app = rendering_app().await;
    let third_party = third_party().await;
    let site = site(third_party.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            css_selector: "#balance".to_owned(),
            steps: login_steps(),
            ..get_url(&format!("http://{site}/account"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    assert_eq!(rendered.text, "Balance: 42 EUR");
}

#[tokio::test]
async fn a_step_that_cannot_be_carried_out_is_reported_with_its_number() {
    let app = rendering_app().await;
    let third_party = third_party().await;
    let site = site(third_party.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            steps: vec![
                step("fill", "#user", "ann"),
                step("click", "#no-such-button", ""),
            ],
            ..get_url(&format!("http://{site}/login"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::StepFailed);
    assert_eq!(rendered.failed_step, 2);
    assert!(rendered.detail.contains("step 2"), "{}", rendered.detail);
    assert!(
        rendered.detail.contains("#no-such-button"),
        "{}",
        rendered.detail
    );
}

#[tokio::test]
async fn a_fill_value_is_never_part_of_the_report() {
    let app = rendering_app().await;
    let third_party = third_party().await;
    let site = site(third_party.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            steps: vec![step("fill", "#nowhere", "hunter2")],
            ..get_url(&format!("http://{site}/login"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::StepFailed);
    assert_eq!(rendered.failed_step, 1);
    assert!(!rendered.detail.contains("hunter2"), "{}", rendered.detail);
}

#[tokio::test]
async fn invalid_steps_are_refused_naming_the_step() {
    let app = rendering_app().await;
    let status = app
        .try_fetch(FetchRequest {
            steps: vec![step("click", "#go", ""), step("hover", "#go", "")],
            ..get_url("http://127.0.0.1:1/")
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().starts_with("steps: step 2:"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn the_monitors_cookies_reach_the_pages_host_in_a_render_and_never_a_third_party() {
    let app = rendering_app().await;
    let third_party = third_party().await;
    let site = site(third_party.addr).await;

    let rendered = app
        .fetch(FetchRequest {
            render: true,
            cookies: vec![Cookie {
                name: "session".to_owned(),
                value: "open-sesame".to_owned(),
            }],
            headers: vec![helpers::header("X-Team-Token", "t0ken")],
            ..get_url(&format!("http://{site}/account"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    assert!(
        rendered.text.contains("Balance: 42 EUR"),
        "{}",
        rendered.text
    );
    assert!(rendered.text.contains("widget loaded"), "{}", rendered.text);
    let seen = third_party.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].get(header::COOKIE).is_none(), "{:?}", seen[0]);
    assert!(seen[0].get("x-team-token").is_none(), "{:?}", seen[0]);
}

#[tokio::test]
async fn the_monitors_cookies_reach_the_pages_host_in_a_plain_fetch() {
    let app = spawn_app(config("127.0.0.1/32")).await;
    let third_party = third_party().await;
    let site = site(third_party.addr).await;

    let fetched = app
        .fetch(FetchRequest {
            css_selector: "#balance".to_owned(),
            cookies: vec![Cookie {
                name: "session".to_owned(),
                value: "open-sesame".to_owned(),
            }],
            ..get_url(&format!("http://{site}/account"))
        })
        .await;

    assert_eq!(outcome(&fetched), FetchOutcome::Ok, "{}", fetched.detail);
    assert_eq!(fetched.text, "Balance: 42 EUR");
}

#[tokio::test]
async fn a_page_trying_webrtc_with_a_stun_server_on_loopback_sends_no_packet() {
    let app = rendering_app().await;
    let stun = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let stun_addr = stun.local_addr().unwrap();
    let page = Router::new().route(
        "/webrtc",
        get(move || async move {
            html(format!(
                "<html><body><p id=\"state\">not started</p><script>\
                 const state = document.getElementById('state');\
                 const peer = new RTCPeerConnection({{ iceServers: [{{ urls: 'stun:{stun_addr}' }}] }});\
                 peer.createDataChannel('probe');\
                 peer.onicegatheringstatechange = () => {{ state.textContent = 'gathering ' + peer.iceGatheringState; }};\
                 peer.createOffer().then((offer) => peer.setLocalDescription(offer))\
                   .then(() => {{ if (state.textContent === 'not started') state.textContent = 'offer set'; }})\
                   .catch((error) => {{ state.textContent = 'failed ' + error; }});\
                 </script></body></html>"
            ))
        }),
    );
    let site = serve("127.0.0.1", page).await;

    let rendered = app
        .fetch(FetchRequest {
            render: true,
            css_selector: "#state".to_owned(),
            // ICE gathering takes a moment; give it time to try the STUN server.
            wait_for: "4000".to_owned(),
            ..get_url(&format!("http://{site}/webrtc"))
        })
        .await;

    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    // The page really tried: its offer was made and gathering ran.
    assert!(
        rendered.text.starts_with("gathering") || rendered.text == "offer set",
        "{}",
        rendered.text
    );
    let mut buffer = [0u8; 1500];
    let received = stun.try_recv_from(&mut buffer);
    assert!(
        matches!(&received, Err(error) if error.kind() == std::io::ErrorKind::WouldBlock),
        "a STUN packet arrived: {received:?}"
    );
}
