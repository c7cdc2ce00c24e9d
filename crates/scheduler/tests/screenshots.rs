//! Which checks keep a screenshot, and how: `never` asks for none and
//! stores nothing, `on_change` keeps the baseline and the changes only,
//! `every_check` keeps each one, identical images as one blob.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use std::path::Path;

use support::{TestApp, spawn_app};

const FIRST_LOOK: &[u8] = b"\x89PNG\r\n\x1a\n first look";
const SECOND_LOOK: &[u8] = b"\x89PNG\r\n\x1a\n second look";

impl TestApp {
    /// Whether each fetch so far asked the browser for a screenshot.
    fn screenshots_asked(&self) -> Vec<bool> {
        let fetches = self.peers.fetches.lock().unwrap();
        fetches.iter().map(|fetch| fetch.screenshot).collect()
    }

    fn show(&self, text: &str, png: &[u8]) {
        self.peers.set_text(text);
        *self.peers.screenshot.lock().unwrap() = png.to_vec();
    }

    /// Blobs in the store's folder.
    fn blob_count(&self) -> usize {
        fn count(dir: &Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .map(|entry| entry.unwrap().path())
                    .map(|path| if path.is_dir() { count(&path) } else { 1 })
                    .sum()
            })
        }
        count(&self.blob_dir)
    }
}

#[tokio::test]
async fn never_asks_the_browser_for_no_screenshot_and_stores_nothing() {
    let app = spawn_app().await;
    app.show("price: 120 EUR", FIRST_LOOK);
    let monitor = app.create_monitor_with("screenshot", &"never").await;
    let baseline = app.wait_for_checks(monitor, 1).await.remove(0);
    app.show("price: 99 EUR", SECOND_LOOK);
    let changed = app.check_now(monitor).await;
    assert!(baseline.baseline && changed.changed);
    assert_eq!(baseline.screenshot_sha256, None);
    assert_eq!(changed.screenshot_sha256, None);
    assert!(!app.screenshots_asked().contains(&true));
    assert_eq!(app.blob_count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn on_change_keeps_the_baseline_and_each_change_and_nothing_in_between() {
    let app = spawn_app().await;
    app.show("price: 120 EUR", FIRST_LOOK);
    let monitor = app.create_monitor_with("screenshot", &"on_change").await;
    let baseline = app.wait_for_checks(monitor, 1).await.remove(0);
    let unchanged = app.check_now(monitor).await;
    app.show("price: 99 EUR", SECOND_LOOK);
    let changed = app.check_now(monitor).await;

    assert!(!app.screenshots_asked().contains(&false));
    let first = blob_store::key_of(FIRST_LOOK);
    let second = blob_store::key_of(SECOND_LOOK);
    assert_eq!(baseline.screenshot_sha256.as_deref(), Some(first.as_str()));
    assert_eq!(unchanged.screenshot_sha256, None, "the page did not change");
    assert_eq!(changed.screenshot_sha256.as_deref(), Some(second.as_str()));
    assert_eq!(
        app.blobs.get(&second).await.unwrap().unwrap().as_ref(),
        SECOND_LOOK
    );
    assert_eq!(app.blob_count(), 2);
    app.stop().await;
}

#[tokio::test]
async fn every_check_keeps_each_screenshot_and_identical_renders_share_one_blob() {
    let app = spawn_app().await;
    app.show("price: 120 EUR", FIRST_LOOK);
    let monitor = app.create_monitor_with("screenshot", &"every_check").await;
    let baseline = app.wait_for_checks(monitor, 1).await.remove(0);
    let again = app.check_now(monitor).await;
    let once_more = app.check_now(monitor).await;

    let key = blob_store::key_of(FIRST_LOOK);
    for check in [&baseline, &again, &once_more] {
        assert_eq!(check.screenshot_sha256.as_deref(), Some(key.as_str()));
    }
    assert_eq!(app.blob_count(), 1, "identical renders are stored once");

    // A failed render keeps no screenshot (there is none).
    app.peers.set_page(support::Page::Failure(
        api_proto::browser::v1::FetchOutcome::Timeout,
        0,
        "timed out".to_owned(),
    ));
    let failed = app.check_now(monitor).await;
    assert_eq!(failed.screenshot_sha256, None);
    app.stop().await;
}
