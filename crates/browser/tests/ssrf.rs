//! Server-side request forgery: the service must refuse internal destinations
//! before a socket is opened, whatever the spelling, and after redirects.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use api_proto::browser::v1::FetchOutcome;
use helpers::{Honeypot, Site, config, outcome, spawn_app};

#[tokio::test]
async fn internal_destinations_are_refused_in_every_notation() {
    let app = spawn_app(config("")).await;
    for url in [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://0.0.0.0/",
    ] {
        let response = app.fetch_url(url).await;
        assert_eq!(
            outcome(&response),
            FetchOutcome::ForbiddenDestination,
            "{url}"
        );
        assert!(
            response.detail.starts_with("destination "),
            "{url}: {}",
            response.detail
        );
        assert_eq!(response.http_status, 0);
    }
}

#[tokio::test]
async fn the_refusal_explains_itself_in_plain_words() {
    let app = spawn_app(config("")).await;
    let response = app.fetch_url("http://10.0.0.1/admin").await;
    assert_eq!(
        response.detail,
        "destination 10.0.0.1 is on a private network"
    );
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_without_connecting() {
    let honeypot = Honeypot::start("127.0.0.1").await;
    let app = spawn_app(config("")).await;
    let response = app
        .fetch_url(&format!("http://localhost:{}/", honeypot.addr.port()))
        .await;
    assert_eq!(outcome(&response), FetchOutcome::ForbiddenDestination);
    assert_eq!(response.detail, "destination localhost is not allowed");
    assert_eq!(honeypot.connections(), 0);
}

#[tokio::test]
async fn a_redirect_to_a_loopback_address_outside_the_allow_list_never_connects() {
    // Only 127.0.0.1 is allowed; the honeypot listens on 127.0.0.2.
    let honeypot = Honeypot::start("127.0.0.2").await;
    let site = Site::start(vec![format!("http://{}/steal", honeypot.addr)]).await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let response = app.fetch_url(&site.url("/redirect/0")).await;
    assert_eq!(outcome(&response), FetchOutcome::ForbiddenDestination);
    assert!(
        response.detail.contains("redirected to") && response.detail.contains("127.0.0.2"),
        "{}",
        response.detail
    );
    assert_eq!(honeypot.connections(), 0);
}

#[tokio::test]
async fn redirects_to_private_metadata_and_non_http_destinations_are_refused() {
    let site = Site::start(vec![
        "http://10.0.0.1/".to_owned(),
        "http://169.254.169.254/latest/meta-data/iam/".to_owned(),
        "http://[::ffff:a9fe:a9fe]/".to_owned(),
        "file:///etc/passwd".to_owned(),
        "gopher://127.0.0.1:6379/_FLUSHALL".to_owned(),
    ])
    .await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    for i in 0..5 {
        let response = app.fetch_url(&site.url(&format!("/redirect/{i}"))).await;
        assert_eq!(
            outcome(&response),
            FetchOutcome::ForbiddenDestination,
            "redirect {i}: {}",
            response.detail
        );
        assert!(
            response.detail.contains("redirected to"),
            "{}",
            response.detail
        );
    }
}
