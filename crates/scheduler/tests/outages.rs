//! Our outage is not the page failing: a check that meets browser or llm
//! down, or a delivery that meets notify's own trouble, is put back without
//! charging the monitor or the receiver. The real services killed during a
//! round are in `tests/e2e/tests/service_outages.rs`.

mod support;

use support::{Page, spawn_app, wait_until};
use tonic::Code;

#[tokio::test]
async fn a_browser_answering_unavailable_records_nothing_and_the_check_runs_when_it_is_back() {
    let app = spawn_app().await;
    let monitor = app.create_monitor("any change").await;
    app.wait_for_checks(monitor, 1).await;

    app.peers.set_page(Page::Rpc(Code::Unavailable));
    let tried = app.peers.fetches.lock().unwrap().len();
    app.run_now(monitor).await;
    wait_until(
        "the check to be tried again after being put back",
        || async { (app.peers.fetches.lock().unwrap().len() >= tried + 2).then_some(()) },
    )
    .await;
    assert_eq!(app.checks(monitor).await.len(), 1, "no check recorded");
    let row = app
        .db
        .query_one(
            "SELECT consecutive_failures, last_status FROM monitors WHERE id = $1",
            &[&monitor],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 0, "the monitor is not charged");
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("ok"));

    app.peers.set_text("price: 120 EUR");
    let checks = app.wait_for_checks(monitor, 2).await;
    assert_eq!(checks[1].status, "ok");
    assert_eq!(checks[1].reason, "manual", "the run-now request survived");
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_notify_cannot_take_yet_is_retried_without_counting_an_attempt() {
    let app = spawn_app().await;
    let (monitor, _) = app.create_emailed_monitor("price below 100").await;

    *app.peers.notify_in_flight_left.lock().unwrap() = 2;
    let check = app.trigger_alert(monitor).await;
    let delivery = app
        .wait_for_delivery(check.id, "the delivery to be sent", |row| {
            row.status == "sent"
        })
        .await;
    assert_eq!(
        delivery.attempts, 0,
        "notify's own trouble is not the receiver's"
    );
    assert_eq!(app.peers.sends().len(), 3);
    app.stop().await;
}
