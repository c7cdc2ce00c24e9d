//! Snapshots stored once per content, history pruned by each team's
//! retention, and the usage counters, against a real PostgreSQL.

// Fixture helpers live outside #[test] functions, where clippy.toml does not
// already allow unwrap; a failed setup should panic.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use store::Store;
use store::memberships::MembershipRefusal;
use store::retention::{PrunedBatch, Retention};
use store::scheduling::{
    CheckReason, ConditionMemory, Judging, MonitorOutcome, NewCheck, NewSnapshot,
};
use test_support::sha256_hex;
use uuid::Uuid;

/// Fixture rows written with plain SQL: the CRUD modules belong to the gateway.
struct Fixture {
    store: Store,
    url: String,
    client: tokio_postgres::Client,
    team_id: Uuid,
    owner: Uuid,
    _database: test_support::postgres::TestDatabase,
}

impl Fixture {
    async fn new() -> Self {
        let database = test_support::postgres::fresh_database().await;
        let store = Store::connect(&database.url, 8).unwrap();
        store.migrate().await.unwrap();
        let client = database.client().await;
        let team_id = Uuid::new_v4();
        let owner = Uuid::new_v4();
        client
            .batch_execute(&format!(
                "INSERT INTO teams (id, name) VALUES ('{team_id}', 'team');
                 INSERT INTO users (id, email) VALUES ('{owner}', 'owner@example.test');
                 INSERT INTO memberships (team_id, user_id, role) VALUES ('{team_id}', '{owner}', 'owner');"
            ))
            .await
            .unwrap();
        Self {
            store,
            url: database.url.clone(),
            client,
            team_id,
            owner,
            _database: database,
        }
    }

    async fn monitor(&self) -> Uuid {
        let id = Uuid::new_v4();
        self.client
            .execute(
                "INSERT INTO monitors (id, team_id, name, url, interval_seconds)
                 VALUES ($1, $2, 'm', 'https://example.test/', 60)",
                &[&id, &self.team_id],
            )
            .await
            .unwrap();
        id
    }

    async fn retention(&self, days: Option<i32>, snapshots: Option<i32>) {
        self.client
            .execute(
                "UPDATE teams SET retention_days = $2, retention_snapshots = $3 WHERE id = $1",
                &[&self.team_id, &days, &snapshots],
            )
            .await
            .unwrap();
    }

    /// Records a check that ended `days_ago` days ago, storing `text` as its
    /// snapshot when given.
    async fn record(&self, monitor_id: Uuid, days_ago: i64, text: Option<&str>) -> Uuid {
        let at = Utc::now() - chrono::Duration::days(days_ago);
        self.record_at(monitor_id, at, text, None).await
    }

    async fn record_at(
        &self,
        monitor_id: Uuid,
        at: DateTime<Utc>,
        text: Option<&str>,
        screenshot: Option<&str>,
    ) -> Uuid {
        let check = NewCheck {
            id: Uuid::now_v7(),
            monitor_id,
            team_id: self.team_id,
            reason: CheckReason::Schedule.as_str(),
            status: "ok".to_owned(),
            changed: text.is_some(),
            started_at: at,
            finished_at: at,
            screenshot_sha256: screenshot.map(str::to_owned),
            ..NewCheck::default()
        };
        let snapshot = text.map(|text| NewSnapshot {
            text_sha256: sha256_hex(text),
            text: text.to_owned(),
            validators: None,
        });
        self.store
            .record_check(&check, snapshot.as_ref(), success())
            .await
            .unwrap();
        check.id
    }

    async fn count(&self, sql: &str) -> i64 {
        self.client.query_one(sql, &[]).await.unwrap().get(0)
    }

    async fn head(&self, monitor_id: Uuid) -> String {
        self.store
            .latest_snapshot_head(self.team_id, monitor_id)
            .await
            .unwrap()
            .unwrap()
            .text_sha256
    }

