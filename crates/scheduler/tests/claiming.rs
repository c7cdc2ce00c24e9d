//! The claim loop keeps its slots busy: a check that frees a slot while
//! every slot was taken is followed by the next due check at once, not
//! after the poll interval.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use support::{Options, spawn_app_with, wait_until};

const POLL: Duration = Duration::from_secs(3);

#[tokio::test]
async fn a_freed_slot_takes_the_next_due_monitor_without_waiting_for_the_poll() {
    let app = spawn_app_with(Options {
        concurrency: Some(1),
        poll_interval: POLL,
        ..Options::default()
    })
    .await;
    // Longer than the loop's short pause, so the one slot is still busy
    // when the loop looks again after claiming.
    *app.peers.fetch_delay.lock().unwrap() = Duration::from_millis(300);
    for _ in 0..4 {
        app.create_monitor("any change").await;
    }
    wait_until("every monitor checked", || async {
        let checked = app
            .db
            .query_one("SELECT count(*) FROM checks", &[])
            .await
            .unwrap()
            .get::<_, i64>(0);
        (checked == 4).then_some(())
    })
    .await;
    let times: Vec<(DateTime<Utc>, DateTime<Utc>)> = app
        .db
        .query(
            "SELECT started_at, finished_at FROM checks ORDER BY started_at",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    for pair in times.windows(2) {
        let gap = (pair[1].0 - pair[0].1).to_std().unwrap_or_default();
        assert!(
            gap < POLL / 2,
            "the next check started {gap:?} after the previous one finished \
             (the poll interval is {POLL:?}): {times:?}"
        );
    }
    app.stop().await;
}
