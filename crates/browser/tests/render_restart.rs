//! A Chromium that dies is replaced. In its own test binary: it kills the
//! Chromium children of this process, which would hit other tests' browsers.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use browser::domain::Wait;
use browser::render::{RenderRequest, RenderSettings, Renderer};
use netguard::Policy;
use tokio::net::TcpListener;

mod helpers;

use helpers::chromium_children;

#[tokio::test]
async fn a_chromium_that_dies_is_replaced_and_the_next_render_succeeds() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/",
        get(|| async { axum::response::Html("<html><body><p>alive</p></body></html>") }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let settings = RenderSettings {
        executable: PathBuf::from("/usr/bin/chromium"),
        sandbox: false,
        concurrency: 1,
        queue: 0,
        max_dom_bytes: 1024 * 1024,
        max_screenshot_bytes: 1024 * 1024,
        max_screenshot_height: 4096,
    };
    let renderer = Renderer::start(
        settings,
        Arc::new(Policy::from_allow_list("127.0.0.1/32").unwrap()),
    )
    .await
    .unwrap();
    let url = url::Url::parse(&format!("http://{addr}/")).unwrap();
    let headers = reqwest::header::HeaderMap::new();
    let request = RenderRequest {
        url: &url,
        headers: &headers,
        wait: &Wait::NetworkIdle,
        screenshot: false,
        cookies: &[],
        steps: &[],
    };

    assert!(
        renderer
            .render(request)
            .await
            .unwrap()
            .dom
            .contains("alive")
    );
    let first = chromium_children();
    assert_eq!(first.len(), 1, "{first:?}");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &first[0].to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    assert!(
        renderer
            .render(request)
            .await
            .unwrap()
            .dom
            .contains("alive")
    );
    let second = chromium_children();
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(first, second);
}
