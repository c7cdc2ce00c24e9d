//! A gateway served in the test's runtime until its stop handle is dropped.
//! Shared by the test suites, each of which includes this file with
//! `#[path]`.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use gateway::config::Config;
use gateway::startup::Application;
use tokio::sync::oneshot;

pub struct RunningGateway {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub metrics_port: Option<u16>,
    /// Dropping it stops the gateway.
    pub stop: oneshot::Sender<()>,
}

/// Builds (binds and migrates) a gateway from `config` and serves it in the
/// background.
pub async fn start(config: Config) -> RunningGateway {
    let app = Application::build(config)
        .await
        .expect("the gateway starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_port = app.metrics_port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    RunningGateway {
        address,
        metrics_port,
        stop,
    }
}
