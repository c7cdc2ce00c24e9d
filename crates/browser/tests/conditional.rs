//! Hash before text, and conditional fetches, through the real gRPC service
//! against a real HTTP server on loopback that honours `If-None-Match` and
//! `If-Modified-Since`.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use std::sync::{Arc, Mutex};

use api_proto::browser::v1::{FetchOutcome, FetchRequest, FetchResponse};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use browser::config::Config;
use helpers::{config, get_url, outcome, spawn_app};
use tokio::net::TcpListener;

const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

/// The page's current body and ETag, and the conditional headers each request carried.
#[derive(Default)]
struct Origin {
    body: String,
    etag: String,
    seen: Vec<(Option<String>, Option<String>)>,
}

type Shared = Arc<Mutex<Origin>>;

fn html(body: &str) -> String {
    format!(
        "<html><head><title>Shop</title></head><body><h1>Widget</h1><p>{body}</p></body></html>"
    )
}

async fn page(State(origin): State<Shared>, headers: HeaderMap) -> Response {
    let value = |name| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let (if_none_match, if_modified_since) = (
        value(header::IF_NONE_MATCH),
        value(header::IF_MODIFIED_SINCE),
    );
    let mut origin = origin.lock().unwrap();
    origin
        .seen
        .push((if_none_match.clone(), if_modified_since.clone()));
    if if_none_match.as_deref() == Some(origin.etag.as_str()) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, origin.etag.clone())],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::ETAG, origin.etag.clone()),
        ],
        origin.body.clone(),
    )
        .into_response()
}

/// The origin's current body, with neither `ETag` nor `Last-Modified`.
async fn plain(State(origin): State<Shared>) -> Response {
    let body = origin.lock().unwrap().body.clone();
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// Only `Last-Modified`, never changing.
async fn dated(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_MODIFIED_SINCE)
        .is_some_and(|value| value == LAST_MODIFIED)
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::LAST_MODIFIED, LAST_MODIFIED),
        ],
        html("dated"),
    )
        .into_response()
}

async fn start_origin(origin: Shared) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/page", get(page))
        .route("/dated", get(dated))
        .route("/plain", get(plain))
        .with_state(origin);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A fetch that passes back what the previous answer said.
fn again(url: &str, previous: &FetchResponse) -> FetchRequest {
    FetchRequest {
        previous_content_hash: previous.text_sha256.clone(),
        previous_validators: previous.validators.clone(),
        ..get_url(url)
    }
}

#[tokio::test]
async fn an_unchanged_page_is_answered_by_its_hash_and_a_304_without_a_body() {
    let origin: Shared = Arc::default();
    {
        let mut origin = origin.lock().unwrap();
        origin.body = html("Price: 99 EUR");
        origin.etag = "\"v1\"".to_owned();
    }
    let base = start_origin(origin.clone()).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let url = format!("{base}/page");

    let first = app.fetch_url(&url).await;
    assert_eq!(outcome(&first), FetchOutcome::Ok, "{}", first.detail);
    assert!(first.text.contains("Price: 99 EUR"));
    assert!(!first.text_omitted && !first.not_modified);
    assert!(!first.validators.is_empty(), "the ETag is handed out");

    // The site answers 304: unchanged, no text, the caller's hash.
    let not_modified = app.fetch(again(&url, &first)).await;
    assert_eq!(outcome(&not_modified), FetchOutcome::Ok);
    assert!(not_modified.not_modified && not_modified.text_omitted);
    assert_eq!(not_modified.http_status, 304);
    assert_eq!(not_modified.text, "");
    assert_eq!(not_modified.text_sha256, first.text_sha256);
    assert_eq!(not_modified.validators, first.validators);
    assert_eq!(
        origin.lock().unwrap().seen[1],
        (Some("\"v1\"".to_owned()), None),
        "the ETag went back as If-None-Match"
    );

    // The markup changes (new ETag), the text does not: a full download,
    // answered by the hash alone, with the new validators.
    {
        let mut origin = origin.lock().unwrap();
        origin.body = html("Price: 99 EUR").replace("<h1>", "<h1 class=\"x\">");
        origin.etag = "\"v2\"".to_owned();
    }
    let same_text = app.fetch(again(&url, &first)).await;
    assert_eq!(outcome(&same_text), FetchOutcome::Ok);
    assert_eq!(same_text.http_status, 200);
    assert!(same_text.text_omitted && !same_text.not_modified);
    assert_eq!(same_text.text, "");
    assert_eq!(same_text.text_sha256, first.text_sha256);
    assert_ne!(same_text.validators, first.validators);

    // The text changes: it comes back whole, as before.
    {
        let mut origin = origin.lock().unwrap();
        origin.body = html("Price: 79 EUR");
        origin.etag = "\"v3\"".to_owned();
    }
    let changed = app.fetch(again(&url, &same_text)).await;
    assert_eq!(outcome(&changed), FetchOutcome::Ok);
    assert!(!changed.text_omitted && !changed.not_modified);
    assert!(changed.text.contains("Price: 79 EUR"));
    assert_ne!(changed.text_sha256, first.text_sha256);
}

