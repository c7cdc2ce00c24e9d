//! Crash-proof delivery, proved: 1,000 alerts (each to an email channel and
//! a Standard Webhooks channel) are queued by the scheduler's own
//! transaction (`Store::record_check`) while the scheduler and notify run as
//! real processes and are killed with `kill -9` at random moments, at least
//! three times each. A local SMTP server and a local webhook receiver
//! record every message. The figures are printed: alerts, kills, lost,
//! repeats, longest delay. Nothing may be lost, and every copy of one
//! alert's message carries one identity (the same `webhook-id`, the same
//! email `Message-ID`), so a receiver can drop a repeat.
//!
//! Browser and llm are not started: checks are not the subject here, and
//! the scheduler's deliveries must not wait on them.

#![allow(clippy::unwrap_used, reason = "a failed step fails the test")]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use e2e::mesh::{random_key, wait_for_grpc_health};
use rand::Rng;
use store::Store;
use store::scheduling::{MonitorOutcome, NewCheck};
use test_support::smtp::SmtpSink;
use uuid::Uuid;

const ALERTS: usize = 1_000;
const BATCH: usize = 50;
/// Kills of each of the two processes; at least five in all.
const KILLS_EACH: usize = 3;
/// The whole run must end well within this, kills included.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(120);

/// What the webhook receiver saw: `webhook-id` → the check ids it carried
/// and when the first copy arrived; and every copy's id.
#[derive(Default)]
struct Webhooks {
    first_seen: HashMap<String, Instant>,
    checks_by_id: HashMap<String, HashSet<String>>,
    copies: usize,
}

