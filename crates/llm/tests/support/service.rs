//! Starting the judge service on port 0 and calling it like the scheduler does.

use std::sync::Arc;
use std::time::Duration;

use api_proto::llm::v1::judge_client::JudgeClient;
use api_proto::llm::v1::{EvaluateRequest, EvaluateResponse};
use llm::domain::Judge;
use llm::startup::Application;
use mesh::client::InternalChannel;
use mesh::internal_auth::InternalKeys;
use secrecy::SecretString;
use tokio::sync::oneshot;

pub const SCHEDULER_KEY: &str = "scheduler-test-key-0123456789abcdef0123";
/// Accepted as the gateway's key, so tests can show the gateway is refused.
pub const GATEWAY_KEY: &str = "gateway-test-key-0123456789abcdef01234";

pub struct TestService {
    pub url: String,
    _stop: oneshot::Sender<()>,
}

pub fn keys() -> InternalKeys {
    InternalKeys::from_keys([("scheduler", SCHEDULER_KEY), ("gateway", GATEWAY_KEY)])
}

/// Serves `judge` on a fresh port; the service stops when the returned value is dropped.
pub async fn spawn_with_judge(judge: Arc<dyn Judge>) -> TestService {
    let (listener, port) = mesh::server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = Application::with_judge(listener, port, judge, keys()).unwrap();
    serve(app)
}

pub fn serve(app: Application) -> TestService {
    let url = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    TestService { url, _stop: stop }
}

impl TestService {
    /// A client that presents the scheduler's key. The listener is bound before the server
    /// starts, so the first call connects without waiting.
    pub fn client(&self) -> JudgeClient<InternalChannel> {
        let key = SecretString::from(SCHEDULER_KEY);
        JudgeClient::new(
            mesh::client::connect_lazy(&self.url, &key, Duration::from_secs(10), None).unwrap(),
        )
    }

    pub async fn evaluate(
        &self,
        request: EvaluateRequest,
    ) -> Result<EvaluateResponse, tonic::Status> {
        self.client()
            .evaluate(request)
            .await
            .map(tonic::Response::into_inner)
    }
}
