//! Slack, Discord, Telegram, Teams and ntfy deliveries against local servers
//! that accept only each service's documented request (method, path,
//! content type, JSON shape) and answer with the service's real success and
//! error shapes: 429 with a wait → UNAVAILABLE with `retry-after-ms`, a bad
//! token or unknown webhook → FAILED_PRECONDITION, 410 → NOT_FOUND.

#![allow(
    clippy::unwrap_used,
    reason = "tests may unwrap: a panic is a failed test with its message"
)]

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use api_proto::notify::v1::{
    AlertKind, Channel, DeliveryStatus, DiscordTarget, NtfyTarget, SendRequest, SlackTarget,
    TeamsTarget, TelegramTarget, channel::Target,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use support::{Options, TestApp, alert, digest_request, fresh_key};
use tonic::Code;

/// One request as the fake service saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Value,
}

/// A reply the fake gives: status, headers, body.
type Reply = (StatusCode, Vec<(&'static str, String)>, String);

#[derive(Default)]
struct FakeState {
    seen: Mutex<Vec<Seen>>,
    replies: Mutex<VecDeque<Reply>>,
    success: Mutex<Option<Reply>>,
}

/// A local stand-in for a service: one documented route, JSON bodies only.
struct FakeService {
    base: String,
    state: Arc<FakeState>,
}

impl FakeService {
    async fn start(method: Method, route: &str, success: Reply) -> Self {
        let state = Arc::new(FakeState::default());
        *state.success.lock().unwrap() = Some(success);
        let router = axum::Router::new()
            .route(route, axum::routing::on(method.try_into().unwrap(), record))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, state }
    }

    fn then_reply(&self, reply: Reply) {
        self.state.replies.lock().unwrap().push_back(reply);
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
}

async fn record(
    State(state): State<Arc<FakeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    if !is_json {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not json").into_response();
    }
    state.seen.lock().unwrap().push(Seen {
        method,
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let reply = state
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| state.success.lock().unwrap().clone())
        .unwrap();
    let mut response = (reply.0, reply.2).into_response();
    for (name, value) in reply.1 {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

async fn app(telegram_api: &str) -> TestApp {
    TestApp::spawn_with_telegram(
        Options {
            smtp_url: "smtp://127.0.0.1:1".to_owned(),
            allow_networks: "127.0.0.1/32".to_owned(),
            smtp_ca_file: None,
        },
        telegram_api,
    )
    .await
}

fn request(target: Target) -> SendRequest {
    SendRequest {
        idempotency_key: fresh_key(),
        channel: Some(Channel {
            target: Some(target),
        }),
        alert: Some(alert(AlertKind::Triggered)),
        ..SendRequest::default()
    }
}

fn retry_after_ms(status: &tonic::Status) -> Option<u64> {
    status
        .metadata()
        .get("retry-after-ms")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

fn json_reply(status: StatusCode, body: Value) -> Reply {
    (
        status,
        vec![("content-type", "application/json".to_owned())],
        body.to_string(),
    )
}

const SLACK_PATH: &str = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";

async fn slack() -> (FakeService, String) {
    let fake = FakeService::start(
        Method::POST,
        SLACK_PATH,
        (
            StatusCode::OK,
            vec![("content-type", "text/plain".to_owned())],
            "ok".into(),
        ),
    )
    .await;
    let url = format!("{}{SLACK_PATH}", fake.base);
    (fake, url)
}

fn slack_target(url: &str) -> Target {
    Target::Slack(SlackTarget {
        webhook_url: url.to_owned(),
    })
}

#[tokio::test]
async fn a_slack_alert_is_block_kit_posted_to_the_incoming_webhook() {
    let (fake, url) = slack().await;
    let app = app("https://api.telegram.org/").await;

    let response = app.send(request(slack_target(&url))).await.unwrap();

    assert_eq!(response.status(), DeliveryStatus::Sent);
    assert_eq!(response.http_status, 200);
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, SLACK_PATH);
    let body = &seen[0].body;
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("Price dropped to 99 EUR")
    );
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert!(
        blocks[0]["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Espresso <b>machine</b> & grinder")
    );
    assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
    assert!(
        blocks[1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("&lt;price&gt;99 EUR&lt;/price&gt;")
    );
    assert!(
        blocks[2]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("+Price: 99 EUR")
    );
    let button = &blocks.last().unwrap()["elements"][0];
    assert_eq!(button["type"], "button");
    assert_eq!(
        button["url"],
        "https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check"
    );
}

#[tokio::test]
async fn slack_rate_limits_are_retried_after_the_wait_it_asks_for() {
    let (fake, url) = slack().await;
    fake.then_reply((
        StatusCode::TOO_MANY_REQUESTS,
        vec![("retry-after", "30".to_owned())],
        "rate_limited".into(),
    ));
    let app = app("https://api.telegram.org/").await;
    let request = request(slack_target(&url));

    let status = app.send(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(retry_after_ms(&status), Some(30_000));

    let retried = app.send(request).await.unwrap();
    assert_eq!(retried.status(), DeliveryStatus::Sent);
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn a_removed_slack_webhook_is_dead_and_an_archived_channel_is_gone() {
    let (fake, url) = slack().await;
    fake.then_reply((StatusCode::NOT_FOUND, vec![], "no_service".into()));
    fake.then_reply((StatusCode::GONE, vec![], "channel_is_archived".into()));
    let app = app("https://api.telegram.org/").await;

    let status = app.send(request(slack_target(&url))).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), "Slack answered HTTP 404: no_service");

    let status = app.send(request(slack_target(&url))).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    assert!(
        status.message().contains("channel_is_archived"),
        "{}",
        status.message()
    );
    assert!(
        !status.message().contains("XXXXXXXX"),
        "{}",
        status.message()
    );
}

const DISCORD_PATH: &str = "/api/webhooks/223704706495545344/3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e72279b94526ff5d1bd4358d65cf11";

async fn discord() -> (FakeService, Target) {
    let fake = FakeService::start(
        Method::POST,
        "/api/webhooks/{id}/{token}",
        (StatusCode::NO_CONTENT, vec![], String::new()),
    )
    .await;
    let target = Target::Discord(DiscordTarget {
        webhook_url: format!("{}{DISCORD_PATH}", fake.base),
    });
    (fake, target)
}

#[tokio::test]
async fn a_discord_alert_is_one_embed_that_mentions_nobody() {
    let (fake, target) = discord().await;
    let app = app("https://api.telegram.org/").await;

    let response = app.send(request(target)).await.unwrap();

    assert_eq!(response.http_status, 204);
    let seen = fake.seen();
    assert_eq!(seen[0].path, DISCORD_PATH);
    let body = &seen[0].body;
    assert_eq!(body["allowed_mentions"], json!({"parse": []}));
    let embed = &body["embeds"][0];
    assert_eq!(
        embed["title"],
        "Espresso <b>machine</b> & grinder: condition met"
    );
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .starts_with("Price dropped to 99 EUR")
    );
    assert_eq!(
        embed["url"],
        "https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check"
    );
    assert_eq!(embed["fields"][0]["name"], "Change");
    assert!(
        embed["fields"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("```diff\n")
    );
    assert_eq!(embed["timestamp"], "2026-01-01T00:00:00.000Z");
}

#[tokio::test]
async fn discord_rate_limits_and_unknown_webhooks_map_to_retry_and_dead() {
    let (fake, target) = discord().await;
    fake.then_reply(json_reply(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false}),
    ));
    fake.then_reply(json_reply(
        StatusCode::NOT_FOUND,
        json!({"message": "Unknown Webhook", "code": 10015}),
    ));
    let app = app("https://api.telegram.org/").await;

    let status = app.send(request(target.clone())).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(retry_after_ms(&status), Some(1_500));

    let status = app.send(request(target)).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(
        status.message(),
        "Discord answered HTTP 404: Unknown Webhook"
    );
}

const BOT_TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

async fn telegram() -> FakeService {
    FakeService::start(
        Method::POST,
        "/{bot}/sendMessage",
        json_reply(
            StatusCode::OK,
            json!({"ok": true, "result": {"message_id": 1, "chat": {"id": -1001234567890_i64}}}),
        ),
    )
    .await
}

fn telegram_target() -> Target {
    Target::Telegram(TelegramTarget {
        bot_token: BOT_TOKEN.to_owned(),
        chat_id: "-1001234567890".to_owned(),
    })
}

#[tokio::test]
async fn a_telegram_alert_is_an_html_send_message_to_the_bot_api() {
    let fake = telegram().await;
    let app = app(&format!("{}/", fake.base)).await;

    let response = app.send(request(telegram_target())).await.unwrap();

    assert_eq!(response.http_status, 200);
    let seen = fake.seen();
    assert_eq!(seen[0].path, format!("/bot{BOT_TOKEN}/sendMessage"));
    let body = &seen[0].body;
    assert_eq!(body["chat_id"], "-1001234567890");
    assert_eq!(body["parse_mode"], "HTML");
    let text = body["text"].as_str().unwrap();
    assert!(
        text.starts_with("<b>Espresso &lt;b&gt;machine&lt;/b&gt; &amp; grinder: condition met</b>"),
        "{text}"
    );
    assert!(
        text.contains("<pre>-Price: 129 EUR\n+Price: 99 EUR\n+&lt;script&gt;"),
        "{text}"
    );
    assert!(text.contains(
        "<a href=\"https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check\">View this check</a>"
    ));
}

#[tokio::test]
async fn telegram_flood_control_is_retried_and_a_bad_token_is_dead_without_showing_it() {
    let fake = telegram().await;
    fake.then_reply(json_reply(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}),
    ));
    fake.then_reply(json_reply(
        StatusCode::UNAUTHORIZED,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
    ));
    let app = app(&format!("{}/", fake.base)).await;

    let status = app.send(request(telegram_target())).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(retry_after_ms(&status), Some(5_000));

    let status = app.send(request(telegram_target())).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), "Telegram answered HTTP 401: Unauthorized");
    assert!(!status.message().contains("AAHdq"));
}

