//! The queries behind the REST API, against a real database: accounts,
//! teams, and the scoping of every read and write by membership.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use store::Store;
use store::StoreError;
use store::channels::{ChannelKind, NewChannel};
use store::monitors::{
    CHANNEL_REFERENCE, FailPolicy, FirstCheck, MonitorDefinition, MonitorPatch, PageRequest,
    TEAM_REFERENCE,
};
use store::scheduling::{ConditionMemory, Judging, MonitorOutcome, NewCheck};
use store::teams::Role;

async fn store() -> Store {
    let database = test_support::postgres::fresh_database().await;
    let store = Store::connect(&database.url, 4).unwrap();
    store.migrate().await.unwrap();
    store
}

fn definition(name: &str) -> MonitorDefinition {
    MonitorDefinition {
        name: name.to_owned(),
        url: "https://example.com/".to_owned(),
        css_selector: None,
        json_pointer: None,
        xpath: None,
        json_path: None,
        jq_filter: None,
        condition: String::new(),
        interval_seconds: 300,
        render: false,
        headers: Vec::new(),
        wait_for: None,
        cookies: Vec::new(),
        steps: Vec::new(),
        paused: false,
        first_check: FirstCheck::Auto,
        fail_policy: FailPolicy::Hold,
        failure_alert_after: 3,
        screenshot: Default::default(),
        tag_ids: Vec::new(),
    }
}

fn email_channel() -> NewChannel {
    NewChannel {
        kind: ChannelKind::Email,
        name: "Me".to_owned(),
        target: "me@example.com".to_owned(),
        secret: None,
        settings: serde_json::json!({}),
        awaiting_confirmation: false,
        delivery: Default::default(),
    }
}

