//! Claiming monitors and recording checks, against a real PostgreSQL.

// Fixture helpers live outside #[test] functions, where clippy.toml does not
// already allow unwrap; a failed setup should panic.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use store::Store;
use store::checks::VerdictDetails;
use store::scheduling::{
    CheckReason, CheckToRecord, ClaimedMonitor, ConditionMemory, Judging, MonitorOutcome, NewCheck,
    NewSnapshot,
};
use test_support::sha256_hex;
use uuid::Uuid;

const LEASE: Duration = Duration::from_secs(300);

/// Fixture rows written with plain SQL: the CRUD modules belong to the gateway.
struct Fixture {
    store: Store,
    client: tokio_postgres::Client,
    team_id: Uuid,
}

impl Fixture {
    async fn new() -> Self {
        let database = test_support::postgres::fresh_database().await;
        let store = Store::connect(&database.url, 16).unwrap();
        store.migrate().await.unwrap();
        let client = database.client().await;
        let team_id = Uuid::new_v4();
        client
            .execute(
                "INSERT INTO teams (id, name) VALUES ($1, 'team')",
                &[&team_id],
            )
            .await
            .unwrap();
        Self {
            store,
            client,
            team_id,
        }
    }

    async fn monitor(&self, paused: bool, due: bool) -> Uuid {
        let id = Uuid::new_v4();
        let offset = if due { "-1 second" } else { "1 hour" };
        self.client
            .execute(
                &format!(
                    "INSERT INTO monitors (id, team_id, name, url, interval_seconds, paused, next_check_at)
                     VALUES ($1, $2, 'm', 'https://example.test/', 60, $3, now() + interval '{offset}')"
                ),
                &[&id, &self.team_id, &paused],
            )
            .await
            .unwrap();
        id
    }

    async fn channel(&self, monitor_id: Uuid, enabled: bool) -> Uuid {
        let id = Uuid::new_v4();
        self.client
            .execute(
                "INSERT INTO channels (id, team_id, kind, name, target, enabled)
                 VALUES ($1, $2, 'email', 'mail', 'a@example.test', $3)",
                &[&id, &self.team_id, &enabled],
            )
            .await
            .unwrap();
        self.client
            .execute(
                "INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2)",
                &[&monitor_id, &id],
            )
            .await
            .unwrap();
        id
    }

    async fn count(&self, sql: &str) -> i64 {
        self.client.query_one(sql, &[]).await.unwrap().get(0)
    }

    /// Makes the monitor due and claims it, the only one due.
    async fn claim_again(&self, monitor_id: Uuid) -> ClaimedMonitor {
        self.client
            .execute(
                "UPDATE monitors SET next_check_at = now() WHERE id = $1",
                &[&monitor_id],
            )
            .await
            .unwrap();
        let mut claimed = self.store.claim_due_monitors(1, LEASE).await.unwrap();
        assert_eq!(claimed.len(), 1);
        claimed.remove(0)
    }

    /// Claims the monitor and records a changed check that stores `text`.
    async fn record_snapshot(
        &self,
        monitor_id: Uuid,
        text: &str,
    ) -> store::scheduling::RecordedCheck {
        let claimed = self.claim_again(monitor_id).await;
        let mut check = self.check(monitor_id, false);
        check.lease_token = Some(claimed.lease_token);
        let snapshot = NewSnapshot {
            text_sha256: sha256_hex(text),
            text: text.to_owned(),
            validators: None,
        };
        self.store
            .record_check(&check, Some(&snapshot), success())
            .await
            .unwrap()
    }

    /// The monitor's latest snapshot head, which the test knows exists.
    async fn head(&self, monitor_id: Uuid) -> store::scheduling::SnapshotHead {
        self.store
            .latest_snapshot_head(self.team_id, monitor_id)
            .await
            .unwrap()
            .unwrap()
    }

    fn check(&self, monitor_id: Uuid, triggered: bool) -> NewCheck {
        let now = Utc::now();
        NewCheck {
            id: Uuid::now_v7(),
            monitor_id,
            team_id: self.team_id,
            reason: CheckReason::Schedule.as_str(),
            status: "ok".to_owned(),
            changed: true,
            triggered,
            started_at: now,
            finished_at: now,
            ..NewCheck::default()
        }
    }
}

fn success() -> MonitorOutcome {
    MonitorOutcome {
        succeeded: true,
        condition: ConditionMemory::Keep,
        judging: Judging::NotAsked,
        next_check_in: Duration::from_secs(60),
    }
}

#[tokio::test]
async fn concurrent_claimers_claim_every_due_monitor_exactly_once() {
    let fixture = Fixture::new().await;
    let mut expected = HashSet::new();
    for _ in 0..50 {
        expected.insert(fixture.monitor(false, true).await);
    }
    fixture.monitor(false, false).await;

    let claimers = (0..4).map(|_| {
        let store = fixture.store.clone();
        tokio::spawn(async move {
            let mut claimed = Vec::new();
            loop {
                let batch = store.claim_due_monitors(3, LEASE).await.unwrap();
                if batch.is_empty() {
                    return claimed;
                }
                claimed.extend(batch.into_iter().map(|claim| claim.monitor.id));
            }
        })
    });
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let distinct: HashSet<Uuid> = all.iter().copied().collect();
    assert_eq!(all.len(), 50, "no monitor is claimed twice");
    assert_eq!(distinct, expected, "every due monitor is claimed");
}