    /// The counters as maintained, next to a full recount, per monitor.
    async fn counters_and_recount(
        &self,
    ) -> (Vec<(Uuid, i64, i64, i64)>, Vec<(Uuid, i64, i64, i64)>) {
        let read = |sql: &'static str| async move {
            self.client
                .query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
                .collect::<Vec<_>>()
        };
        let counters = read(
            "SELECT m.id, coalesce(u.checks, 0), coalesce(u.snapshots, 0),
                    coalesce(u.snapshot_text_bytes, 0)
               FROM monitors m LEFT JOIN monitor_usage u ON u.monitor_id = m.id ORDER BY m.id",
        )
        .await;
        let recount = read(
            "SELECT m.id,
                    (SELECT count(*) FROM checks c WHERE c.monitor_id = m.id),
                    (SELECT count(*) FROM snapshots s WHERE s.monitor_id = m.id),
                    (SELECT coalesce(sum(COALESCE(s.text_bytes, octet_length(s.text))), 0)::bigint
                       FROM snapshots s WHERE s.monitor_id = m.id)
               FROM monitors m ORDER BY m.id",
        )
        .await;
        (counters, recount)
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

/// One whole pruning run in batches of `batch`; what it deleted.
async fn prune(store: &Store, batch: i64) -> PrunedBatch {
    let mut pruning = store.begin_pruning(batch).await.unwrap().unwrap();
    let mut total = PrunedBatch::default();
    while let Some(pruned) = pruning.next_batch().await.unwrap() {
        assert!(
            i64::try_from(pruned.checks + pruned.snapshots).unwrap() <= batch,
            "a batch deletes at most its size"
        );
        total.checks += pruned.checks;
        total.snapshots += pruned.snapshots;
        total
            .unreferenced_screenshots
            .extend(pruned.unreferenced_screenshots);
    }
    pruning.finish().await.unwrap();
    total
}

/// A page of `size` bytes that says which version it is.
fn page(version: &str, size: usize) -> String {
    let mut text = format!("version {version}\n");
    while text.len() < size {
        text.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ");
    }
    text.truncate(size);
    text
}

#[tokio::test]
async fn a_page_flapping_between_two_contents_stores_two_snapshots() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor().await;
    let versions = [page("A", 10 * 1024), page("B", 10 * 1024)];
    let start = Utc::now() - chrono::Duration::hours(2);
    let mut naive_bytes = 0;
    for round in 0..100_i64 {
        let text = &versions[usize::try_from(round % 2).unwrap()];
        naive_bytes += text.len();
        fixture
            .record_at(
                monitor,
                start + chrono::Duration::minutes(round),
                Some(text),
                None,
            )
            .await;
        assert_eq!(
            fixture.head(monitor).await,
            sha256_hex(text),
            "the content just recorded is the latest, also when it was stored before"
        );
    }
    let stored = fixture.count("SELECT count(*) FROM snapshots").await;
    let stored_bytes = fixture
        .count("SELECT sum(text_bytes)::bigint FROM snapshots")
        .await;
    println!(
        "100 checks of a 10 KiB page flapping between two versions: {stored} snapshots, \
         {stored_bytes} bytes of text (without deduplication: 100 snapshots, {naive_bytes} bytes)"
    );
    assert_eq!(stored, 2);
    assert_eq!(stored_bytes, 20_480);
    assert_eq!(naive_bytes, 1_024_000);
    assert_eq!(
        fixture
            .count("SELECT count(DISTINCT snapshot_id) FROM checks WHERE snapshot_id IS NOT NULL")
            .await,
        2,
        "every check names one of the two snapshots"
    );
    let (counters, recount) = fixture.counters_and_recount().await;
    assert_eq!(counters, recount);
    assert_eq!(counters[0].1, 100);
    assert_eq!(counters[0].2, 2);
}

