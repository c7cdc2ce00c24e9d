//! Fetching through the real gRPC service from a local website.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use api_proto::browser::v1::{FetchOutcome, FetchRequest};
use helpers::{Site, config, get_url, header, outcome, spawn_app};
use sha2::{Digest, Sha256};

async fn setup() -> (helpers::TestApp, Site) {
    let site = Site::start(Vec::new()).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    (app, site)
}

#[tokio::test]
async fn an_html_page_comes_back_as_readable_text_with_title_and_hash() {
    let (app, site) = setup().await;
    let response = app.fetch_url(&site.url("/page")).await;
    assert_eq!(outcome(&response), FetchOutcome::Ok, "{}", response.detail);
    assert_eq!(response.http_status, 200);
    assert_eq!(response.title, "Widget shop");
    assert_eq!(response.text, "Widget Pro\nPrice: 99 EUR\nIn stock");
    assert_eq!(
        response.text_sha256,
        hex::encode(Sha256::digest(response.text.as_bytes()))
    );
    assert_eq!(response.final_url, site.url("/page"));
    assert!(response.content_type.starts_with("text/html"));
    assert_eq!(response.body_bytes, helpers::PAGE.len() as u64);
    assert!(response.detail.is_empty());
}

#[tokio::test]
async fn a_css_selector_returns_only_the_matching_text() {
    let (app, site) = setup().await;
    let response = app
        .fetch(FetchRequest {
            css_selector: "span.price".into(),
            ..get_url(&site.url("/page"))
        })
        .await;
    assert_eq!(outcome(&response), FetchOutcome::Ok);
    assert_eq!(response.text, "99 EUR");
}

#[tokio::test]
async fn a_css_selector_that_matches_nothing_is_selector_not_found() {
    let (app, site) = setup().await;
    let response = app
        .fetch(FetchRequest {
            css_selector: "#sold-out".into(),
            ..get_url(&site.url("/page"))
        })
        .await;
    assert_eq!(outcome(&response), FetchOutcome::SelectorNotFound);
    assert_eq!(response.title, "Widget shop");
    assert!(response.detail.contains("#sold-out"), "{}", response.detail);
}