#[tokio::test]
async fn a_claim_is_a_lease_that_hides_the_monitor_until_it_expires() {
    let fixture = Fixture::new().await;
    let id = fixture.monitor(false, true).await;
    let short = Duration::from_millis(200);
    assert_eq!(
        fixture
            .store
            .claim_due_monitors(10, short)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        fixture
            .store
            .claim_due_monitors(10, short)
            .await
            .unwrap()
            .is_empty()
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let again = fixture.store.claim_due_monitors(10, short).await.unwrap();
        if let Some(claim) = again.first() {
            assert_eq!(claim.monitor.id, id, "an expired lease is claimed again");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lease never expired"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn paused_monitors_are_claimed_only_when_a_run_was_requested() {
    let fixture = Fixture::new().await;
    let paused = fixture.monitor(true, true).await;
    assert!(
        fixture
            .store
            .claim_due_monitors(10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );

    fixture
        .client
        .execute(
            "UPDATE monitors SET requested_reason = 'manual', next_check_at = now() WHERE id = $1",
            &[&paused],
        )
        .await
        .unwrap();
    let claimed = fixture.store.claim_due_monitors(10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].monitor.id, paused);
    assert_eq!(
        claimed[0].reason,
        CheckReason::Manual,
        "the request becomes the reason"
    );
    assert_eq!(
        claimed[0].monitor.requested_reason, None,
        "the claim clears the request"
    );
    assert!(
        fixture
            .store
            .claim_due_monitors(10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_triggered_check_queues_one_delivery_per_enabled_channel_in_the_same_transaction() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    let enabled = fixture.channel(monitor, true).await;
    fixture.channel(monitor, false).await;

    let check = fixture.check(monitor, true);
    let snapshot = NewSnapshot {
        text_sha256: sha256_hex("abc"),
        text: "hello".to_owned(),
        validators: None,
    };
    let recorded = fixture
        .store
        .record_check(&check, Some(&snapshot), success())
        .await
        .unwrap();
    assert_eq!(recorded.deliveries, 1);
    let deliveries = fixture
        .store
        .deliveries_of_check(fixture.team_id, check.id)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].channel_id, enabled);
    assert_eq!(
        deliveries[0].idempotency_key,
        format!("{}:{enabled}", check.id)
    );
    assert_eq!(deliveries[0].status, "pending");
    let latest = fixture.head(monitor).await;
    assert_eq!(
        fixture
            .store
            .snapshot_text(fixture.team_id, monitor, latest.id)
            .await
            .unwrap(),
        "hello"
    );

    // A check that fails to insert (same id again) leaves no snapshot,
    // delivery or monitor change behind.
    let before = fixture.count("SELECT count(*) FROM snapshots").await;
    let error = fixture
        .store
        .record_check(&check, Some(&snapshot), success())
        .await
        .unwrap_err();
    assert!(
        matches!(error, store::StoreError::Conflict { .. }),
        "{error}"
    );
    assert_eq!(
        fixture.count("SELECT count(*) FROM snapshots").await,
        before
    );
    assert_eq!(fixture.count("SELECT count(*) FROM deliveries").await, 1);
    assert_eq!(fixture.count("SELECT count(*) FROM checks").await, 1);
}

#[tokio::test]
async fn untriggered_checks_queue_nothing_and_failures_count_up_until_a_success() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    fixture.channel(monitor, true).await;
    let failure = MonitorOutcome {
        succeeded: false,
        condition: ConditionMemory::Keep,
        judging: Judging::NotAsked,
        next_check_in: Duration::from_secs(120),
    };
    for _ in 0..2 {
        let mut check = fixture.check(monitor, false);
        check.status = "network_error".to_owned();
        fixture
            .store
            .record_check(&check, None, failure)
            .await
            .unwrap();
    }
    let row = fixture
        .client
        .query_one(
            "SELECT consecutive_failures, last_status, next_check_at > now() + interval '100 seconds'
             FROM monitors WHERE id = $1",
            &[&monitor],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 2);
    assert_eq!(row.get::<_, String>(1), "network_error");
    assert!(row.get::<_, bool>(2), "the next check is pushed back");

    let check = fixture.check(monitor, false);
    fixture
        .store
        .record_check(&check, None, success())
        .await
        .unwrap();
    let failures: i32 = fixture
        .client
        .query_one(
            "SELECT consecutive_failures FROM monitors WHERE id = $1",
            &[&monitor],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(failures, 0);
    assert_eq!(fixture.count("SELECT count(*) FROM deliveries").await, 0);
}

#[tokio::test]
async fn a_run_now_requested_during_a_check_is_not_overwritten() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    fixture.store.claim_due_monitors(1, LEASE).await.unwrap();
    fixture
        .client
        .execute(
            "UPDATE monitors SET requested_reason = 'manual', next_check_at = now() WHERE id = $1",
            &[&monitor],
        )
        .await
        .unwrap();
    let check = fixture.check(monitor, false);
    fixture
        .store
        .record_check(&check, None, success())
        .await
        .unwrap();
    let claimed = fixture.store.claim_due_monitors(1, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1, "the requested run is still due");
    assert_eq!(claimed[0].reason, CheckReason::Manual);
}

#[tokio::test]
async fn deliveries_are_leased_retried_and_end_sent_or_dead() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    fixture.channel(monitor, true).await;
    fixture.channel(monitor, true).await;
    let check = fixture.check(monitor, true);
    fixture
        .store
        .record_check(&check, None, success())
        .await
        .unwrap();

    let claimed = fixture.store.claim_due_deliveries(10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(
        fixture
            .store
            .claim_due_deliveries(10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "leased deliveries are not claimed twice"
    );
    let payload = fixture.store.delivery_payload(&claimed[0]).await.unwrap();
    assert_eq!(payload.check.id, check.id);
    assert_eq!(payload.monitor.id, monitor);

    fixture
        .store
        .mark_delivery_sent(claimed[0].id)
        .await
        .unwrap();
    fixture
        .store
        .mark_delivery_failed(claimed[1].id, "smtp refused", Duration::ZERO, false)
        .await
        .unwrap();
    let retried = fixture.store.claim_due_deliveries(10, LEASE).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 1);
    fixture
        .store
        .mark_delivery_failed(retried[0].id, "smtp refused", Duration::ZERO, true)
        .await
        .unwrap();
    assert!(
        fixture
            .store
            .claim_due_deliveries(10, LEASE)
            .await
            .unwrap()
            .is_empty()
    );

    let rows = fixture
        .store
        .deliveries_of_check(fixture.team_id, check.id)
        .await
        .unwrap();
    let mut statuses: Vec<&str> = rows.iter().map(|row| row.status.as_str()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["dead", "sent"]);

    let other_team = Uuid::new_v4();
    assert!(
        fixture
            .store
            .deliveries_of_check(other_team, check.id)
            .await
            .unwrap()
            .is_empty(),
        "another team sees nothing"
    );
}

/// On a large table with a deep backlog, the claim walks the one partial
/// index that matches its predicate in `next_check_at` order and stops after
/// its limit: no sort of every due row, so a backlog cannot make claims
/// slower. The plan is read with `EXPLAIN` of the very statement the
/// scheduler sends.
#[tokio::test]
async fn the_claim_walks_one_index_in_order_and_takes_the_most_overdue_first() {
    let fixture = Fixture::new().await;
    // 200,000 monitors: three in four due (each overdue by a different number of seconds, up to two days), one in
    // ten paused, and a few paused ones asked to run now.
    fixture
        .client
        .batch_execute(&format!(
            "INSERT INTO monitors (id, team_id, name, url, interval_seconds, paused, next_check_at, requested_reason)
             SELECT gen_random_uuid(), '{team}', 'm' || n, 'https://example.test/' || n, 300,
                    n % 10 = 0,
                    now() + CASE WHEN n % 4 = 0 THEN interval '1 hour'
                                 ELSE -n * interval '1 second' END,
                    CASE WHEN n % 1000 = 0 THEN 'manual' END
             FROM generate_series(1, 200000) AS n;
             ANALYZE monitors;",
            team = fixture.team_id
        ))
        .await
        .unwrap();

    let plan: Vec<String> = fixture
        .client
        .query(
            &format!("EXPLAIN {}", store::scheduling::claim_statement()),
            &[&32_i64, &300_000.0_f64],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("Index Scan using monitors_claimable"),
        "the claim does not walk monitors_claimable:\n{plan}"
    );
    assert!(
        !plan.contains("Sort"),
        "the claim sorts its rows instead of walking the index in order:\n{plan}"
    );

    let most_overdue: HashSet<Uuid> = fixture
        .client
        .query(
            "SELECT id FROM monitors
             WHERE (NOT paused OR requested_reason IS NOT NULL) AND next_check_at <= now()
             ORDER BY next_check_at LIMIT 32",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let claimed: HashSet<Uuid> = fixture
        .store
        .claim_due_monitors(32, LEASE)
        .await
        .unwrap()
        .iter()
        .map(|claim| claim.monitor.id)
        .collect();
    assert_eq!(claimed, most_overdue);
}

#[tokio::test]
async fn a_check_stores_its_verdict_details_and_the_monitor_remembers_whether_its_state_held() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    fixture.channel(monitor, true).await;
    let holds = |value: Option<bool>| MonitorOutcome {
        condition: ConditionMemory::Set(value),
        ..success()
    };
    let remembered = || async {
        let row = fixture
            .client
            .query_one(
                "SELECT condition_holds FROM monitors WHERE id = $1",
                &[&monitor],
            )
            .await
            .unwrap();
        row.get::<_, Option<bool>>(0)
    };

    let mut first = fixture.check(monitor, true);
    first.baseline = true;
    first.verdict = VerdictDetails {
        condition_kind: Some("state".to_owned()),
        condition_holds: Some(true),
        first_alert: true,
        evidence_excerpt: Some("Price: 90 EUR".to_owned()),
        verification: Some("verified".to_owned()),
        verification_problem: None,
        cached: true,
        prompt_tokens: Some(812),
        completion_tokens: Some(64),
        ..VerdictDetails::default()
    };
    let recorded = fixture
        .store
        .record_check(&first, None, holds(Some(true)))
        .await
        .unwrap();
    assert_eq!(
        recorded.deliveries, 1,
        "a first check that alerts queues its deliveries"
    );
    assert_eq!(remembered().await, Some(true));

    let kept = fixture.check(monitor, false);
    fixture
        .store
        .record_check(&kept, None, success())
        .await
        .unwrap();
    assert_eq!(remembered().await, Some(true), "Keep leaves the state");

    let row = fixture
        .client
        .query_one(
            "SELECT condition_kind, first_alert, evidence_excerpt, verification, judge_cached,
                    prompt_tokens, completion_tokens FROM checks WHERE id = $1",
            &[&first.id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("state"));
    assert!(row.get::<_, bool>(1));
    assert_eq!(
        row.get::<_, Option<String>>(2).as_deref(),
        Some("Price: 90 EUR")
    );
    assert_eq!(row.get::<_, Option<String>>(3).as_deref(), Some("verified"));
    assert!(row.get::<_, bool>(4));
    assert_eq!(row.get::<_, Option<i32>>(5), Some(812));
    assert_eq!(row.get::<_, Option<i32>>(6), Some(64));

    fixture
        .store
        .record_check(&fixture.check(monitor, false), None, holds(None))
        .await
        .unwrap();
    assert_eq!(remembered().await, None);
}

#[tokio::test]
async fn unjudged_changes_are_counted_until_a_verdict_and_a_notice_is_queued_like_an_alert() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    fixture.channel(monitor, true).await;
    let streak = || async {
        let row = fixture
            .client
            .query_one(
                "SELECT unjudged_streak, unjudged_notice_sent FROM monitors WHERE id = $1",
                &[&monitor],
            )
            .await
            .unwrap();
        (row.get::<_, i32>(0), row.get::<_, bool>(1))
    };
    let unjudged = MonitorOutcome {
        judging: Judging::Unjudged,
        ..success()
    };

    let mut first = fixture.check(monitor, false);
    first.status = "judge_unavailable".to_owned();
    first.verdict.unjudged_reason = Some("timeout".to_owned());
    let recorded = fixture
        .store
        .record_check(&first, None, unjudged)
        .await
        .unwrap();
    assert_eq!(recorded.deliveries, 0);
    assert_eq!(streak().await, (1, false));

    let mut noticed = fixture.check(monitor, false);
    noticed.status = "judge_unavailable".to_owned();
    noticed.verdict.unjudged_reason = Some("timeout".to_owned());
    noticed.verdict.unjudged_notice = true;
    let recorded = fixture
        .store
        .record_check(&noticed, None, unjudged)
        .await
        .unwrap();
    assert_eq!(recorded.deliveries, 1, "the notice goes through the outbox");
    assert_eq!(streak().await, (2, true));
    let claimed = fixture.store.claim_due_deliveries(10, LEASE).await.unwrap();
    let payload = fixture.store.delivery_payload(&claimed[0]).await.unwrap();
    assert!(payload.check.unjudged_notice);

    let judged = MonitorOutcome {
        judging: Judging::Judged,
        ..success()
    };
    fixture
        .store
        .record_check(&fixture.check(monitor, false), None, judged)
        .await
        .unwrap();
    assert_eq!(streak().await, (0, false), "a verdict ends the streak");
}

/// The short lease's guarantees: a heartbeat keeps a claim hidden past its
/// first lease, a claim that lapsed and was taken over cannot be recorded
/// (nor renewed) by its first holder, and recording ends the lease.
#[tokio::test]
async fn a_renewed_lease_stays_hidden_and_a_lapsed_one_taken_over_is_never_recorded_twice() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    let short = Duration::from_millis(600);
    let first = fixture.store.claim_due_monitors(10, short).await.unwrap();
    assert_eq!(first.len(), 1);
    let first_lease = store::scheduling::Lease {
        monitor_id: monitor,
        token: first[0].lease_token,
    };

    // Renewed three times within the lease, the claim outlives it.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            fixture
                .store
                .renew_leases(&[first_lease], short)
                .await
                .unwrap(),
            1
        );
        assert!(
            fixture
                .store
                .claim_due_monitors(10, short)
                .await
                .unwrap()
                .is_empty(),
            "a renewed lease hides the monitor"
        );
    }

    // Without renewals it lapses, and another claim takes it over.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let second = fixture.store.claim_due_monitors(10, LEASE).await.unwrap();
    assert_eq!(second.len(), 1, "a lapsed lease is claimed again");
    assert_ne!(second[0].lease_token, first[0].lease_token);
    assert_eq!(
        fixture
            .store
            .renew_leases(&[first_lease], short)
            .await
            .unwrap(),
        0,
        "the first holder's heartbeat no longer renews it"
    );

    let mut late = fixture.check(monitor, false);
    late.lease_token = Some(first[0].lease_token);
    let error = fixture
        .store
        .record_check(&late, None, success())
        .await
        .unwrap_err();
    assert!(matches!(error, store::StoreError::LeaseLost), "{error}");
    fixture
        .store
        .defer_claim(fixture.team_id, &first[0], Duration::ZERO)
        .await
        .unwrap();
    assert!(
        fixture
            .store
            .claim_due_monitors(10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "the first holder cannot give back a claim that is no longer its own"
    );

    let mut current = fixture.check(monitor, false);
    current.lease_token = Some(second[0].lease_token);
    fixture
        .store
        .record_check(&current, None, success())
        .await
        .unwrap();
    let mut again = fixture.check(monitor, false);
    again.lease_token = Some(second[0].lease_token);
    assert!(matches!(
        fixture.store.record_check(&again, None, success()).await,
        Err(store::StoreError::LeaseLost)
    ));
    assert_eq!(
        fixture
            .count(&format!(
                "SELECT count(*) FROM checks WHERE monitor_id = '{monitor}'"
            ))
            .await,
        1,
        "one check recorded"
    );
    let row = fixture
        .client
        .query_one(
            "SELECT lease_token IS NULL, next_check_at > now() + interval '50 seconds'
             FROM monitors WHERE id = $1",
            &[&monitor],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "recording ends the lease");
    assert!(row.get::<_, bool>(1), "the monitor waits for its interval");
    let current_lease = store::scheduling::Lease {
        monitor_id: monitor,
        token: second[0].lease_token,
    };
    assert_eq!(
        fixture
            .store
            .renew_leases(&[current_lease], LEASE)
            .await
            .unwrap(),
        0,
        "a recorded check's lease is not renewed"
    );
}