#[tokio::test]
async fn an_unreachable_telegram_api_never_shows_the_bot_token() {
    // A port nothing listens on: reqwest's error would carry the URL and with it the token.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = app(&format!("http://127.0.0.1:{port}/")).await;

    let status = app.send(request(telegram_target())).await.unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
    assert!(!status.message().contains("AAHdq"), "{}", status.message());
    assert!(
        status.message().contains("unreachable"),
        "{}",
        status.message()
    );
}

const TEAMS_PATH: &str = "/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke";

#[tokio::test]
async fn a_teams_alert_is_an_adaptive_card_message_for_the_workflow() {
    let fake = FakeService::start(
        Method::POST,
        TEAMS_PATH,
        (StatusCode::ACCEPTED, vec![], String::new()),
    )
    .await;
    fake.then_reply(json_reply(
        StatusCode::UNAUTHORIZED,
        json!({"error": {"code": "DirectApiAuthorizationRequired", "message": "The request must be authenticated only by Shared Access scheme."}}),
    ));
    let app = app("https://api.telegram.org/").await;
    let target = Target::Teams(TeamsTarget {
        webhook_url: format!(
            "{}{TEAMS_PATH}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGSECRET",
            fake.base
        ),
    });

    let status = app.send(request(target.clone())).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("Shared Access scheme"),
        "{}",
        status.message()
    );
    assert!(!status.message().contains("SIGSECRET"));

    let response = app.send(request(target)).await.unwrap();
    assert_eq!(response.http_status, 202);
    let body = &fake.seen()[1].body;
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(card["body"][0]["type"], "TextBlock");
    assert_eq!(card["body"][2]["fontType"], "Monospace");
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
}