#[tokio::test]
async fn pruning_by_days_deletes_old_history_and_keeps_the_latest_snapshot_and_alerts_on_their_way()
{
    let fixture = Fixture::new().await;
    fixture.retention(Some(30), None).await;
    let monitor = fixture.monitor().await;
    let quiet = fixture.monitor().await;
    let shared_shot = "a".repeat(64);
    let own_shot = "b".repeat(64);
    let old = Utc::now() - chrono::Duration::days(100);
    fixture
        .record_at(monitor, old, Some("first"), Some(&own_shot))
        .await;
    fixture
        .record_at(
            monitor,
            old + chrono::Duration::days(10),
            Some("second"),
            Some(&shared_shot),
        )
        .await;
    fixture.record(monitor, 80, Some("third")).await;
    // Unchanged since: the latest snapshot was seen 80 days ago, yet the
    // next check compares with it.
    fixture
        .record_at(monitor, Utc::now(), None, Some(&shared_shot))
        .await;
    // A quiet page checked once, long ago: its only snapshot stays.
    fixture.record(quiet, 200, Some("quiet")).await;
    // An old alert still on its way keeps its check.
    let channel = Uuid::new_v4();
    fixture
        .client
        .execute(
            "INSERT INTO channels (id, team_id, kind, name, target) VALUES ($1, $2, 'email', 'mail', 'a@example.test')",
            &[&channel, &fixture.team_id],
        )
        .await
        .unwrap();
    fixture
        .client
        .execute(
            "INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2)",
            &[&quiet, &channel],
        )
        .await
        .unwrap();
    let alert = NewCheck {
        id: Uuid::now_v7(),
        monitor_id: quiet,
        team_id: fixture.team_id,
        reason: CheckReason::Schedule.as_str(),
        status: "ok".to_owned(),
        triggered: true,
        started_at: Utc::now() - chrono::Duration::days(60),
        finished_at: Utc::now() - chrono::Duration::days(60),
        ..NewCheck::default()
    };
    fixture
        .store
        .record_check(&alert, None, success())
        .await
        .unwrap();

    let pruned = prune(&fixture.store, 2).await;
    assert_eq!(
        pruned.checks, 4,
        "the three old checks of monitor and the quiet one's first"
    );
    assert_eq!(pruned.snapshots, 2, "first and second; third is the latest");
    assert_eq!(
        pruned.unreferenced_screenshots,
        vec![own_shot],
        "a screenshot a recent check still shows is kept"
    );
    assert_eq!(fixture.head(monitor).await, sha256_hex("third"));
    assert_eq!(fixture.head(quiet).await, sha256_hex("quiet"));
    assert_eq!(
        fixture
            .count(&format!(
                "SELECT count(*) FROM checks WHERE id = '{}'",
                alert.id
            ))
            .await,
        1,
        "the check of a pending alert stays"
    );

    // Once sent, the alert's check goes like any other.
    fixture
        .client
        .execute("UPDATE deliveries SET status = 'sent'", &[])
        .await
        .unwrap();
    let pruned = prune(&fixture.store, 1000).await;
    assert_eq!((pruned.checks, pruned.snapshots), (1, 0));
    assert_eq!(fixture.count("SELECT count(*) FROM deliveries").await, 0);
    let (counters, recount) = fixture.counters_and_recount().await;
    assert_eq!(counters, recount);
}

#[tokio::test]
async fn pruning_by_count_keeps_the_most_recently_seen_snapshots() {
    let fixture = Fixture::new().await;
    fixture.retention(None, Some(3)).await;
    let monitor = fixture.monitor().await;
    let start = Utc::now() - chrono::Duration::days(1000);
    for version in 1..=10 {
        fixture
            .record_at(
                monitor,
                start + chrono::Duration::days(version),
                Some(&format!("version {version}")),
                None,
            )
            .await;
    }
    // The page comes back to its first version: seen last now, kept.
    fixture.record(monitor, 0, Some("version 1")).await;
    let pruned = prune(&fixture.store, 2).await;
    assert_eq!(pruned.snapshots, 7);
    assert_eq!(pruned.checks, 0, "no limit in days: every check stays");
    let mut kept = Vec::new();
    for row in fixture
        .client
        .query("SELECT id FROM snapshots ORDER BY last_seen_at DESC", &[])
        .await
        .unwrap()
    {
        let text = fixture
            .store
            .snapshot_text(fixture.team_id, monitor, row.get(0))
            .await
            .unwrap();
        kept.push(text);
    }
    assert_eq!(kept, ["version 1", "version 10", "version 9"]);
    assert_eq!(fixture.head(monitor).await, sha256_hex("version 1"));
    assert_eq!(
        fixture
            .count("SELECT count(*) FROM checks WHERE snapshot_id IS NOT NULL")
            .await,
        4,
        "the checks of pruned snapshots stay, without the snapshot (version 1 has two)"
    );
    // Unlimited teams are not touched.
    fixture.retention(None, None).await;
    fixture.record(monitor, 0, Some("version 11")).await;
    fixture.record(monitor, 0, Some("version 12")).await;
    assert_eq!(prune(&fixture.store, 10).await, PrunedBatch::default());
}

