//! `lookout-gateway`: see [`gateway::cli`] for the subcommands.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    gateway::cli::run(std::env::args().skip(1).collect()).await
}
