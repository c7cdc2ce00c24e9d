//! The real mesh on loopback in production mode: every binary started as a
//! process with secrets from a `.env` written by scripts/generate-keys.sh,
//! PostgreSQL and Redis from test-support, and nginx in front of the real
//! gateway. Skipped (loudly) until `cargo build --bins` has produced the five
//! binaries; scripts/check-deploy.sh builds them first.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use deploy_checks::nginx::{INDEX_HTML, Prefix};
use deploy_checks::processes::{self, Service};
use deploy_checks::scratch::ScratchDir;
use deploy_checks::{scripts, tools};
use reqwest::{Client, StatusCode, redirect};

const SERVICES: [&str; 5] = ["browser", "llm", "notify", "gateway", "scheduler"];

fn binaries() -> BTreeMap<&'static str, PathBuf> {
    SERVICES
        .iter()
        .map(|service| {
            let binary = test_support::process::workspace_binary(&format!("lookout-{service}"));
            (*service, binary)
        })
        .collect()
}

/// Per-service environments mirroring docker-compose.prod.yml, on loopback.
struct Environments {
    _scratch: ScratchDir,
    _database: test_support::postgres::TestDatabase,
    by_service: BTreeMap<&'static str, BTreeMap<String, String>>,
    gateway_port: u16,
}

async fn environments() -> Environments {
    let scratch = ScratchDir::new("mesh").unwrap();
    let dotenv = scripts::generate_env(scratch.path()).unwrap();
    let database = test_support::postgres::fresh_database().await;
    let redis = test_support::redis::url().await;
    let ports: BTreeMap<&str, u16> = SERVICES
        .iter()
        .map(|service| (*service, test_support::ports::free_port()))
        .collect();
    let address = |service: &str| format!("127.0.0.1:{}", ports[service]);

    let common = BTreeMap::from([
        ("LOOKOUT_ENV", "production".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
        ("PUBLIC_BASE_URL", "https://lookout.test".to_owned()),
    ]);
    let peers = BTreeMap::from([
        ("BROWSER_URL", format!("http://{}", address("browser"))),
        ("LLM_URL", format!("http://{}", address("llm"))),
        ("NOTIFY_URL", format!("http://{}", address("notify"))),
    ]);
    let accepted = |service: &str| {
        (
            "INTERNAL_API_KEY_DIGESTS",
            dotenv[&format!("{service}_INTERNAL_API_KEY_DIGESTS")].clone(),
        )
    };
    let secrets_keys = ("SECRETS_KEYS", dotenv["SECRETS_KEYS"].clone());
    let rating_key = ("ALERT_RATING_KEY", dotenv["ALERT_RATING_KEY"].clone());
    // Production wants an absolute folder, shared by gateway and scheduler.
    let blobs = (
        "BLOB_STORE_DIR",
        scratch.path().join("blobs").display().to_string(),
    );
    let mut by_service = BTreeMap::new();
    let mut add = |service: &'static str, specific: Vec<(&str, String)>| {
        let env: BTreeMap<String, String> = common
            .iter()
            .map(|(key, value)| ((*key).to_owned(), value.clone()))
            .chain(
                specific
                    .into_iter()
                    .map(|(key, value)| (key.to_owned(), value)),
            )
            .collect();
        by_service.insert(service, env);
    };
    add(
        "browser",
        vec![("BROWSER_ADDR", address("browser")), accepted("BROWSER")],
    );
    add(
        "llm",
        vec![
            ("LLM_ADDR", address("llm")),
            ("LLM_PROVIDER", "offline".to_owned()),
            accepted("LLM"),
        ],
    );
    add(
        "notify",
        vec![
            ("NOTIFY_ADDR", address("notify")),
            accepted("NOTIFY"),
            ("REDIS_URL", redis.clone()),
            // Loopback SMTP needs no TLS; nothing is sent in these checks.
            (
                "SMTP_URL",
                format!("smtp://127.0.0.1:{}", test_support::ports::free_port()),
            ),
        ],
    );
    let mut gateway = vec![
        ("GATEWAY_ADDR", address("gateway")),
        // Several meshes run in parallel: each gateway gets its own metrics port.
        (
            "METRICS_ADDR",
            format!("127.0.0.1:{}", test_support::ports::free_port()),
        ),
        ("DATABASE_URL", database.url.clone()),
        ("REDIS_URL", redis.clone()),
        ("JWT_SECRET", dotenv["JWT_SECRET"].clone()),
        (
            "INTERNAL_API_KEY",
            dotenv["GATEWAY_INTERNAL_API_KEY"].clone(),
        ),
        secrets_keys.clone(),
        rating_key.clone(),
        blobs.clone(),
        ("GOOGLE_CLIENT_ID", "lookout-checks.apps.example".to_owned()),
        (
            "GOOGLE_CLIENT_SECRET",
            "google-client-secret-for-the-deploy-checks".to_owned(),
        ),
        ("HOSTNAME", "lookout.test".to_owned()),
        // The checks reach nginx and the gateway by address, not by name.
        ("TRUSTED_HOSTS", "lookout.test,127.0.0.1".to_owned()),
        ("TRUSTED_PROXIES", "127.0.0.1/32".to_owned()),
    ];
    gateway.extend(peers.iter().map(|(key, value)| (*key, value.clone())));
    add("gateway", gateway);
    let mut scheduler = vec![
        ("SCHEDULER_ADDR", address("scheduler")),
        // Several meshes run in parallel: each scheduler gets its own metrics port.
        (
            "SCHEDULER_METRICS_ADDR",
            format!("127.0.0.1:{}", test_support::ports::free_port()),
        ),
        ("DATABASE_URL", database.url.clone()),
        (
            "INTERNAL_API_KEY",
            dotenv["SCHEDULER_INTERNAL_API_KEY"].clone(),
        ),
        secrets_keys,
        rating_key,
        blobs,
    ];
    scheduler.extend(peers.iter().map(|(key, value)| (*key, value.clone())));
    add("scheduler", scheduler);
    Environments {
        _scratch: scratch,
        _database: database,
        by_service,
        gateway_port: ports["gateway"],
    }
}