async fn receive(
    State(seen): State<Arc<Mutex<Webhooks>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(id) = headers
        .get("webhook-id")
        .and_then(|value| value.to_str().ok())
    else {
        return StatusCode::BAD_REQUEST;
    };
    let check_id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|event| event["data"]["check_id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut seen = seen.lock().unwrap();
    seen.copies += 1;
    seen.first_seen
        .entry(id.to_owned())
        .or_insert_with(Instant::now);
    seen.checks_by_id
        .entry(id.to_owned())
        .or_default()
        .insert(check_id);
    StatusCode::NO_CONTENT
}

async fn start_webhook_receiver(seen: Arc<Mutex<Webhooks>>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(receive)).with_state(seen);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn loopback() -> String {
    format!("127.0.0.1:{}", test_support::ports::free_port())
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

/// A team, a monitor, an email channel and a webhook channel it alerts.
async fn seed_monitor(database_url: &str, webhook_url: &str) -> (Uuid, Uuid) {
    let (db, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let team = Uuid::new_v4();
    let monitor = Uuid::new_v4();
    let email = Uuid::new_v4();
    let webhook = Uuid::new_v4();
    db.execute(
        "INSERT INTO teams (id, name) VALUES ($1, 'crash test')",
        &[&team],
    )
    .await
    .unwrap();
    // Paused and far in the future: only the alerts below are its work.
    db.execute(
        "INSERT INTO monitors (id, team_id, name, url, condition, interval_seconds, paused,
                               next_check_at)
         VALUES ($1, $2, 'Shop', 'https://shop.example.test/', 'any change', 3600, true,
                 now() + interval '1 day')",
        &[&monitor, &team],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO channels (id, team_id, kind, name, target)
         VALUES ($1, $2, 'email', 'mail', 'ops@example.test')",
        &[&email, &team],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO channels (id, team_id, kind, name, target, secret)
         VALUES ($1, $2, 'webhook', 'hook', $3, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')",
        &[&webhook, &team, &webhook_url],
    )
    .await
    .unwrap();
    for channel in [email, webhook] {
        db.execute(
            "INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2)",
            &[&monitor, &channel],
        )
        .await
        .unwrap();
    }
    (team, monitor)
}

/// One triggered check, recorded the way the scheduler records it: the
/// check and its outbox rows in one transaction.
async fn record_alert(store: &Store, team: Uuid, monitor: Uuid, number: usize) -> Uuid {
    let now = Utc::now();
    let check = NewCheck {
        id: Uuid::now_v7(),
        monitor_id: monitor,
        team_id: team,
        reason: "schedule",
        status: "ok".to_owned(),
        changed: true,
        triggered: true,
        summary: Some(format!("Alert number {number}")),
        diff: Some(format!("-price: {}\n+price: {number}\n", number + 1)),
        started_at: now,
        finished_at: now,
        ..NewCheck::default()
    };
    store
        .record_check(
            &check,
            None,
            MonitorOutcome {
                succeeded: true,
                condition: store::scheduling::ConditionMemory::Keep,
                judging: store::scheduling::Judging::NotAsked,
                next_check_in: Duration::from_secs(86_400),
            },
        )
        .await
        .unwrap();
    check.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_alerts_survive_kill_9_of_scheduler_and_notify_with_nothing_lost_and_one_identity_each()
 {
    let database = test_support::postgres::fresh_database().await;
    let store = Store::connect(&database.url, 4).unwrap();
    store.migrate().await.unwrap();
    let redis_url = test_support::redis::url().await;
    let smtp = SmtpSink::start().await;
    let webhooks = Arc::new(Mutex::new(Webhooks::default()));
    let receiver = start_webhook_receiver(webhooks.clone()).await;
    let webhook_url = format!("http://{receiver}/hook");
    let (team, monitor) = seed_monitor(&database.url, &webhook_url).await;
    let log_dir = test_support::process::temp_dir("lookout-crash-logs");

    let scheduler_key = random_key();
    let digests = format!(
        "scheduler:{}",
        mesh::internal_auth::key_digest_hex(&scheduler_key)
    );
    let notify_addr = loopback();
    let notify_url = format!("http://{notify_addr}");
    let smtp_url = smtp.url();
    let mut notify = e2e::process::start(
        "lookout-notify",
        &env(&[
            ("LOOKOUT_ENV", "development"),
            ("LOG_FORMAT", "json"),
            ("NOTIFY_ADDR", &notify_addr),
            ("INTERNAL_API_KEY_DIGESTS", &digests),
            ("SMTP_URL", &smtp_url),
            ("REDIS_URL", &redis_url),
            ("ALLOW_NETWORKS", "127.0.0.0/8"),
            ("PUBLIC_BASE_URL", "http://lookout.test"),
            ("NOTIFICATION_EMAIL", "Lookout <alerts@lookout.test>"),
            // A notify killed mid-send frees its keys this soon.
            ("NOTIFY_CLAIM_TTL_MS", "2000"),
        ]),
        &log_dir,
    );
    wait_for_grpc_health(&notify_url, &notify.log()).await;
    let nowhere = format!("http://{}", loopback());
    let scheduler_addr = loopback();
    let metrics_addr = loopback();
    let mut scheduler = e2e::process::start(
        "lookout-scheduler",
        &env(&[
            ("LOOKOUT_ENV", "development"),
            ("LOG_FORMAT", "json"),
            ("SCHEDULER_ADDR", &scheduler_addr),
            ("SCHEDULER_METRICS_ADDR", &metrics_addr),
            ("DATABASE_URL", &database.url),
            ("INTERNAL_API_KEY", &scheduler_key),
            ("BROWSER_URL", &nowhere),
            ("LLM_URL", &nowhere),
            ("NOTIFY_URL", &notify_url),
            ("SCHEDULER_POLL_MS", "100"),
            // A scheduler killed mid-send gives its deliveries back this soon.
            ("SCHEDULER_DELIVERY_LEASE_MS", "1500"),
            ("SCHEDULER_DELIVERY_RETRY_MS", "200"),
            ("PUBLIC_BASE_URL", "http://lookout.test"),
        ]),
        &log_dir,
    );
    let started = Instant::now();

    // Alerts arrive in batches at random moments while the killer runs.
    let queued: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let producer = {
        let store = store.clone();
        let queued = queued.clone();
        tokio::spawn(async move {
            for batch in 0..ALERTS / BATCH {
                for offset in 0..BATCH {
                    let check = record_alert(&store, team, monitor, batch * BATCH + offset).await;
                    queued.lock().unwrap().insert(check, Instant::now());
                }
                let pause = rand::rng().random_range(50..400);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        })
    };

    let mut kills = 0;
    for round in 0..KILLS_EACH * 2 {
        let pause = rand::rng().random_range(300..1500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let victim = if round % 2 == 0 {
            &mut scheduler
        } else {
            &mut notify
        };
        victim.kill_hard().await;
        kills += 1;
        let down = rand::rng().random_range(0..300);
        tokio::time::sleep(Duration::from_millis(down)).await;
        victim.restart();
    }
    producer.await.unwrap();

    // Every delivery's first copy, by identity, with when it was first seen.
    let mut emails_first_seen: HashMap<String, Instant> = HashMap::new();
    let mut email_checks: HashMap<String, HashSet<String>> = HashMap::new();
    let mut email_copies = 0;
    let deadline = Instant::now() + DELIVERY_TIMEOUT;
    loop {
        let messages = smtp.messages();
        for message in &messages[email_copies..] {
            let id = message.message_id().unwrap_or_default();
            emails_first_seen
                .entry(id.clone())
                .or_insert_with(Instant::now);
            email_checks
                .entry(id)
                .or_default()
                .insert(message.header("X-Lookout-Check").unwrap_or_default());
        }
        email_copies = messages.len();
        let webhooks_done = webhooks.lock().unwrap().first_seen.len() >= ALERTS;
        if emails_first_seen.len() >= ALERTS && webhooks_done {
            break;
        }
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = started.elapsed();
    // What the outbox says: every delivery sent, and how many attempts were
    // charged to a receiver (none failed here; crashes must not count).
    let (db, connection) = tokio_postgres::connect(&database.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    // A receiver sees a message a moment before the scheduler records it
    // sent: the outbox is read once it settles (or the deadline passes).
    let (unsent, charged) = loop {
        let outbox = db
            .query_one(
                "SELECT count(*) FILTER (WHERE status <> 'sent'), COALESCE(sum(attempts), 0)
                 FROM deliveries",
                &[],
            )
            .await
            .unwrap();
        let (unsent, charged): (i64, i64) = (outbox.get(0), outbox.get(1));
        if unsent == 0 || Instant::now() > deadline {
            break (unsent, charged);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let queued = queued.lock().unwrap().clone();
    let webhooks = webhooks.lock().unwrap();
    let checks_of = |ids: &HashMap<String, HashSet<String>>| -> HashSet<String> {
        ids.values().flatten().cloned().collect()
    };
    let emailed = checks_of(&email_checks);
    let posted = checks_of(&webhooks.checks_by_id);
    let lost_emails = queued
        .keys()
        .filter(|check| !emailed.contains(&check.to_string()))
        .count();
    let lost_webhooks = queued
        .keys()
        .filter(|check| !posted.contains(&check.to_string()))
        .count();
    let email_repeats = email_copies - emails_first_seen.len();
    let webhook_repeats = webhooks.copies - webhooks.first_seen.len();
    // The delay of an alert: from its commit to the first copy of its
    // slower message.
    let mut first_copy: HashMap<String, Instant> = HashMap::new();
    for (ids, seen) in [
        (&email_checks, &emails_first_seen),
        (&webhooks.checks_by_id, &webhooks.first_seen),
    ] {
        for (id, checks) in ids {
            for check in checks {
                let at = seen[id];
                first_copy
                    .entry(check.clone())
                    .and_modify(|latest| *latest = (*latest).max(at))
                    .or_insert(at);
            }
        }
    }
    let longest_delay = queued
        .iter()
        .filter_map(|(check, at)| {
            first_copy
                .get(&check.to_string())
                .map(|seen| seen.duration_since(*at))
        })
        .max()
        .unwrap_or_default();
    println!(
        "crash-proof delivery: alerts {ALERTS} (x2 channels: {} messages), kills {kills} \
         (scheduler {KILLS_EACH}, notify {KILLS_EACH}), lost {} (email {lost_emails}, webhook \
         {lost_webhooks}), repeats {} (email {email_repeats}, webhook {webhook_repeats}), \
         longest delay {:.1} s, wall time {:.1} s, attempts charged to receivers {charged}",
        ALERTS * 2,
        lost_emails + lost_webhooks,
        email_repeats + webhook_repeats,
        longest_delay.as_secs_f64(),
        elapsed.as_secs_f64(),
    );

    let logs = format!(
        "--- scheduler ---\n{}\n--- notify ---\n{}",
        scheduler.log(),
        notify.log()
    );
    assert_eq!(queued.len(), ALERTS);
    assert!(kills >= 5);
    assert_eq!(unsent, 0, "every outbox row ends sent\n{logs}");
    assert_eq!(
        charged, 0,
        "a crash is never counted as the receiver's failure\n{logs}"
    );
    assert_eq!(
        lost_emails + lost_webhooks,
        0,
        "nothing may be lost\n{logs}"
    );
    // One identity per alert and channel: every copy of a check's email has
    // one Message-ID and every copy of its webhook one webhook-id, and no
    // identity is shared by two alerts.
    assert_eq!(emails_first_seen.len(), ALERTS, "one Message-ID per alert");
    assert_eq!(
        webhooks.first_seen.len(),
        ALERTS,
        "one webhook-id per alert"
    );
    for ids in [&email_checks, &webhooks.checks_by_id] {
        assert!(
            ids.values().all(|checks| checks.len() == 1),
            "an identity names exactly one alert"
        );
    }
    // A repeat needs notify killed between a receiver's acceptance and the
    // ledger's record: at most the sends in flight at each notify kill.
    assert!(
        email_repeats + webhook_repeats <= KILLS_EACH * 16 * 2,
        "repeats {} exceed the sends that can be in flight at the kills",
        email_repeats + webhook_repeats
    );
}
