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

/// The owner invites `email` to `team`; its invitee accepts. Returns the
/// accept answer.
async fn join_by_invitation(
    app: &TestApp,
    owner: &str,
    invitee: &str,
    team: &str,
    email: &str,
    role: &str,
) -> Value {
    let (status, invitation) = json_of(
        app,
        owner,
        Method::POST,
        &format!("/api/v1/teams/{team}/invitations"),
        Some(&json!({"email": email, "role": role})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let (status, received) = json_of(app, invitee, Method::GET, "/api/v1/invitations", None).await;
    assert_eq!(status, StatusCode::OK);
    let id = invitation["id"].as_str().unwrap();
    assert!(
        received["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["id"] == id),
        "{received}"
    );
    let (status, joined) = json_of(
        app,
        invitee,
        Method::POST,
        &format!("/api/v1/invitations/{id}/accept"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    joined
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

    let invitations = format!("/api/v1/teams/{team}/invitations");
    let added = join_by_invitation(&app, a, b, &team, "Bob@Example.com", "member").await;
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
        json_of(&app, b, Method::POST, &invitations, Some(&carol_member))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json_of(&app, b, Method::GET, &invitations, None).await.0,
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
        json_of(&app, c, Method::POST, &invitations, Some(&carol_member))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        json_of(&app, c, Method::GET, &invitations, None).await.0,
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
    // The last owner can neither step down nor leave; members are not
    // invited again; personal teams take no members; nobody is added
    // without accepting.
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
            &invitations,
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
            Some(&json!({"email": "carol@example.com"}))
        )
        .await
        .0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    for bad in [
        json!({"email": "carol@example.com", "role": "admin"}),
        json!({"email": "not an address"}),
    ] {
        assert_eq!(
            json_of(&app, a, Method::POST, &invitations, Some(&bad))
                .await
                .0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
    let (_, me) = json_of(&app, a, Method::GET, "/api/v1/me", None).await;
    let personal = me["teams"][0]["id"].as_str().unwrap();
    assert_eq!(
        json_of(
            &app,
            a,
            Method::POST,
            &format!("/api/v1/teams/{personal}/invitations"),
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
        "team.invitation_sent",
        "team.invitation_accepted",
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
            Method::GET,
            format!("/api/v1/teams/{team}/invitations"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/teams/{team}/invitations"),
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
    join_by_invitation(&app, a, b, &team, "bob@example.com", "member").await;
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

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_invitation_answers_alike_for_any_address_and_joins_only_its_invitee_once_accepted() {
    let app = spawn_app().await;
    let alice = app.sign_in("alice@example.com").await;
    let bob = app.sign_in("bob@example.com").await;
    let carol = app.sign_in("carol@example.com").await;
    let (a, b, c) = (
        alice.access_token(),
        bob.access_token(),
        carol.access_token(),
    );
    let (_, team) = json_of(
        &app,
        a,
        Method::POST,
        "/api/v1/teams",
        Some(&json!({"name": "Ops"})),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    let invitations = format!("/api/v1/teams/{team}/invitations");
    let members = format!("/api/v1/teams/{team}/members");

    // An address with an account and one without get the same answer.
    let (status, for_bob) = json_of(
        &app,
        a,
        Method::POST,
        &invitations,
        Some(&json!({"email": "bob@example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, for_dave) = json_of(
        &app,
        a,
        Method::POST,
        &invitations,
        Some(&json!({"email": "Dave@Example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let keys = |value: &Value| {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&for_bob), keys(&for_dave));
    assert!(for_bob.get("user_id").is_none(), "{for_bob}");
    assert_eq!(for_dave["email"], "dave@example.com");
    // Nobody joined by being invited; the owner sees both pending.
    let (_, list) = json_of(&app, a, Method::GET, &members, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (status, pending) = json_of(&app, a, Method::GET, &invitations, None).await;
    assert_eq!(status, StatusCode::OK);
    let bob_invitation = for_bob["id"].as_str().unwrap().to_owned();
    let dave_invitation = for_dave["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(&pending),
        vec![bob_invitation.clone(), dave_invitation.clone()]
    );

    // Carol sees nothing and cannot answer Bob's invitation.
    let (_, received) = json_of(&app, c, Method::GET, "/api/v1/invitations", None).await;
    assert!(ids(&received).is_empty(), "{received}");
    // A script of Bob's, for later.
    let (_, key) = json_of(
        &app,
        b,
        Method::POST,
        "/api/v1/api-keys",
        Some(&json!({"name": "script", "scopes": ["read", "write"]})),
    )
    .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;
    for action in ["accept", "decline"] {
        let path = format!("/api/v1/invitations/{bob_invitation}/{action}");
        assert_eq!(
            json_of(&app, c, Method::POST, &path, None).await.0,
            StatusCode::NOT_FOUND,
            "{action}"
        );
    }
    // Bob's script cannot answer for him.
    assert_eq!(
        json_of(
            &app,
            &key,
            Method::POST,
            &format!("/api/v1/invitations/{bob_invitation}/accept"),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.snapshot().await, before);

    // Bob declines; the invitation is gone for everyone.
    let (_, received) = json_of(&app, b, Method::GET, "/api/v1/invitations", None).await;
    assert_eq!(received["items"][0]["team_name"], "Ops");
    assert_eq!(received["items"][0]["invited_by"], "alice@example.com");
    assert_eq!(received["items"][0]["role"], "member");
    let decline = format!("/api/v1/invitations/{bob_invitation}/decline");
    assert_eq!(
        json_of(&app, b, Method::POST, &decline, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        json_of(
            &app,
            b,
            Method::POST,
            &format!("/api/v1/invitations/{bob_invitation}/accept"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, pending) = json_of(&app, a, Method::GET, &invitations, None).await;
    assert_eq!(ids(&pending), vec![dave_invitation.clone()]);

    // Invited again as an owner, Bob accepts and holds that role.
    let joined = join_by_invitation(&app, a, b, &team, "bob@example.com", "owner").await;
    assert_eq!(
        (joined["team_id"].as_str(), joined["role"].as_str()),
        (Some(team.as_str()), Some("owner"))
    );

    // Dave signs in for the first time and finds the invitation waiting,
    // unless the owner withdrew it: then it is gone.
    let dave = app.sign_in("dave@example.com").await;
    let (_, received) = json_of(
        &app,
        dave.access_token(),
        Method::GET,
        "/api/v1/invitations",
        None,
    )
    .await;
    assert_eq!(ids(&received), vec![dave_invitation.clone()]);
    let withdraw = format!("{invitations}/{dave_invitation}");
    assert_eq!(
        json_of(&app, b, Method::DELETE, &withdraw, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        json_of(&app, a, Method::DELETE, &withdraw, None).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, received) = json_of(
        &app,
        dave.access_token(),
        Method::GET,
        "/api/v1/invitations",
        None,
    )
    .await;
    assert!(ids(&received).is_empty(), "{received}");

    // An expired invitation is neither listed nor accepted.
    let (_, for_carol) = json_of(
        &app,
        a,
        Method::POST,
        &invitations,
        Some(&json!({"email": "carol@example.com"})),
    )
    .await;
    let carol_invitation = for_carol["id"].as_str().unwrap().to_owned();
    app.database()
        .await
        .execute(
            "UPDATE team_invitations SET expires_at = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();
    let (_, received) = json_of(&app, c, Method::GET, "/api/v1/invitations", None).await;
    assert!(ids(&received).is_empty(), "{received}");
    let (_, pending) = json_of(&app, a, Method::GET, &invitations, None).await;
    assert!(ids(&pending).is_empty(), "{pending}");
    assert_eq!(
        json_of(
            &app,
            c,
            Method::POST,
            &format!("/api/v1/invitations/{carol_invitation}/accept"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = json_of(&app, a, Method::GET, &members, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let actions = app.audit_actions().await;
    for action in [
        "team.invitation_sent",
        "team.invitation_declined",
        "team.invitation_accepted",
        "team.invitation_revoked",
    ] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action}: {actions:?}"
        );
    }
}
