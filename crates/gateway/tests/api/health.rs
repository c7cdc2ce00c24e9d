use reqwest::StatusCode;

use crate::helpers::{expect_json, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_is_public() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    let body = expect_json(response, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_is_200_when_every_dependency_answers() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    let body = expect_json(response, StatusCode::OK).await;
    for dependency in ["database", "browser", "llm", "notify"] {
        assert_eq!(body["dependencies"][dependency]["status"], "up", "{body}");
    }
}

#[tokio::test]
async fn ready_reports_a_down_dependency_with_503() {
    let browser_port = test_support::ports::free_port();
    let redis_port = test_support::ports::free_port();
    let app = spawn_app_with(|config| {
        config.browser_url = format!("http://127.0.0.1:{browser_port}");
        config.redis_url = secrecy::SecretString::from(format!("redis://127.0.0.1:{redis_port}"));
    })
    .await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    let body = expect_json(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["dependencies"]["browser"]["status"], "down");
    assert_eq!(body["dependencies"]["redis"]["status"], "down");
    assert_eq!(body["dependencies"]["database"]["status"], "up");
    assert_eq!(body["dependencies"]["notify"]["status"], "up");
}

#[tokio::test]
async fn a_well_formed_request_id_is_echoed_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "client-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-abc.123");
    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
}

/// Forwards loopback connections to `upstream`, counting them.
fn counting_proxy(upstream: &str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let upstream = upstream.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (address, accepted)
}

#[tokio::test]
async fn ready_reuses_a_recent_report_and_its_connections_to_the_services() {
    use std::sync::atomic::Ordering;
    let mut accepted = None;
    let app = spawn_app_with(|config| {
        let (proxy, counter) = counting_proxy(&config.browser_url);
        config.browser_url = proxy.clone();
        config.llm_url = proxy.clone();
        config.notify_url = proxy;
        accepted = Some(counter);
    })
    .await;
    let accepted = accepted.unwrap();
    let before = accepted.load(Ordering::SeqCst);
    let calls = (0..20).map(|_| app.client.get(app.url("/ready")).send());
    for response in futures::future::join_all(calls).await {
        expect_json(response.unwrap(), StatusCode::OK).await;
    }
    let after_burst = accepted.load(Ordering::SeqCst) - before;
    assert!(
        after_burst <= 3,
        "20 calls opened {after_burst} connections: one per service at most"
    );

    // Once the report is stale, the next check still reuses the channels.
    tokio::time::sleep(gateway::readiness::REPORT_TTL + std::time::Duration::from_millis(100))
        .await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    expect_json(response, StatusCode::OK).await;
    assert_eq!(accepted.load(Ordering::SeqCst) - before, after_burst);
}