#[tokio::test]
async fn the_latest_snapshot_head_has_the_hash_and_the_text_is_read_by_id() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    assert_eq!(
        fixture
            .store
            .latest_snapshot_head(fixture.team_id, monitor)
            .await
            .unwrap(),
        None
    );
    let snapshot = NewSnapshot {
        text_sha256: sha256_hex("abc"),
        text: "hello".to_owned(),
        validators: Some("etag 1".to_owned()),
    };
    let recorded = fixture
        .store
        .record_check(&fixture.check(monitor, false), Some(&snapshot), success())
        .await
        .unwrap();
    let head = fixture.head(monitor).await;
    assert_eq!(Some(head.id), recorded.snapshot_id);
    assert_eq!(head.text_sha256, sha256_hex("abc"));
    assert_eq!(head.validators.as_deref(), Some("etag 1"));
    assert_eq!(
        fixture
            .store
            .snapshot_text(fixture.team_id, monitor, head.id)
            .await
            .unwrap(),
        "hello"
    );
    let other_team = Uuid::new_v4();
    assert!(matches!(
        fixture
            .store
            .snapshot_text(other_team, monitor, head.id)
            .await,
        Err(store::StoreError::NotFound)
    ));

    // An unchanged check replaces the validators its page came with.
    let mut unchanged = fixture.check(monitor, false);
    unchanged.changed = false;
    unchanged.snapshot_validators = Some(store::scheduling::SnapshotValidators {
        snapshot_id: head.id,
        validators: Some("etag 2".to_owned()),
    });
    fixture
        .store
        .record_check(&unchanged, None, success())
        .await
        .unwrap();
    let head = fixture.head(monitor).await;
    assert_eq!(head.validators.as_deref(), Some("etag 2"));
    assert_eq!(fixture.count("SELECT count(*) FROM snapshots").await, 1);
}

