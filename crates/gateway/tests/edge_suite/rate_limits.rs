//! Rate limits per class and per caller, shared through Redis, and the
//! in-process fallback when Redis is down.

use gateway::edge::settings::{Quota, RateLimits};
use secrecy::SecretString;

use crate::support::{TestApp, expect_error, jti_of, spawn_with, token};

fn limits(read: u32, write: u32, expensive: u32) -> RateLimits {
    RateLimits {
        sign_in: Quota::per_minute(2),
        expensive: Quota::per_minute(expensive),
        write: Quota::per_minute(write),
        read: Quota::per_minute(read),
    }
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn ready(app: &TestApp) -> serde_json::Value {
    app.client
        .get(app.url("/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Two gateways on one Redis, each with its own database, allowing `reads`
/// reads per minute.
async fn two_replicas_sharing_redis(reads: u32) -> (TestApp, TestApp) {
    let redis = test_support::redis::url().await;
    let configure = |config: &mut gateway::config::Config| {
        config.edge.rate_limits = limits(reads, 100, 100);
        config.redis_url = SecretString::from(redis.clone());
    };
    (spawn_with(configure).await, spawn_with(configure).await)
}

fn header(response: &reqwest::Response, name: &str) -> u64 {
    response.headers()[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn reads_over_the_quota_get_429_with_retry_after_and_ratelimit_headers() {
    let app = spawn_with(|config| config.edge.rate_limits = limits(3, 100, 100)).await;
    let alice = token(&app).await;
    for remaining in [2, 1, 0] {
        let response = me(&app, &alice).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit"), 3);
        assert_eq!(header(&response, "ratelimit-remaining"), remaining);
        assert!(header(&response, "ratelimit-reset") <= 60);
    }
    let refused = me(&app, &alice).await;
    let retry_after = header(&refused, "retry-after");
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(header(&refused, "ratelimit-remaining"), 0);
    expect_error(refused, 429, "rate_limited").await;

    // Budgets are per user: another caller is unaffected.
    let bob = token(&app).await;
    assert_eq!(me(&app, &bob).await.status(), 200);
}

#[tokio::test]
async fn expensive_routes_have_their_own_tighter_budget() {
    let app = spawn_with(|config| config.edge.rate_limits = limits(100, 100, 1)).await;
    let alice = token(&app).await;
    let run_now = || {
        app.client
            .post(app.url("/api/v1/monitors/00000000-0000-4000-8000-000000000000/check"))
            .bearer_auth(&alice)
            .send()
    };
    assert_eq!(run_now().await.unwrap().status(), 404);
    expect_error(run_now().await.unwrap(), 429, "rate_limited").await;
    // Reads still pass.
    assert_eq!(me(&app, &alice).await.status(), 200);
}

#[tokio::test]
async fn writes_are_limited_apart_from_reads() {
    let app = spawn_with(|config| config.edge.rate_limits = limits(100, 1, 100)).await;
    let alice = token(&app).await;
    let create = || {
        app.client
            .post(app.url("/api/v1/teams"))
            .bearer_auth(&alice)
            .json(&serde_json::json!({"name": "Ops"}))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), 201);
    expect_error(create().await.unwrap(), 429, "rate_limited").await;
    assert_eq!(me(&app, &alice).await.status(), 200);
}

#[tokio::test]
async fn unauthenticated_callers_are_limited_per_client_ip() {
    let app = spawn_with(|config| {
        config.edge.rate_limits = limits(2, 100, 100);
        config.edge.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let anonymous = |ip: &'static str| {
        app.client
            .get(app.url("/api/v1/me"))
            .header("x-forwarded-for", ip)
            .send()
    };
    assert_eq!(anonymous("198.51.100.1").await.unwrap().status(), 401);
    assert_eq!(anonymous("198.51.100.1").await.unwrap().status(), 401);
    expect_error(
        anonymous("198.51.100.1").await.unwrap(),
        429,
        "rate_limited",
    )
    .await;
    // Another client behind the same trusted proxy has its own budget.
    assert_eq!(anonymous("198.51.100.2").await.unwrap().status(), 401);
}

#[tokio::test]
async fn replicas_share_one_budget_through_redis() {
    let (first, second) = two_replicas_sharing_redis(2).await;
    // The same user on both replicas (they share the JWT secret).
    let alice = token(&first).await;
    assert_eq!(me(&first, &alice).await.status(), 200);
    assert_eq!(
        me(&second, &alice).await.status(),
        401,
        "user row lives in the first database"
    );
    expect_error(me(&first, &alice).await, 429, "rate_limited").await;
}

/// Many requests at once on two replicas: their script calls reach Redis in
/// batches, and the budget they share is still spent exactly.
#[tokio::test]
async fn concurrent_requests_on_two_replicas_spend_one_exact_budget() {
    let (first, second) = two_replicas_sharing_redis(10).await;
    let alice = token(&first).await;
    let requests = (0..40).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        me(app, &alice)
    });
    let statuses: Vec<u16> = futures::future::join_all(requests)
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();
    let refused = statuses.iter().filter(|status| **status == 429).count();
    assert_eq!(refused, 30, "{statuses:?}");
    for app in [&first, &second] {
        assert_eq!(
            ready(app).await["dependencies"]["rate_limiter"]["status"],
            "up"
        );
    }
}

#[tokio::test]
async fn a_denylisted_access_token_is_refused_in_the_same_round_trip() {
    let redis = test_support::redis::url().await;
    let url = redis.clone();
    let app = spawn_with(move |config| config.redis_url = SecretString::from(url)).await;
    let alice = token(&app).await;
    assert_eq!(me(&app, &alice).await.status(), 200);
    let client = redis::Client::open(redis.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("lookout:denylist:{}", jti_of(&alice)))
        .arg(1)
        .arg("EX")
        .arg(600)
        .query_async(&mut connection)
        .await
        .unwrap();
    expect_error(me(&app, &alice).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn with_redis_down_limits_fall_back_to_the_replica_and_ready_says_degraded() {
    let closed = test_support::ports::free_port();
    let app = spawn_with(move |config| {
        config.edge.rate_limits = limits(2, 100, 100);
        config.redis_url = SecretString::from(format!("redis://127.0.0.1:{closed}"));
    })
    .await;
    // Anonymous calls: authentication itself fails closed without Redis.
    let anonymous = || app.client.get(app.url("/api/v1/monitors")).send();
    assert_eq!(anonymous().await.unwrap().status(), 401);
    assert_eq!(anonymous().await.unwrap().status(), 401);
    expect_error(anonymous().await.unwrap(), 429, "rate_limited").await;

    let ready = ready(&app).await;
    assert_eq!(
        ready["dependencies"]["rate_limiter"]["status"], "degraded",
        "{ready}"
    );
    assert_eq!(ready["dependencies"]["redis"]["status"], "down", "{ready}");
}

#[tokio::test]
async fn a_repeated_unknown_api_key_runs_out_of_budget() {
    let app = spawn_with(|config| config.edge.rate_limits = limits(1, 100, 100)).await;
    let key = |prefix: &str| format!("lk_{prefix}_{}", "0".repeat(64));
    let call = |token: String| {
        app.client
            .get(app.url("/api/v1/monitors"))
            .bearer_auth(token)
            .send()
    };
    let first = "0123456789abcdef";
    assert_eq!(call(key(first)).await.unwrap().status(), 401);
    expect_error(call(key(first)).await.unwrap(), 429, "rate_limited").await;
}

/// Once verified, a key spends its owner's budget: a user's keys and
/// sessions share one budget, so issuing more keys buys no more requests.
/// (A key's first request, before it is verified, spends the address's.)
#[tokio::test]
async fn verified_api_keys_spend_their_owners_budget() {
    let app = spawn_with(|config| config.edge.rate_limits = limits(4, 100, 100)).await;
    let owner = token(&app).await;
    let mut keys = Vec::new();
    for name in ["ci", "laptop"] {
        let response = app
            .client
            .post(app.url("/api/v1/api-keys"))
            .bearer_auth(&owner)
            .json(&serde_json::json!({ "name": name, "scopes": ["read"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let key: serde_json::Value = response.json().await.unwrap();
        keys.push(key["key"].as_str().unwrap().to_owned());
    }
    // Verifying each key spends the address's budget (2 of 4).
    for key in &keys {
        assert_eq!(me(&app, key).await.status(), 200);
    }
    // From now on the owner's budget: 4 requests across the session and both keys.
    for caller in [&owner, &keys[0], &keys[1], &owner] {
        assert_eq!(me(&app, caller).await.status(), 200);
    }
    for caller in [&keys[0], &keys[1], &owner] {
        expect_error(me(&app, caller).await, 429, "rate_limited").await;
    }
    // The address still has budget left: an anonymous call is refused as
    // unauthenticated, not as rate limited.
    let anonymous = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

/// Until a key is verified it spends the client address's budget: a new
/// invented key per request gains no fresh budget.
#[tokio::test]
async fn invented_api_keys_spend_the_client_address_budget() {
    let app = spawn_with(|config| config.edge.rate_limits = limits(2, 100, 100)).await;
    let key = |prefix: &str| format!("lk_{prefix}_{}", "0".repeat(64));
    let monitors = || app.client.get(app.url("/api/v1/monitors"));
    let response = monitors()
        .header("x-api-key", key("0123456789abcdef"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = monitors()
        .bearer_auth(key("1123456789abcdef"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = monitors()
        .header("x-api-key", key("2123456789abcdef"))
        .send()
        .await
        .unwrap();
    expect_error(response, 429, "rate_limited").await;
    // Anonymous calls from the same address share that budget.
    expect_error(monitors().send().await.unwrap(), 429, "rate_limited").await;
}

#[tokio::test]
async fn ipv6_clients_of_one_64_share_a_budget() {
    let app = spawn_with(|config| {
        config.edge.rate_limits = limits(1, 100, 100);
        config.edge.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let from = |ip: &'static str| {
        app.client
            .get(app.url("/api/v1/monitors"))
            .header("x-forwarded-for", ip)
            .send()
    };
    assert_eq!(from("2001:db8:1:2::1").await.unwrap().status(), 401);
    expect_error(
        from("2001:db8:1:2:ffff::2").await.unwrap(),
        429,
        "rate_limited",
    )
    .await;
    assert_eq!(from("2001:db8:1:3::1").await.unwrap().status(), 401);
}

/// A rate so high that one request's share of the period vanishes in the
/// precision of the clock still goes through Redis (it once asked Redis for
/// a zero expiry, failed, and silently fell back to per-replica limits).
#[tokio::test]
async fn a_very_high_rate_stays_shared_through_redis() {
    let huge = Quota {
        count: 1_000_000_000,
        period: std::time::Duration::from_secs(1),
    };
    let redis = test_support::redis::url().await;
    let app = spawn_with(move |config| {
        config.redis_url = SecretString::from(redis);
        config.edge.rate_limits = RateLimits {
            sign_in: huge,
            expensive: huge,
            write: huge,
            read: huge,
        };
    })
    .await;
    let alice = token(&app).await;
    for _ in 0..5 {
        assert_eq!(me(&app, &alice).await.status(), 200);
    }
    let ready = ready(&app).await;
    assert_eq!(
        ready["dependencies"]["rate_limiter"]["status"], "up",
        "{ready}"
    );
}
