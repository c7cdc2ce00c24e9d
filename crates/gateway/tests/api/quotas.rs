//! Per-team quotas: each refuses one more with 403 `limit_reached` naming the quota and its
//! limit, concurrent creations never share the last slot, an administrator's override wins
//! over the default, and members see use against each limit.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use store::quotas::QuotaLimits;

use crate::helpers::{TestApp, TestUser, expect_json, monitor_body, spawn_app_with};

async fn app_with_limits(limits: QuotaLimits) -> TestApp {
    spawn_app_with(|config| {
        config.quotas.limits = limits;
        config.identity.admin_emails = vec!["alice@example.com".to_owned()];
    })
    .await
}

const ONE_EACH: QuotaLimits = QuotaLimits {
    monitors: 1,
    channels: 1,
    api_keys: 1,
    renders_per_hour: 1,
};

/// Asserts a 403 `limit_reached` that names `quota` and `limit`, in the body and the message.
async fn expect_quota(response: Response, quota: &str, limit: i64) {
    let body = expect_json(response, StatusCode::FORBIDDEN).await;
    let error = &body["error"];
    assert_eq!(error["code"], "limit_reached", "{body}");
    assert_eq!(error["quota"], quota, "{body}");
    assert_eq!(error["limit"], limit, "{body}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("quota {quota} reached: the limit is {limit} ")),
        "{message}"
    );
}

async fn personal_team(app: &TestApp, user: &TestUser) -> String {
    let teams = expect_json(app.list_teams(user).await, StatusCode::OK).await;
    teams["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn create_key(app: &TestApp, user: &TestUser, name: &str) -> Response {
    app.post(
        user,
        "/api/v1/api-keys",
        &json!({"name": name, "scopes": ["read"]}),
    )
    .await
}

async fn rendered_preview(app: &TestApp, user: &TestUser) -> Response {
    app.post(
        user,
        "/api/v1/preview",
        &json!({"url": "https://93.184.215.14/page", "render": true}),
    )
    .await
}

fn quota<'a>(quotas: &'a Value, name: &str) -> &'a Value {
    quotas["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|quota| quota["name"] == name)
        .unwrap_or_else(|| panic!("no quota {name} in {quotas}"))
}

#[tokio::test]
async fn each_quota_at_its_limit_refuses_one_more_and_names_itself() {
    let app = app_with_limits(ONE_EACH).await;

    app.new_monitor(&app.bob).await;
    expect_quota(
        app.create_monitor(&app.bob, &monitor_body()).await,
        "monitors",
        1,
    )
    .await;

    app.new_email_channel(&app.bob).await;
    expect_quota(
        app.create_channel(
            &app.bob,
            &json!({"kind": "email", "name": "Second", "address": "bob@example.com"}),
        )
        .await,
        "channels",
        1,
    )
    .await;

    expect_json(
        create_key(&app, &app.bob, "first").await,
        StatusCode::CREATED,
    )
    .await;
    expect_quota(create_key(&app, &app.bob, "second").await, "api_keys", 1).await;

    expect_json(rendered_preview(&app, &app.bob).await, StatusCode::OK).await;
    let fetches = app.browser.fetches.lock().unwrap().len();
    expect_quota(
        rendered_preview(&app, &app.bob).await,
        "renders_per_hour",
        1,
    )
    .await;
    assert_eq!(
        app.browser.fetches.lock().unwrap().len(),
        fetches,
        "a refused render never reaches the browser service"
    );
    // A plain fetch is not a render.
    expect_json(
        app.post(
            &app.bob,
            "/api/v1/preview",
            &json!({"url": "https://93.184.215.14/page"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Another team's quotas are its own.
    app.new_monitor(&app.alice).await;
    expect_json(rendered_preview(&app, &app.alice).await, StatusCode::OK).await;
}

#[tokio::test]
async fn concurrent_monitor_creations_never_share_the_last_slot() {
    let limits = QuotaLimits {
        monitors: 3,
        ..QuotaLimits::default()
    };
    let app = app_with_limits(limits).await;
    let body = monitor_body();
    let attempts = (0..12).map(|_| app.create_monitor(&app.bob, &body));
    let responses = futures::future::join_all(attempts).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::FORBIDDEN => expect_quota(response, "monitors", 3).await,
            other => panic!("unexpected {other}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!(created, 3);
    let stored: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM monitors m JOIN memberships ms ON ms.team_id = m.team_id
              WHERE ms.user_id = $1",
            &[&app.bob.id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 3);
}

#[tokio::test]
async fn an_administrator_overrides_a_teams_quota_and_members_see_use_against_it() {
    let app = app_with_limits(ONE_EACH).await;
    let team = personal_team(&app, &app.bob).await;
    let set_quotas = |user: &TestUser, body: Value| {
        app.client
            .put(app.url(&format!("/api/v1/admin/teams/{team}/quotas")))
            .bearer_auth(&user.token)
            .json(&body)
            .send()
    };
    assert_eq!(
        set_quotas(&app.bob, json!({"monitors": 5}))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "only administrators change quotas"
    );
    let refused = set_quotas(&app.alice, json!({"monitors": -1}))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    expect_json(
        set_quotas(
            &app.alice,
            json!({"monitors": 2, "channels": null, "api_keys": null, "renders_per_hour": 0}),
        )
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;

    app.new_monitor(&app.bob).await;
    app.new_monitor(&app.bob).await;
    expect_quota(
        app.create_monitor(&app.bob, &monitor_body()).await,
        "monitors",
        2,
    )
    .await;
    expect_quota(
        rendered_preview(&app, &app.bob).await,
        "renders_per_hour",
        0,
    )
    .await;

    let quotas = team_quotas(&app, &app.bob, &team).await;
    assert_eq!(
        quota(&quotas, "monitors"),
        &json!({"name": "monitors", "limit": 2, "used": 2, "overridden": true})
    );
    assert_eq!(
        quota(&quotas, "channels"),
        &json!({"name": "channels", "limit": 1, "used": 0, "overridden": false})
    );
    assert_eq!(quota(&quotas, "api_keys")["limit"], 1);
    assert_eq!(quota(&quotas, "renders_per_hour")["limit"], 0);
    assert_eq!(
        app.get(&app.alice, &format!("/api/v1/teams/{team}/quotas"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "another team's quotas are not shown to a non-member, administrator or not"
    );

    let listed = expect_json(
        app.get(&app.alice, "/api/v1/admin/quotas").await,
        StatusCode::OK,
    )
    .await;
    let first = &listed["items"][0];
    assert_eq!(
        first["team_id"],
        team.as_str(),
        "overridden teams come first: {listed}"
    );
    assert_eq!(quota(first, "monitors")["used"], 2);

    // All null returns the team to the defaults.
    expect_json(
        set_quotas(
            &app.alice,
            json!({"monitors": null, "channels": null, "api_keys": null, "renders_per_hour": null}),
        )
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    let quotas = team_quotas(&app, &app.bob, &team).await;
    assert_eq!(quota(&quotas, "monitors")["overridden"], false);
    assert_eq!(quota(&quotas, "monitors")["limit"], 1);
}

/// A team's quotas as its member `user` sees them.
async fn team_quotas(app: &TestApp, user: &TestUser, team: &str) -> Value {
    expect_json(
        app.get(user, &format!("/api/v1/teams/{team}/quotas")).await,
        StatusCode::OK,
    )
    .await
}
