//! A scheduler started in-process against a fresh PostgreSQL database, with
//! fake browser, judge and notifier services on a loopback port that
//! require the internal key like the real ones.

// Helpers live outside #[test] functions, where clippy.toml does not already
// allow unwrap; a failed setup should panic.
#![allow(clippy::unwrap_used, dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_proto::browser::v1::browser_server::{Browser, BrowserServer};
use api_proto::browser::v1::{FetchOutcome, FetchRequest, FetchResponse};
use api_proto::llm::v1::judge_server::{Judge, JudgeServer};
use api_proto::llm::v1::{ConditionKind, EvaluateRequest, EvaluateResponse, Verification};
use api_proto::notify::v1::notifier_server::{Notifier, NotifierServer};
use api_proto::notify::v1::{DeliveryStatus, SendRequest, SendResponse};
use mesh::internal_auth::{Caller, CallerPolicy, InternalAuth, InternalKeys, SCHEDULER};
use scheduler::config::Config;
use scheduler::startup::Application;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::service::Routes;
use tonic::{Code, Request, Response, Status};
use uuid::Uuid;

pub const KEY: &str = "scheduler-test-internal-key-0123456789";

/// What the fake browser answers.
#[derive(Debug, Clone)]
pub enum Page {
    Text(String),
    Failure(FetchOutcome, u32, String),
    Rpc(Code),
}

/// What the fake judge answers.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// A judge that does not classify conditions (as before state conditions existed).
    Triggered(bool),
    /// A state condition that holds or not on the current page.
    State {
        holds: bool,
    },
    /// An event condition that happened or not.
    Event {
        happened: bool,
    },
    /// A claim whose evidence the judge could not confirm.
    Unverified,
    Unavailable,
    /// The model did not answer in time.
    TimedOut,
}

/// The fakes' shared, test-controlled state.
pub struct Peers {
    pub page: Mutex<Page>,
    pub verdict: Mutex<Verdict>,
    /// Sends that fail with UNAVAILABLE before one succeeds.
    pub notify_failures_left: Mutex<u32>,
    /// When set, every Send fails with this code.
    pub notify_error: Mutex<Option<Code>>,
    /// Sends answered "another attempt holds this key" (notify's own
    /// UNAVAILABLE) before one succeeds.
    pub notify_in_flight_left: Mutex<u32>,
    /// The `retry-after-ms` metadata of the UNAVAILABLE failures above.
    pub notify_retry_after_ms: Mutex<Option<u64>>,
    pub fetches: Mutex<Vec<FetchRequest>>,
    /// Every answer the fake browser gave, in order.
    pub answers: Mutex<Vec<FetchResponse>>,
    /// The validators a text page is answered with.
    pub validators: Mutex<String>,
    pub evaluations: Mutex<Vec<EvaluateRequest>>,
    /// Every Send received, failed or not.
    pub sends: Mutex<Vec<SendRequest>>,
    /// Callers identified by the internal-key interceptor.
    pub callers: Mutex<Vec<String>>,
    /// The PNG a render answers when a screenshot is asked for.
    pub screenshot: Mutex<Vec<u8>>,
    /// How long each fetch takes.
    pub fetch_delay: Mutex<Duration>,
}

impl Peers {
    fn new() -> Self {
        Self {
            page: Mutex::new(Page::Text("price: 120 EUR".to_owned())),
            verdict: Mutex::new(Verdict::Triggered(false)),
            notify_failures_left: Mutex::new(0),
            notify_error: Mutex::new(None),
            notify_in_flight_left: Mutex::new(0),
            notify_retry_after_ms: Mutex::new(None),
            fetches: Mutex::default(),
            answers: Mutex::default(),
            validators: Mutex::default(),
            evaluations: Mutex::default(),
            sends: Mutex::default(),
            callers: Mutex::default(),
            screenshot: Mutex::default(),
            fetch_delay: Mutex::default(),
        }
    }

    pub fn set_page(&self, page: Page) {
        *self.page.lock().unwrap() = page;
    }

    pub fn set_text(&self, text: &str) {
        self.set_page(Page::Text(text.to_owned()));
    }

    pub fn set_verdict(&self, verdict: Verdict) {
        *self.verdict.lock().unwrap() = verdict;
    }

    pub fn evaluations(&self) -> Vec<EvaluateRequest> {
        self.evaluations.lock().unwrap().clone()
    }

