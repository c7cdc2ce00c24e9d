//! Per-team monthly model budgets as the scheduler applies them: what reaches the model is
//! counted per monitor and month, and a team over its budget has its changes handled by each
//! monitor's fail policy without a model call, recorded as `over_budget`.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] functions set up fixtures.

mod support;

use support::{Verdict, spawn_app};
use uuid::Uuid;

/// Sets the team's budget as the admin API stores it.
async fn set_budget(app: &support::TestApp, tokens: Option<i64>, calls: Option<i64>) {
    app.db
        .execute(
            "INSERT INTO team_budgets (team_id, monthly_tokens, monthly_calls) VALUES ($1, $2, $3)
             ON CONFLICT (team_id) DO UPDATE SET monthly_tokens = $2, monthly_calls = $3",
            &[&app.team_id, &tokens, &calls],
        )
        .await
        .unwrap();
}

async fn used(app: &support::TestApp, monitor: Uuid) -> (i64, i64) {
    let row = app
        .db
        .query_one(
            "SELECT coalesce(sum(tokens), 0)::bigint, coalesce(sum(calls), 0)::bigint
               FROM model_usage WHERE monitor_id = $1
                AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date",
            &[&monitor],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn model_use_is_counted_per_monitor_and_a_team_over_budget_is_not_sent_to_the_model() {
    let app = spawn_app().await;
    app.peers.set_verdict(Verdict::State { holds: false });
    let (monitor, first) = app.create_alerting_monitor("price below 100", "auto").await;
    assert_eq!(first.prompt_tokens, Some(300));
    assert_eq!(
        used(&app, monitor).await,
        (340, 1),
        "300 + 40 tokens, one call"
    );

    // The budget allows 600 tokens: the second judged change reaches it.
    set_budget(&app, Some(600), None).await;
    app.peers.set_text("price: 110 EUR");
    let judged = app.check_now(monitor).await;
    assert!(judged.unjudged_reason.is_none(), "{judged:?}");
    assert_eq!(used(&app, monitor).await, (680, 2));

    let asked = app.peers.evaluations().len();
    app.peers.set_verdict(Verdict::State { holds: true });
    app.peers.set_text("price: 90 EUR");
    let held = app.check_now(monitor).await;
    assert_eq!(app.peers.evaluations().len(), asked, "no model call");
    assert_eq!(held.status, "judge_unavailable");
    assert_eq!(held.unjudged_reason.as_deref(), Some("over_budget"));
    assert!(!held.triggered, "`hold` keeps the change for later");
    assert!(
        held.error.as_deref().unwrap().contains("budget"),
        "{held:?}"
    );
    assert_eq!(used(&app, monitor).await, (680, 2), "nothing more spent");

    // A higher budget lets the held change be judged at the next check.
    set_budget(&app, Some(10_000), Some(100)).await;
    let released = app.check_now(monitor).await;
    assert!(released.triggered, "{released:?}");
    assert_eq!(app.peers.evaluations().len(), asked + 1);
    app.stop().await;
}

#[tokio::test]
async fn over_budget_follows_the_monitors_fail_policy() {
    let app = spawn_app().await;
    app.peers.set_verdict(Verdict::State { holds: false });
    let (anyway, _) = app.create_alerting_monitor("price below 100", "auto").await;
    app.set_fail_policy(anyway, "alert_anyway").await;
    let (notify, _) = app.create_alerting_monitor("price below 100", "auto").await;
    app.set_fail_policy(notify, "notify_unjudged").await;
    set_budget(&app, None, Some(2)).await;
    let asked = app.peers.evaluations().len();
    assert_eq!(asked, 2, "the two first checks used the two calls");

    app.peers.set_text("price: 90 EUR");
    let alerted = app.check_now(anyway).await;
    let told = app.check_now(notify).await;

    assert_eq!(app.peers.evaluations().len(), asked);
    assert!(alerted.triggered, "{alerted:?}");
    assert_eq!(alerted.unjudged_reason.as_deref(), Some("over_budget"));
    assert!(
        alerted.summary.as_deref().unwrap().contains("budget"),
        "{alerted:?}"
    );
    assert!(!told.triggered && told.unjudged_notice, "{told:?}");
    assert_eq!(told.unjudged_reason.as_deref(), Some("over_budget"));
    app.stop().await;
}
