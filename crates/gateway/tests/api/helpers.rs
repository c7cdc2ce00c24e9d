//! The API suite's gateway: the shared harness with fake internal services
//! over gRPC and two users, alice and bob.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_proto::browser::v1::browser_server::{Browser, BrowserServer};
use api_proto::browser::v1::{FetchOutcome, FetchRequest, FetchResponse};
use api_proto::notify::v1::channel::Target;
use api_proto::notify::v1::notifier_server::{Notifier, NotifierServer};
use api_proto::notify::v1::{DeliveryStatus, SendRequest, SendResponse};
use gateway::auth::tokens::issue_access_token;
use gateway::config::Config;
use mesh::internal_auth::{CallerPolicy, GATEWAY, InternalAuth, InternalKeys};
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use store::Store;
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::harness::{self, INTERNAL_KEY, Options};
pub use crate::harness::{JWT_SECRET, monitor_body};

/// A user of the app under test and a valid access token.
#[derive(Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

/// The harness's gateway with fake internal services and two users.
pub struct TestApp {
    pub gateway: harness::TestApp,
    pub alice: TestUser,
    pub bob: TestUser,
    pub notify: FakeNotify,
    pub browser: FakeBrowser,
}

impl std::ops::Deref for TestApp {
    type Target = harness::TestApp;

    fn deref(&self) -> &harness::TestApp {
        &self.gateway
    }
}

/// Fetch requests the fake browser service received; it answers every one
/// with a short page.
#[derive(Clone, Default)]
pub struct FakeBrowser {
    pub fetches: Arc<Mutex<Vec<FetchRequest>>>,
}

#[tonic::async_trait]
impl Browser for FakeBrowser {
    async fn fetch(
        &self,
        request: tonic::Request<FetchRequest>,
    ) -> Result<tonic::Response<FetchResponse>, tonic::Status> {
        let request = request.into_inner();
        let final_url = request.url.clone();
        self.fetches.lock().unwrap().push(request);
        Ok(tonic::Response::new(FetchResponse {
            outcome: FetchOutcome::Ok.into(),
            http_status: 200,
            final_url,
            content_type: "text/html".to_owned(),
            text: "price: 120 EUR".to_owned(),
            ..FetchResponse::default()
        }))
    }
}

/// Messages the fake notify service received, and how it answers.
#[derive(Clone, Default)]
pub struct FakeNotify {
    pub received: Arc<Mutex<Vec<SendRequest>>>,
    pub fail_with: Arc<Mutex<Option<tonic::Code>>>,
    /// Answers as notify does when the destination failed: the code, the
    /// `failure-origin` (`receiver` or `mail-server`) and the message.
    pub fail_at_destination: Arc<Mutex<Option<DestinationFailure>>>,
}

/// A status code, a `failure-origin` and a message.
pub type DestinationFailure = (tonic::Code, &'static str, String);

impl FakeNotify {
    /// Where the first message received was to go.
    pub fn first_target(&self) -> Target {
        let received = self.received.lock().unwrap();
        let channel = received[0].channel.as_ref().unwrap();
        channel.target.clone().unwrap()
    }
}

#[tonic::async_trait]
impl Notifier for FakeNotify {
    async fn send(
        &self,
        request: tonic::Request<SendRequest>,
    ) -> Result<tonic::Response<SendResponse>, tonic::Status> {
        if let Some(code) = *self.fail_with.lock().unwrap() {
            return Err(tonic::Status::new(code, "smtp.internal.example:25 refused"));
        }
        if let Some((code, origin, message)) = self.fail_at_destination.lock().unwrap().clone() {
            let mut status = tonic::Status::new(code, message);
            status.metadata_mut().insert(
                "failure-origin",
                tonic::metadata::MetadataValue::from_static(origin),
            );
            return Err(status);
        }
        self.received.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(SendResponse {
            status: DeliveryStatus::Sent.into(),
            message_id: "<test@lookout>".to_owned(),
            http_status: 0,
        }))
    }
}

/// Serves grpc.health.v1, a fake Notifier and a fake Browser requiring
/// [`INTERNAL_KEY`] on port 0; returns its URL.
pub async fn spawn_fake_notify(notify: FakeNotify, browser: FakeBrowser) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    const CALLERS: CallerPolicy = CallerPolicy::new(&[
        ("/notify.v1.Notifier/Send", &[GATEWAY]),
        ("/browser.v1.Browser/Fetch", &[GATEWAY]),
    ]);
    let auth = InternalAuth::new(InternalKeys::from_keys([(GATEWAY, INTERNAL_KEY)]), CALLERS);
    let (_reporter, health) = mesh::health::service();
    let routes = tonic::service::Routes::new(health)
        .add_service(auth.guard(NotifierServer::new(notify)))
        .add_service(auth.guard(BrowserServer::new(browser)));
    tokio::spawn(mesh::server::serve_grpc(
        listener,
        routes,
        None,
        std::future::pending(),
    ));
    url
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the gateway with the test configuration changed by `customize`.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    let notify = FakeNotify::default();
    let browser = FakeBrowser::default();
    let peers = spawn_fake_notify(notify.clone(), browser.clone()).await;
    let options = Options {
        peers,
        ..Options::default()
    };
    let gateway = harness::spawn(options, customize).await;
    let alice = create_user(&gateway.store, "alice@example.com").await;
    let bob = create_user(&gateway.store, "bob@example.com").await;
    TestApp {
        gateway,
        alice,
        bob,
        notify,
        browser,
    }
}