/// The claim brings each monitor's latest snapshot head, so a check needs
/// no query of its own to compare hashes: none before the first snapshot,
/// then always the one seen last, also when the page came back to a text
/// stored before.
#[tokio::test]
async fn each_claim_brings_the_monitors_latest_snapshot_head() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    let mut first_id = None;
    // Each round claims what the previous one stored, then stores its text.
    for (round, text) in [Some("abc"), Some("def"), Some("abc"), None]
        .into_iter()
        .enumerate()
    {
        let claimed = fixture.claim_again(monitor).await;
        let previous = claimed.previous.clone();
        assert_eq!(
            previous,
            fixture
                .store
                .latest_snapshot_head(fixture.team_id, monitor)
                .await
                .unwrap(),
            "round {round}"
        );
        let seen = previous.map(|head| (head.text_sha256, head.id));
        match round {
            0 => assert_eq!(seen, None),
            1 => assert_eq!(seen.unwrap().0, sha256_hex("abc")),
            2 => assert_eq!(seen.unwrap().0, sha256_hex("def")),
            _ => assert_eq!(
                seen,
                Some((sha256_hex("abc"), first_id.unwrap())),
                "the text the page came back to is the stored copy, now the latest"
            ),
        }
        let Some(text) = text else { break };
        let mut check = fixture.check(monitor, false);
        check.lease_token = Some(claimed.lease_token);
        let snapshot = NewSnapshot {
            text_sha256: sha256_hex(text),
            text: format!("text {text}"),
            validators: None,
        };
        let recorded = fixture
            .store
            .record_check(&check, Some(&snapshot), success())
            .await
            .unwrap();
        first_id = first_id.or(recorded.snapshot_id);
    }
}