    pub fn sends(&self) -> Vec<SendRequest> {
        self.sends.lock().unwrap().clone()
    }

    fn note_caller<T>(&self, request: &Request<T>) {
        let caller = request.extensions().get::<Caller>().unwrap().0.clone();
        self.callers.lock().unwrap().push(caller);
    }
}

#[derive(Clone)]
struct Fake(Arc<Peers>);

#[tonic::async_trait]
impl Browser for Fake {
    async fn fetch(
        &self,
        request: Request<FetchRequest>,
    ) -> Result<Response<FetchResponse>, Status> {
        self.0.note_caller(&request);
        let delay = *self.0.fetch_delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        let request = request.into_inner();
        let screenshot_png = if request.screenshot {
            self.0.screenshot.lock().unwrap().clone()
        } else {
            Vec::new()
        };
        let previous_hash = request.previous_content_hash.clone();
        self.0.fetches.lock().unwrap().push(request);
        let page = self.0.page.lock().unwrap().clone();
        let answer = match page {
            // Like the real browser: a text the caller has goes as its hash only.
            Page::Text(text) => {
                let text_sha256 = test_support::sha256_hex(&text);
                let text_omitted = previous_hash == text_sha256;
                FetchResponse {
                    outcome: FetchOutcome::Ok.into(),
                    http_status: 200,
                    text: if text_omitted { String::new() } else { text },
                    text_sha256,
                    text_omitted,
                    validators: self.0.validators.lock().unwrap().clone(),
                    screenshot_png,
                    ..FetchResponse::default()
                }
            }
            Page::Failure(outcome, http_status, detail) => FetchResponse {
                outcome: outcome.into(),
                http_status,
                detail,
                ..FetchResponse::default()
            },
            Page::Rpc(code) => return Err(Status::new(code, "secret internal detail")),
        };
        self.0.answers.lock().unwrap().push(answer.clone());
        Ok(Response::new(answer))
    }
}

#[tonic::async_trait]
impl Judge for Fake {
    async fn evaluate(
        &self,
        request: Request<EvaluateRequest>,
    ) -> Result<Response<EvaluateResponse>, Status> {
        self.0.note_caller(&request);
        let request = request.into_inner();
        self.0.evaluations.lock().unwrap().push(request.clone());
        let verdict = self.0.verdict.lock().unwrap().clone();
        match verdict {
            Verdict::Unavailable => Err(Status::unavailable("model down")),
            Verdict::TimedOut => Err(Status::deadline_exceeded("model too slow")),
            Verdict::Triggered(triggered) => Ok(Response::new(EvaluateResponse {
                triggered,
                summary: format!("Now: {}", request.current_text),
                reason: if triggered {
                    "condition met"
                } else {
                    "condition not met"
                }
                .to_owned(),
                extracted_value: "90".to_owned(),
                confidence: 0.9,
                judge: "fake".to_owned(),
                ..EvaluateResponse::default()
            })),
            Verdict::State { holds } => Ok(Response::new(classified(
                &request,
                ConditionKind::State,
                holds,
            ))),
            Verdict::Event { happened } => Ok(Response::new(classified(
                &request,
                ConditionKind::Event,
                happened,
            ))),
            Verdict::Unverified => {
                let mut response = classified(&request, ConditionKind::State, false);
                response.set_verification(Verification::Unverified);
                response.verification_problem = "the quoted evidence is not on the page".to_owned();
                Ok(Response::new(response))
            }
        }
    }
}

/// A verdict as the real judge gives it for a classified condition.
fn classified(request: &EvaluateRequest, kind: ConditionKind, holds: bool) -> EvaluateResponse {
    let mut response = EvaluateResponse {
        triggered: holds,
        summary: format!("Now: {}", request.current_text),
        reason: if holds {
            "condition met"
        } else {
            "condition not met"
        }
        .to_owned(),
        extracted_value: "90".to_owned(),
        confidence: 0.9,
        judge: "fake".to_owned(),
        holds,
        evidence_excerpt: request.current_text.clone(),
        prompt_tokens: 300,
        completion_tokens: 40,
        ..EvaluateResponse::default()
    };
    response.set_condition_kind(kind);
    response.set_verification(if holds {
        Verification::Verified
    } else {
        Verification::NotNeeded
    });
    response
}