pub async fn create_user(store: &Store, email: &str) -> TestUser {
    let user = store.upsert_user_by_email(email, "").await.unwrap();
    TestUser {
        id: user.id,
        email: email.to_owned(),
        token: issue_access_token(
            &SecretString::from(JWT_SECRET.to_owned()),
            user.id,
            Duration::from_secs(600),
        ),
    }
}

impl TestApp {
    pub async fn get(&self, user: &TestUser, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&user.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, user: &TestUser, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&user.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, user: &TestUser, path: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(&user.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, user: &TestUser, path: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(&user.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_me(&self, user: &TestUser) -> Response {
        self.get(user, "/api/v1/me").await
    }

    pub async fn list_teams(&self, user: &TestUser) -> Response {
        self.get(user, "/api/v1/teams").await
    }

    pub async fn create_team(&self, user: &TestUser, body: &Value) -> Response {
        self.post(user, "/api/v1/teams", body).await
    }

    pub async fn create_monitor(&self, user: &TestUser, body: &Value) -> Response {
        self.post(user, "/api/v1/monitors", body).await
    }

    pub async fn list_monitors(&self, user: &TestUser, query: &str) -> Response {
        self.get(user, &format!("/api/v1/monitors{query}")).await
    }

    pub async fn get_monitor(&self, user: &TestUser, id: &str) -> Response {
        self.get(user, &format!("/api/v1/monitors/{id}")).await
    }

    pub async fn update_monitor(&self, user: &TestUser, id: &str, body: &Value) -> Response {
        self.patch(user, &format!("/api/v1/monitors/{id}"), body)
            .await
    }

    pub async fn delete_monitor(&self, user: &TestUser, id: &str) -> Response {
        self.delete(user, &format!("/api/v1/monitors/{id}")).await
    }

    pub async fn run_monitor_now(&self, user: &TestUser, id: &str) -> Response {
        self.post(user, &format!("/api/v1/monitors/{id}/check"), &json!({}))
            .await
    }

    pub async fn list_checks(&self, user: &TestUser, monitor: &str, query: &str) -> Response {
        self.get(user, &format!("/api/v1/monitors/{monitor}/checks{query}"))
            .await
    }

    pub async fn get_check(&self, user: &TestUser, monitor: &str, check: &str) -> Response {
        self.get(user, &format!("/api/v1/monitors/{monitor}/checks/{check}"))
            .await
    }

    /// `query` is the query string with its `?`, or empty.
    pub async fn export_checks(&self, user: &TestUser, monitor: &str, query: &str) -> Response {
        self.get(
            user,
            &format!("/api/v1/monitors/{monitor}/checks/export{query}"),
        )
        .await
    }

    pub async fn create_channel(&self, user: &TestUser, body: &Value) -> Response {
        self.post(user, "/api/v1/channels", body).await
    }

    /// Creates a channel that must be accepted (201) and answers its body.
    pub async fn new_channel(&self, user: &TestUser, body: &Value) -> Value {
        expect_json(self.create_channel(user, body).await, StatusCode::CREATED).await
    }

    pub async fn list_channels(&self, user: &TestUser) -> Response {
        self.get(user, "/api/v1/channels").await
    }

    pub async fn delete_channel(&self, user: &TestUser, id: &str) -> Response {
        self.delete(user, &format!("/api/v1/channels/{id}")).await
    }

    pub async fn test_channel(&self, user: &TestUser, id: &str) -> Response {
        self.post(user, &format!("/api/v1/channels/{id}/test"), &json!({}))
            .await
    }

    /// Creates a monitor from [`monitor_body`] and returns its id.
    pub async fn new_monitor(&self, user: &TestUser) -> String {
        let response = self.create_monitor(user, &monitor_body()).await;
        let body = expect_json(response, StatusCode::CREATED).await;
        body["id"].as_str().unwrap().to_owned()
    }

    /// Creates an email channel and returns its id.
    pub async fn new_email_channel(&self, user: &TestUser) -> String {
        let response = self
            .create_channel(
                user,
                &json!({"kind": "email", "name": "Me", "address": user.email}),
            )
            .await;
        let body = expect_json(response, StatusCode::CREATED).await;
        body["id"].as_str().unwrap().to_owned()
    }
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status, body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts an error response in the API's format and returns its message.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> String {
    let header_id = response
        .headers()
        .get("x-request-id")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = expect_json(response, status).await;
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(header_id.is_some(), "every response carries a request id");
    assert_eq!(
        body["error"]["request_id"].as_str(),
        header_id.as_deref(),
        "the error names the request id of the response"
    );
    body["error"]["message"].as_str().unwrap().to_owned()
}
