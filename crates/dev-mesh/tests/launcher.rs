//! `lookout-dev-mesh` as `make dev` runs it: every service healthy behind
//! one gateway, Ctrl-C a quiet success, a dead service a loud failure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use test_support::postgres::TestDatabase;
use test_support::smtp::SmtpSink;
use tokio::process::{Child, Command};

/// The launcher on a fresh database, Redis and SMTP sink, its output
/// captured; returns once its `mesh.env` says every service is healthy.
async fn start_launcher(dir: &Path, smtp: &SmtpSink) -> (Child, String, TestDatabase) {
    let database = test_support::postgres::fresh_database().await;
    let redis_url = test_support::redis::url().await;
    let mut child = Command::new(test_support::process::workspace_binary("lookout-dev-mesh"))
        .args(["--dir", &dir.display().to_string()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database.url)
        .env("REDIS_URL", &redis_url)
        .env("SMTP_URL", smtp.url())
        .env(
            "GATEWAY_ADDR",
            format!("127.0.0.1:{}", test_support::ports::free_port()),
        )
        .env("LOG_FORMAT", "json")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the launcher starts");
    let env_path = dir.join("mesh.env");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    while !env_path.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the launcher exited ({status}) before the mesh was up: {}",
                logs(dir)
            );
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the mesh did not start: {}",
            logs(dir)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let env = std::fs::read_to_string(&env_path).expect("mesh.env is readable");
    (child, env, database)
}

fn logs(dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(dir.join("logs")) else {
        return String::new();
    };
    entries
        .flatten()
        .map(|entry| {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            format!("--- {} ---\n{text}", entry.path().display())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A value `mesh.env` exports, unquoted.
fn exported(env: &str, name: &str) -> String {
    env.lines()
        .find_map(|line| line.strip_prefix(&format!("export {name}=")))
        .unwrap_or_else(|| panic!("mesh.env lacks {name}:\n{env}"))
        .trim_matches('\'')
        .to_owned()
}

fn signal(pid: &str, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), pid])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid} failed");
}

async fn finish(child: Child) -> (std::process::ExitStatus, String) {
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the launcher exits within a minute")
        .expect("the launcher's output is readable");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn is_running(pid: &str) -> bool {
    PathBuf::from(format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[tokio::test]
async fn ctrl_c_stops_every_service_and_exits_zero_without_calling_it_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let (child, env, _database) = start_launcher(dir.path(), &smtp).await;

    let gateway = exported(&env, "GATEWAY_ADDR");
    let health = reqwest::get(format!("http://{gateway}/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let services: Vec<String> = ["BROWSER", "LLM", "NOTIFY", "GATEWAY", "SCHEDULER"]
        .iter()
        .map(|name| exported(&env, &format!("MESH_PID_{name}")))
        .collect();
    assert!(services.iter().all(|pid| is_running(pid)), "{env}");

    let launcher = child.id().expect("the launcher runs").to_string();
    signal(&launcher, "INT");
    let (status, stderr) = finish(child).await;
    assert!(status.success(), "exit {status}: {stderr}");
    assert!(!stderr.contains("exited"), "{stderr}");
    assert!(
        services.iter().all(|pid| !is_running(pid)),
        "a service outlived the launcher"
    );
    assert!(
        !dir.path().join("mesh.env").exists(),
        "mesh.env is removed on exit"
    );
    let secrets = dir.path().join("dev-secrets");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&secrets).unwrap().permissions(),
    );
    assert_eq!(
        mode & 0o777,
        0o600,
        "the development secrets are the owner's alone"
    );
}

#[tokio::test]
async fn a_service_that_dies_stops_the_rest_and_the_launcher_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let (child, env, _database) = start_launcher(dir.path(), &smtp).await;
    let gateway = exported(&env, "MESH_PID_GATEWAY");

    signal(&exported(&env, "MESH_PID_LLM"), "KILL");
    let (status, stderr) = finish(child).await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("lookout-llm exited"), "{stderr}");
    assert!(!is_running(&gateway), "the other services are stopped");
}
