use std::process::ExitCode;

use browser::config::Config;
use browser::startup::Application;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("lookout-browser: configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return browser::startup::healthcheck(&config).await;
    }
    let _telemetry = mesh::telemetry::init("lookout-browser");
    let result = match Application::build(config).await {
        Ok(app) => app.run_until_stopped(mesh::shutdown::signal()).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "lookout-browser stopped");
            ExitCode::FAILURE
        }
    }
}
