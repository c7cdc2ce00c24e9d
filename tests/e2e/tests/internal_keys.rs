//! Every internal RPC method refuses calls without a valid internal key, over
//! real gRPC between processes; rotation keeps old and new keys valid until
//! the old one is removed; each caller reaches only the methods meant for it.

#![allow(
    clippy::unwrap_used,
    reason = "a failed step fails the test or benchmark"
)]

use std::time::Duration;

use api_proto::browser::v1::FetchRequest;
use api_proto::browser::v1::browser_client::BrowserClient;
use api_proto::llm::v1::EvaluateRequest;
use api_proto::llm::v1::judge_client::JudgeClient;
use api_proto::notify::v1::notifier_client::NotifierClient;
use api_proto::notify::v1::{Alert, AlertKind, Channel, EmailTarget, SendRequest, channel};
use e2e::mesh::{InternalServices, random_key, start_internal_services};
use test_support::smtp::SmtpSink;
use test_support::website::TestSite;
use tonic::transport::Channel as GrpcChannel;
use tonic::{Code, Request};

/// The ways a caller can present a bad key.
enum Presented {
    Missing,
    Empty,
    Wrong,
    OtherDeployment,
    Valid(String),
}

fn request<T>(message: T, presented: &Presented) -> Request<T> {
    let mut request = Request::new(message);
    let value = match presented {
        Presented::Missing => None,
        Presented::Empty => Some(String::new()),
        Presented::Wrong => Some("wrong".to_owned()),
        // A strong key that is valid somewhere else, not here.
        Presented::OtherDeployment => Some(random_key()),
        Presented::Valid(key) => Some(key.clone()),
    };
    if let Some(value) = value {
        request
            .metadata_mut()
            .insert("x-internal-api-key", value.parse().unwrap());
    }
    request
}

async fn channel(url: &str) -> GrpcChannel {
    tonic::transport::Endpoint::from_shared(url.to_owned())
        .unwrap()
        .timeout(Duration::from_secs(20))
        .connect()
        .await
        .unwrap()
}