#[tokio::test]
async fn a_run_requested_during_a_check_waits_for_it_and_then_runs_at_once() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    let claimed = fixture.store.claim_due_monitors(1, LEASE).await.unwrap();
    assert!(fixture.store.request_hook_run(monitor).await.unwrap());
    assert!(
        fixture
            .store
            .claim_due_monitors(1, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "the check in flight keeps its lease"
    );
    let mut check = fixture.check(monitor, false);
    check.lease_token = Some(claimed[0].lease_token);
    fixture
        .store
        .record_check(&check, None, success())
        .await
        .unwrap();
    let next = fixture.store.claim_due_monitors(1, LEASE).await.unwrap();
    assert_eq!(next.len(), 1, "the requested run follows at once");
    assert_eq!(next[0].reason, CheckReason::Hook);
}

/// One scheduled check of `monitor` under a fresh claim, shaped by `shape`.
async fn record_claimed(
    fixture: &Fixture,
    monitor: Uuid,
    shape: impl FnOnce(&mut NewCheck),
) -> store::scheduling::RecordedCheck {
    let claimed = fixture.claim_again(monitor).await;
    let mut check = fixture.check(monitor, false);
    check.changed = false;
    check.http_status = Some(200);
    check.content_sha256 = Some(sha256_hex("h1"));
    check.lease_token = Some(claimed.lease_token);
    shape(&mut check);
    fixture
        .store
        .record_check(&check, None, success())
        .await
        .unwrap()
}

#[tokio::test]
async fn repeated_outcomes_fold_into_the_latest_history_entry_until_something_differs() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    let failed = |error: &str| {
        let error = error.to_owned();
        move |check: &mut NewCheck| {
            check.status = "timeout".to_owned();
            check.http_status = None;
            check.content_sha256 = None;
            check.error = Some(error);
        }
    };
    let baseline = record_claimed(&fixture, monitor, |check| check.baseline = true).await;
    let quiet = record_claimed(&fixture, monitor, |_| {}).await;
    assert_ne!(
        quiet.check_id, baseline.check_id,
        "a baseline starts no run"
    );
    for _ in 0..2 {
        let again = record_claimed(&fixture, monitor, |_| {}).await;
        assert_eq!(
            again.check_id, quiet.check_id,
            "the same page extends the run"
        );
    }
    let manual = record_claimed(&fixture, monitor, |check| {
        check.reason = CheckReason::Manual.as_str();
    })
    .await;
    assert_ne!(
        manual.check_id, quiet.check_id,
        "a run-now check is its own entry"
    );
    record_claimed(&fixture, monitor, |_| {}).await;
    let timeout = record_claimed(&fixture, monitor, failed("no answer in 30 s")).await;
    let again = record_claimed(&fixture, monitor, failed("no answer in 30 s")).await;
    assert_eq!(
        again.check_id, timeout.check_id,
        "the same failure extends its run"
    );
    record_claimed(&fixture, monitor, failed("connection reset")).await;
    record_claimed(&fixture, monitor, |check| {
        check.http_status = Some(203);
    })
    .await;
    record_claimed(&fixture, monitor, |check| {
        check.content_sha256 = Some(sha256_hex("h2"));
        check.changed = true;
        check.diff = Some("-a\n+b".to_owned());
    })
    .await;
    let settled = record_claimed(&fixture, monitor, |check| {
        check.content_sha256 = Some(sha256_hex("h2"));
    })
    .await;
    let last = record_claimed(&fixture, monitor, |check| {
        check.content_sha256 = Some(sha256_hex("h2"));
    })
    .await;
    assert_eq!(last.check_id, settled.check_id);

    let rows = fixture
        .client
        .query(
            "SELECT reason, status, repeats, repeated_until IS NOT NULL AS extended,
                    COALESCE(repeated_until, finished_at) >= finished_at AS ordered
               FROM checks WHERE monitor_id = $1 ORDER BY started_at, id",
            &[&monitor],
        )
        .await
        .unwrap();
    let history: Vec<(String, String, i32, bool)> = rows
        .iter()
        .map(|row| {
            assert!(row.get::<_, bool>("ordered"));
            (
                row.get("reason"),
                row.get("status"),
                row.get("repeats"),
                row.get("extended"),
            )
        })
        .collect();
    let entry = |reason: &str, status: &str, repeats: i32| {
        (reason.to_owned(), status.to_owned(), repeats, repeats > 1)
    };
    assert_eq!(
        history,
        [
            entry("schedule", "ok", 1),
            entry("schedule", "ok", 3),
            entry("manual", "ok", 1),
            entry("schedule", "ok", 1),
            entry("schedule", "timeout", 2),
            entry("schedule", "timeout", 1),
            entry("schedule", "ok", 1),
            entry("schedule", "ok", 1),
            entry("schedule", "ok", 2),
        ],
        "13 checks, 9 entries"
    );
    let counted = fixture
        .count(&format!(
            "SELECT checks FROM monitor_usage WHERE monitor_id = '{monitor}'"
        ))
        .await;
    assert_eq!(counted, 9, "the usage counter counts entries");

    // A check under a lease it lost extends nothing.
    let claimed = fixture.claim_again(monitor).await;
    let mut stale = fixture.check(monitor, false);
    stale.changed = false;
    stale.http_status = Some(200);
    stale.content_sha256 = Some(sha256_hex("h2"));
    stale.lease_token = Some(Uuid::new_v4());
    assert!(matches!(
        fixture.store.record_check(&stale, None, success()).await,
        Err(store::StoreError::LeaseLost)
    ));
    stale.lease_token = Some(claimed.lease_token);
    fixture
        .store
        .record_check(&stale, None, success())
        .await
        .unwrap();
    let repeats = fixture
        .count(&format!(
            "SELECT repeats::bigint FROM checks WHERE id = '{}'",
            settled.check_id
        ))
        .await;
    assert_eq!(repeats, 3, "only the check under the live lease counted");
}