#[tokio::test]
async fn an_ntfy_alert_is_published_as_json_with_priority_tags_and_token() {
    let fake = FakeService::start(
        Method::POST,
        "/",
        json_reply(
            StatusCode::OK,
            json!({"id": "sPs71M8A2T", "time": 1_767_225_600, "event": "message", "topic": "lookout-alerts"}),
        ),
    )
    .await;
    fake.then_reply(json_reply(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"code": 42901, "http": 429, "error": "limit reached: too many requests", "link": "https://ntfy.sh/docs/publish/#limitations"}),
    ));
    let app = app("https://api.telegram.org/").await;
    let target = Target::Ntfy(NtfyTarget {
        topic_url: format!("{}/lookout-alerts", fake.base),
        access_token: "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2".to_owned(),
        priority: 4,
        tags: vec!["warning".to_owned(), "shopping_cart".to_owned()],
    });

    let status = app.send(request(target.clone())).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        status.message().contains("limit reached"),
        "{}",
        status.message()
    );

    let response = app.send(request(target)).await.unwrap();
    assert_eq!(response.http_status, 200);
    let seen = &fake.seen()[1];
    assert_eq!(seen.path, "/");
    assert_eq!(
        seen.headers["authorization"],
        "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
    );
    assert_eq!(seen.body["topic"], "lookout-alerts");
    assert_eq!(seen.body["priority"], 4);
    assert_eq!(seen.body["tags"], json!(["warning", "shopping_cart"]));
    assert_eq!(
        seen.body["click"],
        "https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check"
    );
    assert!(
        seen.body["message"]
            .as_str()
            .unwrap()
            .contains("+Price: 99 EUR")
    );
}

