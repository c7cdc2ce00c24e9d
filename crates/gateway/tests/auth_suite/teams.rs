//! Team membership (owners manage, members share) and isolation: another
//! team's resource is 404 on every route, a missing role 403.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, monitor_body, spawn_app, status_and_body};

async fn json_of(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    status_and_body(app.bearer(token, method, path, body).await).await
}

#[tokio::test]
async fn owners_manage_members_who_then_share_the_teams_monitors() {
    let app = spawn_app().await;
    let alice = app.sign_in("alice@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let carol = app.sign_in("carol@example.com").await;
    let (a, b, c) = (
        alice.access_token(),
        bob.access_token(),
        carol.access_token(),
    );
    let bob_id = app.user_id("bob@example.com").await;
    let alice_id = app.user_id("alice@example.com").await;
    let (_, team) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/teams",
        Some(&json!({"name": "Ops"})),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let members = format!("/api/v1/teams/{team}/members");

    let (status, added) = json_of(
        &app,
        a,
        Method::POST,
        &members,
        Some(&json!({"email": "Bob@Example.com", "role": "member"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["role"], "member");
    let (status, monitor) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/monitors",
        Some(&{
            let mut body = monitor_body();
            body["team_id"] = json!(team);
            body
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Bob sees and edits the team's monitor.
    let (status, _) = json_of(
        &app,
        b,
        Method::GET,
        &format!("/api/v1/monitors/{}", monitor["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, list) = json_of(&app, b, Method::GET, &members, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let before = app.snapshot().await;
    // A member lacks the owner role: 403 on every management call.
    let carol_member = json!({"email": "carol@example.com"});
    assert_eq!(
        json_of(&app, b, Method::POST, &members, Some(&carol_member))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json_of(
            &app,
            b,
            Method::PATCH,
            &format!("{members}/{alice_id}"),
            Some(&json!({"role": "member"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json_of(
            &app,
            b,
            Method::DELETE,
            &format!("{members}/{alice_id}"),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    // An outsider does not learn the team exists: 404 everywhere.
    assert_eq!(
        json_of(&app, c, Method::GET, &members, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        json_of(&app, c, Method::POST, &members, Some(&carol_member))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        json_of(
            &app,
            c,
            Method::PATCH,
            &format!("{members}/{bob_id}"),
            Some(&json!({"role": "owner"}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        json_of(
            &app,
            c,
            Method::DELETE,
            &format!("{members}/{bob_id}"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // The last owner can neither step down nor leave; duplicates and
    // unknown people are refused; personal teams take no members.
    assert_eq!(
        json_of(
            &app,
            a,
            Method::PATCH,
            &format!("{members}/{alice_id}"),
            Some(&json!({"role": "member"}))
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        json_of(
            &app,
            a,
            Method::DELETE,
            &format!("{members}/{alice_id}"),
            None
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        json_of(
            &app,
            a,
            Method::POST,
            &members,
            Some(&json!({"email": "bob@example.com"}))
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        json_of(
            &app,
            a,
            Method::POST,
            &members,
            Some(&json!({"email": "nobody@example.com"}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        json_of(
            &app,
            a,
            Method::POST,
            &members,
            Some(&json!({"email": "bob@example.com", "role": "admin"}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (_, me) = json_of(&app, a, Method::GET, "/api/v1/me", None).await;
    let personal = me["teams"][0]["id"].as_str().unwrap();
    assert_eq!(
        json_of(
            &app,
            a,
            Method::POST,
            &format!("/api/v1/teams/{personal}/members"),
            Some(&carol_member)
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(app.snapshot().await, before);

    // Promote Bob; now Alice may leave; Bob removes nobody else by mistake.
    let (status, promoted) = json_of(
        &app,
        a,
        Method::PATCH,
        &format!("{members}/{bob_id}"),
        Some(&json!({"role": "owner"})),
    )
    .await;
    assert_eq!(
        (status, promoted["role"].as_str()),
        (StatusCode::OK, Some("owner"))
    );
    assert_eq!(
        json_of(
            &app,
            a,
            Method::DELETE,
            &format!("{members}/{alice_id}"),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        json_of(&app, a, Method::GET, &members, None).await.0,
        StatusCode::NOT_FOUND
    );
    let actions = app.audit_actions().await;
    for action in [
        "team.created",
        "team.member_added",
        "team.role_changed",
        "team.member_removed",
        "monitor.created",
    ] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action}: {actions:?}"
        );
    }
}

#[tokio::test]
async fn another_users_resources_answer_404_on_every_route_and_stay_unchanged() {
    let app = spawn_app().await;
    let alice = app.sign_in("alice@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let a = alice.access_token();
    let (_, monitor) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/monitors",
        Some(&monitor_body()),
    )
    .await;
    let monitor = monitor["id"].as_str().unwrap().to_owned();
    let (_, channel) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/channels",
        Some(&json!({"kind": "email", "name": "Me", "address": "alice@example.com"})),
    )
    .await;
    let channel = channel["id"].as_str().unwrap().to_owned();
    let (_, key) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/api-keys",
        Some(&json!({"name": "k", "scopes": ["read"]})),
    )
    .await;
    let key = key["id"].as_str().unwrap().to_owned();
    let (_, team) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/teams",
        Some(&json!({"name": "Ops"})),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let (_, sessions) = json_of(&app, a, Method::GET, "/api/v1/sessions", None).await;
    let session = sessions["items"][0]["id"].as_str().unwrap().to_owned();
    let check = uuid::Uuid::new_v4();
    let alice_id = app.user_id("alice@example.com").await;

    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/monitors/{monitor}"), None),
        (
            Method::PATCH,
            format!("/api/v1/monitors/{monitor}"),
            Some(json!({"name": "pwned"})),
        ),
        (Method::DELETE, format!("/api/v1/monitors/{monitor}"), None),
        (
            Method::POST,
            format!("/api/v1/monitors/{monitor}/check"),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/v1/monitors/{monitor}/checks"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/monitors/{monitor}/checks/{check}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/monitors/{monitor}/trigger-secret"),
            Some(json!({})),
        ),
        (Method::DELETE, format!("/api/v1/channels/{channel}"), None),
        (
            Method::POST,
            format!("/api/v1/channels/{channel}/test"),
            Some(json!({})),
        ),
        (Method::DELETE, format!("/api/v1/api-keys/{key}"), None),
        (Method::DELETE, format!("/api/v1/sessions/{session}"), None),
        (Method::GET, format!("/api/v1/teams/{team}/members"), None),
        (
            Method::POST,
            format!("/api/v1/teams/{team}/members"),
            Some(json!({"email": "bob@example.com"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/teams/{team}/members/{alice_id}"),
            Some(json!({"role": "member"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/teams/{team}/members/{alice_id}"),
            None,
        ),
    ];
    let before = app.snapshot().await;
    for (method, path, body) in &routes {
        let (status, body) = json_of(
            &app,
            bob.access_token(),
            method.clone(),
            path,
            body.as_ref(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    // Bob's lists do not show Alice's things either.
    let (_, monitors) = json_of(
        &app,
        bob.access_token(),
        Method::GET,
        "/api/v1/monitors",
        None,
    )
    .await;
    assert_eq!(monitors["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.snapshot().await, before);
    let client = app.database().await;
    let secret: Option<String> = client
        .query_one("SELECT trigger_secret FROM monitors", &[])
        .await
        .unwrap()
        .get(0);
    assert!(secret.is_none());
}

fn team_names(me: &Value) -> Vec<String> {
    me["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|team| team["name"].as_str().unwrap().to_owned())
        .collect()
}

/// `/me` is answered from each replica's identity cache; a membership
/// change made through one replica shows on the next request to another.
#[tokio::test]
async fn membership_changes_through_one_replica_show_at_once_on_another() {
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let alice = app.sign_in("alice@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let (a, b) = (alice.access_token(), bob.access_token());
    let bob_id = app.user_id("bob@example.com").await;

    let before = app.bearer_get_at(&replica, b, "/api/v1/me").await;
    assert_eq!(team_names(&before).len(), 1, "{before}");

    // Behind the cache's back: the replica keeps answering from memory,
    // which shows the cache is what answers.
    let database = app.database().await;
    database
        .execute(
            "UPDATE teams SET name = 'Renamed in SQL' WHERE id IN
               (SELECT team_id FROM memberships WHERE user_id = $1)",
            &[&bob_id],
        )
        .await
        .unwrap();
    let cached = app.bearer_get_at(&replica, b, "/api/v1/me").await;
    assert_eq!(team_names(&cached), team_names(&before));

    let (_, team) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/teams",
        Some(&json!({"name": "Ops"})),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let (status, _) = json_of(
        &app,
        a,
        Method::POST,
        &format!("/api/v1/teams/{team}/members"),
        Some(&json!({"email": "bob@example.com", "role": "member"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let after_add = app.bearer_get_at(&replica, b, "/api/v1/me").await;
    assert_eq!(
        team_names(&after_add),
        vec!["Renamed in SQL".to_owned(), "Ops".to_owned()],
        "{after_add}"
    );

    let (status, _) = json_of(
        &app,
        a,
        Method::PATCH,
        &format!("/api/v1/teams/{team}/members/{bob_id}"),
        Some(&json!({"role": "owner"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let after_promotion = app.bearer_get_at(&replica, b, "/api/v1/me").await;
    assert_eq!(
        after_promotion["teams"][1]["role"], "owner",
        "{after_promotion}"
    );

    let response = app
        .bearer(
            a,
            Method::DELETE,
            &format!("/api/v1/teams/{team}/members/{bob_id}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let after_removal = app.bearer_get_at(&replica, b, "/api/v1/me").await;
    assert_eq!(
        team_names(&after_removal),
        vec!["Renamed in SQL".to_owned()]
    );
}
