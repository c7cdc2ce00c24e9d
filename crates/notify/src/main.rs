use std::process::ExitCode;

use lookout_notify::config::Config;
use lookout_notify::startup::{Application, healthcheck};

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return healthcheck().await;
    }
    let _telemetry = mesh::telemetry::init("lookout-notify");
    let run = async {
        let app = Application::build(Config::from_env()?).await?;
        tracing::info!(port = app.port(), "lookout-notify listening");
        app.run_until_stopped(mesh::shutdown::signal()).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    if let Err(error) = run.await {
        tracing::error!(error = %error, "lookout-notify stopped");
        eprintln!("lookout-notify: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
