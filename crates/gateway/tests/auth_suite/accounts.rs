//! Accounts are keyed by the provider's `(iss, sub)`: an email names a
//! person only as long as the provider's subject behind it stays the same.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{FakeProvider, TestApp, spawn_app_with_fake, status_and_body};

fn as_person(subject: &'static str, email: &'static str) -> impl FnOnce(&mut Value) {
    move |claims| {
        claims["sub"] = json!(subject);
        claims["email"] = json!(email);
    }
}

async fn identities(app: &TestApp) -> Vec<(String, String)> {
    app.database()
        .await
        .query(
            "SELECT i.subject, u.email FROM user_identities i JOIN users u ON u.id = i.user_id
              ORDER BY i.created_at, i.subject",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

async fn refusal_reasons(app: &TestApp) -> Vec<String> {
    app.database()
        .await
        .query(
            "SELECT detail->>'reason' FROM audit_events WHERE action = 'sign_in.refused' ORDER BY at, id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[tokio::test]
async fn an_email_that_moves_to_a_new_subject_does_not_inherit_the_account() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    let response = app
        .fake_sign_in(&provider, as_person("subject-ada", "ada@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let ada = app.user_id("ada@example.com").await;

    // The provider gave Ada's old address to someone else.
    let before = app.snapshot().await;
    let response = app
        .fake_sign_in(&provider, as_person("subject-newcomer", "ada@example.com"))
        .await;
    let (status, body) = status_and_body(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not match the account"),
        "{body}"
    );
    assert_eq!(app.snapshot().await, before);
    let reasons = refusal_reasons(&app).await;
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].contains(&ada.to_string()) && reasons[0].contains("another subject"),
        "{reasons:?}"
    );
    // A browser is sent back to the UI with a code it explains.
    let started = app.start_sign_in(None).await;
    let nonce = crate::support::query_value(&started.authorize_url, "nonce").unwrap();
    let state = crate::support::query_value(&started.authorize_url, "state").unwrap();
    let mut claims = provider.claims(&nonce);
    as_person("subject-newcomer", "ada@example.com")(&mut claims);
    provider.answer_with(provider.key.sign(&claims).unwrap());
    let response = app
        .client
        .get(app.url("/auth/google/callback"))
        .query(&[("code", "any-code"), ("state", state.as_str())])
        .header("cookie", started.browser.header())
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::support::location(&response),
        "/?error=account_conflict"
    );

    // Ada herself still signs in to her account.
    let response = app
        .fake_sign_in(&provider, as_person("subject-ada", "ada@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        identities(&app).await,
        vec![("subject-ada".to_owned(), "ada@example.com".to_owned())]
    );
}

#[tokio::test]
async fn an_account_from_before_subjects_is_linked_at_its_next_sign_in_and_then_only_by_subject() {
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    // As the store held accounts before they were keyed by subject.
    let legacy = app
        .store
        .upsert_user_by_email("grace@example.com", "Grace")
        .await
        .unwrap();
    assert!(identities(&app).await.is_empty());

    let response = app
        .fake_sign_in(&provider, as_person("subject-grace", "Grace@Example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.user_id("grace@example.com").await, legacy.id);
    assert_eq!(
        identities(&app).await,
        vec![("subject-grace".to_owned(), "grace@example.com".to_owned())]
    );
    let linked: bool = app
        .database()
        .await
        .query_one(
            "SELECT (detail->>'linked_by_email')::boolean FROM audit_events WHERE action = 'sign_in'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(linked);

    // Once linked, another subject with the same email is refused.
    let response = app
        .fake_sign_in(&provider, as_person("subject-other", "grace@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_known_subject_keeps_its_account_when_its_email_changes_unless_another_account_holds_it()
{
    let provider = FakeProvider::start().await;
    let app = spawn_app_with_fake(&provider).await;
    for (subject, email) in [
        ("subject-ann", "ann@example.com"),
        ("subject-bo", "bo@example.com"),
    ] {
        let response = app.fake_sign_in(&provider, as_person(subject, email)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let ann = app.user_id("ann@example.com").await;

    let response = app
        .fake_sign_in(&provider, as_person("subject-ann", "ann.smith@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.user_id("ann.smith@example.com").await, ann);

    // Bo's address for Ann's subject: which person owns it is unclear.
    let before = app.snapshot().await;
    let response = app
        .fake_sign_in(&provider, as_person("subject-ann", "bo@example.com"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.user_id("ann.smith@example.com").await, ann);
    let reasons = refusal_reasons(&app).await;
    assert!(
        reasons[0].contains("changed this subject's email"),
        "{reasons:?}"
    );
}