#[tokio::test]
async fn counters_equal_a_full_recount_after_inserts_prunes_and_deletions() {
    let fixture = Fixture::new().await;
    fixture.retention(Some(10), Some(4)).await;
    let mut monitors = Vec::new();
    for _ in 0..5 {
        monitors.push(fixture.monitor().await);
    }
    for (index, monitor) in monitors.iter().enumerate() {
        for version in 0..12_i64 {
            // Some contents repeat, some checks store nothing.
            let text = format!("monitor {index} version {}", version % 7);
            let text = (version % 3 != 2).then_some(text.as_str());
            fixture.record(*monitor, 30 - 2 * version, text).await;
        }
    }
    let (counters, recount) = fixture.counters_and_recount().await;
    assert_eq!(counters, recount, "after inserts");
    let pruned = prune(&fixture.store, 7).await;
    assert!(pruned.checks > 0 && pruned.snapshots > 0, "{pruned:?}");
    let (counters, recount) = fixture.counters_and_recount().await;
    assert_eq!(counters, recount, "after pruning");
    fixture
        .client
        .execute("DELETE FROM monitors WHERE id = $1", &[&monitors[0]])
        .await
        .unwrap();
    let (counters, recount) = fixture.counters_and_recount().await;
    assert_eq!(counters, recount, "after deleting a monitor");
    let usage = fixture.store.usage().await.unwrap();
    let total_checks: i64 = recount.iter().map(|row| row.1).sum();
    let total_snapshots: i64 = recount.iter().map(|row| row.2).sum();
    let total_bytes: i64 = recount.iter().map(|row| row.3).sum();
    assert_eq!(
        (usage.checks, usage.snapshots, usage.snapshot_text_bytes),
        (total_checks, total_snapshots, total_bytes),
        "admin usage reads the counters"
    );
    let team = fixture
        .store
        .team_retention(fixture.owner, fixture.team_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            team.kept.checks,
            team.kept.snapshots,
            team.kept.snapshot_text_bytes
        ),
        (total_checks, total_snapshots, total_bytes)
    );
}

#[tokio::test]
async fn two_pruners_at_once_do_not_both_run() {
    let fixture = Fixture::new().await;
    let other = Store::connect(&fixture.url, 2).unwrap();
    let first = fixture.store.begin_pruning(10).await.unwrap();
    assert!(first.is_some());
    assert!(
        other.begin_pruning(10).await.unwrap().is_none(),
        "a second pruner finds the lock taken"
    );
    first.unwrap().finish().await.unwrap();
    let second = other.begin_pruning(10).await.unwrap();
    assert!(second.is_some(), "the lock is free once the run finished");
    // A run dropped half-way (a cancelled task) closes its connection, which
    // releases the lock, instead of leaving it to the pool.
    drop(second);
    let mut again = None;
    for _ in 0..100 {
        again = fixture.store.begin_pruning(10).await.unwrap();
        if again.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    again.expect("the lock is released").finish().await.unwrap();
}

#[tokio::test]
async fn retention_is_read_by_members_and_changed_by_owners_only() {
    let fixture = Fixture::new().await;
    let member = Uuid::new_v4();
    let stranger = Uuid::new_v4();
    fixture
        .client
        .batch_execute(&format!(
            "INSERT INTO users (id, email) VALUES ('{member}', 'member@example.test'),
                                                 ('{stranger}', 'stranger@example.test');
             INSERT INTO memberships (team_id, user_id, role) VALUES ('{}', '{member}', 'member');",
            fixture.team_id
        ))
        .await
        .unwrap();
    let read = fixture
        .store
        .team_retention(member, fixture.team_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        read.retention,
        Retention {
            days: Some(store::retention::DEFAULT_RETENTION_DAYS),
            snapshots: Some(store::retention::DEFAULT_RETENTION_SNAPSHOTS),
        },
        "the migration's defaults are the documented ones"
    );
    assert!(!read.can_change);
    let wanted = Retention {
        days: Some(7),
        snapshots: None,
    };
    assert_eq!(
        fixture
            .store
            .set_team_retention(member, fixture.team_id, wanted)
            .await
            .unwrap(),
        Err(MembershipRefusal::NotOwner)
    );
    assert_eq!(
        fixture
            .store
            .set_team_retention(stranger, fixture.team_id, wanted)
            .await
            .unwrap(),
        Err(MembershipRefusal::NotMember)
    );
    assert!(
        fixture
            .store
            .team_retention(stranger, fixture.team_id)
            .await
            .unwrap()
            .is_none()
    );
    let changed = fixture
        .store
        .set_team_retention(fixture.owner, fixture.team_id, wanted)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.retention, wanted);
    assert!(changed.can_change);
}

