use std::process::ExitCode;

use dev_idp::{Application, Config};

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        let outcome = match mesh::config::listen_addr("DEV_IDP_ADDR", dev_idp::config::DEFAULT_ADDR)
        {
            Ok(addr) => dev_idp::healthcheck::probe(addr).await,
            Err(error) => Err(error.to_string()),
        };
        return match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("unhealthy: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let _telemetry = mesh::telemetry::init("lookout-dev-idp");
    let started = async {
        let app = Application::build(Config::from_env()?).await?;
        app.run_until_stopped(mesh::shutdown::signal()).await
    };
    match started.await {
        Ok(()) => ExitCode::SUCCESS,
        Err::<(), dev_idp::error::StartupError>(error) => {
            tracing::error!(%error, "lookout-dev-idp stopped");
            eprintln!("lookout-dev-idp: {error}");
            ExitCode::FAILURE
        }
    }
}