#[tokio::test]
async fn an_invalid_css_selector_is_an_invalid_argument_naming_the_field() {
    let (app, site) = setup().await;
    let status = app
        .try_fetch(FetchRequest {
            css_selector: "div[".into(),
            ..get_url(&site.url("/page"))
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().starts_with("css_selector: "),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn json_is_pretty_printed_and_a_pointer_selects_a_value() {
    let (app, site) = setup().await;
    let whole = app.fetch_url(&site.url("/data")).await;
    assert_eq!(outcome(&whole), FetchOutcome::Ok);
    assert!(whole.text.contains("\"price\": 99"), "{}", whole.text);

    let price = app
        .fetch(FetchRequest {
            json_pointer: "/product/price".into(),
            ..get_url(&site.url("/data"))
        })
        .await;
    assert_eq!(outcome(&price), FetchOutcome::Ok);
    assert_eq!(price.text, "99");

    let name = app
        .fetch(FetchRequest {
            json_pointer: "/product/name".into(),
            ..get_url(&site.url("/data"))
        })
        .await;
    assert_eq!(name.text, "Widget");
}

#[tokio::test]
async fn a_json_pointer_that_matches_nothing_is_selector_not_found() {
    let (app, site) = setup().await;
    let response = app
        .fetch(FetchRequest {
            json_pointer: "/product/stock".into(),
            ..get_url(&site.url("/data"))
        })
        .await;
    assert_eq!(outcome(&response), FetchOutcome::SelectorNotFound);
    assert!(response.detail.contains("/product/stock"));
}

#[tokio::test]
async fn a_json_pointer_without_leading_slash_is_an_invalid_argument() {
    let (app, site) = setup().await;
    let status = app
        .try_fetch(FetchRequest {
            json_pointer: "product".into(),
            ..get_url(&site.url("/data"))
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().starts_with("json_pointer: "));
}

#[tokio::test]
async fn plain_text_passes_through_and_binary_content_is_unsupported() {
    let (app, site) = setup().await;
    let text = app.fetch_url(&site.url("/text")).await;
    assert_eq!(outcome(&text), FetchOutcome::Ok);
    assert_eq!(text.text, "plain text\nline two");

    let image = app.fetch_url(&site.url("/image")).await;
    assert_eq!(outcome(&image), FetchOutcome::UnsupportedContent);
    assert!(image.detail.contains("image/png"));

    let broken = app.fetch_url(&site.url("/broken-json")).await;
    assert_eq!(outcome(&broken), FetchOutcome::UnsupportedContent);
}

#[tokio::test]
async fn a_404_and_a_410_are_page_gone() {
    let (app, site) = setup().await;
    let missing = app.fetch_url(&site.url("/nothing-here")).await;
    assert_eq!(outcome(&missing), FetchOutcome::PageGone);
    assert_eq!(missing.http_status, 404);
    let gone = app.fetch_url(&site.url("/gone")).await;
    assert_eq!(outcome(&gone), FetchOutcome::PageGone);
    assert_eq!(gone.http_status, 410);
    assert!(gone.detail.contains("410"), "{}", gone.detail);
}

#[tokio::test]
async fn challenge_pages_are_blocked_by_bot_wall() {
    let (app, site) = setup().await;
    for path in ["/challenge", "/mitigated", "/rate-limited-captcha"] {
        let response = app.fetch_url(&site.url(path)).await;
        assert_eq!(outcome(&response), FetchOutcome::BlockedByBotWall, "{path}");
    }
}

#[tokio::test]
async fn other_error_statuses_are_http_errors() {
    let (app, site) = setup().await;
    let forbidden = app.fetch_url(&site.url("/forbidden")).await;
    assert_eq!(outcome(&forbidden), FetchOutcome::HttpError);
    assert_eq!(forbidden.http_status, 403);
    let error = app.fetch_url(&site.url("/server-error")).await;
    assert_eq!(outcome(&error), FetchOutcome::HttpError);
    assert_eq!(error.http_status, 500);
}

#[tokio::test]
async fn a_redirect_chain_is_followed_to_the_final_page() {
    let (app, site) = setup().await;
    let response = app.fetch_url(&site.url("/chain/1")).await;
    assert_eq!(outcome(&response), FetchOutcome::Ok, "{}", response.detail);
    assert_eq!(response.final_url, site.url("/page"));
    assert_eq!(response.title, "Widget shop");
}

#[tokio::test]
async fn more_than_five_redirects_are_refused() {
    let (app, site) = setup().await;
    let response = app.fetch_url(&site.url("/loop/0")).await;
    assert_eq!(outcome(&response), FetchOutcome::HttpError);
    assert!(
        response.detail.contains("more than 5"),
        "{}",
        response.detail
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_too_large_with_or_without_content_length() {
    let (app, site) = setup().await;
    for path in ["/huge", "/huge-stream"] {
        let response = app.fetch_url(&site.url(path)).await;
        assert_eq!(outcome(&response), FetchOutcome::TooLarge, "{path}");
        assert!(response.text.is_empty());
    }
}

#[tokio::test]
async fn a_slow_page_times_out_at_the_requested_deadline() {
    let (app, site) = setup().await;
    let response = app
        .fetch(FetchRequest {
            timeout_ms: 300,
            ..get_url(&site.url("/slow"))
        })
        .await;
    assert_eq!(outcome(&response), FetchOutcome::Timeout);
    assert!(response.detail.contains("300 ms"), "{}", response.detail);
}

#[tokio::test]
async fn a_latin1_page_is_decoded_by_its_declared_charset() {
    let (app, site) = setup().await;
    let response = app.fetch_url(&site.url("/latin1")).await;
    assert_eq!(outcome(&response), FetchOutcome::Ok);
    assert_eq!(response.title, "Café");
    assert_eq!(response.text, "Crème brûlée: 5 ¤");
}

#[tokio::test]
async fn caller_headers_reach_the_site_with_the_lookout_user_agent() {
    let (app, site) = setup().await;
    let response = app
        .fetch(FetchRequest {
            headers: vec![header("Cookie", "session=abc")],
            ..get_url(&site.url("/echo-cookie"))
        })
        .await;
    assert_eq!(
        response.text,
        "cookie: session=abc\nagent: LookoutBot/0.1 (+https://github.com/lookout)"
    );
}

#[tokio::test]
async fn caller_headers_do_not_follow_a_redirect_to_another_origin() {
    let other = Site::start(Vec::new()).await;
    let site = Site::start(vec![other.url("/echo-cookie")]).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let response = app
        .fetch(FetchRequest {
            headers: vec![header("Cookie", "session=abc")],
            ..get_url(&site.url("/redirect/0"))
        })
        .await;
    assert_eq!(outcome(&response), FetchOutcome::Ok);
    assert!(
        response.text.starts_with("cookie: no cookie"),
        "{}",
        response.text
    );
}

#[tokio::test]
async fn reserved_headers_are_an_invalid_argument() {
    let (app, site) = setup().await;
    let status = app
        .try_fetch(FetchRequest {
            headers: vec![header("Host", "internal.example")],
            ..get_url(&site.url("/page"))
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().starts_with("headers: "));
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    let app = spawn_app(config("127.0.0.1/32")).await;
    // Bind then drop: nothing listens on this port any more.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let response = app.fetch_url(&format!("http://127.0.0.1:{port}/")).await;
    assert_eq!(outcome(&response), FetchOutcome::NetworkError);
    assert_eq!(response.http_status, 0);
    assert!(
        response
            .detail
            .starts_with("could not connect to 127.0.0.1"),
        "{}",
        response.detail
    );
}

#[tokio::test]
async fn invalid_urls_and_schemes_are_invalid_arguments_naming_the_url_field() {
    let app = spawn_app(config("127.0.0.1/32")).await;
    for url in [
        "",
        "not a url",
        "ftp://example.com/",
        "file:///etc/passwd",
        "http://user:pw@example.com/",
    ] {
        let status = app.try_fetch(get_url(url)).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{url}");
        assert!(
            status.message().starts_with("url: "),
            "{url}: {}",
            status.message()
        );
    }
}

#[tokio::test]
async fn rendering_without_chromium_is_a_failed_precondition() {
    let (app, site) = setup().await;
    let status = app
        .try_fetch(FetchRequest {
            screenshot: true,
            ..get_url(&site.url("/page"))
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        status.message(),
        "rendering is not available on this browser service"
    );
}

#[tokio::test]
async fn the_gateway_may_fetch_for_a_preview() {
    let site = Site::start(Vec::new()).await;
    let app = helpers::spawn_app_with_key(config("127.0.0.1/32"), helpers::GATEWAY_KEY).await;
    let response = app.fetch(get_url(&site.url("/page"))).await;
    assert_eq!(outcome(&response), FetchOutcome::Ok);
}

#[tokio::test]
async fn a_caller_without_the_internal_key_is_unauthenticated() {
    let site = Site::start(Vec::new()).await;
    let app = helpers::spawn_app_with_key(config("127.0.0.1/32"), "wrong-key").await;
    let status = app
        .try_fetch(get_url(&site.url("/page")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
}

#[tokio::test]
async fn the_health_endpoint_serves_without_a_key() {
    let app = spawn_app(config("")).await;
    mesh::health::probe(
        &format!("http://127.0.0.1:{}", app.port),
        std::time::Duration::from_secs(3),
        None,
    )
    .await
    .unwrap();
}