#[tokio::test]
async fn validators_are_sent_only_for_the_url_and_selectors_they_came_from() {
    let origin: Shared = Arc::default();
    {
        let mut origin = origin.lock().unwrap();
        origin.body = html("Price: 99 EUR");
        origin.etag = "\"v1\"".to_owned();
    }
    let base = start_origin(origin.clone()).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let url = format!("{base}/page");
    let first = app.fetch_url(&url).await;

    // Another selector reads another text out of the same body: a 304 would
    // wrongly say it is unchanged, so the fetch is not conditional.
    let other_selector = app
        .fetch(FetchRequest {
            css_selector: "h1".into(),
            ..again(&url, &first)
        })
        .await;
    assert_eq!(outcome(&other_selector), FetchOutcome::Ok);
    assert_eq!(other_selector.text, "Widget");
    assert!(
        !other_selector.not_modified && !other_selector.text_omitted && !other_selector.same_body
    );
    // Without a previous text to stand for it, no conditional fetch either.
    let no_hash = app
        .fetch(FetchRequest {
            previous_validators: first.validators.clone(),
            ..get_url(&url)
        })
        .await;
    assert!(!no_hash.not_modified);
    assert!(no_hash.text.contains("Price: 99 EUR"));
    let seen = origin.lock().unwrap().seen.clone();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|conditional| *conditional == (None, None)),
        "{seen:?}"
    );

    // A hash that is not a SHA-256 is refused, naming the field.
    let refused = app
        .try_fetch(FetchRequest {
            previous_content_hash: "abc".into(),
            ..get_url(&url)
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(refused.message().contains("previous_content_hash"));
}

#[tokio::test]
async fn last_modified_alone_makes_the_fetch_conditional_too() {
    let base = start_origin(Arc::default()).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let url = format!("{base}/dated");
    let first = app.fetch_url(&url).await;
    assert_eq!(outcome(&first), FetchOutcome::Ok, "{}", first.detail);
    let second = app.fetch(again(&url, &first)).await;
    assert!(second.not_modified && second.text_omitted);
    assert_eq!(second.text_sha256, first.text_sha256);
}

#[tokio::test]
async fn a_byte_identical_page_without_validators_is_answered_unchanged_without_a_parse() {
    let origin: Shared = Arc::default();
    origin.lock().unwrap().body = html("Price: 99 EUR");
    let base = start_origin(origin.clone()).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let url = format!("{base}/plain");

    let first = app.fetch_url(&url).await;
    assert_eq!(outcome(&first), FetchOutcome::Ok, "{}", first.detail);
    assert!(first.validators.is_empty(), "the site sends no validators");
    assert!(!first.same_body);

    // The same bytes again: the caller's text stands, and nothing was parsed.
    let same = app.fetch(again(&url, &first)).await;
    assert_eq!(outcome(&same), FetchOutcome::Ok);
    assert!(same.same_body && same.text_omitted && !same.not_modified);
    assert_eq!((same.http_status, same.text.as_str()), (200, ""));
    assert_eq!(same.text_sha256, first.text_sha256);

    // A caller holding another text (another monitor of the same page, an
    // older snapshot) gets the page's text, parsed.
    let stale = app
        .fetch(FetchRequest {
            previous_content_hash: "0".repeat(64),
            ..get_url(&url)
        })
        .await;
    assert!(!stale.same_body && !stale.text_omitted);
    assert_eq!(stale.text, first.text);

    // Only the markup changes: parsed, and the text is the caller's; then
    // those new bytes are the ones to match.
    origin.lock().unwrap().body = html("Price: 99 EUR").replace("<p>", "<p class=\"n1\">");
    let markup = app.fetch(again(&url, &first)).await;
    assert!(!markup.same_body && markup.text_omitted);
    assert_eq!(markup.text_sha256, first.text_sha256);
    assert!(app.fetch(again(&url, &markup)).await.same_body);

    // The text changes: parsed and sent whole.
    origin.lock().unwrap().body = html("Price: 79 EUR");
    let changed = app.fetch(again(&url, &markup)).await;
    assert!(!changed.same_body && !changed.text_omitted);
    assert!(changed.text.contains("Price: 79 EUR"));
}

#[tokio::test]
async fn only_a_body_that_made_a_text_is_remembered_and_none_when_turned_off() {
    let origin: Shared = Arc::default();
    origin.lock().unwrap().body = "<html><body><p> </p></body></html>".to_owned();
    let base = start_origin(origin.clone()).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let url = format!("{base}/plain");
    let empty = app.fetch_url(&url).await;
    assert_eq!(outcome(&empty), FetchOutcome::Empty);
    // Were the empty page remembered, the hash of no text would match it.
    let again_empty = app
        .fetch(FetchRequest {
            previous_content_hash: empty.text_sha256.clone(),
            ..get_url(&url)
        })
        .await;
    assert_eq!(outcome(&again_empty), FetchOutcome::Empty);
    assert!(!again_empty.same_body);

    origin.lock().unwrap().body = html("Price: 99 EUR");
    let off = spawn_app(Config {
        seen_bodies: 0,
        ..config("127.0.0.1/32")
    })
    .await;
    let first = off.fetch_url(&url).await;
    let second = off.fetch(again(&url, &first)).await;
    assert!(second.text_omitted && !second.same_body, "parsed again");
}