#[tokio::test]
async fn snapshot_text_is_stored_compressed_and_older_plain_rows_still_read() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    let text = "Item 1 of catalogue page 7 · 120.00 EUR · Hand-finished in a small workshop.\n"
        .repeat(300);
    let recorded = fixture.record_snapshot(monitor, &text).await;
    let id = recorded.snapshot_id.unwrap();
    let row = fixture
        .client
        .query_one(
            "SELECT text IS NULL AS no_plain_text, octet_length(text_zstd) AS stored, text_bytes
               FROM snapshots WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>("no_plain_text"));
    assert_eq!(
        usize::try_from(row.get::<_, i32>("text_bytes")).unwrap(),
        text.len()
    );
    let stored = usize::try_from(row.get::<_, i32>("stored")).unwrap();
    assert!(stored * 10 < text.len(), "{stored} bytes stored");
    assert_eq!(
        fixture
            .store
            .snapshot_text(fixture.team_id, monitor, id)
            .await
            .unwrap(),
        text
    );
    let counted = fixture
        .count(&format!(
            "SELECT snapshot_text_bytes FROM monitor_usage WHERE monitor_id = '{monitor}'"
        ))
        .await;
    assert_eq!(
        usize::try_from(counted).unwrap(),
        text.len(),
        "usage counts the text's bytes, not the compressed ones"
    );

    // A snapshot stored before compression holds its text as it was.
    let older = Uuid::new_v4();
    fixture
        .client
        .execute(
            "INSERT INTO snapshots (id, monitor_id, text_sha256, text, created_at, last_seen_at)
             VALUES ($1, $2, decode($3, 'hex'), 'the page as it was', now() - interval '1 day',
                     now() - interval '1 day')",
            &[&older, &monitor, &sha256_hex("the page as it was")],
        )
        .await
        .unwrap();
    assert_eq!(
        fixture
            .store
            .snapshot_text(fixture.team_id, monitor, older)
            .await
            .unwrap(),
        "the page as it was"
    );
    // A row never holds its text twice.
    assert!(
        fixture
            .client
            .execute("UPDATE snapshots SET text = 'x' WHERE id = $1", &[&id])
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_checks_diff_is_stored_compressed_and_every_reader_gets_it_back() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    fixture.channel(monitor, true).await;
    let member = Uuid::new_v4();
    fixture
        .client
        .batch_execute(&format!(
            "INSERT INTO users (id, email) VALUES ('{member}', 'member@example.test');
             INSERT INTO memberships (team_id, user_id, role) VALUES ('{}', '{member}', 'member');",
            fixture.team_id
        ))
        .await
        .unwrap();
    let diff: String = "--- previous\n+++ current\n@@ -3,152 +3,152 @@\n".to_owned()
        + &(0..50)
            .map(|item| {
                format!(
                    "-{}.00 EUR\n+{}.00 EUR\n Hand-finished in a small workshop, item {item}.\n",
                    100 + item * 13,
                    101 + item * 13
                )
            })
            .collect::<String>();
    let mut check = fixture.check(monitor, true);
    check.diff = Some(diff.clone());
    fixture
        .store
        .record_check(&check, None, success())
        .await
        .unwrap();
    let row = fixture
        .client
        .query_one(
            "SELECT diff IS NULL AS no_plain_diff, octet_length(diff_zstd) AS stored
               FROM checks WHERE id = $1",
            &[&check.id],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>("no_plain_diff"));
    let stored = usize::try_from(row.get::<_, i32>("stored")).unwrap();
    assert!(stored * 4 < diff.len(), "{stored} bytes stored");

    let listed_diff = || async {
        fixture
            .store
            .get_check(member, monitor, check.id)
            .await
            .map(|listed| listed.and_then(|listed| listed.diff))
    };
    assert_eq!(listed_diff().await.unwrap(), Some(diff.clone()));
    let exported = fixture
        .store
        .export_checks(member, monitor, None, 10)
        .await
        .unwrap();
    assert_eq!(exported[0].diff.as_deref(), Some(diff.as_str()));
    let claimed = fixture.store.claim_due_deliveries(10, LEASE).await.unwrap();
    let payload = fixture.store.delivery_payload(&claimed[0]).await.unwrap();
    assert_eq!(payload.check.diff.as_deref(), Some(diff.as_str()));

    // A diff stored before compression reads as it was; a row never holds
    // both, and a corrupt one is an error, not a wrong diff.
    fixture
        .client
        .execute(
            "UPDATE checks SET diff = 'the diff as it was', diff_zstd = NULL WHERE id = $1",
            &[&check.id],
        )
        .await
        .unwrap();
    assert_eq!(
        listed_diff().await.unwrap().as_deref(),
        Some("the diff as it was")
    );
    assert!(
        fixture
            .client
            .execute(
                "UPDATE checks SET diff_zstd = 'x' WHERE id = $1",
                &[&check.id]
            )
            .await
            .is_err()
    );
    fixture
        .client
        .execute(
            "UPDATE checks SET diff = NULL, diff_zstd = 'not zstd' WHERE id = $1",
            &[&check.id],
        )
        .await
        .unwrap();
    assert!(matches!(
        listed_diff().await,
        Err(store::StoreError::Data { .. })
    ));
}