#[tokio::test]
async fn the_migration_keeps_one_copy_per_content_and_repoints_checks() {
    let database = test_support::postgres::fresh_database().await;
    let client = database.client().await;
    // The schema as it was before retention, applied as the store would.
    client
        .batch_execute(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    for file in files {
        let version: i32 = file.split('_').next().unwrap().parse().unwrap();
        if version >= 190 {
            continue;
        }
        client
            .batch_execute(&std::fs::read_to_string(dir.join(&file)).unwrap())
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[&version, &file],
            )
            .await
            .unwrap();
    }
    let team = Uuid::new_v4();
    let monitor = Uuid::new_v4();
    let (a_old, b, a_new) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let (hash_a, hash_b) = (sha256_hex("AAAA"), sha256_hex("BB"));
    client
        .batch_execute(&format!(
            "INSERT INTO teams (id, name) VALUES ('{team}', 't');
             INSERT INTO monitors (id, team_id, name, url, interval_seconds)
                  VALUES ('{monitor}', '{team}', 'm', 'https://example.test/', 60);
             INSERT INTO snapshots (id, monitor_id, text_sha256, text, created_at, validators) VALUES
                  ('{a_old}', '{monitor}', '{hash_a}', 'AAAA', now() - interval '3 days', 'old'),
                  ('{b}', '{monitor}', '{hash_b}', 'BB', now() - interval '2 days', NULL),
                  ('{a_new}', '{monitor}', '{hash_a}', 'AAAA', now() - interval '1 day', 'new');
             INSERT INTO checks (id, monitor_id, team_id, reason, status, snapshot_id, started_at, finished_at)
             SELECT gen_random_uuid(), '{monitor}', '{team}', 'schedule', 'ok', s.id, s.created_at, s.created_at
               FROM snapshots s;"
        ))
        .await
        .unwrap();
    let store = Store::connect(&database.url, 4).unwrap();
    let applied = store.migrate().await.unwrap();
    assert_eq!(applied.first(), Some(&190), "{applied:?}");
    let rows = client
        .query(
            "SELECT id, validators, last_seen_at = created_at FROM snapshots ORDER BY last_seen_at",
            &[],
        )
        .await
        .unwrap();
    let kept: Vec<(Uuid, Option<String>, bool)> = rows
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    assert_eq!(
        kept,
        [(b, None, true), (a_new, Some("new".to_owned()), true)],
        "the newest copy of each content stays, with its validators"
    );
    let named: Vec<Uuid> = client
        .query("SELECT snapshot_id FROM checks ORDER BY started_at", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        named,
        [a_new, b, a_new],
        "the checks of a removed copy name the kept one"
    );
    let counters: (i64, i64, i64) = client
        .query_one(
            "SELECT checks, snapshots, snapshot_text_bytes FROM monitor_usage WHERE monitor_id = $1",
            &[&monitor],
        )
        .await
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .unwrap();
    assert_eq!(counters, (3, 2, 6));
    let head = store
        .latest_snapshot_head(team, monitor)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.id, a_new);
}

/// A catalogue page whose prices moved by `shift`: most of it is the same
/// from one version to the next, as most changed pages are.
fn catalogue(shift: i64) -> String {
    (0..60)
        .map(|item| {
            format!(
                "Item {item}: {}.00 EUR. Hand-finished in workshop {}, each piece varies \
                 slightly in colour and grain.\n",
                100 + item * 13 + shift,
                item % 7
            )
        })
        .collect()
}

