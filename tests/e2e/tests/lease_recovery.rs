//! A scheduler killed with `kill -9` in the middle of a round loses its
//! claims within one short lease, not minutes. 200 monitors of a slow page
//! become due at once; the scheduler claims them (100 checks in flight,
//! renewing their leases by heartbeat) and is killed while the page is
//! still answering. The restarted scheduler takes the unclaimed half at
//! once and the killed one's claims when their lease lapses: every monitor
//! is checked within the lease plus a margin, and none twice (check rows
//! counted per monitor in the database).

#![allow(clippy::unwrap_used, reason = "a failed step fails the test")]

use std::time::{Duration, Instant};

use e2e::api::Api;
use e2e::mesh::{Mesh, wait_for_grpc_health};
use serde_json::json;
use test_support::website::Page;

const MONITORS: i64 = 200;
/// The scheduler's lease in this test, shorter than the default 30 s so the
/// test stays short; the heartbeat renews it every 2 s.
const LEASE_SECS: u64 = 10;
/// How long the page takes to answer in the killed round: long enough that
/// the kill lands while the checks are in flight.
const PAGE_DELAY: Duration = Duration::from_secs(4);
/// A restart, a round of 200 checks of the slow page across four processes
/// on a shared 2-core machine, and the poll interval.
const MARGIN: Duration = Duration::from_secs(25);

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

/// Waits until `sql` counts at least `goal`, failing with the logs after `within`.
async fn wait_for_count(
    mesh: &Mesh,
    db: &tokio_postgres::Client,
    sql: &str,
    goal: i64,
    within: Duration,
) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = count(db, sql).await;
        if now >= goal {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{sql}: {now} of {goal} after {within:?}\n{}",
            mesh.scheduler.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_scheduler_killed_mid_round_has_its_claims_taken_over_within_one_lease_and_none_run_twice()
 {
    let lease = LEASE_SECS.to_string();
    let mut mesh = Mesh::start_with(
        // 200 monitors created through the API in one go.
        &[("RATE_LIMIT_WRITE", "100000/min")],
        &[
            ("SCHEDULER_LEASE_SECS", &lease),
            ("SCHEDULER_LEASE_HEARTBEAT_MS", "2000"),
            // Half the round in flight at once, the other half still due: both
            // the killed claims and the untouched monitors must be taken over.
            ("SCHEDULER_CONCURRENCY", "100"),
            ("SCHEDULER_HOST_CONCURRENCY", "100"),
        ],
    )
    .await;
    let api = Api::signed_in(&mesh, "ops@example.com").await;
    mesh.site.set_html("/slow", "<p>price: 120 EUR</p>");
    for monitor in 0..MONITORS {
        api.created(
            "/api/v1/monitors",
            json!({
                "name": format!("Slow page {monitor}"),
                "url": mesh.site.url("/slow"),
                "condition": "any change",
                "interval_seconds": 3600,
            }),
        )
        .await;
    }
    let db = database(&mesh).await;
    // The baselines: one check each, then nothing is due for an hour.
    wait_for_count(
        &mesh,
        &db,
        "SELECT count(*) FROM checks",
        MONITORS,
        Duration::from_secs(120),
    )
    .await;

    // The round: the page changed and answers slowly, and every monitor is due at once.
    mesh.site.set(
        "/slow",
        Page::html("<p>price: 90 EUR</p>").delay(PAGE_DELAY),
    );
    db.execute("UPDATE monitors SET next_check_at = now()", &[])
        .await
        .unwrap();
    wait_for_count(
        &mesh,
        &db,
        "SELECT count(*) FROM monitors WHERE lease_token IS NOT NULL",
        100,
        Duration::from_secs(30),
    )
    .await;
    // A beat later than the claim, so the heartbeat has renewed at least once.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let recorded_before_kill = count(&db, "SELECT count(*) FROM checks").await - MONITORS;
    mesh.scheduler.kill_hard().await;
    let killed_at = Instant::now();
    let claimed_at_kill = count(
        &db,
        "SELECT count(*) FROM monitors WHERE lease_token IS NOT NULL",
    )
    .await;
    assert!(
        claimed_at_kill > 0,
        "the kill landed after the round: {recorded_before_kill} checks recorded"
    );

    mesh.scheduler.restart();
    wait_for_grpc_health(&mesh.scheduler_url, &mesh.scheduler.log()).await;
    wait_for_count(
        &mesh,
        &db,
        "SELECT count(*) FROM checks",
        2 * MONITORS,
        Duration::from_secs(LEASE_SECS) + MARGIN,
    )
    .await;
    let last_checked_after = killed_at.elapsed();

    // The killed process can no longer record, and nothing was recorded twice.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let twice = count(
        &db,
        "SELECT count(*) FROM (SELECT monitor_id FROM checks GROUP BY monitor_id
                               HAVING count(*) <> 2) AS odd",
    )
    .await;
    let failed = count(&db, "SELECT count(*) FROM checks WHERE status <> 'ok'").await;
    println!(
        "lease recovery: {MONITORS} monitors, lease {LEASE_SECS} s, page delay {PAGE_DELAY:?}; \
         {claimed_at_kill} claims held at the kill, {recorded_before_kill} checks recorded before it; \
         last monitor checked {:.1} s after the kill; monitors not checked exactly once in the \
         round: {twice}",
        last_checked_after.as_secs_f64()
    );
    assert_eq!(
        twice, 0,
        "every monitor is checked once in the round, none twice"
    );
    assert_eq!(failed, 0, "no check failed\n{}", mesh.scheduler.log());
    assert!(
        last_checked_after <= Duration::from_secs(LEASE_SECS) + MARGIN,
        "the last monitor was checked {last_checked_after:?} after the kill"
    );
    assert!(
        last_checked_after >= Duration::from_secs(LEASE_SECS) - Duration::from_secs(3),
        "the killed claims were taken over before their lease lapsed ({last_checked_after:?})"
    );
}
