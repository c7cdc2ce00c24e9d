//! The model judge against local servers that answer as OpenAI, Ollama (`/v1`), vLLM and
//! llama.cpp's server do: their response and error shapes, servers without JSON mode, rate
//! limits with `Retry-After`, a model still loading, and answers too slow for the deadline.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] functions set up fixtures.

mod support;

use std::time::Duration;

use api_proto::llm::v1::EvaluateRequest;
use llm::config::ProviderConfig;
use llm::domain::{Evaluation, Judge, Verdict, Verification};
use llm::error::JudgeError;
use llm::openai::OpenAiJudge;
use llm::startup::Application;
use support::model_servers::{Behaviour, Flavour, JsonMode, ModelServer};
use tonic::Code;

fn judge(server: &ModelServer) -> OpenAiJudge {
    OpenAiJudge::new(settings(server)).unwrap()
}

fn settings(server: &ModelServer) -> llm::openai::OpenAiSettings {
    support::settings_for(&server.base_url)
}

fn price(current: &str) -> Evaluation {
    Evaluation {
        condition: "price drops below 100 EUR".into(),
        previous_text: "Widget\nPrice: 120.00 EUR\nIn stock".into(),
        current_text: format!("Widget\n{current}\nIn stock"),
        first_check: false,
        url: "https://shop.example/widget".into(),
        rated_examples: Vec::new(),
    }
}

/// The judge's answer when the price drops from 120 to 89.90 EUR.
async fn price_drop(judge: &OpenAiJudge) -> Result<Verdict, JudgeError> {
    judge.evaluate(&price("Price: 89.90 EUR")).await
}

#[tokio::test]
async fn every_server_dialect_with_json_mode_gives_a_verified_verdict_and_its_token_counts() {
    for flavour in Flavour::ALL {
        let server = ModelServer::start(flavour, Behaviour::default()).await;
        let judge = judge(&server);

        let below = price_drop(&judge).await.unwrap();
        let above = judge.evaluate(&price("Price: 130.00 EUR")).await.unwrap();

        assert!(below.triggered, "{flavour:?}: {below:?}");
        assert_eq!(below.verification, Verification::Verified, "{flavour:?}");
        assert_eq!(below.extracted_value.as_deref(), Some("89.90"));
        assert!(below.tokens.prompt > 100, "{flavour:?}: {:?}", below.tokens);
        assert_eq!(below.tokens.completion, 40, "{flavour:?}");
        assert!(!above.triggered && !above.holds, "{flavour:?}: {above:?}");
        let received = server.received();
        assert_eq!(received.len(), 2, "{flavour:?}");
        assert!(
            received
                .iter()
                .all(|body| body["response_format"]["type"] == "json_schema")
        );
    }
}

#[tokio::test]
async fn a_server_that_rejects_json_mode_is_asked_again_without_it_and_then_never_with_it() {
    for flavour in Flavour::ALL {
        let server = ModelServer::start(
            flavour,
            Behaviour {
                json_mode: JsonMode::Rejects,
                ..Behaviour::default()
            },
        )
        .await;
        let judge = judge(&server);

        let first = price_drop(&judge).await.unwrap();
        let second = judge.evaluate(&price("Price: 95.00 EUR")).await.unwrap();

        assert!(first.triggered && second.triggered, "{flavour:?}");
        assert_eq!(first.verification, Verification::Verified, "{flavour:?}");
        assert_eq!(second.extracted_value.as_deref(), Some("95.00"));
        let with_format: Vec<bool> = server
            .received()
            .iter()
            .map(|body| body.get("response_format").is_some())
            .collect();
        assert_eq!(with_format, [true, false, false], "{flavour:?}");
        // Without a schema the prompt itself names every field of the answer.
        let system = support::model_servers::message(&server.received()[1], "system");
        assert!(system.contains("evidence_excerpt (string or null)"));
    }
}

