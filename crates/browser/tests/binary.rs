//! The `lookout-browser` binary as a process: configuration refusals and the
//! `healthcheck` subcommand used by container healthchecks.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_lookout-browser");
const STRONG_KEY: &str = "k7Qz2Lm9Xv4Pw8Rt1Ny6Bc3Hs5Jd0Fg";

fn browser() -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

#[tokio::test]
async fn production_refuses_an_allow_list_without_confirmation() {
    let output = browser()
        .env("LOOKOUT_ENV", "production")
        .env("INTERNAL_API_KEY", STRONG_KEY)
        .env("ALLOW_NETWORKS", "10.0.0.0/8")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ALLOW_NETWORKS_CONFIRM=yes-i-understand"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_malformed_allow_list_names_the_variable_and_the_entry() {
    let output = browser()
        .env("BROWSER_ALLOW_NETWORKS", "127.0.0.1/32,intranet")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BROWSER_ALLOW_NETWORKS"), "{stderr}");
    assert!(stderr.contains("intranet"), "{stderr}");
}

#[tokio::test]
async fn the_healthcheck_subcommand_passes_once_the_service_is_up_and_fails_when_down() {
    // The binary takes its address from the environment, so a free port is
    // found first; readiness is then polled, never assumed after a sleep.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let healthcheck = || async {
        browser()
            .env("BROWSER_ADDR", &addr)
            .arg("healthcheck")
            .status()
            .await
            .unwrap()
            .success()
    };
    assert!(!healthcheck().await, "nothing is listening yet");

    let _service = browser().env("BROWSER_ADDR", &addr).spawn().unwrap();
    let started = Instant::now();
    while !healthcheck().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the service did not become healthy"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
