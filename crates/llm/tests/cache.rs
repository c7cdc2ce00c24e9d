//! The verdict cache in Redis: the same change under the same condition reaches the model once,
//! whichever monitor asks and whichever replica answers. Requests are counted at a local
//! OpenAI-compatible server.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] functions set up fixtures.

mod support;

use std::time::Duration;

use api_proto::llm::v1::{EvaluateRequest, EvaluateResponse};
use llm::cache::CacheSettings;
use llm::config::ProviderConfig;
use llm::startup::Application;
use secrecy::SecretString;
use serde_json::json;
use support::fake_model::{Canned, FakeModel};
use support::service::TestService;

fn below_100() -> Canned {
    Canned::verdict(json!({
        "triggered": true,
        "summary": "The price dropped to 89.90 EUR.",
        "reason": "89.90 is below 100.",
        "extracted_value": "89.90",
        "confidence": 0.92,
        "condition_kind": "state",
        "holds": true,
        "evidence_excerpt": "Price: 89.90 EUR"
    }))
}

/// A replica of the llm service with the cache under `prefix` (tests share one Redis).
async fn replica(model: &FakeModel, prefix: &str) -> TestService {
    let mut config = support::config(ProviderConfig::OpenAi(support::settings(model)));
    config.verdict_cache = Some(CacheSettings {
        redis_url: SecretString::from(test_support::redis::url().await),
        redis_ca_file: None,
        ttl: Duration::from_secs(60),
        key_prefix: prefix.to_owned(),
        wait_for_peer: Duration::from_secs(5),
    });
    support::service::serve(Application::build(config).await.unwrap())
}

fn request(monitor: &str, condition: &str, current: &str) -> EvaluateRequest {
    EvaluateRequest {
        condition: condition.to_owned(),
        previous_text: "Price: 120.00 EUR".to_owned(),
        current_text: current.to_owned(),
        first_check: false,
        url: "https://shop.example/widget".to_owned(),
        monitor_id: monitor.to_owned(),
        team_id: "team".to_owned(),
        rated_examples: Vec::new(),
    }
}

async fn judged(service: &TestService, request: EvaluateRequest) -> EvaluateResponse {
    service.evaluate(request).await.unwrap()
}

#[tokio::test]
async fn the_same_change_is_sent_to_the_model_once_across_monitors_and_replicas() {
    let model = FakeModel::start(vec![below_100()]).await;
    let prefix = format!("test:{}:", rand::random::<u64>());
    let first = replica(&model, &prefix).await;
    let second = replica(&model, &prefix).await;
    let condition = "price drops below 100 EUR";

    let fresh = judged(&first, request("m1", condition, "Price: 89.90 EUR")).await;
    assert!(fresh.triggered && !fresh.cached);
    assert_eq!((fresh.prompt_tokens, fresh.completion_tokens), (100, 20));

    // Another monitor, another replica, the same condition written a little differently.
    let hit = judged(
        &second,
        request("m2", "  Price drops below 100 EUR ", "Price: 89.90 EUR"),
    )
    .await;
    assert!(hit.triggered && hit.cached, "{hit:?}");
    assert_eq!(hit.summary, fresh.summary);
    assert_eq!(hit.evidence_excerpt, fresh.evidence_excerpt);
    assert_eq!(
        (hit.prompt_tokens, hit.completion_tokens),
        (0, 0),
        "a hit costs nothing"
    );
    assert_eq!(model.received().len(), 1);

    // Both replicas meet a new change at the same moment: one asks, the other waits for it.
    let (left, right) = tokio::join!(
        judged(
            &first,
            request("m3", condition, "Price: 89.90 EUR\nNew colours")
        ),
        judged(
            &second,
            request("m4", condition, "Price: 89.90 EUR\nNew colours")
        ),
    );
    assert_eq!(
        model.received().len(),
        2,
        "concurrent replicas share one call"
    );
    assert!(left.cached != right.cached, "{left:?} {right:?}");

    // A different condition or a different page is a different question.
    judged(
        &first,
        request("m1", "price drops below 50 EUR", "Price: 89.90 EUR"),
    )
    .await;
    judged(&first, request("m1", condition, "Price: 89.90 EUR!")).await;
    assert_eq!(model.received().len(), 4);
}

#[tokio::test]
async fn failures_are_not_cached() {
    let model = FakeModel::start(vec![Canned::status(401), below_100()]).await;
    let prefix = format!("test:{}:", rand::random::<u64>());
    let service = replica(&model, &prefix).await;
    let ask = || request("m1", "price drops below 100 EUR", "Price: 89.90 EUR");

    assert!(service.evaluate(ask()).await.is_err());
    let verdict = judged(&service, ask()).await;
    assert!(verdict.triggered && !verdict.cached);
    assert_eq!(model.received().len(), 2);
}

/// Model calls per 1,000 checks of pages whose content rotates between a few versions (A/B
/// tests, stock flipping): every check is a change, so the diff gate lets each one through.
/// Measured at two local model servers, one behind a service with the cache and one without;
/// `make bench` prints the line.
#[tokio::test]
async fn a_thousand_checks_of_rotating_pages_cost_one_call_per_distinct_change() {
    let cached_model = FakeModel::start(vec![below_100()]).await;
    let uncached_model = FakeModel::start(vec![below_100()]).await;
    let prefix = format!("test:{}:", rand::random::<u64>());
    let cached = replica(&cached_model, &prefix).await;
    let uncached = support::service::serve(
        Application::build(support::config(ProviderConfig::OpenAi(support::settings(
            &uncached_model,
        ))))
        .await
        .unwrap(),
    );
    let versions = ["Price: 89.90 EUR", "Price: 95.00 EUR", "Price: 120.00 EUR"];
    let pages = 10;
    let mut checks = 0;
    for page in 0..pages {
        for step in 0..100 {
            let previous = format!("Page {page}\n{}", versions[step % versions.len()]);
            let current = format!("Page {page}\n{}", versions[(step + 1) % versions.len()]);
            let request = EvaluateRequest {
                previous_text: previous,
                current_text: current,
                ..request(&format!("m{page}"), "price drops below 100 EUR", "")
            };
            judged(&cached, request.clone()).await;
            judged(&uncached, request).await;
            checks += 1;
        }
    }
    let with_cache = cached_model.received().len();
    let without_cache = uncached_model.received().len();
    println!(
        "model calls per 1,000 checks (10 pages, 100 checks each, rotating between 3 versions): \
         {with_cache} with the verdict cache, {without_cache} without"
    );
    assert_eq!(checks, 1_000);
    assert_eq!(
        without_cache, checks,
        "without the cache every change is a call"
    );
    assert_eq!(
        with_cache,
        pages * versions.len(),
        "one call per distinct change"
    );
}
