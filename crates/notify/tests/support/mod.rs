//! A real notify service on port 0 with a real Redis, an SMTP sink and a
//! local webhook receiver; one method per thing a caller does.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::unwrap_used,
    reason = "a failed setup should fail the test loudly"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_proto::notify::v1::notifier_client::NotifierClient;
use api_proto::notify::v1::{
    Alert, AlertKind, Channel, Digest, EmailTarget, SendRequest, SendResponse, WebhookTarget,
    channel,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use lookout_notify::config::{Config, parse_from, with_private_ca};
use lookout_notify::email::transport::SmtpSettings;
use lookout_notify::startup::Application;
use mesh::client::InternalChannel;
use mesh::config::Environment;
use mesh::internal_auth::InternalKeys;
use secrecy::SecretString;
use test_support::smtp::SmtpSink;
use test_support::tls::TestCa;

pub const INTERNAL_KEY: &str = "scheduler-test-key-0123456789abcdef";
/// The gateway's key: it may send too (channel tests).
pub const GATEWAY_KEY: &str = "gateway-test-key-0123456789abcdef01";
pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

pub struct TestApp {
    pub port: u16,
    pub client: NotifierClient<InternalChannel>,
}

pub struct Options {
    pub smtp_url: String,
    pub allow_networks: String,
    /// `SMTP_CA_FILE`: extra trusted roots for the mail server's certificate.
    pub smtp_ca_file: Option<std::path::PathBuf>,
}

impl TestApp {
    pub async fn spawn(options: Options) -> Self {
        Self::spawn_with_telegram(options, "https://api.telegram.org/").await
    }

    /// With Telegram's Bot API at `telegram_api` (a local server in tests).
    pub async fn spawn_with_telegram(options: Options, telegram_api: &str) -> Self {
        let config = Config {
            environment: Environment::Development,
            addr: "127.0.0.1:0".parse().unwrap(),
            smtp: with_private_ca(
                SmtpSettings::parse(
                    SecretString::from(options.smtp_url),
                    Environment::Development,
                )
                .unwrap(),
                options
                    .smtp_ca_file
                    .as_deref()
                    .map(|path| path.to_str().unwrap()),
            )
            .unwrap(),
            from: parse_from("Lookout Tests <alerts@lookout.test>").unwrap(),
            redis_url: SecretString::from(test_support::redis::url().await),
            redis_ca_file: None,
            webhook_policy: netguard::Policy::from_allow_list(&options.allow_networks).unwrap(),
            public_base_url: "https://lookout.test/".parse().unwrap(),
            telegram_api_url: telegram_api.parse().unwrap(),
            internal_keys: InternalKeys::from_keys([
                ("scheduler", INTERNAL_KEY),
                ("gateway", GATEWAY_KEY),
            ]),
            claim_ttl: Duration::from_secs(10),
            shutdown_drain: std::time::Duration::ZERO,
            tls: None,
        };
        let app = Application::build(config).await.unwrap();
        let port = app.port();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        let channel = mesh::client::connect_lazy(
            &format!("http://127.0.0.1:{port}"),
            &SecretString::from(INTERNAL_KEY.to_owned()),
            Duration::from_secs(30),
            None,
        )
        .unwrap();
        Self {
            port,
            client: NotifierClient::new(channel),
        }
    }

    /// With the SMTP sink as mail server and no webhook allow-list.
    pub async fn with_sink(sink: &SmtpSink) -> Self {
        Self::spawn(Options {
            smtp_url: sink.url(),
            allow_networks: String::new(),
            smtp_ca_file: None,
        })
        .await
    }

    /// With a TLS sink as mail server at its own URL, trusting `ca` if given.
    pub async fn with_tls_sink(sink: &SmtpSink, ca: Option<&TestCa>) -> Self {
        Self::spawn(Options {
            smtp_url: sink.url(),
            allow_networks: String::new(),
            smtp_ca_file: ca.map(TestCa::ca_file),
        })
        .await
    }

    pub async fn send(&self, request: SendRequest) -> Result<SendResponse, tonic::Status> {
        self.client
            .clone()
            .send(request)
            .await
            .map(tonic::Response::into_inner)
    }
}

/// A key no other test (or earlier run against the same Redis) uses.
pub fn fresh_key() -> String {
    format!("test-{}", uuid::Uuid::new_v4())
}

pub fn alert(kind: AlertKind) -> Alert {
    Alert {
        kind: kind.into(),
        monitor_id: "0193a5b2-monitor".into(),
        monitor_name: "Espresso <b>machine</b> & grinder".into(),
        url: "https://shop.example/espresso?a=1&b=2".into(),
        condition: "tell me when the price drops below 100 EUR".into(),
        summary: "Price dropped to 99 EUR".into(),
        reason: "The page shows <price>99 EUR</price>, below 100.".into(),
        diff: "-Price: 129 EUR\n+Price: 99 EUR\n+<script>alert(1)</script>".into(),
        check_id: "0193a5b2-check".into(),
        link: "/monitors/0193a5b2-monitor/checks/0193a5b2-check".into(),
        checked_at_unix_ms: 1_767_225_600_000,
        extracted_value: "99 EUR".into(),
        rate_useful_url: String::new(),
        rate_noise_url: String::new(),
    }
}

pub fn email_request(key: &str, address: &str, alert: Alert) -> SendRequest {
    SendRequest {
        idempotency_key: key.to_owned(),
        channel: Some(Channel {
            target: Some(channel::Target::Email(EmailTarget {
                address: address.to_owned(),
            })),
        }),
        alert: Some(alert),
        ..SendRequest::default()
    }
}

/// Two alerts of one hour as a digest, to any target.
pub fn digest_request(key: &str, target: channel::Target) -> SendRequest {
    let mut failing = alert(AlertKind::Failing);
    failing.monitor_name = "Blog".into();
    failing.summary = "Failing: page gone (HTTP 404)".into();
    failing.diff = String::new();
    failing.link = "/monitors/0193a5b2-blog/checks/0193a5b2-gone".into();
    SendRequest {
        idempotency_key: key.to_owned(),
        channel: Some(Channel {
            target: Some(target),
        }),
        alert: None,
        digest: Some(Digest {
            period: "hourly".into(),
            period_start_unix_ms: 1_767_222_000_000,
            period_end_unix_ms: 1_767_225_600_000,
            alerts: vec![alert(AlertKind::Triggered), failing],
            link: "https://lookout.test/monitors".into(),
            omitted_alerts: 0,
        }),
        unsubscribe_url: String::new(),
    }
}

/// The usual case: a triggered alert to ada@example.com, under a fresh key.
pub fn triggered_alert_to_ada() -> SendRequest {
    email_request(&fresh_key(), "ada@example.com", alert(AlertKind::Triggered))
}

pub fn webhook_request(key: &str, url: &str, alert: Alert) -> SendRequest {
    SendRequest {
        idempotency_key: key.to_owned(),
        channel: Some(Channel {
            target: Some(channel::Target::Webhook(WebhookTarget {
                url: url.to_owned(),
                secret: WEBHOOK_SECRET.to_owned(),
            })),
        }),
        alert: Some(alert),
        ..SendRequest::default()
    }
}

/// A webhook receiver on a loopback port that records what it got and answers
/// with a status the test chooses.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

struct ReceiverState {
    received: Mutex<Vec<(HeaderMap, Bytes)>>,
    status: Mutex<StatusCode>,
}

impl Receiver {
    pub async fn start() -> Self {
        let state = Arc::new(ReceiverState {
            received: Mutex::new(Vec::new()),
            status: Mutex::new(StatusCode::NO_CONTENT),
        });
        let router = axum::Router::new()
            .route("/hooks/lookout", axum::routing::post(receive))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://127.0.0.1:{}/hooks/lookout",
            listener.local_addr().unwrap().port()
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, state }
    }

    pub fn answer_with(&self, status: StatusCode) {
        *self.state.status.lock().unwrap() = status;
    }

    pub fn received(&self) -> Vec<(HeaderMap, Bytes)> {
        self.state.received.lock().unwrap().clone()
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    state.received.lock().unwrap().push((headers, body));
    *state.status.lock().unwrap()
}