#[tonic::async_trait]
impl Notifier for Fake {
    async fn send(&self, request: Request<SendRequest>) -> Result<Response<SendResponse>, Status> {
        self.0.note_caller(&request);
        self.0.sends.lock().unwrap().push(request.into_inner());
        if let Some(code) = *self.0.notify_error.lock().unwrap() {
            return Err(Status::new(code, "the address is not valid"));
        }
        {
            let mut in_flight = self.0.notify_in_flight_left.lock().unwrap();
            if *in_flight > 0 {
                *in_flight -= 1;
                let mut status = Status::unavailable("delivery in progress, retry later");
                status.metadata_mut().insert(
                    "lookout-unavailable",
                    tonic::metadata::MetadataValue::from_static("in-flight"),
                );
                return Err(status);
            }
        }
        let mut failures = self.0.notify_failures_left.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            let mut status = Status::unavailable("smtp server down");
            // Real notify labels every failure at a destination this way.
            status.metadata_mut().insert(
                "failure-origin",
                tonic::metadata::MetadataValue::from_static("mail-server"),
            );
            if let Some(millis) = *self.0.notify_retry_after_ms.lock().unwrap() {
                status
                    .metadata_mut()
                    .insert("retry-after-ms", millis.into());
            }
            return Err(status);
        }
        Ok(Response::new(SendResponse {
            status: DeliveryStatus::Sent.into(),
            message_id: "m1".to_owned(),
            http_status: 0,
        }))
    }
}

/// Starts the three fakes on one loopback port; returns its URL.
async fn start_peers(peers: Arc<Peers>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    const CALLERS: CallerPolicy = CallerPolicy::new(&[
        ("/browser.v1.Browser/Fetch", &[SCHEDULER]),
        ("/llm.v1.Judge/Evaluate", &[SCHEDULER]),
        ("/notify.v1.Notifier/Send", &[SCHEDULER]),
    ]);
    let auth = InternalAuth::new(InternalKeys::from_keys([(SCHEDULER, KEY)]), CALLERS);
    let fake = Fake(peers);
    // The scheduler claims nothing until its peers' health says serving.
    let (reporter, health) = mesh::health::service();
    let routes = Routes::new(health)
        .add_service(auth.guard(BrowserServer::new(fake.clone())))
        .add_service(auth.guard(JudgeServer::new(fake.clone())))
        .add_service(auth.guard(NotifierServer::new(fake)));
    tokio::spawn(async move {
        // Held for as long as the fakes serve, so their health stays "serving".
        let _reporter = reporter;
        mesh::server::serve_grpc(listener, routes, None, std::future::pending()).await
    });
    format!("http://127.0.0.1:{port}")
}

/// A running scheduler and what it talks to.
pub struct TestApp {
    pub peers: Arc<Peers>,
    pub db: tokio_postgres::Client,
    pub database_url: String,
    pub team_id: Uuid,
    pub health_url: String,
    /// The scheduler's blob store (a folder of this test's own).
    pub blobs: blob_store::BlobStore,
    pub blob_dir: std::path::PathBuf,
    peer_url: String,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<tokio::task::JoinHandle<()>>,
}

/// Options of [`spawn_app_with`].
pub struct Options {
    pub key: String,
    pub migrate: bool,
    /// `SCHEDULER_CHANNEL_DISABLE_AFTER`.
    pub channel_disable_after: u32,
    /// `SCHEDULER_PRUNE_INTERVAL_SECS`, finer: an hour unless a test prunes.
    pub prune_interval: Duration,
    /// `SCHEDULER_POLL_MS`: 20 ms unless a test waits on the claim loop.
    pub poll_interval: Duration,
    /// `SCHEDULER_CONCURRENCY`, when a test sets it.
    pub concurrency: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            key: KEY.to_owned(),
            migrate: true,
            channel_disable_after: 5,
            prune_interval: Duration::from_secs(3600),
            poll_interval: Duration::from_millis(20),
            concurrency: None,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let database = test_support::postgres::fresh_database().await;
    if options.migrate {
        store::Store::connect(&database.url, 2)
            .unwrap()
            .migrate()
            .await
            .unwrap();
    }
    let peers = Arc::new(Peers::new());
    let peer_url = start_peers(peers.clone()).await;
    let mut config =
        Config::for_tests(&database.url, &peer_url, &peer_url, &peer_url, &options.key);
    config.poll_interval = options.poll_interval;
    if let Some(concurrency) = options.concurrency {
        config.concurrency = concurrency;
    }
    config.channel_disable_after = options.channel_disable_after;
    config.prune_interval = options.prune_interval;
    let blob_dir = test_support::process::temp_dir("blobs");
    config.blob_store = blob_store::BlobStoreConfig::local(&blob_dir);
    let blobs = blob_store::BlobStore::open(&config.blob_store).unwrap();
    let app = Application::build(config).await.unwrap();
    let health_url = format!("http://127.0.0.1:{}", app.port());
    let (stop, stop_signal) = oneshot::channel::<()>();
    let stopped = tokio::spawn(app.run_until_stopped(async {
        let _ = stop_signal.await;
    }));