#[tokio::test]
async fn chat_destinations_on_private_networks_are_refused_before_any_request() {
    let app = app("http://10.0.0.1/").await;
    for target in [
        slack_target("http://10.0.0.1/services/T/B/X"),
        Target::Discord(DiscordTarget {
            webhook_url: "http://169.254.169.254/api/webhooks/1/x".to_owned(),
        }),
        telegram_target(),
        Target::Ntfy(NtfyTarget {
            topic_url: "http://192.168.1.2/alerts".to_owned(),
            ..NtfyTarget::default()
        }),
    ] {
        let status = app.send(request(target)).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    }
}

/// Every chat service takes a digest as one message: a title with the count
/// and one line per alert with its link, within the service's limits.
#[tokio::test]
async fn every_chat_service_takes_a_digest_as_one_message_listing_the_alerts() {
    let (slack_fake, slack_url) = slack().await;
    let (discord_fake, discord_target) = discord().await;
    let telegram_fake = telegram().await;
    let ok = |status| (status, vec![], String::new());
    let teams_fake = FakeService::start(Method::POST, TEAMS_PATH, ok(StatusCode::ACCEPTED)).await;
    let ntfy_fake = FakeService::start(
        Method::POST,
        "/",
        json_reply(
            StatusCode::OK,
            json!({"id": "d1", "event": "message", "topic": "lookout-alerts"}),
        ),
    )
    .await;
    let app = app(&format!("{}/", telegram_fake.base)).await;
    let targets = [
        slack_target(&slack_url),
        discord_target,
        telegram_target(),
        Target::Teams(TeamsTarget {
            webhook_url: format!("{}{TEAMS_PATH}?sig=SIGSECRET", teams_fake.base),
        }),
        Target::Ntfy(NtfyTarget {
            topic_url: format!("{}/lookout-alerts", ntfy_fake.base),
            ..NtfyTarget::default()
        }),
    ];
    for target in targets {
        let response = app
            .send(digest_request(&fresh_key(), target))
            .await
            .unwrap();
        assert_eq!(response.status(), DeliveryStatus::Sent);
    }
    for fake in [
        &slack_fake,
        &discord_fake,
        &telegram_fake,
        &teams_fake,
        &ntfy_fake,
    ] {
        let seen = fake.seen();
        assert_eq!(seen.len(), 1, "one message per digest at {}", fake.base);
        let body = seen[0].body.to_string();
        for expected in [
            "hourly digest: 2 alerts",
            "Blog is failing",
            "https://lookout.test/monitors/0193a5b2-blog/checks/0193a5b2-gone",
            "https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check",
        ] {
            assert!(
                body.contains(expected),
                "{expected:?} missing at {}: {body}",
                fake.base
            );
        }
    }
}