#[tokio::test]
async fn a_server_that_ignores_json_mode_is_read_from_its_prose_and_validated() {
    for flavour in Flavour::ALL {
        let server = ModelServer::start(
            flavour,
            Behaviour {
                json_mode: JsonMode::Ignores,
                thinks: flavour == Flavour::Ollama,
                ..Behaviour::default()
            },
        )
        .await;

        let verdict = price_drop(&judge(&server)).await.unwrap();

        assert!(verdict.triggered, "{flavour:?}: {verdict:?}");
        assert_eq!(verdict.verification, Verification::Verified);
        assert_eq!(server.received().len(), 1);
    }
}

#[tokio::test]
async fn prose_whose_object_misses_fields_of_the_schema_is_refused_after_one_more_try() {
    let server = ModelServer::start(
        Flavour::LlamaCpp,
        Behaviour {
            json_mode: JsonMode::Ignores,
            sloppy: true,
            ..Behaviour::default()
        },
    )
    .await;

    let error = price_drop(&judge(&server)).await.unwrap_err();

    assert!(
        matches!(&error, JudgeError::InvalidOutput(why) if why.contains("evidence_excerpt")),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured_for_every_dialect() {
    for flavour in Flavour::ALL {
        let server = ModelServer::start(
            flavour,
            Behaviour {
                throttle: Some((1, "1".into())),
                ..Behaviour::default()
            },
        )
        .await;
        let started = std::time::Instant::now();

        let verdict = price_drop(&judge(&server)).await.unwrap();

        assert!(verdict.triggered, "{flavour:?}");
        assert_eq!(server.received().len(), 2, "{flavour:?}");
        assert!(
            started.elapsed() >= Duration::from_millis(950),
            "{flavour:?}: the retry waited for Retry-After"
        );
    }
}

#[tokio::test]
async fn a_retry_after_that_ends_past_the_deadline_fails_at_once() {
    let server = ModelServer::start(
        Flavour::OpenAi,
        Behaviour {
            throttle: Some((1, "2".into())),
            ..Behaviour::default()
        },
    )
    .await;
    let mut settings = settings(&server);
    // The policy would honour 2 s, but the evaluation as a whole may take only 1 s.
    settings.deadline = Duration::from_secs(1);

    let error = price_drop(&OpenAiJudge::new(settings).unwrap())
        .await
        .unwrap_err();

    assert!(
        matches!(error, JudgeError::UpstreamStatus(429)),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_llama_cpp_server_still_loading_its_model_is_tried_again() {
    let server = ModelServer::start(
        Flavour::LlamaCpp,
        Behaviour {
            loading: 1,
            ..Behaviour::default()
        },
    )
    .await;

    let verdict = price_drop(&judge(&server)).await.unwrap();

    assert!(verdict.triggered);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_slow_answer_is_cut_at_the_deadline_and_the_service_reports_a_timeout() {
    // Each attempt could take 5 s, but the whole evaluation only 600 ms: the stream of 20
    // pieces 100 ms apart never completes, and no retry starts past the deadline.
    let server = ModelServer::start(
        Flavour::Vllm,
        Behaviour {
            slow: Some((20, Duration::from_millis(100))),
            ..Behaviour::default()
        },
    )
    .await;
    let mut settings = settings(&server);
    settings.deadline = Duration::from_millis(600);

    let error = price_drop(&OpenAiJudge::new(settings.clone()).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(error, JudgeError::Timeout), "{error:?}");

    // Through gRPC the scheduler hears DEADLINE_EXCEEDED, which it records as an unjudged
    // change (reason `timeout`) and handles by the monitor's fail policy.
    let service = support::service::serve(
        Application::build(support::config(ProviderConfig::OpenAi(settings)))
            .await
            .unwrap(),
    );
    let status = service
        .evaluate(EvaluateRequest {
            condition: "price below 100".into(),
            previous_text: "Price: 120.00 EUR".into(),
            current_text: "Price: 89.90 EUR".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
}
