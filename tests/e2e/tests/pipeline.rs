//! One monitor the whole way through real services running as separate
//! processes: created through the gateway's REST API → claimed by the
//! scheduler → fetched by browser → judged by llm → emailed by notify through
//! a real SMTP server → recorded in PostgreSQL and listed by the API.

#![allow(
    clippy::unwrap_used,
    reason = "a failed step fails the test or benchmark"
)]

use std::time::Duration;

use e2e::api::{Api, CHECK_TIMEOUT};
use e2e::mesh::Mesh;
use serde_json::{Value, json};

fn price_page(price: &str) -> String {
    format!(
        "<html><head><title>Widget</title></head><body>\
         <nav>Home · Shop · Rotating banner {}</nav>\
         <h1>Widget</h1><p class=\"price\">Price: {price} EUR</p></body></html>",
        uuid::Uuid::new_v4()
    )
}

#[tokio::test]
async fn a_monitor_alerts_by_email_only_when_the_change_meets_its_condition() {
    let mesh = Mesh::start().await;
    mesh.site.set_html("/product", &price_page("120"));
    let api = Api::signed_in(&mesh, "alice@example.com").await;

    let (status, channel) = api
        .post(
            "/api/v1/channels",
            json!({"kind": "email", "name": "Alice", "address": "alice@example.com"}),
        )
        .await;
    assert_eq!(status, 201, "{channel}");
    let (status, monitor) = api
        .post(
            "/api/v1/monitors",
            json!({
                "name": "Widget price",
                "url": mesh.site.url("/product"),
                "css_selector": ".price",
                "condition": "tell me when the price drops below 100 EUR",
                "interval_seconds": 3600,
                "channel_ids": [channel["id"]],
            }),
        )
        .await;
    assert_eq!(status, 201, "{monitor}");
    let monitor_id = monitor["id"].as_str().unwrap().to_owned();

    // The first check stores a baseline and never alerts.
    let checks = api.wait_for_checks(&mesh, &monitor_id, 1).await;
    assert_eq!(checks[0]["status"], "ok", "{:#?}", checks[0]);
    assert_eq!(checks[0]["baseline"], true);
    assert_eq!(checks[0]["triggered"], false);

    // Unchanged content (the rotating banner is outside the selector): no change.
    mesh.site.set_html("/product", &price_page("120"));
    api.run_now(&monitor_id).await;
    let checks = api.wait_for_checks(&mesh, &monitor_id, 2).await;
    assert_eq!(checks[0]["changed"], false, "{:#?}", checks[0]);
    assert_eq!(
        checks[0]["judge"],
        Value::Null,
        "no judge call without a change"
    );

    // A change that does not meet the condition: recorded, no email.
    mesh.site.set_html("/product", &price_page("110"));
    api.run_now(&monitor_id).await;
    let checks = api.wait_for_checks(&mesh, &monitor_id, 3).await;
    assert_eq!(checks[0]["changed"], true, "{:#?}", checks[0]);
    assert_eq!(checks[0]["triggered"], false, "{:#?}", checks[0]);

    // A change that meets it: an email with a correct summary.
    mesh.site.set_html("/product", &price_page("89.90"));
    api.run_now(&monitor_id).await;
    let checks = api.wait_for_checks(&mesh, &monitor_id, 4).await;
    let triggered = &checks[0];
    assert_eq!(
        triggered["triggered"],
        true,
        "{triggered:#?}\n{}",
        mesh.logs()
    );
    assert!(
        triggered["summary"].as_str().unwrap().contains("89.9"),
        "{triggered:#?}"
    );
    assert!(triggered["diff"].as_str().unwrap().contains("89.90"));

    let messages = mesh.smtp.wait_for_messages(1, CHECK_TIMEOUT).await;
    assert_eq!(messages.len(), 1, "exactly one email");
    let email = &messages[0];
    assert_eq!(email.rcpt_to, vec!["alice@example.com".to_owned()]);
    assert!(
        email.subject().contains("Widget price"),
        "{}",
        email.subject()
    );
    let text = email.text();
    assert!(text.contains("89.9"), "{text}");
    let check_id = triggered["id"].as_str().unwrap();
    assert!(
        text.contains(check_id),
        "the email links back to the check: {text}"
    );

    // The check is listed individually too, and no further email arrives.
    let (status, one) = api
        .get(&format!("/api/v1/monitors/{monitor_id}/checks/{check_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["triggered"], true);
    let (_, monitor) = api.get(&format!("/api/v1/monitors/{monitor_id}")).await;
    assert!(monitor["last_triggered_at"].is_string(), "{monitor}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        mesh.smtp.messages().len(),
        1,
        "a delivered alert is never sent twice"
    );
}

/// The browser's default page size limit (`BROWSER_MAX_BODY_BYTES`).
const LARGEST_PAGE_BYTES: usize = 5 * 1024 * 1024;

/// An HTML page of exactly `LARGEST_PAGE_BYTES`, mostly text.
fn largest_page() -> String {
    let head = "<html><head><title>Catalogue</title></head><body><p>";
    let tail = "</p></body></html>";
    let mut page = String::with_capacity(LARGEST_PAGE_BYTES);
    page.push_str(head);
    let mut item = 0usize;
    while page.len() + tail.len() + 32 < LARGEST_PAGE_BYTES {
        page.push_str(&format!("item {item} costs {} EUR. ", item % 97));
        item += 1;
    }
    page.push_str(&" ".repeat(LARGEST_PAGE_BYTES - page.len() - tail.len()));
    page.push_str(tail);
    page
}

#[tokio::test]
async fn the_largest_allowed_page_goes_through_a_preview_and_a_check() {
    let mesh = Mesh::start().await;
    let page = largest_page();
    assert_eq!(page.len(), LARGEST_PAGE_BYTES);
    mesh.site.set_html("/catalogue", &page);
    let api = Api::signed_in(&mesh, "dave@example.com").await;

    let (status, preview) = api
        .post(
            "/api/v1/preview",
            json!({"url": mesh.site.url("/catalogue")}),
        )
        .await;
    assert_eq!(status, 200, "{}", mesh.logs());
    assert_eq!(preview["outcome"], "ok", "{}", preview["detail"]);
    assert_eq!(
        preview["truncated"], true,
        "the whole text arrived, the preview cut it"
    );

    let (status, monitor) = api
        .post(
            "/api/v1/monitors",
            json!({"name": "Catalogue", "url": mesh.site.url("/catalogue"), "interval_seconds": 3600}),
        )
        .await;
    assert_eq!(status, 201, "{monitor}");
    let id = monitor["id"].as_str().unwrap();
    let checks = api.wait_for_checks(&mesh, id, 1).await;
    assert_eq!(
        checks[0]["status"],
        "ok",
        "{:#?}\n{}",
        checks[0],
        mesh.logs()
    );
}

#[tokio::test]
async fn another_user_cannot_see_or_run_someone_elses_monitor() {
    let mesh = Mesh::start().await;
    mesh.site.set_html("/page", "<p>hello</p>");
    let alice = Api::signed_in(&mesh, "alice@example.com").await;
    let bob = Api::signed_in(&mesh, "bob@example.com").await;
    let (status, monitor) = alice
        .post(
            "/api/v1/monitors",
            json!({"name": "Mine", "url": mesh.site.url("/page"), "interval_seconds": 3600}),
        )
        .await;
    assert_eq!(status, 201, "{monitor}");
    let id = monitor["id"].as_str().unwrap();
    alice.wait_for_checks(&mesh, id, 1).await;
    assert_eq!(bob.get(&format!("/api/v1/monitors/{id}")).await.0, 404);
    assert_eq!(
        bob.get(&format!("/api/v1/monitors/{id}/checks")).await.0,
        404
    );
    assert_eq!(
        bob.post(&format!("/api/v1/monitors/{id}/check"), json!({}))
            .await
            .0,
        404
    );
    let (_, list) = bob.get("/api/v1/monitors").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
}

#[tokio::test]
async fn services_stop_gracefully_on_sigterm() {
    let mut mesh = Mesh::start().await;
    assert!(
        mesh.scheduler.terminate(Duration::from_secs(20)).await,
        "{}",
        mesh.scheduler.log()
    );
    assert!(
        mesh.gateway.terminate(Duration::from_secs(20)).await,
        "{}",
        mesh.gateway.log()
    );
    for process in &mut mesh.internal.processes {
        assert!(
            process.terminate(Duration::from_secs(20)).await,
            "{}",
            process.log()
        );
    }
}

#[tokio::test]
async fn a_preview_shows_the_extracted_text_and_refuses_forbidden_destinations() {
    let mesh = Mesh::start().await;
    mesh.site.set_html("/product", &price_page("120"));
    let api = Api::signed_in(&mesh, "carol@example.com").await;
    let (status, preview) = api
        .post(
            "/api/v1/preview",
            json!({"url": mesh.site.url("/product"), "css_selector": ".price"}),
        )
        .await;
    assert_eq!(status, 200, "{preview}\n{}", mesh.logs());
    assert_eq!(preview["outcome"], "ok");
    assert_eq!(preview["text"], "Price: 120 EUR");
    assert_eq!(preview["http_status"], 200);

    let (status, preview) = api
        .post(
            "/api/v1/preview",
            json!({"url": mesh.site.url("/product"), "css_selector": ".missing"}),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["outcome"], "selector_not_found");
    assert!(preview["detail"].is_string());

    for url in [
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
    ] {
        let (status, error) = api.post("/api/v1/preview", json!({"url": url})).await;
        assert_eq!(status, 422, "{url}: {error}");
        assert_eq!(error["error"]["fields"][0]["field"], "url", "{error}");
    }
}

#[tokio::test]
async fn bot_walls_soft_404s_and_lost_selectors_are_recorded_and_never_judged_as_changes() {
    let mesh = Mesh::start().await;
    mesh.site.set_html("/product", &price_page("120"));
    let api = Api::signed_in(&mesh, "dave@example.com").await;
    let (status, monitor) = api
        .post(
            "/api/v1/monitors",
            json!({
                "name": "Widget price",
                "url": mesh.site.url("/product"),
                "xpath": "//p[@class='price']",
                "condition": "any change",
                "interval_seconds": 3600,
            }),
        )
        .await;
    assert_eq!(status, 201, "{monitor}");
    assert_eq!(monitor["xpath"], "//p[@class='price']");
    let id = monitor["id"].as_str().unwrap().to_owned();
    let baseline = api.wait_for_checks(&mesh, &id, 1).await.remove(0);
    assert_eq!(baseline["status"], "ok", "{baseline:#?}\n{}", mesh.logs());

    let challenge = "<html><head><title>Just a moment...</title></head><body>\
        <h2>Checking if the site connection is secure</h2>\
        <script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1\"></script></body></html>";
    let soft_404 = "<html><head><title>Page not found | Shop</title></head>\
        <body><h1>Sorry, this page no longer exists</h1></body></html>";
    let redesigned = price_page("120").replace("class=\"price\"", "class=\"amount\"");
    for (count, page, expected) in [
        (2, challenge.to_owned(), "blocked"),
        (3, soft_404.to_owned(), "soft_not_found"),
        (4, redesigned, "selector_not_found"),
    ] {
        mesh.site.set_html("/product", &page);
        api.run_now(&id).await;
        let check = api.wait_for_checks(&mesh, &id, count).await.remove(0);
        assert_eq!(check["status"], expected, "{check:#?}");
        assert_eq!(check["changed"], false, "{check:#?}");
        assert_eq!(check["judge"], Value::Null, "{check:#?}");
        assert!(check["error"].is_string(), "{check:#?}");
    }

    // The page is back as it was: the snapshot never moved, so nothing changed.
    mesh.site.set_html("/product", &price_page("120"));
    api.run_now(&id).await;
    let back = api.wait_for_checks(&mesh, &id, 5).await.remove(0);
    assert_eq!(back["status"], "ok", "{back:#?}");
    assert_eq!(back["changed"], false, "{back:#?}");

    let (status, error) = api
        .post(
            "/api/v1/preview",
            json!({"url": mesh.site.url("/product"), "jq_filter": ".items | map("}),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "jq_filter", "{error}");
}

/// Width and height from a PNG's header chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let read = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (read(16), read(20))
}

#[tokio::test]
async fn a_rendered_change_keeps_screenshots_served_to_the_team_with_the_one_before() {
    let mesh = Mesh::start().await;
    mesh.site.set_html("/shop", &price_page("120"));
    let alice = Api::signed_in(&mesh, "alice@example.com").await;
    let bob = Api::signed_in(&mesh, "bob@example.com").await;
    let (status, monitor) = alice
        .post(
            "/api/v1/monitors",
            json!({
                "name": "Widget", "url": mesh.site.url("/shop"), "css_selector": ".price",
                "interval_seconds": 3600, "screenshot": "on_change",
            }),
        )
        .await;
    assert_eq!(status, 201, "{monitor}");
    let id = monitor["id"].as_str().unwrap();
    let baseline = alice.wait_for_checks(&mesh, id, 1).await.remove(0);
    assert_eq!(baseline["status"], "ok", "{baseline}\n{}", mesh.logs());
    let before_url = baseline["screenshot_url"].as_str().unwrap().to_owned();

    let image = |api: &Api, url: String| {
        let request = api
            .http
            .get(format!("{}{url}", api.base))
            .bearer_auth(&api.token);
        async move { request.send().await.unwrap() }
    };
    let response = image(&alice, before_url.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let png = response.bytes().await.unwrap();
    let (width, height) = png_size(&png);
    assert_eq!(width, 1280, "the viewport's width");
    // A short page: about the viewport's height, never past the cap.
    assert!((200..=4096).contains(&height), "{height}");
    assert_eq!(image(&bob, before_url.clone()).await.status(), 404);

    mesh.site.set_html("/shop", &price_page("99"));
    alice.run_now(id).await;
    let changed = alice.wait_for_checks(&mesh, id, 2).await.remove(0);
    assert_eq!(changed["changed"], true, "{changed}");
    assert_eq!(changed["previous_screenshot_url"], before_url.as_str());
    let after_url = changed["screenshot_url"].as_str().unwrap().to_owned();
    assert_ne!(after_url, before_url);
    let after = image(&alice, after_url).await.bytes().await.unwrap();
    assert_ne!(after, png, "the page looks different now");
}