fn start(
    service: &'static str,
    binaries: &BTreeMap<&str, PathBuf>,
    environments: &Environments,
    logs: &ScratchDir,
) -> Service {
    // The gateway migrates a fresh database before it answers.
    let patience = Duration::from_secs(if service == "gateway" { 30 } else { 15 });
    Service::start(
        service,
        &binaries[service],
        environments.by_service[service].clone(),
        logs.path(),
        patience,
    )
    .unwrap()
}

fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_mesh_starts_in_production_mode_and_every_service_is_healthy() {
    let binaries = binaries();
    let environments = environments().await;
    let logs = ScratchDir::new("mesh-logs").unwrap();
    let services: Vec<Service> = SERVICES
        .iter()
        .map(|service| start(service, &binaries, &environments, &logs))
        .collect();

    // The prod-health equivalent: every service's own probe, one per line.
    for service in &services {
        assert!(
            service.healthcheck().unwrap(),
            "{} is unhealthy:\n{}",
            service.name,
            service.log()
        );
    }
    let base = format!("http://127.0.0.1:{}", environments.gateway_port);
    let health = client().get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = client().get(format!("{base}/ready")).send().await.unwrap();
    let status = ready.status();
    assert_eq!(
        status,
        StatusCode::OK,
        "not ready: {}\ngateway log:\n{}",
        ready.text().await.unwrap(),
        services[3].log()
    );
}

