//! A Chromium that stops answering (SIGSTOP: alive, but deaf) ends the
//! render at its deadline as a timeout, is replaced, and later renders work.
//! In its own test binary: it stops the Chromium children of this process,
//! which would hit other tests' browsers.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use std::path::PathBuf;
use std::time::Duration;

use api_proto::browser::v1::{FetchOutcome, FetchRequest};
use axum::Router;
use axum::routing::get;
use helpers::{chromium_children, config, get_url, outcome, spawn_app};
use tokio::net::TcpListener;

fn signal(signal: &str, pid: u32) {
    let sent = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[tokio::test]
async fn a_hung_chromium_ends_the_render_at_its_deadline_and_is_replaced() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/",
        get(|| async { axum::response::Html("<html><body><p>alive</p></body></html>") }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut config = config("127.0.0.1/32");
    config.chromium_path = PathBuf::from("/usr/bin/chromium");
    config.default_timeout = Duration::from_secs(60);
    let browser = spawn_app(config).await;
    let render = |timeout: Duration| FetchRequest {
        render: true,
        timeout_ms: u32::try_from(timeout.as_millis()).unwrap(),
        ..get_url(&format!("http://{addr}/"))
    };

    let first = browser.fetch(render(Duration::from_secs(60))).await;
    assert_eq!(outcome(&first), FetchOutcome::Ok, "{}", first.detail);
    let hung = chromium_children();
    assert_eq!(hung.len(), 1, "{hung:?}");
    signal("-STOP", hung[0]);

    let stuck = browser.fetch(render(Duration::from_secs(5))).await;
    assert_eq!(outcome(&stuck), FetchOutcome::Timeout, "{}", stuck.detail);

    // Under the client's own 60 s deadline.
    let later = browser.fetch(render(Duration::from_secs(50))).await;
    assert_eq!(outcome(&later), FetchOutcome::Ok, "{}", later.detail);
    assert!(later.text.contains("alive"), "{}", later.text);
    let running: Vec<u32> = chromium_children()
        .into_iter()
        .filter(|pid| *pid != hung[0])
        .collect();
    assert_eq!(running.len(), 1, "{running:?}");
    // The stopped process is killed when its instance goes; make sure.
    if chromium_children().contains(&hung[0]) {
        signal("-KILL", hung[0]);
    }
}