#[tokio::test]
async fn a_batch_is_one_transaction_and_a_refused_or_failing_check_costs_the_others_nothing() {
    let fixture = Fixture::new().await;
    let changed = fixture.monitor(false, true).await;
    let unchanged = fixture.monitor(false, true).await;
    let lapsed = fixture.monitor(false, true).await;
    let deleted = fixture.monitor(false, true).await;
    fixture.channel(changed, true).await;
    let claims = fixture.store.claim_due_monitors(10, LEASE).await.unwrap();
    assert_eq!(claims.len(), 4);
    let token = |monitor: Uuid| {
        claims
            .iter()
            .find(|claim| claim.monitor.id == monitor)
            .unwrap()
            .lease_token
    };
    let record = |monitor: Uuid, triggered: bool, text: Option<&str>| {
        let mut check = fixture.check(monitor, triggered);
        check.lease_token = Some(token(monitor));
        check.content_sha256 = Some(sha256_hex(text.unwrap_or("same")));
        CheckToRecord {
            check,
            snapshot: text.map(|text| NewSnapshot {
                text_sha256: sha256_hex(text),
                text: text.to_owned(),
                validators: None,
            }),
            outcome: success(),
        }
    };
    let mut stale = record(lapsed, false, None);
    stale.check.lease_token = Some(Uuid::new_v4());
    fixture
        .client
        .execute("DELETE FROM monitors WHERE id = $1", &[&deleted])
        .await
        .unwrap();
    let batch = [
        record(changed, true, Some("price 10")),
        record(unchanged, false, None),
        stale,
        record(deleted, false, None),
    ];

    let results = fixture.store.record_checks(&batch).await;

    assert_eq!(results.len(), 4, "one result per check, in order");
    let recorded = results[0].as_ref().unwrap();
    assert_eq!(recorded.check_id, batch[0].check.id);
    assert!(recorded.snapshot_id.is_some(), "the changed page is stored");
    assert_eq!(
        recorded.deliveries, 1,
        "the triggered check queues its alert"
    );
    assert_eq!(results[1].as_ref().unwrap().check_id, batch[1].check.id);
    assert!(
        matches!(results[2], Err(store::StoreError::LeaseLost)),
        "{:?}",
        results[2]
    );
    assert!(
        matches!(results[3], Err(store::StoreError::NotFound)),
        "{:?}",
        results[3]
    );
    let writers = fixture
        .client
        .query(
            "SELECT monitor_id, xmin::text FROM checks ORDER BY monitor_id",
            &[],
        )
        .await
        .unwrap();
    let monitors: HashSet<Uuid> = writers.iter().map(|row| row.get(0)).collect();
    assert_eq!(monitors, HashSet::from([changed, unchanged]));
    let transactions: HashSet<String> = writers.iter().map(|row| row.get(1)).collect();
    assert_eq!(
        transactions.len(),
        1,
        "the batch is written by one transaction"
    );
    let still_leased = fixture
        .client
        .query_one("SELECT lease_token FROM monitors WHERE id = $1", &[&lapsed])
        .await
        .unwrap();
    assert_eq!(
        still_leased.get::<_, Option<Uuid>>(0),
        Some(token(lapsed)),
        "a refused check leaves its monitor's claim alone"
    );

    // A check PostgreSQL rejects (a reason its CHECK constraint refuses)
    // rolls the batch back; each check is then recorded alone, so only it
    // is lost.
    let again = fixture.store.claim_due_monitors(10, LEASE).await.unwrap();
    assert!(again.is_empty(), "nothing else is due");
    let first = fixture.claim_again(changed).await;
    let second = fixture.claim_again(unchanged).await;
    let mut good = fixture.check(changed, false);
    good.lease_token = Some(first.lease_token);
    let mut bad = fixture.check(unchanged, false);
    bad.lease_token = Some(second.lease_token);
    bad.reason = "not a reason";
    let batch = [
        CheckToRecord {
            check: good.clone(),
            snapshot: None,
            outcome: success(),
        },
        CheckToRecord {
            check: bad,
            snapshot: None,
            outcome: success(),
        },
    ];

    let results = fixture.store.record_checks(&batch).await;

    assert_eq!(results[0].as_ref().unwrap().check_id, good.id);
    assert!(
        matches!(results[1], Err(store::StoreError::Query { .. })),
        "{:?}",
        results[1]
    );
    assert_eq!(
        fixture
            .count(&format!(
                "SELECT count(*) FROM checks WHERE id = '{}'",
                good.id
            ))
            .await,
        1,
        "the good check is recorded once"
    );
    assert_eq!(
        fixture
            .count(&format!(
                "SELECT count(*) FROM checks WHERE monitor_id = '{unchanged}'"
            ))
            .await,
        1,
        "the rejected check wrote nothing"
    );
    let kept = fixture
        .client
        .query_one(
            "SELECT lease_token FROM monitors WHERE id = $1",
            &[&unchanged],
        )
        .await
        .unwrap();
    assert_eq!(
        kept.get::<_, Option<Uuid>>(0),
        Some(second.lease_token),
        "the rejected check's monitor keeps its claim, to run again when it lapses"
    );
}

/// A page of 50 lines: `price` changes one of them.
fn page(monitor: usize, price: u32) -> String {
    (0..50)
        .map(|line| {
            let shown = if line == 7 { price } else { 10 };
            format!("monitor {monitor}, item {line}: a long description of it, {shown} EUR\n")
        })
        .collect()
}

