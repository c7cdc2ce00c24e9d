//! Our outage is not the page failing. Browser, llm and notify are each
//! killed (`kill -9`) during a round of checks and deliveries, kept down for
//! a while and started again: no check is recorded as failed, no monitor is
//! backed off or alerted as failing, no delivery attempt is counted against
//! its receiver, and the scheduler's log and `/metrics` say what was down.

#![allow(clippy::unwrap_used, reason = "a failed step fails the test")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use e2e::api::Api;
use e2e::mesh::{Mesh, wait_for_grpc_health};
use serde_json::json;

const MONITORS: usize = 12;
/// Generous: the machine is shared and a check crosses four processes.
const PROGRESS_TIMEOUT: Duration = Duration::from_secs(60);

async fn database(mesh: &Mesh) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&mesh.database.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.unwrap().get(0)
}

/// Waits until the scheduler's `/metrics` shows `service` as `up` (1) or down (0).
async fn wait_for_metric(mesh: &Mesh, service: &str, up: bool) {
    let line = format!(
        "lookout_scheduler_dependency_up{{service=\"{service}\"}} {}",
        u8::from(up)
    );
    let deadline = tokio::time::Instant::now() + PROGRESS_TIMEOUT;
    loop {
        if let Ok(response) = reqwest::get(&mesh.scheduler_metrics_url).await
            && let Ok(text) = response.text().await
            && text.contains(&line)
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the metrics never showed {line}\n{}",
            mesh.scheduler.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until every monitor has had `more` further checks.
async fn wait_for_progress(mesh: &Mesh, db: &tokio_postgres::Client, more: i64) {
    let start = count(db, "SELECT count(*) FROM checks").await;
    let goal = start + more * i64::try_from(MONITORS).unwrap();
    let deadline = tokio::time::Instant::now() + PROGRESS_TIMEOUT;
    while count(db, "SELECT count(*) FROM checks").await < goal {
        assert!(
            tokio::time::Instant::now() < deadline,
            "checks stopped at fewer than {goal}\n{}",
            mesh.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn killing_browser_llm_or_notify_during_a_round_charges_no_monitor_and_no_receiver() {
    let mut mesh = Mesh::start().await;
    let api = Api::signed_in(&mesh, "ops@example.com").await;
    let channel = api
        .created(
            "/api/v1/channels",
            json!({"kind": "email", "name": "Ops", "address": "ops@example.com"}),
        )
        .await;
    // Pages that change all the time, so every check is judged and alerts.
    let changing = Arc::new(AtomicBool::new(true));
    {
        let site = mesh.site.pages();
        let changing = changing.clone();
        tokio::spawn(async move {
            let mut tick = 0u64;
            while changing.load(Ordering::Relaxed) {
                for page in 0..MONITORS {
                    site.set_html(&format!("/page{page}"), &format!("<p>tick {tick}</p>"));
                }
                tick += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    }
    for page in 0..MONITORS {
        api.created(
            "/api/v1/monitors",
            json!({
                "name": format!("Page {page}"),
                "url": mesh.site.url(&format!("/page{page}")),
                "condition": "any change",
                "interval_seconds": 1,
                "channel_ids": [channel["id"]],
            }),
        )
        .await;
    }
    let db = database(&mesh).await;
    wait_for_progress(&mesh, &db, 2).await;

    for (index, service) in ["browser", "llm", "notify"].into_iter().enumerate() {
        mesh.internal.processes[index].kill_hard().await;
        wait_for_metric(&mesh, service, false).await;
        // The round goes on against the dead service for a while.
        tokio::time::sleep(Duration::from_secs(2)).await;
        mesh.internal.processes[index].restart();
        let url = [
            &mesh.internal.browser_url,
            &mesh.internal.llm_url,
            &mesh.internal.notify_url,
        ][index]
            .clone();
        wait_for_grpc_health(&url, &mesh.internal.logs()).await;
        wait_for_metric(&mesh, service, true).await;
        wait_for_progress(&mesh, &db, 2).await;
    }
    changing.store(false, Ordering::Relaxed);

    let logs = mesh.logs();
    let failed = count(&db, "SELECT count(*) FROM checks WHERE status <> 'ok'").await;
    assert_eq!(failed, 0, "no check was charged for our outage\n{logs}");
    let backed_off = count(
        &db,
        "SELECT count(*) FROM monitors WHERE consecutive_failures > 0 OR failing_alert_sent",
    )
    .await;
    assert_eq!(backed_off, 0, "no monitor backed off or failing\n{logs}");
    let failing = count(
        &db,
        "SELECT count(*) FROM deliveries WHERE kind <> 'triggered'",
    )
    .await;
    assert_eq!(failing, 0, "no failing alert went to users");
    // Deliveries finish once notify is back; none was charged an attempt.
    let deadline = tokio::time::Instant::now() + PROGRESS_TIMEOUT;
    while count(
        &db,
        "SELECT count(*) FROM deliveries WHERE status = 'pending'",
    )
    .await
        > 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries stuck\n{logs}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let charged = count(
        &db,
        "SELECT count(*) FROM deliveries WHERE attempts > 0 OR status <> 'sent'",
    )
    .await;
    assert_eq!(
        charged, 0,
        "no delivery was charged for notify's outage\n{logs}"
    );
    assert!(count(&db, "SELECT count(*) FROM deliveries").await > 0);
    let scheduler_log = mesh.scheduler.log();
    for service in ["browser", "llm", "notify"] {
        assert!(
            scheduler_log.contains(&format!("the {service} service is down")),
            "the operator is told {service} is down:\n{scheduler_log}"
        );
        assert!(scheduler_log.contains(&format!("the {service} service is back")));
    }
}
