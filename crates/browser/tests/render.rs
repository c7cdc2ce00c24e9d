//! Rendering with headless Chromium. Skipped (with a note) where Chromium is
//! not installed; `make test` installs it.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use std::path::{Path, PathBuf};

use api_proto::browser::v1::{FetchOutcome, FetchRequest};
use helpers::{Honeypot, Site, config, get_url, outcome, spawn_app};

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> Option<PathBuf> {
    if Path::new(CHROMIUM).is_file() {
        Some(PathBuf::from(CHROMIUM))
    } else {
        println!("note: {CHROMIUM} not found, skipping the rendering test");
        None
    }
}

async fn rendering_app() -> Option<helpers::TestApp> {
    let chromium = chromium()?;
    let mut config = config("127.0.0.1/32");
    config.chromium_path = chromium;
    config.default_timeout = std::time::Duration::from_secs(30);
    Some(spawn_app(config).await)
}

#[tokio::test]
async fn a_rendered_page_shows_what_its_scripts_wrote_and_a_screenshot() {
    let Some(app) = rendering_app().await else {
        return;
    };
    let site = Site::start(Vec::new()).await;
    let plain = app.fetch_url(&site.url("/scripted")).await;
    assert_eq!(plain.text, "loading");

    let rendered = app
        .fetch(FetchRequest {
            screenshot: true,
            ..get_url(&site.url("/scripted"))
        })
        .await;
    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    assert_eq!(rendered.text, "rendered by script");
    assert_eq!(rendered.title, "Scripted");
    assert!(rendered.screenshot_png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[tokio::test]
async fn a_rendered_page_cannot_make_chromium_reach_an_internal_address() {
    let Some(app) = rendering_app().await else {
        return;
    };
    let honeypot = Honeypot::start("127.0.0.2").await;
    let site = Site::start(Vec::new()).await;
    let rendered = app
        .fetch(FetchRequest {
            render: true,
            ..get_url(&site.url(&format!("/probe/{}", honeypot.addr)))
        })
        .await;
    assert_eq!(outcome(&rendered), FetchOutcome::Ok, "{}", rendered.detail);
    assert_eq!(rendered.text, "probe");
    assert_eq!(honeypot.connections(), 0);
}