#[tokio::test]
async fn a_batch_stores_each_checks_snapshot_and_row_as_if_recorded_alone() {
    let fixture = Fixture::new().await;
    let monitors = [
        fixture.monitor(false, true).await,
        fixture.monitor(false, true).await,
        fixture.monitor(false, true).await,
    ];
    let record = |monitor: Uuid, text: Option<&str>| {
        let mut check = fixture.check(monitor, false);
        check.content_sha256 = text.map(sha256_hex);
        CheckToRecord {
            check,
            snapshot: text.map(|text| NewSnapshot {
                text_sha256: sha256_hex(text),
                text: text.to_owned(),
                validators: Some(format!("etag {text:.20}")),
            }),
            outcome: success(),
        }
    };
    let (a1, a2) = (page(0, 10), page(0, 12));
    let (b1, b2, b3) = (page(1, 10), page(1, 11), page(1, 13));
    let c1 = page(2, 10);
    // Each round is one batch: baselines; then a change, a change and an
    // unchanged page; then a page that came back, a change and unchanged.
    let rounds: [[(Uuid, Option<&str>); 3]; 3] = [
        [
            (monitors[0], Some(&a1)),
            (monitors[1], Some(&b1)),
            (monitors[2], Some(&c1)),
        ],
        [
            (monitors[0], Some(&a2)),
            (monitors[1], Some(&b2)),
            (monitors[2], None),
        ],
        [
            (monitors[0], Some(&a1)),
            (monitors[1], Some(&b3)),
            (monitors[2], None),
        ],
    ];
    let mut snapshot_ids = Vec::new();
    for round in rounds {
        let batch: Vec<CheckToRecord> = round
            .iter()
            .map(|(monitor, text)| record(*monitor, *text))
            .collect();
        let results = fixture.store.record_checks(&batch).await;
        let mut ids = Vec::new();
        for ((monitor, text), (each, result)) in round.iter().zip(batch.iter().zip(results)) {
            let recorded = result.unwrap();
            let row = fixture
                .client
                .query_one(
                    "SELECT snapshot_id, encode(content_sha256, 'hex') FROM checks WHERE id = $1",
                    &[&recorded.check_id],
                )
                .await
                .unwrap();
            assert_eq!(row.get::<_, Option<Uuid>>(0), recorded.snapshot_id);
            assert_eq!(row.get::<_, Option<String>>(1), each.check.content_sha256);
            if let (Some(text), Some(id)) = (text, recorded.snapshot_id) {
                let stored = fixture
                    .store
                    .snapshot_text(fixture.team_id, *monitor, id)
                    .await
                    .unwrap();
                assert_eq!(
                    &stored, text,
                    "each check's own text is stored under its id"
                );
                let head = fixture
                    .store
                    .latest_snapshot_head(fixture.team_id, *monitor)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(head.id, id, "the check's snapshot is its monitor's latest");
                assert_eq!(head.validators, each.snapshot.as_ref().unwrap().validators);
            }
            assert_eq!(recorded.snapshot_id.is_some(), text.is_some());
            ids.push(recorded.snapshot_id);
        }
        snapshot_ids.push(ids);
    }
    assert_eq!(
        snapshot_ids[2][0], snapshot_ids[0][0],
        "a page that came back reuses the monitor's row of that content"
    );
    let base: Option<Uuid> = fixture
        .client
        .query_one(
            "SELECT base_id FROM snapshots WHERE id = $1",
            &[&snapshot_ids[1][0]],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        base, snapshot_ids[0][0],
        "a small change is stored as a delta against the keyframe"
    );
    // The usage counters, fed by statement triggers that now see several
    // monitors' rows at once, still count each monitor's own.
    let usage = fixture
        .client
        .query(
            "SELECT u.monitor_id, u.checks, u.snapshots, u.snapshot_text_bytes,
                    (SELECT count(*) FROM checks c WHERE c.monitor_id = u.monitor_id),
                    (SELECT count(*) FROM snapshots s WHERE s.monitor_id = u.monitor_id),
                    (SELECT sum(s.text_bytes) FROM snapshots s WHERE s.monitor_id = u.monitor_id)
               FROM monitor_usage u",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(usage.len(), 3);
    for row in usage {
        assert_eq!(row.get::<_, i64>(1), row.get::<_, i64>(4), "checks counted");
        assert_eq!(
            row.get::<_, i64>(2),
            row.get::<_, i64>(5),
            "snapshots counted"
        );
        assert_eq!(
            Some(row.get::<_, i64>(3)),
            row.get::<_, Option<i64>>(6),
            "snapshot bytes counted"
        );
    }
}

/// The reads a changed page needs before the judge, sent together, answer
/// what each answers alone: a delta's text read back through its keyframe,
/// the team's budget, the monitor's rated alerts newest first.
#[tokio::test]
async fn the_judging_context_answers_what_each_read_answers_alone() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor(false, true).await;
    let first_check = fixture
        .store
        .judging_context(fixture.team_id, monitor, None, 3)
        .await
        .unwrap();
    assert_eq!(first_check.previous_text, None);
    assert!(!first_check.over_budget);
    assert!(first_check.rated_examples.is_empty());

    let keyframe_text: String = (0..200)
        .map(|item| {
            format!(
                "Item {item}: {}.00 EUR, sku {}\n",
                item * 37 % 1000,
                item * 7919
            )
        })
        .collect();
    let changed_text = keyframe_text.replacen("Item 7: 259.00", "Item 7: 199.00", 1);
    assert_ne!(changed_text, keyframe_text);
    let mut rated = Vec::new();
    for (index, text) in [&keyframe_text, &changed_text].into_iter().enumerate() {
        let mut check = fixture.check(monitor, index == 1);
        check.summary = Some(format!("alert {index}"));
        check.diff = Some(format!("-old {index}\n+new {index}\n"));
        let snapshot = NewSnapshot {
            text_sha256: sha256_hex(text),
            text: text.clone(),
            validators: None,
        };
        fixture
            .store
            .record_check(&check, Some(&snapshot), success())
            .await
            .unwrap();
        rated.push(check.id);
    }
    for (check_id, rating) in rated.iter().zip(["noise", "useful"]) {
        fixture
            .client
            .execute(
                "INSERT INTO check_ratings (check_id, monitor_id, team_id, rating, via)
                 VALUES ($1, $2, $3, $4, 'link')",
                &[check_id, &monitor, &fixture.team_id, &rating],
            )
            .await
            .unwrap();
    }
    let head = fixture.head(monitor).await;
    let is_delta: bool = fixture
        .client
        .query_one(
            "SELECT base_id IS NOT NULL FROM snapshots WHERE id = $1",
            &[&head.id],
        )
        .await
        .unwrap()
        .get(0);
    assert!(is_delta, "the changed text is stored against its keyframe");

    let within_budget = fixture
        .store
        .judging_context(fixture.team_id, monitor, Some(head.id), 3)
        .await
        .unwrap();
    assert_eq!(
        within_budget.previous_text.as_deref(),
        Some(changed_text.as_str())
    );
    assert!(!within_budget.over_budget);
    let ratings: Vec<_> = within_budget
        .rated_examples
        .iter()
        .map(|example| {
            (
                example.rating.as_str(),
                example.summary.as_deref(),
                example.diff.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        ratings,
        [
            ("useful", Some("alert 1"), Some("-old 1\n+new 1\n")),
            ("noise", Some("alert 0"), Some("-old 0\n+new 0\n")),
        ]
    );
    assert_eq!(
        within_budget.rated_examples,
        fixture
            .store
            .rated_examples(fixture.team_id, monitor, 3)
            .await
            .unwrap()
    );

    // A budget of one call, used up this month.
    fixture
        .client
        .execute(
            "INSERT INTO team_budgets (team_id, monthly_calls) VALUES ($1, 1)",
            &[&fixture.team_id],
        )
        .await
        .unwrap();
    fixture
        .client
        .execute(
            "INSERT INTO model_usage (team_id, month, monitor_id, tokens, calls)
             VALUES ($1, date_trunc('month', now() AT TIME ZONE 'UTC')::date, $2, 10, 1)",
            &[&fixture.team_id, &monitor],
        )
        .await
        .unwrap();
    let over_budget = fixture
        .store
        .judging_context(fixture.team_id, monitor, Some(head.id), 1)
        .await
        .unwrap();
    assert!(over_budget.over_budget);
    assert!(
        fixture
            .store
            .team_over_budget(fixture.team_id)
            .await
            .unwrap()
    );
    assert_eq!(over_budget.rated_examples.len(), 1);

    // Another team's snapshot is not found, whatever else would be read.
    assert!(matches!(
        fixture
            .store
            .judging_context(Uuid::new_v4(), monitor, Some(head.id), 3)
            .await,
        Err(store::StoreError::NotFound)
    ));
}
