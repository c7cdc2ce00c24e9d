//! The nginx edge, run on loopback with the production configuration in
//! front of an echo upstream standing in for the gateway.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use deploy_checks::echo::EchoUpstream;
use deploy_checks::nginx::{self, INDEX_HTML, Prefix, RunningNginx};
use deploy_checks::{repo, tools};
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;

struct Edge {
    nginx: RunningNginx,
    upstream: EchoUpstream,
    client: Client,
}

impl Edge {
    async fn start() -> Self {
        let binary = tools::require("nginx", "running the nginx edge on loopback");
        let upstream = EchoUpstream::start().await.unwrap();
        let prefix = Prefix::prepare(upstream.addr()).unwrap();
        let certificate =
            reqwest::Certificate::from_pem(&prefix.certificate_pem().unwrap()).unwrap();
        let nginx = prefix.start(&binary).unwrap();
        // Trust only the certificate from scripts/gen-self-signed-cert.sh, so
        // a handshake succeeding proves the script's certificate is valid.
        let client = Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(certificate)
            .redirect(redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        Self {
            nginx,
            upstream,
            client,
        }
    }

    fn https(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.nginx.ports().https)
    }

    fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.nginx.ports().http)
    }

    fn static_ui(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.nginx.ports().static_ui)
    }

    async fn echoed(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "log:\n{}",
            self.nginx.log()
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["echo"], true, "the upstream did not answer: {body}");
        body
    }
}

fn header<'a>(echo: &'a Value, name: &str) -> Vec<&'a str> {
    echo["headers"][name]
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn nginx_accepts_the_production_configuration() {
    let binary = tools::require("nginx", "nginx -t on deploy/nginx/nginx.conf");
    let prefix = Prefix::prepare("127.0.0.1:9".parse().unwrap()).unwrap();
    let (ok, output) = prefix.syntax_check(&binary).unwrap();
    assert!(ok, "nginx -t failed:\n{output}");
}

#[test]
fn the_configuration_listens_only_on_the_three_documented_ports() {
    let config = repo::read(nginx::CONFIG).unwrap();
    let listens: Vec<&str> = config
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("listen "))
        .collect();
    assert_eq!(
        listens,
        [
            "listen 8080 default_server;",
            "listen 8443 ssl http2 default_server;",
            "listen 8081;"
        ]
    );
}