    let db = database.client().await;
    let team_id = Uuid::new_v4();
    if options.migrate {
        db.execute(
            "INSERT INTO teams (id, name) VALUES ($1, 'team')",
            &[&team_id],
        )
        .await
        .unwrap();
    }
    TestApp {
        peers,
        db,
        database_url: database.url,
        team_id,
        health_url,
        blobs,
        blob_dir,
        peer_url,
        stop: Some(stop),
        stopped: Some(stopped),
    }
}

/// A delivery as the outbox holds it.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Negative once the next attempt is due.
    pub next_attempt_in_seconds: f64,
}

/// A check row as the tests read it.
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub id: Uuid,
    pub reason: String,
    pub status: String,
    pub http_status: Option<i32>,
    pub baseline: bool,
    pub changed: bool,
    pub triggered: bool,
    pub summary: Option<String>,
    pub reason_text: Option<String>,
    pub extracted_value: Option<String>,
    pub diff: Option<String>,
    pub error: Option<String>,
    pub fetch_ms: Option<i32>,
    pub duration_ms: Option<i32>,
    pub condition_kind: Option<String>,
    pub first_alert: bool,
    pub verification: Option<String>,
    pub verification_problem: Option<String>,
    pub prompt_tokens: Option<i32>,
    pub unjudged_reason: Option<String>,
    pub unjudged_notice: bool,
    pub failure_alert: Option<String>,
    pub screenshot_sha256: Option<String>,
}

impl TestApp {
    /// A monitor due now with a long interval, so further checks happen
    /// only when a test asks for them with [`TestApp::run_now`].
    pub async fn create_monitor(&self, condition: &str) -> Uuid {
        let id = Uuid::new_v4();
        self.db
            .execute(
                "INSERT INTO monitors (id, team_id, name, url, condition, interval_seconds, headers)
                 VALUES ($1, $2, 'Shop', 'https://shop.example.test/item', $3, 3600,
                         '[{\"name\": \"cookie\", \"value\": \"session=abc\"}]'::jsonb)",
                &[&id, &self.team_id, &condition],
            )
            .await
            .unwrap();
        id
    }

    /// A monitor like [`TestApp::create_monitor`] with these stored headers.
    pub async fn create_monitor_with_headers(&self, headers: serde_json::Value) -> Uuid {
        self.create_monitor_with("headers", &headers).await
    }

    /// A monitor due now ("any change", a long interval) with `column` set to
    /// `value`. Inserted in one statement: the monitor is due at once, so a
    /// later UPDATE could lose the race with the first check.
    pub async fn create_monitor_with(
        &self,
        column: &str,
        value: &(dyn tokio_postgres::types::ToSql + Sync),
    ) -> Uuid {
        let id = Uuid::new_v4();
        self.db
            .execute(
                &format!(
                    "INSERT INTO monitors (id, team_id, name, url, condition, interval_seconds, {column})
                     VALUES ($1, $2, 'Shop', 'https://shop.example.test/item', 'any change', 3600, $3)"
                ),
                &[&id, &self.team_id, value],
            )
            .await
            .unwrap();
        id
    }

