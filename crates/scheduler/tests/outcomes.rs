//! Pages that are not the content (bot walls, soft 404s, empty results,
//! selectors that stopped matching) are recorded with their own status and
//! never judged as a change; the monitor's selector reaches the browser.

mod support;

use api_proto::browser::v1::FetchOutcome;
use support::{Page, spawn_app};

#[tokio::test]
async fn a_broken_fetch_is_recorded_by_its_outcome_and_the_last_snapshot_stays() {
    let app = spawn_app().await;
    // Inserted with its selectors in one statement: the monitor is due at once, so a later
    // UPDATE could lose the race with the first check.
    let monitor = uuid::Uuid::new_v4();
    app.db
        .execute(
            "INSERT INTO monitors (id, team_id, name, url, condition, interval_seconds, xpath, jq_filter)
             VALUES ($1, $2, 'Shop', 'https://shop.example.test/item', 'price below 100', 3600,
                     '//span[@class=''price'']', '.price')",
            &[&monitor, &app.team_id],
        )
        .await
        .unwrap();
    let baseline = app.wait_for_checks(monitor, 1).await.remove(0);
    assert_eq!(baseline.status, "ok");
    let fetch = app.peers.fetches.lock().unwrap()[0].clone();
    assert_eq!(fetch.xpath, "//span[@class='price']");
    assert_eq!(fetch.jq_filter, ".price");
    assert_eq!(fetch.css_selector, "");
    let judged = app.peers.evaluations().len();

    for (outcome, status) in [
        (FetchOutcome::BlockedByBotWall, "blocked"),
        (FetchOutcome::SoftNotFound, "soft_not_found"),
        (FetchOutcome::Empty, "empty"),
        (FetchOutcome::SelectorNotFound, "selector_not_found"),
    ] {
        let detail = format!("plain words for {status}");
        app.peers
            .set_page(Page::Failure(outcome, 200, detail.clone()));
        let check = app.check_now(monitor).await;
        assert_eq!(check.status, status);
        assert_eq!(check.http_status, Some(200));
        assert_eq!(check.error.as_deref(), Some(detail.as_str()));
        assert!(!check.changed && !check.triggered && !check.baseline);
    }
    assert_eq!(app.peers.evaluations().len(), judged, "nothing was judged");

    // The page is back unchanged: it compares with the baseline, not with a wall.
    app.peers.set_text("price: 120 EUR");
    let back = app.check_now(monitor).await;
    assert_eq!(back.status, "ok");
    assert!(!back.changed && !back.baseline);
    app.stop().await;
}
