use std::process::ExitCode;

use scheduler::config::Config;
use scheduler::startup::{Application, healthcheck};

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return healthcheck().await;
    }
    let _telemetry = mesh::telemetry::init("lookout-scheduler");
    let run = async {
        let app = Application::build(Config::from_env()?).await?;
        app.run_until_stopped(mesh::shutdown::signal()).await;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    if let Err(error) = run.await {
        tracing::error!(%error, "lookout-scheduler stopped");
        eprintln!("lookout-scheduler: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