#[test]
fn a_default_or_missing_secret_stops_the_service_and_names_the_variable() {
    let binaries = binaries();
    let strong = "k7Qx2Lm9Vt4Rw8Yp3Zs6Bn1Cd5Fg0Hj-Kl_Mn";
    let mut cases: Vec<(&str, BTreeMap<String, String>, &str)> = Vec::new();
    let env = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        std::iter::once(("LOOKOUT_ENV", "production"))
            .chain(pairs.iter().copied())
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()
    };
    cases.push((
        "gateway",
        env(&[
            ("JWT_SECRET", "changeme"),
            ("INTERNAL_API_KEY", strong),
            ("DATABASE_URL", "postgres://lookout@127.0.0.1:9/lookout"),
            ("REDIS_URL", "redis://127.0.0.1:9"),
            ("TRUSTED_HOSTS", "lookout.test"),
        ]),
        "JWT_SECRET",
    ));
    cases.push((
        "gateway",
        env(&[
            ("JWT_SECRET", strong),
            ("DATABASE_URL", "postgres://lookout@127.0.0.1:9/lookout"),
            ("REDIS_URL", "redis://127.0.0.1:9"),
            ("TRUSTED_HOSTS", "lookout.test"),
        ]),
        "INTERNAL_API_KEY",
    ));
    cases.push((
        "scheduler",
        env(&[("INTERNAL_API_KEY", strong)]),
        "DATABASE_URL",
    ));
    let digest = format!("gateway:{}", "ab".repeat(32));
    cases.push((
        "gateway",
        env(&[
            ("JWT_SECRET", strong),
            ("INTERNAL_API_KEY", strong),
            ("DATABASE_URL", "postgres://lookout@127.0.0.1:9/lookout"),
            ("REDIS_URL", "redis://127.0.0.1:9"),
            ("TRUSTED_HOSTS", "lookout.test"),
        ]),
        "SECRETS_KEYS",
    ));
    let secrets_keys = format!("k1:{}", "A".repeat(43));
    cases.push((
        "gateway",
        env(&[
            ("JWT_SECRET", strong),
            ("INTERNAL_API_KEY", strong),
            ("SECRETS_KEYS", &secrets_keys),
            ("DATABASE_URL", "postgres://lookout@127.0.0.1:9/lookout"),
            ("REDIS_URL", "redis://127.0.0.1:9"),
        ]),
        "TRUSTED_HOSTS",
    ));
    for rating_key in [None, Some("weak")] {
        let mut gateway = vec![
            ("JWT_SECRET", strong),
            ("INTERNAL_API_KEY", strong),
            ("SECRETS_KEYS", secrets_keys.as_str()),
            ("DATABASE_URL", "postgres://lookout@127.0.0.1:9/lookout"),
            ("REDIS_URL", "redis://127.0.0.1:9"),
            ("TRUSTED_HOSTS", "lookout.test"),
        ];
        let mut scheduler = vec![
            ("INTERNAL_API_KEY", strong),
            ("SECRETS_KEYS", secrets_keys.as_str()),
            ("DATABASE_URL", "postgres://lookout@127.0.0.1:9/lookout"),
        ];
        if let Some(key) = rating_key {
            gateway.push(("ALERT_RATING_KEY", key));
            scheduler.push(("ALERT_RATING_KEY", key));
        }
        cases.push(("gateway", env(&gateway), "ALERT_RATING_KEY"));
        cases.push(("scheduler", env(&scheduler), "ALERT_RATING_KEY"));
    }
    cases.push(("llm", env(&[]), "INTERNAL_API_KEY_DIGESTS"));
    cases.push((
        "browser",
        env(&[("INTERNAL_API_KEY_DIGESTS", "gateway:short")]),
        "INTERNAL_API_KEY_DIGESTS",
    ));
    // A raw key list from before digests is refused, not silently ignored.
    cases.push((
        "browser",
        env(&[("INTERNAL_API_KEYS", &format!("gateway:{strong}"))]),
        "INTERNAL_API_KEYS",
    ));
    cases.push((
        "notify",
        env(&[
            ("INTERNAL_API_KEY_DIGESTS", &digest),
            ("REDIS_URL", "redis://127.0.0.1:9"),
        ]),
        "SMTP_URL",
    ));
    for (service, env, variable) in cases {
        let output =
            processes::run_expecting_exit(&binaries[service], &env, Duration::from_secs(10))
                .unwrap();
        assert!(
            !output.status.success(),
            "{service} started without {variable}"
        );
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            printed.contains(variable),
            "{service} did not name {variable}:\n{printed}"
        );
        for value in env.values().filter(|value| value.len() >= 32) {
            assert!(
                !printed.contains(value.as_str()),
                "{service} printed a secret"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_in_front_of_the_real_gateway_proxies_only_the_public_routes() {
    let binaries = binaries();
    let nginx = tools::require("nginx", "nginx in front of the real gateway");
    let environments = environments().await;
    let logs = ScratchDir::new("edge-logs").unwrap();
    let gateway = start("gateway", &binaries, &environments, &logs);
    let prefix = Prefix::prepare(
        format!("127.0.0.1:{}", environments.gateway_port)
            .parse()
            .unwrap(),
    )
    .unwrap();
    let certificate = reqwest::Certificate::from_pem(&prefix.certificate_pem().unwrap()).unwrap();
    let edge = prefix.start(&nginx).unwrap();
    let client = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(certificate)
        .redirect(redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let https = |path: &str| format!("https://127.0.0.1:{}{path}", edge.ports().https);

    let health = client.get(https("/health")).send().await.unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "gateway log:\n{}",
        gateway.log()
    );

    // An unauthenticated API call gets the gateway's JSON error, carrying the
    // request id nginx generated.
    let response = client.get(https("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(request_id.len(), 32);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["code"].is_string(),
        "not the gateway's error shape: {body}"
    );

    let redirect = client
        .get(format!("http://127.0.0.1:{}/api/v1/me", edge.ports().http))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::MOVED_PERMANENTLY);

    for path in ["/internal", "/browser.v1.Browser/Fetch"] {
        let response = client.get(https(path)).send().await.unwrap();
        assert_eq!(
            response.text().await.unwrap(),
            INDEX_HTML,
            "{path} reached the gateway"
        );
    }
}

/// A rolling restart as compose or Kubernetes does it: nginx in front of two
/// gateway replicas, each stopped with SIGTERM and started again in turn
/// while clients keep calling through the edge. A stopping replica answers
/// `/ready` with 503 `draining` while it still serves, then stops; nginx
/// moves to the other replica, and no client sees an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_each_gateway_replica_in_turn_behind_nginx_fails_no_request() {
    let binaries = binaries();
    let nginx = tools::require("nginx", "nginx in front of two gateway replicas");
    let environments = environments().await;
    let logs = ScratchDir::new("rolling-logs").unwrap();
    let ports = [environments.gateway_port, test_support::ports::free_port()];
    let start_replica = |index: usize| {
        let mut env = environments.by_service["gateway"].clone();
        env.insert(
            "GATEWAY_ADDR".to_owned(),
            format!("127.0.0.1:{}", ports[index]),
        );
        env.insert(
            "METRICS_ADDR".to_owned(),
            format!("127.0.0.1:{}", test_support::ports::free_port()),
        );
        env.insert("SHUTDOWN_DRAIN_SECONDS".to_owned(), "2".to_owned());
        Service::start(
            &format!("gateway-{index}"),
            &binaries["gateway"],
            env,
            logs.path(),
            Duration::from_secs(30),
        )
        .unwrap()
    };
    let mut replicas = [Some(start_replica(0)), Some(start_replica(1))];
    let upstreams: Vec<std::net::SocketAddr> = ports
        .iter()
        .map(|port| format!("127.0.0.1:{port}").parse().unwrap())
        .collect();
    let prefix = Prefix::prepare_with_replicas(&upstreams).unwrap();
    let certificate = reqwest::Certificate::from_pem(&prefix.certificate_pem().unwrap()).unwrap();
    let edge = prefix.start(&nginx).unwrap();
    let edge_client = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(certificate)
        .no_proxy()
        .build()
        .unwrap();
    let through_edge = format!("https://127.0.0.1:{}/health", edge.ports().https);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let client = edge_client.clone();
            let url = through_edge.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let (mut answered, mut failed) = (0_u32, Vec::new());
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    match client.get(&url).send().await {
                        Ok(response) if response.status() == StatusCode::OK => answered += 1,
                        Ok(response) => failed.push(format!("status {}", response.status())),
                        Err(error) => failed.push(error.to_string()),
                    }
                }
                (answered, failed)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;

    for index in 0..2 {
        let mut replica = replicas[index].take().unwrap();
        let stopping = tokio::task::spawn_blocking(move || {
            let clean = replica.terminate(Duration::from_secs(30)).unwrap();
            (replica, clean)
        });
        // While it drains it sends probes away but still serves. (Without
        // the internal services /ready is 503 `not_ready` even before.)
        let direct = format!("http://127.0.0.1:{}", ports[index]);
        let mut draining = false;
        for _ in 0..40 {
            let ready = client()
                .get(format!("{direct}/ready"))
                .send()
                .await
                .unwrap();
            let status = ready.status();
            let body: serde_json::Value = ready.json().await.unwrap();
            if body["status"] == "draining" {
                assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
                draining = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(draining, "/ready never said draining after SIGTERM");
        let health = client()
            .get(format!("{direct}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            health.status(),
            StatusCode::OK,
            "a draining replica still serves"
        );
        let (replica, clean) = stopping.await.unwrap();
        assert!(
            clean,
            "gateway-{index} did not stop cleanly:\n{}",
            replica.log()
        );
        drop(replica);
        replicas[index] = Some(tokio::task::block_in_place(|| start_replica(index)));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut answered, mut failed) = (0, Vec::new());
    for client in clients {
        let (ok, errors) = client.await.unwrap();
        answered += ok;
        failed.extend(errors);
    }
    assert!(
        failed.is_empty(),
        "{} of {} requests failed, e.g. {:?}\nnginx:\n{}",
        failed.len(),
        answered as usize + failed.len(),
        &failed[..failed.len().min(5)],
        edge.log()
    );
    assert!(answered > 100, "only {answered} requests went through");
}