    /// A monitor with an email channel and the given first-check rule whose first check runs
    /// only once the channel is in place; returns the monitor and its first check.
    pub async fn create_alerting_monitor(
        &self,
        condition: &str,
        first_check: &str,
    ) -> (Uuid, CheckRow) {
        let id = Uuid::new_v4();
        self.db
            .execute(
                "INSERT INTO monitors (id, team_id, name, url, condition, interval_seconds,
                                       first_check, next_check_at)
                 VALUES ($1, $2, 'Shop', 'https://shop.example.test/item', $3, 3600, $4,
                         now() + interval '1 hour')",
                &[&id, &self.team_id, &condition, &first_check],
            )
            .await
            .unwrap();
        self.add_email_channel(id).await;
        let first = self.check_now(id).await;
        (id, first)
    }

    /// What the gateway stores when the owner picks a fail policy.
    pub async fn set_fail_policy(&self, monitor_id: Uuid, policy: &str) {
        self.db
            .execute(
                "UPDATE monitors SET fail_policy = $2 WHERE id = $1",
                &[&monitor_id, &policy],
            )
            .await
            .unwrap();
    }

    pub async fn add_email_channel(&self, monitor_id: Uuid) -> Uuid {
        let id = Uuid::new_v4();
        self.db
            .execute(
                "INSERT INTO channels (id, team_id, kind, name, target)
                 VALUES ($1, $2, 'email', 'mail', 'alerts@example.test')",
                &[&id, &self.team_id],
            )
            .await
            .unwrap();
        self.db
            .execute(
                "INSERT INTO monitor_channels (monitor_id, channel_id) VALUES ($1, $2)",
                &[&monitor_id, &id],
            )
            .await
            .unwrap();
        id
    }

    /// A monitor alerting through one email channel, past its first check
    /// (a baseline at 120 EUR); returns the monitor and the channel.
    pub async fn create_emailed_monitor(&self, condition: &str) -> (Uuid, Uuid) {
        let monitor = self.create_monitor(condition).await;
        let channel = self.add_email_channel(monitor).await;
        self.wait_for_checks(monitor, 1).await;
        (monitor, channel)
    }

    /// The page drops to 90 EUR and the judge says the condition holds; the
    /// check runs now and queues an alert.
    pub async fn trigger_alert(&self, monitor_id: Uuid) -> CheckRow {
        self.peers.set_text("price: 90 EUR");
        self.peers.set_verdict(Verdict::Triggered(true));
        self.check_now(monitor_id).await
    }

    /// Waits until the outbox row of the check's one delivery satisfies
    /// `ready`, described by `what`, and returns it.
    pub async fn wait_for_delivery(
        &self,
        check_id: Uuid,
        what: &str,
        ready: impl Fn(&DeliveryRow) -> bool,
    ) -> DeliveryRow {
        wait_until(what, || async {
            let row = self
                .db
                .query_one(
                    "SELECT status, attempts, last_error,
                            EXTRACT(EPOCH FROM next_attempt_at - now())::float8
                       FROM deliveries WHERE check_id = $1",
                    &[&check_id],
                )
                .await
                .ok()?;
            let delivery = DeliveryRow {
                status: row.get(0),
                attempts: row.get(1),
                last_error: row.get(2),
                next_attempt_in_seconds: row.get(3),
            };
            ready(&delivery).then_some(delivery)
        })
        .await
    }

    /// What the gateway does for "run now".
    pub async fn run_now(&self, monitor_id: Uuid) {
        self.db
            .execute(
                "UPDATE monitors SET requested_reason = 'manual', next_check_at = now() WHERE id = $1",
                &[&monitor_id],
            )
            .await
            .unwrap();
    }

    pub async fn checks(&self, monitor_id: Uuid) -> Vec<CheckRow> {
        let rows = self
            .db
            .query(
                "SELECT * FROM checks WHERE monitor_id = $1 ORDER BY started_at, id",
                &[&monitor_id],
            )
            .await
            .unwrap();
        rows.iter()
            .map(|row| CheckRow {
                id: row.get("id"),
                reason: row.get("reason"),
                status: row.get("status"),
                http_status: row.get("http_status"),
                baseline: row.get("baseline"),
                changed: row.get("changed"),
                triggered: row.get("triggered"),
                summary: row.get("summary"),
                reason_text: row.get("reason_text"),
                extracted_value: row.get("extracted_value"),
                diff: stored_diff(row),
                error: row.get("error"),
                fetch_ms: row.get("fetch_ms"),
                duration_ms: row.get("duration_ms"),
                condition_kind: row.get("condition_kind"),
                first_alert: row.get("first_alert"),
                verification: row.get("verification"),
                verification_problem: row.get("verification_problem"),
                prompt_tokens: row.get("prompt_tokens"),
                unjudged_reason: row.get("unjudged_reason"),
                unjudged_notice: row.get("unjudged_notice"),
                failure_alert: row.get("failure_alert"),
                screenshot_sha256: row.get("screenshot_sha256"),
            })
            .collect()
    }

    /// Waits until the monitor has `count` checks and returns them.
    pub async fn wait_for_checks(&self, monitor_id: Uuid, count: usize) -> Vec<CheckRow> {
        wait_until(&format!("{count} checks"), || async {
            let checks = self.checks(monitor_id).await;
            (checks.len() >= count).then_some(checks)
        })
        .await
    }

    /// Requests a run and waits for its check.
    pub async fn check_now(&self, monitor_id: Uuid) -> CheckRow {
        let before = self.checks(monitor_id).await.len();
        self.run_now(monitor_id).await;
        let checks = self.wait_for_checks(monitor_id, before + 1).await;
        checks[before].clone()
    }

    /// The validators kept with the monitor's (one) snapshot.
    pub async fn stored_validators(&self, monitor_id: Uuid) -> Option<String> {
        self.db
            .query_one(
                "SELECT validators FROM snapshots WHERE monitor_id = $1",
                &[&monitor_id],
            )
            .await
            .unwrap()
            .get(0)
    }

    pub async fn count(&self, sql: &str, id: Uuid) -> i64 {
        self.db.query_one(sql, &[&id]).await.unwrap().get(0)
    }

    /// Starts a second scheduler replica on the same database and peers;
    /// it stops when the returned sender is dropped.
    pub async fn start_another_scheduler(&self) -> oneshot::Sender<()> {
        let mut config = Config::for_tests(
            &self.database_url,
            &self.peer_url,
            &self.peer_url,
            &self.peer_url,
            KEY,
        );
        config.poll_interval = Duration::from_millis(20);
        let app = Application::build(config).await.unwrap();
        let (stop, stop_signal) = oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async {
            let _ = stop_signal.await;
        }));
        stop
    }

    /// Stops the scheduler and waits for it to exit.
    pub async fn stop(mut self) {
        self.stop_scheduler().await;
    }

    /// Stops the scheduler but keeps its database and peers, so a test can
    /// start another one ([`TestApp::start_another_scheduler`]).
    pub async fn stop_scheduler(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopped) = self.stopped.take() {
            tokio::time::timeout(Duration::from_secs(10), stopped)
                .await
                .expect("the scheduler stops within its grace period")
                .unwrap();
        }
    }

    /// A user who owns the test's team: Lookout's notices about the team's
    /// channels go to them.
    pub async fn add_team_owner(&self, email: &str) {
        let owner = Uuid::new_v4();
        self.db
            .execute(
                "INSERT INTO users (id, email) VALUES ($1, $2)",
                &[&owner, &email],
            )
            .await
            .unwrap();
        self.db
            .execute(
                "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'owner')",
                &[&self.team_id, &owner],
            )
            .await
            .unwrap();
    }

    /// Lets the email channel take digests: `hourly`, or `daily` at a time and zone.
    pub async fn set_delivery(&self, channel_id: Uuid, delivery: &str) {
        self.db
            .execute(
                "UPDATE channels SET delivery = $2,
                        digest_time = CASE WHEN $2 = 'daily' THEN time '08:00' END,
                        digest_time_zone = CASE WHEN $2 = 'daily' THEN 'Europe/Berlin' END
                  WHERE id = $1",
                &[&channel_id, &delivery],
            )
            .await
            .unwrap();
    }

    /// Moves the queue times of the held alerts back: the period they
    /// were queued in is over, as if the clock had moved on.
    pub async fn age_held_alerts(&self, by: &str) {
        self.db
            .execute(
                &format!(
                    "UPDATE deliveries SET created_at = created_at - interval '{by}'
                      WHERE status = 'held'"
                ),
                &[],
            )
            .await
            .unwrap();
    }
}

/// Polls `probe` until it yields a value; panics after a few seconds.
pub async fn wait_until<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A check row's diff as the store writes it: zstd-compressed in
/// `diff_zstd` (rows from before migration 230 keep a plain `diff`).
fn stored_diff(row: &tokio_postgres::Row) -> Option<String> {
    match row.get::<_, Option<&[u8]>>("diff_zstd") {
        Some(compressed) => {
            Some(String::from_utf8(zstd::bulk::decompress(compressed, 1 << 20).unwrap()).unwrap())
        }
        None => row.get("diff"),
    }
}