#[tokio::test]
async fn a_user_is_created_once_per_email_with_one_personal_team() {
    let store = store().await;
    let (first, second) = tokio::join!(
        store.upsert_user_by_email("Alice@Example.com", "Alice"),
        store.upsert_user_by_email("alice@example.com", "")
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.id, second.id, "emails compare case-insensitively");
    let teams = store.list_teams_for_user(first.id).await.unwrap();
    assert_eq!(teams.len(), 1);
    assert!(teams[0].personal);
    assert_eq!(teams[0].role, Role::Owner);
    assert_eq!(
        store.find_user(first.id).await.unwrap().unwrap().id,
        first.id
    );
    assert!(
        store
            .find_user(uuid::Uuid::new_v4())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn monitors_are_visible_and_writable_only_by_members_of_their_team() {
    let store = store().await;
    let alice = store
        .upsert_user_by_email("alice@example.com", "")
        .await
        .unwrap();
    let bob = store
        .upsert_user_by_email("bob@example.com", "")
        .await
        .unwrap();
    let created = store
        .create_monitor(alice.id, None, &definition("mine"), &[])
        .await
        .unwrap();
    let id = created.monitor.id;
    let page = PageRequest {
        limit: 10,
        after: None,
    };

    assert!(store.get_monitor(bob.id, id).await.unwrap().is_none());
    assert!(
        store
            .list_monitors(bob.id, &Default::default(), page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let patch = MonitorPatch {
        name: Some("stolen".to_owned()),
        ..MonitorPatch::default()
    };
    assert!(
        store
            .update_monitor(bob.id, id, &patch, None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.request_monitor_run(bob.id, id).await.unwrap());
    assert_eq!(store.delete_monitor(bob.id, id).await.unwrap(), None);
    assert!(store.list_checks(bob.id, id, page).await.unwrap().is_none());

    let still = store.get_monitor(alice.id, id).await.unwrap().unwrap();
    assert_eq!(still.monitor.name, "mine");
    assert_eq!(still.monitor.requested_reason, None);

    // A shared team makes it visible: membership is the only key.
    let team = store.create_team(bob.id, "shared").await.unwrap();
    let shared = store
        .create_monitor(bob.id, Some(team.id), &definition("shared"), &[])
        .await
        .unwrap();
    assert_eq!(shared.monitor.team_id, team.id);
    assert!(
        store
            .get_monitor(alice.id, shared.monitor.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn writes_naming_a_foreign_team_or_channel_are_refused_whole() {
    let store = store().await;
    let alice = store
        .upsert_user_by_email("alice@example.com", "")
        .await
        .unwrap();
    let bob = store
        .upsert_user_by_email("bob@example.com", "")
        .await
        .unwrap();
    let bobs_team = store.list_teams_for_user(bob.id).await.unwrap()[0].id;
    let bobs_channel = store
        .create_channel(bob.id, None, &email_channel())
        .await
        .unwrap();
    let alices_channel = store
        .create_channel(alice.id, None, &email_channel())
        .await
        .unwrap();

    let error = store
        .create_monitor(alice.id, Some(bobs_team), &definition("x"), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::MissingReference { ref constraint } if constraint == TEAM_REFERENCE)
    );
    let error = store
        .create_monitor(
            alice.id,
            None,
            &definition("x"),
            &[alices_channel.id, bobs_channel.id],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::MissingReference { ref constraint } if constraint == CHANNEL_REFERENCE)
    );
    let page = PageRequest {
        limit: 10,
        after: None,
    };
    assert!(
        store
            .list_monitors(alice.id, &Default::default(), page)
            .await
            .unwrap()
            .items
            .is_empty(),
        "rolled back"
    );

    let created = store
        .create_monitor(
            alice.id,
            None,
            &definition("x"),
            &[alices_channel.id, alices_channel.id],
        )
        .await
        .unwrap();
    assert_eq!(
        created.channel_ids,
        vec![alices_channel.id],
        "duplicates collapse"
    );
    let error = store
        .update_monitor(
            alice.id,
            created.monitor.id,
            &MonitorPatch::default(),
            Some(&[bobs_channel.id]),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::MissingReference { .. }));
    let unchanged = store
        .get_monitor(alice.id, created.monitor.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.channel_ids, vec![alices_channel.id]);

    assert!(
        store
            .get_channel(bob.id, alices_channel.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !store
            .delete_channel(bob.id, alices_channel.id)
            .await
            .unwrap()
    );
    assert_eq!(store.list_channels(bob.id, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_patch_changes_only_what_it_names_and_can_clear_the_selector() {
    let store = store().await;
    let alice = store
        .upsert_user_by_email("alice@example.com", "")
        .await
        .unwrap();
    let mut with_selector = definition("x");
    with_selector.css_selector = Some(".price".to_owned());
    let created = store
        .create_monitor(alice.id, None, &with_selector, &[])
        .await
        .unwrap();
    let patch = MonitorPatch {
        css_selector: Some(None),
        interval_seconds: Some(60),
        ..MonitorPatch::default()
    };
    let updated = store
        .update_monitor(alice.id, created.monitor.id, &patch, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.monitor.css_selector, None);
    assert_eq!(updated.monitor.interval_seconds, 60);
    assert_eq!(updated.monitor.name, "x");
    assert!(updated.monitor.updated_at >= created.monitor.updated_at);
}

#[tokio::test]
async fn a_monitor_keeps_one_selector_per_family_and_switches_kind_by_patch() {
    let store = store().await;
    let alice = store
        .upsert_user_by_email("alice@example.com", "")
        .await
        .unwrap();
    let mut both = definition("two html selectors");
    both.css_selector = Some(".price".to_owned());
    both.xpath = Some("//span".to_owned());
    assert!(
        store
            .create_monitor(alice.id, None, &both, &[])
            .await
            .is_err()
    );

    let mut with_path = definition("json");
    with_path.json_path = Some("$.items[*].price".to_owned());
    with_path.css_selector = Some(".price".to_owned());
    let created = store
        .create_monitor(alice.id, None, &with_path, &[])
        .await
        .unwrap();
    assert_eq!(
        created.monitor.json_path.as_deref(),
        Some("$.items[*].price")
    );

    let switch = MonitorPatch {
        css_selector: Some(None),
        xpath: Some(Some("//span[@class='price']".to_owned())),
        json_path: Some(None),
        jq_filter: Some(Some(".items | length".to_owned())),
        ..MonitorPatch::default()
    };
    let updated = store
        .update_monitor(alice.id, created.monitor.id, &switch, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.monitor.css_selector, None);
    assert_eq!(
        updated.monitor.xpath.as_deref(),
        Some("//span[@class='price']")
    );
    assert_eq!(updated.monitor.json_path, None);
    assert_eq!(
        updated.monitor.jq_filter.as_deref(),
        Some(".items | length")
    );
}

#[tokio::test]
async fn the_first_check_rule_is_stored_and_a_new_condition_forgets_what_held() {
    let store = store().await;
    let alice = store
        .upsert_user_by_email("alice@example.com", "")
        .await
        .unwrap();
    let mut baseline = definition("x");
    baseline.first_check = FirstCheck::Baseline;
    baseline.condition = "price below 100".to_owned();
    let created = store
        .create_monitor(alice.id, None, &baseline, &[])
        .await
        .unwrap();
    assert_eq!(created.monitor.first_check, FirstCheck::Baseline);
    assert_eq!(created.monitor.condition_holds, None);
    // What the scheduler records after a judged check.
    let now = chrono::Utc::now();
    let check = NewCheck {
        id: uuid::Uuid::now_v7(),
        monitor_id: created.monitor.id,
        team_id: created.monitor.team_id,
        reason: "schedule",
        status: "ok".to_owned(),
        started_at: now,
        finished_at: now,
        ..NewCheck::default()
    };
    let outcome = MonitorOutcome {
        succeeded: true,
        condition: ConditionMemory::Set(Some(true)),
        judging: Judging::Judged,
        next_check_in: std::time::Duration::from_secs(60),
    };
    store.record_check(&check, None, outcome).await.unwrap();

    let same_condition = MonitorPatch {
        first_check: Some(FirstCheck::Alert),
        condition: Some("price below 100".to_owned()),
        ..MonitorPatch::default()
    };
    let updated = store
        .update_monitor(alice.id, created.monitor.id, &same_condition, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.monitor.first_check, FirstCheck::Alert);
    assert_eq!(updated.monitor.condition_holds, Some(true));

    let new_condition = MonitorPatch {
        condition: Some("price below 50".to_owned()),
        ..MonitorPatch::default()
    };
    let updated = store
        .update_monitor(alice.id, created.monitor.id, &new_condition, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.monitor.condition_holds, None);
    assert_eq!(updated.monitor.first_check, FirstCheck::Alert);
}

#[tokio::test]
async fn series_and_recent_checks_are_read_only_for_members_of_the_monitors_team() {
    let store = store().await;
    let alice = store
        .upsert_user_by_email("alice@example.com", "")
        .await
        .unwrap();
    let bob = store
        .upsert_user_by_email("bob@example.com", "")
        .await
        .unwrap();
    let mut priced = definition("priced");
    priced.condition = "price below 100 EUR".to_owned();
    let created = store
        .create_monitor(alice.id, None, &priced, &[])
        .await
        .unwrap()
        .monitor;
    let start = chrono::Utc::now() - chrono::Duration::minutes(30);
    for (minute, value, triggered) in [(1, "120", false), (2, "90", true), (3, "110", false)] {
        let at = start + chrono::Duration::minutes(minute);
        let check = NewCheck {
            id: uuid::Uuid::now_v7(),
            monitor_id: created.id,
            team_id: created.team_id,
            reason: "schedule",
            status: "ok".to_owned(),
            changed: minute > 1,
            triggered,
            extracted_value: Some(value.to_owned()),
            started_at: at,
            finished_at: at,
            ..NewCheck::default()
        };
        let outcome = MonitorOutcome {
            succeeded: true,
            condition: ConditionMemory::Keep,
            judging: Judging::Judged,
            next_check_in: std::time::Duration::from_secs(60),
        };
        store.record_check(&check, None, outcome).await.unwrap();
    }

    let series = store
        .check_series(alice.id, created.id, 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(series.condition, "price below 100 EUR");
    let read: Vec<(store::series::Outcome, Option<&str>)> = series
        .checks
        .iter()
        .map(|check| (check.outcome, check.extracted_value.as_deref()))
        .collect();
    assert_eq!(
        read,
        [
            (store::series::Outcome::Alerted, Some("90")),
            (store::series::Outcome::Changed, Some("110")),
        ],
        "the latest two, oldest first"
    );
    let recent = store
        .recent_checks(alice.id, &[created.id, uuid::Uuid::new_v4()], 20)
        .await
        .unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[&created.id].len(), 3);

    // Bob names Alice's monitor: neither query answers anything of it.
    assert_eq!(
        store.check_series(bob.id, created.id, 100).await.unwrap(),
        None
    );
    assert!(
        store
            .recent_checks(bob.id, &[created.id], 20)
            .await
            .unwrap()
            .is_empty()
    );
}
