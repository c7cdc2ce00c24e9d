//! The service end to end over real gRPC on a port chosen by the OS, with the internal key.

mod support;

use std::sync::Arc;
use std::time::Duration;

use api_proto::llm::v1::EvaluateRequest;
use api_proto::llm::v1::judge_client::JudgeClient;
use llm::domain::{Evaluation, Judge, Verdict};
use llm::error::JudgeError;
use llm::offline::OfflineJudge;
use llm::startup::Application;
use mesh::tls::{ClientTls, ServerTls};
use support::service::{keys, serve, spawn_with_judge};
use tonic::Code;

fn price_request(previous: &str, current: &str, first_check: bool) -> EvaluateRequest {
    EvaluateRequest {
        condition: "tell me when the price drops below 100 EUR".into(),
        previous_text: previous.into(),
        current_text: current.into(),
        first_check,
        url: "https://shop.example/widget".into(),
        monitor_id: "monitor-1".into(),
        team_id: "team-1".into(),
        rated_examples: Vec::new(),
    }
}

#[tokio::test]
async fn a_caller_with_the_internal_key_gets_the_offline_verdict() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;

    let response = service
        .evaluate(price_request(
            "Price: 120.00 EUR",
            "Price: 89.90 EUR",
            false,
        ))
        .await
        .unwrap();

    assert!(response.triggered);
    assert_eq!(response.judge, "offline:number-below");
    assert_eq!(response.extracted_value, "89.90");
    assert!(
        response
            .summary
            .starts_with("The price is now 89.90, below 100."),
        "{}",
        response.summary
    );
    assert!(response.confidence > 0.5);
    assert_eq!((response.prompt_tokens, response.completion_tokens), (0, 0));
}

#[tokio::test]
async fn the_first_check_is_judged_on_the_current_state() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;

    let response = service
        .evaluate(price_request("", "Price: 89.90 EUR", true))
        .await
        .unwrap();

    assert!(response.triggered);
}

#[tokio::test]
async fn a_call_without_the_internal_key_is_unauthenticated() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;
    let mut client = JudgeClient::connect(service.url.clone()).await.unwrap();

    let status = client
        .evaluate(price_request("", "Price: 1", true))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn the_gateway_is_permission_denied_on_evaluate_even_with_a_known_key() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;
    let key = secrecy::SecretString::from(support::service::GATEWAY_KEY);
    let channel =
        mesh::client::connect_lazy(&service.url, &key, Duration::from_secs(5), None).unwrap();

    let status = JudgeClient::new(channel)
        .evaluate(price_request("", "Price: 1", true))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(
        status.message(),
        "gateway may not call /llm.v1.Judge/Evaluate"
    );
}

#[tokio::test]
async fn a_call_with_a_wrong_key_is_unauthenticated() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;
    let key = secrecy::SecretString::from("not-the-key-0123456789abcdef0123456789");
    let channel =
        mesh::client::connect_lazy(&service.url, &key, Duration::from_secs(5), None).unwrap();

    let status = JudgeClient::new(channel)
        .evaluate(price_request("", "Price: 1", true))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn an_empty_condition_and_empty_text_are_accepted() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;

    let response = service
        .evaluate(EvaluateRequest {
            first_check: true,
            ..Default::default()
        })
        .await
        .unwrap();

    assert!(!response.triggered);
    assert_eq!(response.judge, "offline:any-change");
}

#[tokio::test]
async fn an_overlong_condition_is_an_invalid_argument() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;
    let mut request = price_request("", "x", true);
    request.condition = "a".repeat(2_001);

    let status = service.evaluate(request).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("condition"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_page_text_over_two_megabytes_is_an_invalid_argument() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;
    let request = price_request("", &"x".repeat(2 * 1024 * 1024 + 1), true);

    let status = service.evaluate(request).await.unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("current_text"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn two_texts_at_the_size_limit_are_judged() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;
    let text = "x".repeat(2 * 1024 * 1024);
    let mut request = price_request(&text, &text, false);
    request.condition = "any change".into();

    let response = service.evaluate(request).await.unwrap();

    assert!(!response.triggered);
}

struct BrokenJudge;

#[tonic::async_trait]
impl Judge for BrokenJudge {
    fn name(&self) -> &str {
        "broken"
    }

    async fn evaluate(&self, _: &Evaluation) -> Result<Verdict, JudgeError> {
        Err(JudgeError::Transport(
            "connection refused by 10.1.2.3".into(),
        ))
    }
}

#[tokio::test]
async fn a_failing_judge_is_unavailable_with_a_plain_message() {
    let service = spawn_with_judge(Arc::new(BrokenJudge)).await;

    let status = service
        .evaluate(price_request("", "x", true))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        !status.message().contains("10.1.2.3"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn the_health_service_answers_without_a_key() {
    let service = spawn_with_judge(Arc::new(OfflineJudge)).await;

    mesh::health::probe(&service.url, Duration::from_secs(5), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn over_tls_only_a_client_trusting_the_services_ca_is_answered() {
    let ca = test_support::tls::TestCa::generate();
    let (listener, port) = mesh::server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let tls = ServerTls::from_files(&ca.cert_file(), &ca.key_file()).unwrap();
    let app = Application::with_judge(listener, port, Arc::new(OfflineJudge), keys())
        .unwrap()
        .with_tls(Some(tls));
    let service = serve(app);
    let key = secrecy::SecretString::from(support::service::SCHEDULER_KEY);
    let evaluate = |url: String, tls: Option<ClientTls>| {
        let key = key.clone();
        async move {
            let channel =
                mesh::client::connect_lazy(&url, &key, Duration::from_secs(5), tls.as_ref())
                    .unwrap();
            JudgeClient::new(channel)
                .evaluate(price_request("Price: 120 EUR", "Price: 90 EUR", false))
                .await
        }
    };
    let https = format!("https://localhost:{port}");

    // Plain HTTP/2 meets a TLS server: the connection breaks before any answer.
    let plain = evaluate(service.url.clone(), None).await.unwrap_err();
    assert!(
        matches!(plain.code(), Code::Unavailable | Code::Unknown),
        "{plain:?}"
    );
    assert!(plain.message().contains("transport error"), "{plain:?}");
    let stranger = test_support::tls::TestCa::generate();
    let other_ca = ClientTls::from_ca_file(&stranger.ca_file()).unwrap();
    let refused = evaluate(https.clone(), Some(other_ca)).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");

    // The refused handshakes cost the server nothing but those connections.
    let trusted = ClientTls::from_ca_file(&ca.ca_file()).unwrap();
    let answer = evaluate(https.clone(), Some(trusted.clone()))
        .await
        .unwrap();
    assert!(answer.into_inner().triggered);
    mesh::health::probe(&https, Duration::from_secs(5), Some(&trusted))
        .await
        .unwrap();
}

#[test]
fn a_service_url_must_say_https_exactly_when_tls_is_configured() {
    let ca = test_support::tls::TestCa::generate();
    let tls = ClientTls::from_ca_file(&ca.ca_file()).unwrap();
    let key = secrecy::SecretString::from(support::service::SCHEDULER_KEY);
    let deadline = Duration::from_secs(5);
    let error = mesh::client::connect_lazy("http://llm:50052", &key, deadline, Some(&tls))
        .err()
        .unwrap();
    assert!(error.to_string().contains("use https://"), "{error}");
    let error = mesh::client::connect_lazy("https://llm:50052", &key, deadline, None)
        .err()
        .unwrap();
    assert!(error.to_string().contains("GRPC_TLS_CA_FILE"), "{error}");
}