/// Calls every method with `presented` and returns each method's status code
/// (`Ok` when the call went through).
async fn call_every_method(
    services: &InternalServices,
    site: &TestSite,
    presented: &Presented,
) -> Vec<(&'static str, Code)> {
    let mut browser = BrowserClient::new(channel(&services.browser_url).await);
    let mut judge = JudgeClient::new(channel(&services.llm_url).await);
    let mut notifier = NotifierClient::new(channel(&services.notify_url).await);
    let fetch = browser
        .fetch(request(
            FetchRequest {
                url: site.url("/page"),
                ..Default::default()
            },
            presented,
        ))
        .await;
    let evaluate = judge
        .evaluate(request(
            EvaluateRequest {
                condition: "any change".to_owned(),
                previous_text: "a".to_owned(),
                current_text: "b".to_owned(),
                ..Default::default()
            },
            presented,
        ))
        .await;
    let send = notifier
        .send(request(
            SendRequest {
                idempotency_key: uuid::Uuid::new_v4().to_string(),
                channel: Some(Channel {
                    target: Some(channel::Target::Email(EmailTarget {
                        address: "ops@example.com".to_owned(),
                    })),
                }),
                alert: Some(Alert {
                    kind: AlertKind::Test as i32,
                    monitor_name: "key test".to_owned(),
                    summary: "test".to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            presented,
        ))
        .await;
    vec![
        (
            "browser.v1.Browser/Fetch",
            fetch.map(|_| ()).err().map_or(Code::Ok, |s| s.code()),
        ),
        (
            "llm.v1.Judge/Evaluate",
            evaluate.map(|_| ()).err().map_or(Code::Ok, |s| s.code()),
        ),
        (
            "notify.v1.Notifier/Send",
            send.map(|_| ()).err().map_or(Code::Ok, |s| s.code()),
        ),
    ]
}

#[tokio::test]
async fn every_internal_method_rejects_bad_keys_and_accepts_rotated_ones_until_removed() {
    let smtp = SmtpSink::start().await;
    let site = TestSite::start().await;
    site.set_html("/page", "<p>hello</p>");
    let redis = test_support::redis::url().await;
    let logs = test_support::process::temp_dir("lookout-e2e-keys");
    let old_key = random_key();
    let new_key = random_key();

    // During a rotation both of the scheduler's keys are listed.
    let services = start_internal_services(
        &[
            ("scheduler", old_key.as_str()),
            ("scheduler", new_key.as_str()),
        ],
        &smtp.url(),
        &redis,
        "http://127.0.0.1:8080",
        &logs,
    )
    .await;
    for presented in [
        Presented::Missing,
        Presented::Empty,
        Presented::Wrong,
        Presented::OtherDeployment,
    ] {
        for (method, code) in call_every_method(&services, &site, &presented).await {
            assert_eq!(
                code,
                Code::Unauthenticated,
                "{method} must refuse a bad key"
            );
        }
    }
    for key in [&old_key, &new_key] {
        for (method, code) in
            call_every_method(&services, &site, &Presented::Valid(key.clone())).await
        {
            assert_eq!(
                code,
                Code::Ok,
                "{method} must accept a listed key:\n{}",
                services.logs()
            );
        }
    }
    // No service logs a presented key, nor receives one: only digests.
    assert!(
        !services.logs().contains("wrong\""),
        "presented keys never reach the logs"
    );
    assert!(!services.logs().contains(&old_key));
    drop(services);

    // After the rotation only the new key is listed.
    let services = start_internal_services(
        &[("scheduler", new_key.as_str())],
        &smtp.url(),
        &redis,
        "http://127.0.0.1:8080",
        &logs,
    )
    .await;
    for (method, code) in
        call_every_method(&services, &site, &Presented::Valid(old_key.clone())).await
    {
        assert_eq!(
            code,
            Code::Unauthenticated,
            "{method} must refuse a removed key"
        );
    }
    for (method, code) in
        call_every_method(&services, &site, &Presented::Valid(new_key.clone())).await
    {
        assert_eq!(code, Code::Ok, "{method} must accept the new key");
    }
}

#[tokio::test]
async fn the_gateway_reaches_fetch_and_send_but_not_the_judge() {
    let smtp = SmtpSink::start().await;
    let site = TestSite::start().await;
    site.set_html("/page", "<p>hello</p>");
    let redis = test_support::redis::url().await;
    let logs = test_support::process::temp_dir("lookout-e2e-callers");
    let gateway_key = random_key();
    let services = start_internal_services(
        &[
            ("gateway", gateway_key.as_str()),
            ("scheduler", random_key().as_str()),
        ],
        &smtp.url(),
        &redis,
        "http://127.0.0.1:8080",
        &logs,
    )
    .await;
    let codes = call_every_method(&services, &site, &Presented::Valid(gateway_key)).await;
    assert_eq!(
        codes,
        [
            ("browser.v1.Browser/Fetch", Code::Ok),
            // llm is not even given the gateway's digest.
            ("llm.v1.Judge/Evaluate", Code::Unauthenticated),
            ("notify.v1.Notifier/Send", Code::Ok),
        ],
        "{}",
        services.logs()
    );
}

#[tokio::test]
async fn health_checks_need_no_key() {
    let smtp = SmtpSink::start().await;
    let redis = test_support::redis::url().await;
    let logs = test_support::process::temp_dir("lookout-e2e-health");
    let services = start_internal_services(
        &[("gateway", random_key().as_str())],
        &smtp.url(),
        &redis,
        "http://127.0.0.1:8080",
        &logs,
    )
    .await;
    for url in [
        &services.browser_url,
        &services.llm_url,
        &services.notify_url,
    ] {
        mesh::health::probe(url, Duration::from_secs(5), None)
            .await
            .unwrap();
    }
}