#[tokio::test]
async fn https_serves_the_ui_with_security_headers() {
    let edge = Edge::start().await;
    let response = edge.client.get(edge.https("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(response.text().await.unwrap(), INDEX_HTML);
    assert!(
        headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers.get("server").is_none_or(|server| server == "nginx"),
        "server_tokens must be off"
    );
}

#[tokio::test]
async fn ui_routes_fall_back_to_the_single_page_app() {
    let edge = Edge::start().await;
    let response = edge
        .client
        .get(edge.https("/monitors/42"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), INDEX_HTML);
}

#[tokio::test]
async fn plain_http_redirects_to_https_and_proxies_nothing() {
    let edge = Edge::start().await;
    for path in ["/", "/api/v1/me?x=1", "/auth/google/login"] {
        let response = edge.client.get(edge.http(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY, "{path}");
        let location = response.headers()["location"].to_str().unwrap();
        assert_eq!(location, format!("https://127.0.0.1{path}"));
    }
    assert!(
        edge.upstream.seen_uris().is_empty(),
        "HTTP reached the gateway"
    );
}

#[tokio::test]
async fn api_requests_reach_the_gateway_with_forwarded_headers() {
    let edge = Edge::start().await;
    let echo = edge
        .echoed(edge.client.get(edge.https("/api/v1/monitors?page=2")))
        .await;
    assert_eq!(echo["uri"], "/api/v1/monitors?page=2");
    assert_eq!(header(&echo, "x-forwarded-for"), ["127.0.0.1"]);
    assert_eq!(header(&echo, "x-real-ip"), ["127.0.0.1"]);
    assert_eq!(header(&echo, "x-forwarded-proto"), ["https"]);
    let request_id = header(&echo, "x-request-id");
    assert_eq!(request_id.len(), 1);
    assert_eq!(request_id[0].len(), 32);
    assert!(request_id[0].chars().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn imports_take_a_large_body_that_other_routes_refuse() {
    let edge = Edge::start().await;
    let file = vec![b'a'; 20 * 1024 * 1024];
    let echo = edge
        .echoed(
            edge.client
                .post(edge.https("/api/v1/teams/5e7a2a4e-0b8c-4b8e-9d53-2f0d6d1c0001/import"))
                .body(file.clone()),
        )
        .await;
    assert_eq!(echo["body_bytes"], 20 * 1024 * 1024);
    assert_eq!(header(&echo, "x-forwarded-proto"), ["https"]);
    for path in ["/api/v1/monitors", "/api/v1/teams/x/import/more"] {
        let response = edge
            .client
            .post(edge.https(path))
            .body(file.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
    // Past 64 MiB, refused there too.
    let response = edge
        .client
        .post(edge.https("/api/v1/teams/x/import"))
        .body(vec![b'a'; 65 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn imports_wait_ten_minutes_and_pass_their_progress_on_unbuffered() {
    let conf = repo::read(nginx::CONFIG).unwrap();
    let start = conf
        .find("location ~ ^/api/v1/teams/[^/]+/import$ {")
        .expect("the import location");
    let block = &conf[start..start + conf[start..].find('}').unwrap()];
    for directive in [
        "client_max_body_size 64m;",
        "proxy_request_buffering off;",
        "proxy_buffering off;",
        "proxy_read_timeout 600s;",
        "proxy_send_timeout 600s;",
        "limit_req zone=per_ip",
        "proxy_pass http://lookout_gateway;",
    ] {
        assert!(block.contains(directive), "{directive} in {block}");
    }
}

#[tokio::test]
async fn auth_docs_and_health_routes_reach_the_gateway() {
    let edge = Edge::start().await;
    for path in [
        "/auth/google/callback?code=c&state=s",
        "/docs",
        "/docs/index.html",
        "/health",
        "/ready",
    ] {
        let echo = edge.echoed(edge.client.get(edge.https(path))).await;
        assert_eq!(echo["uri"], path);
        assert_eq!(header(&echo, "x-forwarded-proto"), ["https"], "{path}");
    }
    let echo = edge
        .echoed(edge.client.post(edge.https("/auth/refresh")).body("{}"))
        .await;
    assert_eq!(echo["method"], "POST");
}

#[tokio::test]
async fn the_response_carries_the_request_id_the_gateway_received() {
    let edge = Edge::start().await;
    let response = edge
        .client
        .get(edge.https("/api/v1/me"))
        .send()
        .await
        .unwrap();
    let returned = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let echo: Value = response.json().await.unwrap();
    assert_eq!(header(&echo, "x-request-id"), [returned.as_str()]);
}

#[tokio::test]
async fn client_claims_about_origin_and_internal_keys_are_replaced_at_the_edge() {
    let edge = Edge::start().await;
    let echo = edge
        .echoed(
            edge.client
                .get(edge.https("/api/v1/me"))
                .header("X-Forwarded-For", "203.0.113.7")
                .header("X-Real-IP", "203.0.113.7")
                .header("X-Forwarded-Proto", "http")
                .header("X-Request-ID", "attacker-chosen")
                .header("X-Internal-API-Key", "guess"),
        )
        .await;
    assert_eq!(header(&echo, "x-forwarded-for"), ["127.0.0.1"]);
    assert_eq!(header(&echo, "x-real-ip"), ["127.0.0.1"]);
    assert_eq!(header(&echo, "x-forwarded-proto"), ["https"]);
    assert_ne!(header(&echo, "x-request-id"), ["attacker-chosen"]);
    assert!(
        header(&echo, "x-internal-api-key").is_empty(),
        "internal key was forwarded"
    );
}

#[tokio::test]
async fn paths_outside_the_public_routes_never_reach_the_gateway() {
    let edge = Edge::start().await;
    let probes = [
        "/internal",
        "/internal/keys",
        "/browser.v1.Browser/Fetch",
        "/llm.v1.Judge/Evaluate",
        "/grpc.health.v1.Health/Check",
        "/apiary",
        "/api",
        "/healthz",
        "/metrics",
        "/.env",
        "/.git/config",
        "/server-status.php",
    ];
    for path in probes {
        let response = edge.client.get(edge.https(path)).send().await.unwrap();
        let status = response.status();
        // nginx answers `/api` with a redirect to `/api/` (its rule for
        // proxied prefixes); staying on this host, that is harmless.
        let same_host_redirect = status == StatusCode::MOVED_PERMANENTLY
            && response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("https://127.0.0.1");
        let body = response.text().await.unwrap();
        assert!(!body.contains("\"echo\""), "{path} was proxied");
        assert!(
            status == StatusCode::NOT_FOUND
                || (status == StatusCode::OK && body == INDEX_HTML)
                || same_host_redirect,
            "{path}: unexpected {status}"
        );
    }
    let response = edge
        .client
        .post(edge.https("/browser.v1.Browser/Fetch"))
        .header("content-type", "application/grpc")
        .body(vec![0u8; 5])
        .send()
        .await
        .unwrap();
    assert_ne!(
        response.status(),
        StatusCode::OK,
        "a gRPC call got an answer"
    );
    assert!(
        edge.upstream.seen_uris().is_empty(),
        "reached the gateway: {:?}",
        edge.upstream.seen_uris()
    );
}

#[tokio::test]
async fn dotfiles_and_missing_files_are_plain_404s() {
    let edge = Edge::start().await;
    for path in [
        "/.env",
        "/.git/config",
        "/wp-login.php",
        "/assets/missing.js",
    ] {
        let response = edge.client.get(edge.https(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_static_listener_serves_the_ui_and_never_proxies() {
    let edge = Edge::start().await;
    let health = edge
        .client
        .get(edge.static_ui("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    for path in ["/", "/api/v1/me", "/auth/google/login", "/health"] {
        let response = edge.client.get(edge.static_ui(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.text().await.unwrap(), INDEX_HTML, "{path}");
    }
    assert!(edge.upstream.seen_uris().is_empty());
}

#[tokio::test]
async fn a_burst_of_readiness_probes_is_limited_at_the_edge() {
    let edge = Edge::start().await;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let response = edge.client.get(edge.https("/ready")).send().await.unwrap();
        statuses.push(response.status().as_u16());
    }
    let limited = statuses.iter().filter(|status| **status == 429).count();
    assert!(
        limited >= 10,
        "20 probes at once, {limited} limited: {statuses:?}"
    );
    assert_eq!(statuses[0], 200, "the first probe goes through");
    // Other routes keep their own budget.
    edge.echoed(edge.client.get(edge.https("/health"))).await;
}
