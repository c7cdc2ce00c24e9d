//! The `lookout-llm` binary as Docker runs it: configuration refusals and the healthcheck.

#![allow(clippy::unwrap_used)] // Helpers outside #[test] functions set up fixtures.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_lookout-llm");
const STRONG_INTERNAL_KEY: &str = "Zq3v9Lr2Xw8Kp5Tn1Hc7Fd4Bm6Js0Gy2";

/// The binary with a clean environment, so the developer's own settings cannot leak in.
fn lookout_llm(env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear().envs(env.iter().copied());
    command
}

fn run(env: &[(&str, &str)]) -> Output {
    lookout_llm(env).output().unwrap()
}

#[test]
fn production_refuses_a_remote_model_without_an_api_key_and_names_the_variable() {
    let output = run(&[
        ("LOOKOUT_ENV", "production"),
        ("INTERNAL_API_KEY", STRONG_INTERNAL_KEY),
        ("LLM_PROVIDER", "openai"),
        ("LLM_ADDR", "127.0.0.1:0"),
    ]);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("OPENAI_API_KEY"), "{stderr}");
}

#[test]
fn a_base_url_with_credentials_is_refused_without_echoing_them() {
    let output = run(&[
        ("INTERNAL_API_KEY", STRONG_INTERNAL_KEY),
        (
            "LLM_BASE_URL",
            "https://user:hunter2-password@api.example.com/v1",
        ),
        ("LLM_ADDR", "127.0.0.1:0"),
    ]);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("LLM_BASE_URL"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn an_unknown_provider_is_refused() {
    let output = run(&[("LLM_PROVIDER", "telepathy"), ("LLM_ADDR", "127.0.0.1:0")]);

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("LLM_PROVIDER"));
}

#[test]
fn healthcheck_fails_when_nothing_listens() {
    let port = test_support::ports::free_port();

    let status = lookout_llm(&[("LLM_ADDR", &format!("127.0.0.1:{port}"))])
        .arg("healthcheck")
        .stderr(Stdio::null())
        .status()
        .unwrap();

    assert!(!status.success());
}

#[test]
fn production_serves_a_local_model_without_a_key_and_reports_healthy() {
    let addr = format!("127.0.0.1:{}", test_support::ports::free_port());
    // A server holds only the digests of the keys it accepts.
    let digests = format!(
        "scheduler:{}",
        mesh::internal_auth::key_digest_hex(STRONG_INTERNAL_KEY)
    );
    let env = [
        ("LOOKOUT_ENV", "production"),
        ("INTERNAL_API_KEY_DIGESTS", digests.as_str()),
        ("LLM_PROVIDER", "openai"),
        ("LLM_BASE_URL", "http://ollama:11434/v1"),
        ("LLM_MODEL", "llama3.2"),
        ("LLM_ADDR", addr.as_str()),
    ];
    let mut server = lookout_llm(&env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    let healthy = loop {
        let status = lookout_llm(&[("LLM_ADDR", addr.as_str())])
            .arg("healthcheck")
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if status.success() {
            break true;
        }
        if Instant::now() > deadline || server.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    server.kill().unwrap();
    server.wait().unwrap();

    assert!(healthy, "the service never reported healthy");
}
