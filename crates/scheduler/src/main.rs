use std::process::ExitCode;

use scheduler::config::Config;
use scheduler::startup::{Application, healthcheck};

// The gateway's allocator: glibc's malloc and free were ~7 % of the
// scheduler's CPU in a text-changed round (perf), and with mimalloc
// `make bench-checks` measured less CPU per check for ~10 MiB more RSS.
// The browser keeps glibc: there mimalloc's per-thread heaps tripled the
// RSS for a gain within the bench's noise.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
