//! The pruning job: history past the team's retention goes (with the
//! screenshots no check shows any more), the latest snapshot stays, one
//! replica prunes at a time, and a stopping scheduler stops between batches.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use std::time::Duration;

use scheduler::pruning::{PruneJob, PruneRun, PruneTotals};
use support::{Options, TestApp, spawn_app, spawn_app_with, wait_until};
use tokio::sync::watch;
use uuid::Uuid;

impl TestApp {
    /// Moves the monitor's whole history `days` into the past.
    async fn age_history(&self, monitor_id: Uuid, days: i32) {
        self.db
            .execute(
                "UPDATE checks SET started_at = started_at - make_interval(days => $2),
                                   finished_at = finished_at - make_interval(days => $2)
                  WHERE monitor_id = $1",
                &[&monitor_id, &days],
            )
            .await
            .unwrap();
        self.db
            .execute(
                "UPDATE snapshots SET last_seen_at = last_seen_at - make_interval(days => $2)
                  WHERE monitor_id = $1",
                &[&monitor_id, &days],
            )
            .await
            .unwrap();
    }

    async fn set_retention_days(&self, days: Option<i32>) {
        self.db
            .execute(
                "UPDATE teams SET retention_days = $2 WHERE id = $1",
                &[&self.team_id, &days],
            )
            .await
            .unwrap();
    }

    fn prune_job(&self, batch: i64) -> PruneJob {
        PruneJob {
            store: store::Store::connect(&self.database_url, 2).unwrap(),
            blobs: self.blobs.clone(),
            interval: Duration::from_secs(3600),
            batch,
        }
    }

    /// Three checks of three texts, the monitor paused afterwards; the
    /// first check names a screenshot that only it shows.
    async fn monitor_with_history(&self) -> (Uuid, String) {
        // The monitor is due at once, so its first check is the scheduler's
        // own: waited for, or a run asked for meanwhile would add a check.
        self.peers.set_text("price: 100 EUR");
        let monitor = self.create_monitor("any change").await;
        self.wait_for_checks(monitor, 1).await;
        for text in ["price: 90 EUR", "price: 80 EUR"] {
            self.peers.set_text(text);
            self.check_now(monitor).await;
        }
        self.db
            .execute(
                "UPDATE monitors SET paused = true WHERE id = $1",
                &[&monitor],
            )
            .await
            .unwrap();
        let key = self
            .blobs
            .put(&b"\x89PNG\r\n\x1a\n old look"[..])
            .await
            .unwrap();
        self.db
            .execute(
                "UPDATE checks SET screenshot_sha256 = $2 WHERE id =
                   (SELECT id FROM checks WHERE monitor_id = $1 ORDER BY started_at LIMIT 1)",
                &[&monitor, &key],
            )
            .await
            .unwrap();
        (monitor, key)
    }
}

#[tokio::test]
async fn the_scheduler_prunes_history_past_the_retention_and_keeps_the_latest_snapshot() {
    let app = spawn_app_with(Options {
        prune_interval: Duration::from_millis(200),
        ..Options::default()
    })
    .await;
    app.set_retention_days(None).await;
    let (monitor, screenshot) = app.monitor_with_history().await;
    let latest = app
        .db
        .query_one(
            "SELECT id FROM snapshots WHERE monitor_id = $1 ORDER BY last_seen_at DESC LIMIT 1",
            &[&monitor],
        )
        .await
        .unwrap()
        .get::<_, Uuid>(0);
    app.age_history(monitor, 400).await;
    app.set_retention_days(Some(365)).await;
    wait_until("the old checks pruned", || async {
        (app.count("SELECT count(*) FROM checks WHERE monitor_id = $1", monitor)
            .await
            == 0)
            .then_some(())
    })
    .await;
    wait_until("the old snapshots pruned", || async {
        (app.count(
            "SELECT count(*) FROM snapshots WHERE monitor_id = $1",
            monitor,
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
    assert_eq!(
        app.count("SELECT count(*) FROM snapshots WHERE id = $1", latest)
            .await,
        1,
        "the snapshot the next check compares with stays, however old"
    );
    wait_until("the screenshot deleted", || async {
        app.blobs
            .get(&screenshot)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    // The monitor goes on from its latest snapshot: an unchanged page is no change.
    app.peers.set_text("price: 80 EUR");
    let next = app.check_now(monitor).await;
    assert!(!next.changed && !next.baseline, "{next:?}");
    app.stop().await;
}

#[tokio::test]
async fn one_replica_prunes_at_a_time_and_a_stopping_scheduler_stops_between_batches() {
    let app = spawn_app().await;
    let (monitor, _) = app.monitor_with_history().await;
    app.age_history(monitor, 400).await;
    let job = app.prune_job(1);
    let (stop_sender, stop) = watch::channel(false);

    let other = store::Store::connect(&app.database_url, 2).unwrap();
    let held = other.begin_pruning(1).await.unwrap().unwrap();
    assert_eq!(job.run_once(&stop).await.unwrap(), PruneRun::Skipped);
    held.finish().await.unwrap();

    stop_sender.send(true).unwrap();
    assert_eq!(
        job.run_once(&stop).await.unwrap(),
        PruneRun::Stopped(PruneTotals::default()),
        "stopped before its first batch"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM checks WHERE monitor_id = $1", monitor)
            .await,
        3
    );

    stop_sender.send(false).unwrap();
    let PruneRun::Finished(totals) = job.run_once(&stop).await.unwrap() else {
        panic!("the lock was free again");
    };
    assert_eq!(
        (totals.checks, totals.snapshots, totals.screenshots),
        (3, 2, 1)
    );
    assert!(totals.batches >= 5, "batches of one row: {totals:?}");

    // The job's loop ends promptly on stop, even mid-sleep.
    let (stop_sender, stop) = watch::channel(false);
    let running = tokio::spawn(job.run(stop));
    stop_sender.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(2), running)
        .await
        .expect("the pruning loop stops at once")
        .unwrap();
    app.stop().await;
}
