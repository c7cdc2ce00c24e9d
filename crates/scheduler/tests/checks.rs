//! The scheduler in-process against PostgreSQL and fake peers: what it
//! stores, whom it calls and what it sends.

mod support;

use api_proto::browser::v1::FetchOutcome;
use api_proto::notify::v1::channel::Target;
use api_proto::notify::v1::{AlertKind, SendRequest};
use support::{Options, Page, Verdict, spawn_app, spawn_app_with, wait_until};
use tonic::Code;
use uuid::Uuid;

#[tokio::test]
async fn the_first_check_is_a_baseline_that_never_alerts_and_an_unchanged_page_is_not_judged() {
    let app = spawn_app().await;
    // Even a judge that says "triggered" on the first check must not alert.
    app.peers.set_verdict(Verdict::Triggered(true));
    let monitor = app.create_monitor("price below 100").await;
    app.add_email_channel(monitor).await;

    let baseline = app.wait_for_checks(monitor, 1).await.remove(0);
    assert_eq!(baseline.reason, "schedule");
    assert_eq!(baseline.status, "ok");
    assert!(baseline.baseline);
    assert!(!baseline.triggered, "a baseline never triggers");
    assert_eq!(baseline.summary.as_deref(), Some("Now: price: 120 EUR"));
    assert_eq!(baseline.reason_text.as_deref(), Some("condition met"));
    let evaluations = app.peers.evaluations();
    assert_eq!(evaluations.len(), 1);
    assert!(evaluations[0].first_check);
    assert_eq!(evaluations[0].condition, "price below 100");
    assert_eq!(evaluations[0].monitor_id, monitor.to_string());

    let fetch = app.peers.fetches.lock().unwrap()[0].clone();
    assert_eq!(fetch.url, "https://shop.example.test/item");
    assert_eq!(
        fetch.headers.len(),
        1,
        "monitor headers are sent to the browser"
    );

    let unchanged = app.check_now(monitor).await;
    assert_eq!(unchanged.reason, "manual");
    assert_eq!(unchanged.status, "ok");
    assert!(!unchanged.changed && !unchanged.baseline && !unchanged.triggered);
    assert_eq!(
        app.peers.evaluations().len(),
        1,
        "no judge call without a change"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM deliveries d JOIN checks c ON c.id = d.check_id WHERE c.monitor_id = $1", monitor)
            .await,
        0
    );
    assert!(app.peers.sends().is_empty());
    assert!(
        app.peers
            .callers
            .lock()
            .unwrap()
            .iter()
            .all(|caller| caller == "scheduler"),
        "every call carried the internal key"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unchanged_page_travels_as_its_hash_and_a_changed_one_is_diffed_against_the_stored_text()
{
    let app = spawn_app().await;
    *app.peers.validators.lock().unwrap() = "etag 1".to_owned();
    let monitor = app.create_monitor("price below 100").await;
    let baseline = app.wait_for_checks(monitor, 1).await.remove(0);
    assert!(baseline.baseline);
    assert_eq!(
        app.stored_validators(monitor).await.as_deref(),
        Some("etag 1")
    );
    let first = app.peers.fetches.lock().unwrap()[0].clone();
    assert_eq!(
        first.previous_content_hash, "",
        "a first check has no previous text to compare"
    );
    let stored_hash: String = app
        .db
        .query_one(
            "SELECT encode(text_sha256, 'hex') FROM snapshots WHERE monitor_id = $1",
            &[&monitor],
        )
        .await
        .unwrap()
        .get(0);
    // The stored text is changed behind the scheduler's back (its hash
    // kept): only a check that reads it can show it.
    app.db
        .execute(
            "UPDATE snapshots SET text = 'price: 150 EUR (as stored)', text_zstd = NULL,
                 text_bytes = NULL
              WHERE monitor_id = $1",
            &[&monitor],
        )
        .await
        .unwrap();

    *app.peers.validators.lock().unwrap() = "etag 2".to_owned();
    let unchanged = app.check_now(monitor).await;
    assert_eq!(unchanged.status, "ok");
    assert!(!unchanged.changed && !unchanged.baseline && !unchanged.triggered);
    assert_eq!(unchanged.diff, None);
    let fetch = app.peers.fetches.lock().unwrap().last().unwrap().clone();
    assert_eq!(
        fetch.previous_content_hash, stored_hash,
        "the browser is told the hash it may leave the text out for"
    );
    assert_eq!(fetch.previous_validators, "etag 1");
    assert_eq!(
        app.stored_validators(monitor).await.as_deref(),
        Some("etag 2"),
        "an unchanged page's new validators replace the stored ones"
    );
    let answer = app.peers.answers.lock().unwrap().last().unwrap().clone();
    assert!(answer.text_omitted && answer.text.is_empty());
    assert_eq!(
        app.peers.evaluations().len(),
        1,
        "an unchanged page is not judged"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM snapshots WHERE monitor_id = $1",
            monitor
        )
        .await,
        1
    );
    let content: Option<String> = app
        .db
        .query_one(
            "SELECT encode(content_sha256, 'hex') FROM checks WHERE id = $1",
            &[&unchanged.id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(content.as_deref(), Some(stored_hash.as_str()));

    app.peers.set_text("price: 90 EUR");
    let changed = app.check_now(monitor).await;
    assert!(changed.changed);
    let diff = changed.diff.unwrap();
    assert!(
        diff.contains("price: 150 EUR (as stored)") && diff.contains("price: 90 EUR"),
        "the diff runs from the stored text to the page: {diff}"
    );
    let answer = app.peers.answers.lock().unwrap().last().unwrap().clone();
    assert!(!answer.text_omitted);
    let evaluations = app.peers.evaluations();
    assert_eq!(evaluations.len(), 2, "the change is judged");
    assert_eq!(evaluations[1].previous_text, "price: 150 EUR (as stored)");
    assert_eq!(evaluations[1].current_text, "price: 90 EUR");
    app.stop().await;
}

#[tokio::test]
async fn a_triggered_change_is_judged_once_and_delivered_once_with_the_alert() {
    let app = spawn_app().await;
    let (monitor, channel) = app.create_emailed_monitor("price below 100").await;

    let check = app.trigger_alert(monitor).await;
    assert_eq!(check.status, "ok");
    assert!(check.changed && check.triggered && !check.baseline);
    assert_eq!(check.extracted_value.as_deref(), Some("90"));
    let diff = check.diff.clone().unwrap();
    assert!(
        diff.contains("-price: 120 EUR") && diff.contains("+price: 90 EUR"),
        "{diff}"
    );
    assert!(check.fetch_ms.is_some() && check.duration_ms.is_some());

    let evaluations = app.peers.evaluations();
    assert_eq!(evaluations.len(), 2, "the change is judged exactly once");
    assert!(!evaluations[1].first_check);
    assert_eq!(evaluations[1].previous_text, "price: 120 EUR");
    assert_eq!(evaluations[1].current_text, "price: 90 EUR");

    wait_until("the delivery to be sent", || async {
        let sent = app
            .count(
                "SELECT count(*) FROM deliveries WHERE check_id = $1 AND status = 'sent'",
                check.id,
            )
            .await;
        (sent == 1).then_some(())
    })
    .await;
    let sends = app.peers.sends();
    assert_eq!(sends.len(), 1, "exactly one Send");
    let send = &sends[0];
    assert_eq!(send.idempotency_key, format!("{}:{channel}", check.id));
    match send.channel.as_ref().unwrap().target.as_ref().unwrap() {
        Target::Email(email) => assert_eq!(email.address, "alerts@example.test"),
        other => panic!("expected the email channel, got {other:?}"),
    }
    let alert = send.alert.as_ref().unwrap();
    assert_eq!(alert.kind(), AlertKind::Triggered);
    assert_eq!(alert.monitor_id, monitor.to_string());
    assert_eq!(alert.monitor_name, "Shop");
    assert_eq!(alert.url, "https://shop.example.test/item");
    assert_eq!(alert.condition, "price below 100");
    assert_eq!(alert.summary, "Now: price: 90 EUR");
    assert_eq!(alert.reason, "condition met");
    assert_eq!(alert.extracted_value, "90");
    assert_eq!(alert.check_id, check.id.to_string());
    assert_eq!(
        alert.link,
        format!(
            "http://127.0.0.1:8080/monitors/{monitor}/checks/{}",
            check.id
        )
    );
    assert!(alert.diff.contains("+price: 90 EUR"));
    assert!(alert.checked_at_unix_ms > 0);

    let last_triggered = app
        .count(
            "SELECT count(*) FROM monitors WHERE id = $1 AND last_triggered_at IS NOT NULL",
            monitor,
        )
        .await;
    assert_eq!(last_triggered, 1);
    app.stop().await;
}

#[tokio::test]
async fn an_untriggered_change_is_recorded_and_nothing_is_sent() {
    let app = spawn_app().await;
    let (monitor, _) = app.create_emailed_monitor("price below 100").await;

    app.peers.set_text("price: 130 EUR");
    let check = app.check_now(monitor).await;
    assert!(check.changed && !check.triggered);
    assert_eq!(check.reason_text.as_deref(), Some("condition not met"));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM deliveries WHERE check_id = $1",
            check.id
        )
        .await,
        0
    );
    assert!(app.peers.sends().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_failing_notifier_is_retried_until_the_alert_is_delivered_once() {
    let app = spawn_app().await;
    let (monitor, _) = app.create_emailed_monitor("price below 100").await;

    *app.peers.notify_failures_left.lock().unwrap() = 2;
    let check = app.trigger_alert(monitor).await;

    let delivery = app
        .wait_for_delivery(check.id, "the delivery to be sent after retries", |row| {
            row.status == "sent"
        })
        .await;
    assert_eq!(delivery.attempts, 2, "the two failed attempts are recorded");
    assert_eq!(
        delivery.last_error, None,
        "a delivered alert carries no error"
    );
    let sends = app.peers.sends();
    assert_eq!(sends.len(), 3, "two failures, then one success");
    assert!(
        sends
            .iter()
            .all(|send| send.idempotency_key == sends[0].idempotency_key),
        "retries reuse the idempotency key"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unavailable_judge_is_recorded_and_the_change_is_judged_again_next_time() {
    let app = spawn_app().await;
    let (monitor, _) = app.create_emailed_monitor("price below 100").await;

    app.peers.set_text("price: 90 EUR");
    app.peers.set_verdict(Verdict::Unavailable);
    let unjudged = app.check_now(monitor).await;
    assert_eq!(unjudged.status, "judge_unavailable");
    assert!(unjudged.changed && !unjudged.triggered);
    assert_eq!(
        unjudged.error.as_deref(),
        Some("the llm service is unavailable")
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM snapshots WHERE monitor_id = $1",
            monitor
        )
        .await,
        1,
        "the unjudged text is not stored"
    );

    app.peers.set_verdict(Verdict::Triggered(true));
    let judged = app.check_now(monitor).await;
    assert_eq!(judged.status, "ok");
    assert!(judged.changed && judged.triggered);
    let evaluations = app.peers.evaluations();
    let last = evaluations.last().unwrap();
    assert_eq!(
        last.previous_text, "price: 120 EUR",
        "the same change is judged again"
    );
    assert_eq!(last.current_text, "price: 90 EUR");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM snapshots WHERE monitor_id = $1",
            monitor
        )
        .await,
        2
    );
    wait_until("the alert to be sent", || async {
        (app.peers.sends().len() == 1).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn fetch_errors_back_off_count_consecutive_failures_and_reset_on_success() {
    let app = spawn_app().await;
    app.peers.set_page(Page::Failure(
        FetchOutcome::PageGone,
        404,
        "the page answered 404 Not Found".to_owned(),
    ));
    let monitor = app.create_monitor("").await;
    let gone = app.wait_for_checks(monitor, 1).await.remove(0);
    assert_eq!(gone.status, "page_gone");
    assert_eq!(gone.http_status, Some(404));
    assert_eq!(
        gone.error.as_deref(),
        Some("the page answered 404 Not Found")
    );

    // A browser that is up but fails the call: the check fails (an
    // UNAVAILABLE answer is the browser's own outage, see tests/outages.rs).
    app.peers.set_page(Page::Rpc(Code::Internal));
    let unreachable = app.check_now(monitor).await;
    assert_eq!(unreachable.status, "internal_error");
    assert_eq!(
        unreachable.error.as_deref(),
        Some("the browser service failed (Internal error)"),
        "a plain message, not the peer's"
    );
    let row = app
        .db
        .query_one(
            "SELECT consecutive_failures, last_status,
                    next_check_at > now() + interval '6400 seconds'
             FROM monitors WHERE id = $1",
            &[&monitor],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 2);
    assert_eq!(row.get::<_, String>(1), "internal_error");
    assert!(
        row.get::<_, bool>(2),
        "the second failure waits about twice the interval"
    );
    assert!(
        app.peers.evaluations().is_empty(),
        "failed fetches are not judged"
    );

    app.peers.set_text("back again");
    let recovered = app.check_now(monitor).await;
    assert_eq!(recovered.status, "ok");
    assert!(
        recovered.baseline,
        "the first page ever fetched is the baseline"
    );
    assert_eq!(
        app.count(
            "SELECT consecutive_failures::bigint FROM monitors WHERE id = $1",
            monitor
        )
        .await,
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_scheduler_with_the_wrong_internal_key_is_refused_by_its_peers() {
    let app = spawn_app_with(Options {
        key: "another-deployments-key-0123456789abcdef".to_owned(),
        ..Options::default()
    })
    .await;
    let monitor = app.create_monitor("").await;
    let check = app.wait_for_checks(monitor, 1).await.remove(0);
    assert_eq!(check.status, "internal_error");
    assert_eq!(
        check.error.as_deref(),
        Some("the browser service refused our internal key")
    );
    assert!(app.peers.fetches.lock().unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn health_is_not_serving_until_the_schema_exists_and_the_scheduler_stops_on_request() {
    let app = spawn_app_with(Options {
        migrate: false,
        ..Options::default()
    })
    .await;
    let timeout = std::time::Duration::from_secs(2);
    wait_until("the health endpoint to answer", || async {
        match mesh::health::probe(&app.health_url, timeout, None).await {
            Err(message) if message.contains("not serving") => Some(()),
            _ => None,
        }
    })
    .await;

    store::Store::connect(&app.database_url, 2)
        .unwrap()
        .migrate()
        .await
        .unwrap();
    wait_until("the scheduler to report serving", || async {
        mesh::health::probe(&app.health_url, timeout, None)
            .await
            .ok()
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn two_scheduler_replicas_on_one_database_check_each_due_monitor_once() {
    let app = spawn_app().await;
    let _second = app.start_another_scheduler().await;
    let mut monitors = Vec::new();
    for _ in 0..20 {
        monitors.push(app.create_monitor("").await);
    }
    for monitor in &monitors {
        app.wait_for_checks(*monitor, 1).await;
    }
    let total: i64 = app
        .db
        .query_one("SELECT count(*) FROM checks", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 20, "no monitor was checked by both replicas");
    assert_eq!(app.peers.fetches.lock().unwrap().len(), 20);
    app.stop().await;
}

#[tokio::test]
async fn checks_that_finish_together_are_recorded_in_a_few_transactions() {
    let app = spawn_app_with(Options {
        concurrency: Some(20),
        ..Options::default()
    })
    .await;
    let mut monitors = Vec::new();
    for _ in 0..20 {
        monitors.push(app.create_monitor("").await);
    }
    for monitor in &monitors {
        app.wait_for_checks(*monitor, 1).await;
    }
    // All due at once and claimed together, each on a host of its own (no
    // politeness between them), every fetch taking as long and the page
    // unchanged (nothing to read or judge after the fetch), so the checks
    // finish within a few milliseconds of each other.
    *app.peers.fetch_delay.lock().unwrap() = std::time::Duration::from_millis(300);
    app.db
        .execute(
            "UPDATE monitors SET next_check_at = now(),
                 url = 'https://shop-' || id || '.example.test/item'",
            &[],
        )
        .await
        .unwrap();
    for monitor in &monitors {
        app.wait_for_checks(*monitor, 2).await;
    }
    let row = app
        .db
        .query_one(
            "SELECT count(*), count(DISTINCT xmin::text) FROM checks WHERE NOT baseline",
            &[],
        )
        .await
        .unwrap();
    let (checks, transactions): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(checks, 20, "every monitor's second check is recorded once");
    assert!(
        transactions <= 5,
        "20 checks finishing together took {transactions} transactions"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_notify_refuses_as_invalid_is_dead_at_once() {
    let app = spawn_app().await;
    let (monitor, _) = app.create_emailed_monitor("price below 100").await;

    *app.peers.notify_error.lock().unwrap() = Some(Code::InvalidArgument);
    let check = app.trigger_alert(monitor).await;
    let delivery = app
        .wait_for_delivery(check.id, "the delivery to be dead", |row| {
            row.status == "dead"
        })
        .await;
    assert_eq!(delivery.attempts, 1, "a refused request is not retried");
    let last_error = delivery.last_error.unwrap_or_default();
    assert!(
        last_error.contains("the address is not valid"),
        "{last_error}"
    );
    assert_eq!(app.peers.sends().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn sealed_header_values_are_opened_only_for_the_fetch() {
    let app = spawn_app().await;
    // The tests' scheduler runs with the development key, as the gateway's tests do.
    let secret_box = secret_box::SecretBox::development();
    let sealed =
        store::monitors::RequestHeader::seal(&secret_box, "cookie".to_owned(), "sid=42").unwrap();
    let monitor = app
        .create_monitor_with_headers(serde_json::to_value([&sealed]).unwrap())
        .await;
    let check = app.wait_for_checks(monitor, 1).await.remove(0);
    assert_eq!(check.status, "ok");
    let fetch = app.peers.fetches.lock().unwrap()[0].clone();
    assert_eq!(fetch.headers.len(), 1);
    assert_eq!(fetch.headers[0].name, "cookie");
    assert_eq!(fetch.headers[0].value, "sid=42");
    app.stop().await;
}

#[tokio::test]
async fn a_header_sealed_with_an_unknown_key_fails_the_check_without_fetching() {
    let app = spawn_app().await;
    let other =
        secret_box::SecretBox::parse(&format!("gone:{}", secret_box::generate_key())).unwrap();
    let sealed =
        store::monitors::RequestHeader::seal(&other, "cookie".to_owned(), "sid=42").unwrap();
    let monitor = app
        .create_monitor_with_headers(serde_json::to_value([&sealed]).unwrap())
        .await;
    let check = app.wait_for_checks(monitor, 1).await.remove(0);
    assert_eq!(check.status, "internal_error");
    assert!(
        check
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("cannot be decrypted"),
        "{check:?}"
    );
    assert!(app.peers.fetches.lock().unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_state_already_true_alerts_once_at_the_start_and_again_only_after_it_was_false() {
    let app = spawn_app().await;
    app.peers.set_text("price: 90 EUR");
    app.peers.set_verdict(Verdict::State { holds: true });

    let (monitor, first) = app.create_alerting_monitor("price below 100", "auto").await;
    assert!(
        first.baseline && first.triggered && first.first_alert,
        "{first:?}"
    );
    assert_eq!(first.condition_kind.as_deref(), Some("state"));
    assert_eq!(first.verification.as_deref(), Some("verified"));
    assert_eq!(first.prompt_tokens, Some(300));
    let summary = first.summary.clone().unwrap();
    assert!(
        summary.starts_with("Already true when monitoring started: "),
        "{summary}"
    );
    wait_until("the first alert to be sent", || async {
        (app.peers.sends().len() == 1).then_some(())
    })
    .await;
    assert_eq!(
        app.peers.sends()[0].alert.as_ref().unwrap().summary,
        summary
    );

    app.peers.set_text("price: 85 EUR");
    let still_true = app.check_now(monitor).await;
    assert!(
        still_true.changed && !still_true.triggered,
        "no repeat while it stays true: {still_true:?}"
    );

    app.peers.set_text("price: 120 EUR");
    app.peers.set_verdict(Verdict::State { holds: false });
    let false_again = app.check_now(monitor).await;
    assert!(false_again.changed && !false_again.triggered);

    app.peers.set_text("price: 95 EUR");
    app.peers.set_verdict(Verdict::State { holds: true });
    let true_again = app.check_now(monitor).await;
    assert!(
        true_again.triggered && !true_again.first_alert,
        "{true_again:?}"
    );
    wait_until("the second alert to be sent", || async {
        (app.peers.sends().len() == 2).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn an_event_never_alerts_on_the_first_check_and_the_monitor_can_override_the_first_check() {
    let app = spawn_app().await;
    app.peers.set_verdict(Verdict::Event { happened: true });
    let (_, event) = app
        .create_alerting_monitor("a new job posting mentioning Rust", "auto")
        .await;
    assert!(event.baseline && !event.triggered, "{event:?}");
    assert_eq!(event.condition_kind.as_deref(), Some("event"));

    let (_, forced) = app
        .create_alerting_monitor("a new job posting mentioning Rust", "alert")
        .await;
    assert!(forced.triggered && forced.first_alert, "{forced:?}");

    app.peers.set_verdict(Verdict::State { holds: true });
    let (baseline_monitor, baseline) = app
        .create_alerting_monitor("price below 100", "baseline")
        .await;
    assert!(baseline.baseline && !baseline.triggered, "{baseline:?}");
    // The baseline remembered that the state held, so an unchanged truth does not alert later.
    app.peers.set_text("price: 80 EUR");
    let later = app.check_now(baseline_monitor).await;
    assert!(later.changed && !later.triggered, "{later:?}");

    wait_until("the forced first alert to be sent", || async {
        (app.peers.sends().len() == 1).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn an_unverified_verdict_is_recorded_with_its_reason_and_never_alerts() {
    let app = spawn_app().await;
    app.peers.set_verdict(Verdict::Unverified);
    let (monitor, check) = app
        .create_alerting_monitor("price below 100", "alert")
        .await;
    assert!(!check.triggered, "{check:?}");
    assert_eq!(check.verification.as_deref(), Some("unverified"));
    assert_eq!(
        check.verification_problem.as_deref(),
        Some("the quoted evidence is not on the page")
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM deliveries d JOIN checks c ON c.id = d.check_id WHERE c.monitor_id = $1",
            monitor,
        )
        .await,
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_held_change_tells_the_owner_once_after_three_unjudged_changes_and_a_verdict_ends_it() {
    let app = spawn_app().await;
    let (monitor, _) = app.create_alerting_monitor("price below 100", "auto").await;

    app.peers.set_verdict(Verdict::TimedOut);
    let mut unjudged = Vec::new();
    for price in [95, 94, 93, 92] {
        app.peers.set_text(&format!("price: {price} EUR"));
        unjudged.push(app.check_now(monitor).await);
    }
    for check in &unjudged {
        assert_eq!(check.status, "judge_unavailable");
        assert_eq!(check.unjudged_reason.as_deref(), Some("timeout"));
        assert!(!check.triggered);
    }
    let notices: Vec<bool> = unjudged.iter().map(|check| check.unjudged_notice).collect();
    assert_eq!(
        notices,
        [false, false, true, false],
        "one notice, at the third"
    );
    assert!(
        unjudged[2]
            .summary
            .as_deref()
            .unwrap()
            .contains("could not judge the last 3 changes"),
        "{:?}",
        unjudged[2].summary
    );
    wait_until("the notice to be sent", || async {
        (app.peers.sends().len() == 1).then_some(())
    })
    .await;
    let notice = app.peers.sends()[0].alert.clone().unwrap();
    assert_eq!(notice.kind(), AlertKind::Failing);

    app.peers.set_verdict(Verdict::State { holds: true });
    let judged = app.check_now(monitor).await;
    assert!(judged.triggered, "the held change is judged at last");
    assert_eq!(
        app.count(
            "SELECT unjudged_streak::bigint FROM monitors WHERE id = $1",
            monitor
        )
        .await,
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn alert_anyway_sends_the_change_marked_not_judged_and_notify_unjudged_tells_at_once() {
    let app = spawn_app().await;
    let (anyway, _) = app.create_alerting_monitor("price below 100", "auto").await;
    app.set_fail_policy(anyway, "alert_anyway").await;
    app.peers.set_verdict(Verdict::Unavailable);
    app.peers.set_text("price: 90 EUR");
    let alerted = app.check_now(anyway).await;
    assert!(alerted.triggered && alerted.changed, "{alerted:?}");
    assert_eq!(
        alerted.unjudged_reason.as_deref(),
        Some("model_unavailable")
    );
    assert!(
        alerted
            .summary
            .as_deref()
            .unwrap()
            .starts_with("Not judged (the model is unavailable)"),
        "{:?}",
        alerted.summary
    );
    wait_until("the unjudged alert to be sent", || async {
        (app.peers.sends().len() == 1).then_some(())
    })
    .await;
    let alert = app.peers.sends()[0].alert.clone().unwrap();
    assert_eq!(alert.kind(), AlertKind::Triggered);
    assert!(alert.diff.contains("+price: 90 EUR"), "{}", alert.diff);

    app.peers.set_verdict(Verdict::State { holds: false });
    app.peers.set_text("price: 120 EUR");
    let (told, _) = app.create_alerting_monitor("price below 100", "auto").await;
    app.set_fail_policy(told, "notify_unjudged").await;
    app.peers.set_verdict(Verdict::Unavailable);
    app.peers.set_text("price: 80 EUR");
    let first = app.check_now(told).await;
    app.peers.set_text("price: 70 EUR");
    let second = app.check_now(told).await;
    assert!(first.unjudged_notice && !second.unjudged_notice);
    assert!(!first.triggered && !second.triggered);
    wait_until("the notice to be sent", || async {
        (app.peers.sends().len() == 2).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_receiver_that_is_gone_disables_its_channel_with_the_reason_and_the_delivery_is_dead() {
    let app = spawn_app().await;
    app.add_team_owner("owner@example.test").await;
    let (monitor, channel) = app.create_emailed_monitor("price below 100").await;

    *app.peers.notify_error.lock().unwrap() = Some(Code::NotFound);
    let check = app.trigger_alert(monitor).await;
    let delivery = app
        .wait_for_delivery(check.id, "the delivery to be dead", |row| {
            row.status == "dead"
        })
        .await;
    assert_eq!(delivery.attempts, 1, "a gone receiver is not retried");
    let row = app
        .db
        .query_one(
            "SELECT enabled, disabled_reason FROM channels WHERE id = $1",
            &[&channel],
        )
        .await
        .unwrap();
    let (enabled, reason): (bool, Option<String>) = (row.get(0), row.get(1));
    assert!(!enabled, "the channel is disabled");
    assert!(reason.unwrap().contains("the address is not valid"));
    // The owner is told through the outbox, like any alert.
    let notice: SendRequest = wait_until("the owner to be told", || async {
        app.peers
            .sends()
            .into_iter()
            .find(|send| send.alert.as_ref().unwrap().kind() == AlertKind::ChannelDisabled)
    })
    .await;
    match notice.channel.as_ref().unwrap().target.as_ref().unwrap() {
        api_proto::notify::v1::channel::Target::Email(email) => {
            assert_eq!(email.address, "owner@example.test")
        }
        other => panic!("the owner is emailed, not {other:?}"),
    }
    assert!(
        notice
            .alert
            .unwrap()
            .summary
            .contains("the address is not valid")
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM deliveries WHERE channel_id = $1 AND kind = 'channel_disabled'",
            channel
        )
        .await,
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn a_receivers_retry_after_postpones_the_next_attempt_beyond_the_schedule() {
    let app = spawn_app().await;
    let (monitor, _) = app.create_emailed_monitor("price below 100").await;

    *app.peers.notify_failures_left.lock().unwrap() = 1;
    *app.peers.notify_retry_after_ms.lock().unwrap() = Some(3_600_000);
    let check = app.trigger_alert(monitor).await;
    let wait_seconds = app
        .wait_for_delivery(check.id, "the failed attempt to be recorded", |row| {
            row.attempts == 1
        })
        .await
        .next_attempt_in_seconds;
    assert!(wait_seconds > 3_500.0, "next attempt in {wait_seconds} s");
    assert_eq!(app.peers.sends().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_channel_whose_alerts_keep_dying_is_turned_off_and_its_owner_told_once() {
    let app = spawn_app_with(Options {
        channel_disable_after: 2,
        ..Options::default()
    })
    .await;
    app.add_team_owner("owner@example.test").await;
    let (monitor, channel) = app.create_emailed_monitor("price below 100").await;
    let health = || async {
        let row = app
            .db
            .query_one(
                "SELECT enabled, dead_streak, last_success_at IS NOT NULL, last_failure, disabled_reason
                   FROM channels WHERE id = $1",
                &[&channel],
            )
            .await
            .unwrap();
        (
            row.get::<_, bool>(0),
            row.get::<_, i32>(1),
            row.get::<_, bool>(2),
            row.get::<_, Option<String>>(3),
            row.get::<_, Option<String>>(4),
        )
    };
    let dead = |check: Uuid| {
        app.wait_for_delivery(check, "the delivery to be dead", |row| row.status == "dead")
    };

    // A delivery that arrives makes the channel healthy.
    let check = app.trigger_alert(monitor).await;
    app.wait_for_delivery(check.id, "the delivery to be sent", |row| {
        row.status == "sent"
    })
    .await;
    wait_until("the success to be recorded", || async {
        health().await.2.then_some(())
    })
    .await;

    // Two alerts in a row die: the channel is turned off once.
    *app.peers.notify_error.lock().unwrap() = Some(Code::InvalidArgument);
    for text in ["price: 80 EUR", "price: 70 EUR"] {
        app.peers.set_text(text);
        let check = app.check_now(monitor).await;
        dead(check.id).await;
    }
    let (enabled, streak, _, last_failure, reason) =
        wait_until("the channel to be off", || async {
            let health = health().await;
            (!health.0).then_some(health)
        })
        .await;
    assert!(!enabled);
    assert_eq!(streak, 2);
    assert!(
        last_failure.unwrap().contains("the address is not valid"),
        "the receiver's words are kept"
    );
    assert!(reason.unwrap().contains("2 alerts in a row"));
    let notices: Vec<SendRequest> = wait_until("the owner to be told", || async {
        let notices: Vec<SendRequest> = app
            .peers
            .sends()
            .into_iter()
            .filter(|send| send.alert.as_ref().unwrap().kind() == AlertKind::ChannelDisabled)
            .collect();
        (!notices.is_empty()).then_some(notices)
    })
    .await;
    assert_eq!(notices.len(), 1, "one notice");
    let notice = &notices[0];
    match notice.channel.as_ref().unwrap().target.as_ref().unwrap() {
        api_proto::notify::v1::channel::Target::Email(email) => {
            assert_eq!(email.address, "owner@example.test")
        }
        other => panic!("the owner is emailed, not {other:?}"),
    }
    let alert = notice.alert.as_ref().unwrap();
    assert_eq!(alert.monitor_name, "mail");
    assert!(alert.link.ends_with("/channels"), "{}", alert.link);

    // Later alerts skip the channel, and nobody is told again.
    app.peers.set_text("price: 60 EUR");
    let check = app.check_now(monitor).await;
    assert!(check.triggered);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM deliveries WHERE check_id = $1",
            check.id
        )
        .await,
        0
    );
    let notices = app
        .peers
        .sends()
        .into_iter()
        .filter(|send| send.alert.as_ref().unwrap().kind() == AlertKind::ChannelDisabled)
        .count();
    assert_eq!(notices, 1);
    app.stop().await;
}

#[tokio::test]
async fn render_options_reach_the_browser_with_cookies_and_fill_values_opened() {
    let app = spawn_app().await;
    let secret_box = secret_box::SecretBox::development();
    let cookie = store::monitors::RequestHeader::seal_for(
        &secret_box,
        store::monitors::COOKIE_PURPOSE,
        "session".to_owned(),
        "open-sesame",
    )
    .unwrap();
    let steps = vec![
        store::monitors::StoredStep {
            action: "fill".to_owned(),
            selector: Some("#password".to_owned()),
            text: None,
            secret: Some(
                secret_box
                    .seal(store::monitors::STEP_PURPOSE, "hunter2")
                    .unwrap(),
            ),
            ms: None,
        },
        store::monitors::StoredStep {
            action: "wait".to_owned(),
            selector: None,
            text: None,
            secret: None,
            ms: Some(250),
        },
    ];
    // Inserted whole and not yet due, so no check runs before it is complete.
    let monitor = uuid::Uuid::new_v4();
    app.db
        .execute(
            "INSERT INTO monitors (id, team_id, name, url, condition, interval_seconds, render,
                                   wait_for, cookies, steps, next_check_at)
             VALUES ($1, $2, 'Shop', 'https://shop.example.test/item', 'any change', 3600, true,
                     '#ready', $3, $4, now() + interval '1 hour')",
            &[
                &monitor,
                &app.team_id,
                &serde_json::to_value([&cookie]).unwrap(),
                &serde_json::to_value(&steps).unwrap(),
            ],
        )
        .await
        .unwrap();
    let check = app.check_now(monitor).await;
    assert_eq!(check.status, "ok");
    let fetch = app.peers.fetches.lock().unwrap().last().unwrap().clone();
    assert!(fetch.render);
    assert_eq!(fetch.wait_for, "#ready");
    assert_eq!(fetch.cookies[0].name, "session");
    assert_eq!(fetch.cookies[0].value, "open-sesame");
    assert_eq!(fetch.steps[0].action, "fill");
    assert_eq!(fetch.steps[0].selector, "#password");
    assert_eq!(fetch.steps[0].value, "hunter2");
    assert_eq!(fetch.steps[1].ms, 250);

    app.peers.set_page(Page::Failure(
        FetchOutcome::StepFailed,
        200,
        "step 1 (fill \"#password\") failed: nothing matches \"#password\"".to_owned(),
    ));
    let failed = app.check_now(monitor).await;
    assert_eq!(failed.status, "step_failed");
    assert!(
        failed
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("step 1"),
        "{failed:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_rendered_check_past_the_teams_renders_of_the_hour_is_recorded_without_alarm() {
    let app = spawn_app().await;
    app.db
        .execute(
            "INSERT INTO team_quotas (team_id, renders_per_hour) VALUES ($1, 1)",
            &[&app.team_id],
        )
        .await
        .unwrap();
    let monitor = Uuid::new_v4();
    app.db
        .execute(
            "INSERT INTO monitors (id, team_id, name, url, condition, interval_seconds, render,
                                   failure_alert_after, next_check_at)
             VALUES ($1, $2, 'Shop', 'https://shop.example.test/item', 'any change', 3600, true,
                     1, now() + interval '1 hour')",
            &[&monitor, &app.team_id],
        )
        .await
        .unwrap();
    let rendered = app.check_now(monitor).await;
    assert_eq!(rendered.status, "ok");
    let fetches = app.peers.fetches.lock().unwrap().len();

    let skipped = app.check_now(monitor).await;
    assert_eq!(skipped.status, "render_quota");
    assert_eq!(
        skipped.error.as_deref(),
        Some(
            "not checked: the team's 1 renders of this hour are used; the next check renders again when the hour turns"
        )
    );
    assert_eq!(
        app.peers.fetches.lock().unwrap().len(),
        fetches,
        "no render was asked for, and no plain fetch in its place"
    );
    assert_eq!(skipped.failure_alert, None, "not a failure of the page");
    assert_eq!(
        app.count(
            "SELECT consecutive_failures::bigint FROM monitors WHERE id = $1",
            monitor
        )
        .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT renders FROM render_usage WHERE team_id = $1",
            app.team_id
        )
        .await,
        1
    );
    assert!(app.peers.sends().is_empty(), "nobody is alerted");
    app.stop().await;
}