#[tokio::test]
async fn changed_pages_are_stored_as_deltas_and_pruning_keeps_a_keyframe_a_delta_needs() {
    let fixture = Fixture::new().await;
    let monitor = fixture.monitor().await;
    let start = Utc::now() - chrono::Duration::days(100);
    let mut texts: Vec<String> = (0..4).map(catalogue).collect();
    // A page unlike the keyframe is stored whole and becomes the next one.
    let unrelated: String = (0..60)
        .map(|line| {
            format!(
                "Closing-down sale, lot {line}: {} pieces left\n",
                line * 7919
            )
        })
        .collect();
    texts.push(unrelated.clone());
    texts.push(unrelated.replace("lot 3:", "lot 3 (sold out):"));
    for (day, text) in texts.iter().enumerate() {
        let at = start + chrono::Duration::days(i64::try_from(day).unwrap());
        fixture.record_at(monitor, at, Some(text), None).await;
    }
    let rows = fixture
        .client
        .query(
            "SELECT s.id, s.base_id, octet_length(s.text_zstd) AS stored
               FROM snapshots s ORDER BY s.last_seen_at",
            &[],
        )
        .await
        .unwrap();
    let ids: Vec<Uuid> = rows.iter().map(|row| row.get("id")).collect();
    let bases: Vec<Option<Uuid>> = rows.iter().map(|row| row.get("base_id")).collect();
    let stored: Vec<i32> = rows.iter().map(|row| row.get("stored")).collect();
    assert_eq!(
        bases,
        [
            None,
            Some(ids[0]),
            Some(ids[0]),
            Some(ids[0]),
            None,
            Some(ids[4])
        ],
        "stored sizes {stored:?}"
    );
    for delta in [1, 2, 3] {
        assert!(stored[delta] * 2 <= stored[0], "{stored:?}");
    }
    for (id, text) in ids.iter().zip(&texts) {
        let read = fixture
            .store
            .snapshot_text(fixture.team_id, monitor, *id)
            .await
            .unwrap();
        assert_eq!(&read, text);
    }
    let (counters, recount) = fixture.counters_and_recount().await;
    assert_eq!(counters, recount, "usage counts each text's own bytes");

    // Keep one snapshot: the latest stays, and so does its keyframe while
    // the latest needs it; every other snapshot goes in the same run (the
    // first keyframe once its deltas have gone).
    fixture.retention(None, Some(1)).await;
    assert_eq!(prune(&fixture.store, 10).await.snapshots, 4);
    let kept: Vec<Uuid> = fixture
        .client
        .query("SELECT id FROM snapshots ORDER BY last_seen_at", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(kept, [ids[4], ids[5]]);
    assert_eq!(
        fixture
            .store
            .snapshot_text(fixture.team_id, monitor, ids[5])
            .await
            .unwrap(),
        texts[5]
    );
    // Once the page moves on to a text of its own, the old keyframe and its
    // delta both go, in batches of one as well.
    let moved_on: String = (0..60)
        .map(|line| {
            format!(
                "Under new management from {line} March, {} offers\n",
                line * 104_729
            )
        })
        .collect();
    fixture.record(monitor, 0, Some(&moved_on)).await;
    assert_eq!(prune(&fixture.store, 1).await.snapshots, 2);
    assert_eq!(fixture.count("SELECT count(*) FROM snapshots").await, 1);

    // A monitor's deletion takes its keyframes and deltas at once.
    let other = fixture.monitor().await;
    for (day, text) in texts.iter().take(3).enumerate() {
        let at = start + chrono::Duration::days(i64::try_from(day).unwrap());
        fixture.record_at(other, at, Some(text), None).await;
    }
    assert_eq!(
        fixture
            .count(&format!(
                "SELECT count(*) FROM snapshots WHERE monitor_id = '{other}' AND base_id IS NOT NULL"
            ))
            .await,
        2
    );
    fixture
        .client
        .execute("DELETE FROM monitors WHERE id = $1", &[&other])
        .await
        .unwrap();
    assert_eq!(
        fixture
            .count(&format!(
                "SELECT count(*) FROM snapshots WHERE monitor_id = '{other}'"
            ))
            .await,
        0
    );
}
