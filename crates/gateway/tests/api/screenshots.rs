//! Screenshots: the monitor's `screenshot` setting, the check's links, the
//! image endpoint with its team scoping and cache headers, and pruning with
//! the monitor. (A real render through the whole mesh: tests/e2e.)

use reqwest::StatusCode;
use reqwest::header;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::monitor_body;
use crate::helpers::{TestApp, expect_error, expect_json, spawn_app};

const BEFORE: &[u8] = b"\x89PNG\r\n\x1a\n before";
const AFTER: &[u8] = b"\x89PNG\r\n\x1a\n after";

impl TestApp {
    /// Records a check of `monitor` `minutes_ago` that kept `png` (stored
    /// in the gateway's blob store as the scheduler would).
    async fn check_with_screenshot(
        &self,
        monitor: &str,
        minutes_ago: f64,
        png: Option<&[u8]>,
    ) -> Uuid {
        let key = match png {
            Some(png) => Some(self.blobs.put(png.to_vec()).await.unwrap()),
            None => None,
        };
        let id = Uuid::new_v4();
        self.database()
            .await
            .execute(
                "INSERT INTO checks (id, monitor_id, team_id, reason, status, changed,
                                     screenshot_sha256, started_at, finished_at)
                 SELECT $1, id, team_id, 'schedule', 'ok', true, $2,
                        now() - $3 * interval '1 minute', now() - $3 * interval '1 minute'
                   FROM monitors WHERE id = $4::text::uuid",
                &[&id, &key, &minutes_ago, &monitor],
            )
            .await
            .unwrap();
        id
    }

    async fn screenshot(
        &self,
        user: &crate::helpers::TestUser,
        monitor: &str,
        check: Uuid,
    ) -> reqwest::Response {
        self.get(
            user,
            &format!("/api/v1/monitors/{monitor}/checks/{check}/screenshot"),
        )
        .await
    }
}

#[tokio::test]
async fn the_screenshot_setting_defaults_to_never_can_be_chosen_and_is_validated() {
    let app = spawn_app().await;
    let created = expect_json(
        app.create_monitor(&app.alice, &monitor_body()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["screenshot"], "never");
    let id = created["id"].as_str().unwrap();

    let mut body = monitor_body();
    body["screenshot"] = json!("on_change");
    let on_change = expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(on_change["screenshot"], "on_change");

    let updated = expect_json(
        app.update_monitor(&app.alice, id, &json!({"screenshot": "every_check"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["screenshot"], "every_check");
    let response = app
        .update_monitor(&app.alice, id, &json!({"screenshot": "always"}))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_checks_screenshot_is_served_as_png_to_its_team_only_with_the_one_before_it() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let first = app.check_with_screenshot(&monitor, 3.0, Some(BEFORE)).await;
    let unchanged = app.check_with_screenshot(&monitor, 2.0, None).await;
    let changed = app.check_with_screenshot(&monitor, 1.0, Some(AFTER)).await;

    let check = expect_json(
        app.get_check(&app.alice, &monitor, &changed.to_string())
            .await,
        StatusCode::OK,
    )
    .await;
    let url = |check: Uuid| format!("/api/v1/monitors/{monitor}/checks/{check}/screenshot");
    assert_eq!(check["screenshot_url"], url(changed));
    assert_eq!(check["previous_screenshot_url"], url(first));
    let list = expect_json(
        app.list_checks(&app.alice, &monitor, "").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"][0], check);
    assert_eq!(list["items"][1]["screenshot_url"], Value::Null);
    assert_eq!(list["items"][2]["previous_screenshot_url"], Value::Null);

    let response = app.screenshot(&app.alice, &monitor, changed).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/png");
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "private, max-age=31536000, immutable"
    );
    let etag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(etag, format!("\"{}\"", blob_store::key_of(AFTER)));
    assert_eq!(response.bytes().await.unwrap().as_ref(), AFTER);

    let revalidated = app
        .client
        .get(app.url(&url(changed)))
        .bearer_auth(&app.alice.token)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    // Another team, a check without a screenshot and a check of another
    // monitor all answer the same 404.
    let response = app.screenshot(&app.bob, &monitor, changed).await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.screenshot(&app.alice, &monitor, unchanged).await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    let other = app.new_monitor(&app.alice).await;
    let response = app.screenshot(&app.alice, &other, changed).await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn deleting_a_monitor_deletes_the_screenshots_no_other_check_references() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let other = app.new_monitor(&app.alice).await;
    app.check_with_screenshot(&monitor, 2.0, Some(BEFORE)).await;
    app.check_with_screenshot(&monitor, 1.0, Some(AFTER)).await;
    // The same pixels on another monitor: one blob, two references.
    let shared = app.check_with_screenshot(&other, 1.0, Some(AFTER)).await;

    let response = app.delete_monitor(&app.alice, &monitor).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let before = blob_store::key_of(BEFORE);
    let after = blob_store::key_of(AFTER);
    assert_eq!(
        app.blobs.get(&before).await.unwrap(),
        None,
        "only this monitor had it"
    );
    assert!(
        app.blobs.get(&after).await.unwrap().is_some(),
        "another check still shows it"
    );
    let response = app.screenshot(&app.alice, &other, shared).await;
    assert_eq!(response.status(), StatusCode::OK);

    app.delete_monitor(&app.alice, &other).await;
    assert_eq!(app.blobs.get(&after).await.unwrap(), None);
}
