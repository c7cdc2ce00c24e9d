//! scripts/prod-health.sh: one line per service from Docker's health status,
//! then the public /health through nginx. Docker and compose are replaced by
//! shims; nginx is the real production configuration on loopback.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use deploy_checks::echo::EchoUpstream;
use deploy_checks::nginx::Prefix;
use deploy_checks::scratch::ScratchDir;
use deploy_checks::{scripts, tools};

/// `compose ps -q <service>` prints a fake container id named after it.
const COMPOSE_SHIM: &str = "#!/usr/bin/env bash\nwhile [[ \"$1\" == --env-file || \"$1\" == -f ]]; do shift 2; done\n[[ \"$1\" == ps && \"$2\" == -q ]] && echo \"id-$3\"\n";

/// `docker inspect ... id-<service>` answers healthy, except for the
/// service named in UNHEALTHY.
const DOCKER_SHIM: &str = "#!/usr/bin/env bash\nid=\"${@: -1}\"\nif [[ \"$id\" == \"id-${UNHEALTHY:-}\" ]]; then echo unhealthy; else echo healthy; fi\n";

fn executable(dir: &ScratchDir, name: &str, text: &str) -> PathBuf {
    let path = dir.write(name, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

async fn run_health(unhealthy: &str) -> (bool, String) {
    let nginx = tools::require("nginx", "prod-health through nginx");
    tools::require("curl", "prod-health through nginx");
    let upstream = EchoUpstream::start().await.unwrap();
    let edge = Prefix::prepare(upstream.addr())
        .unwrap()
        .start(&nginx)
        .unwrap();
    let dir = ScratchDir::new("health").unwrap();
    let compose = executable(&dir, "compose-shim", COMPOSE_SHIM);
    let docker = executable(&dir, "docker-shim", DOCKER_SHIM);
    dir.write(".env", &format!("HTTPS_PORT={}\n", edge.ports().https))
        .unwrap();
    let output = scripts::run(
        "prod-health.sh",
        dir.path(),
        &[],
        &[
            ("COMPOSE", compose.to_str().unwrap()),
            ("DOCKER", docker.to_str().unwrap()),
            ("UNHEALTHY", unhealthy),
        ],
    )
    .unwrap();
    assert!(
        upstream.seen_uris().contains(&"/health".to_owned()),
        "/health was not proxied"
    );
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prod_health_prints_one_line_per_service_and_passes_when_all_are_healthy() {
    let (ok, stdout) = run_health("").await;
    let lines: Vec<&str> = stdout.lines().collect();
    let services = [
        "web",
        "gateway",
        "scheduler",
        "browser",
        "llm",
        "notify",
        "postgres",
        "redis",
    ];
    assert_eq!(lines.len(), services.len() + 1, "{stdout}");
    for (line, service) in lines.iter().zip(services) {
        assert!(
            line.starts_with(service) && line.ends_with("healthy"),
            "{line}"
        );
    }
    assert!(
        lines[services.len()].starts_with("public") && lines[services.len()].contains("ok"),
        "{stdout}"
    );
    assert!(ok, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prod_health_fails_when_one_service_is_unhealthy() {
    let (ok, stdout) = run_health("llm").await;
    assert!(
        stdout
            .lines()
            .any(|line| line.starts_with("llm") && line.ends_with("unhealthy")),
        "{stdout}"
    );
    assert!(!ok, "{stdout}");
}
