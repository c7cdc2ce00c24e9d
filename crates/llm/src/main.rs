use std::process::ExitCode;

use llm::config::Config;
use llm::startup::{Application, healthcheck};

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return healthcheck().await;
    }
    let _telemetry = mesh::telemetry::init("lookout-llm");
    let run = async {
        let app = Application::build(Config::from_env()?).await?;
        app.run_until_stopped(mesh::shutdown::signal()).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    if let Err(error) = run.await {
        tracing::error!(%error, "lookout-llm stopped");
        eprintln!("lookout-llm: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
