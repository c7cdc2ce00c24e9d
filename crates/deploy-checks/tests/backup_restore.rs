//! scripts/backup.sh and scripts/restore.sh against a real PostgreSQL. The
//! compose command is replaced by a shim (COMPOSE=...) that runs the
//! `exec -T postgres ...` part locally and records `stop`/`start`, so the
//! scripts' own logic (file naming, partial files, confirmation, stopping the
//! writers) is what runs.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;

use deploy_checks::scratch::ScratchDir;
use deploy_checks::{scripts, tools};

/// Stands in for `docker compose --env-file .env -f file ...`.
const SHIM: &str = r#"#!/usr/bin/env bash
set -euo pipefail
while [[ "$1" == --env-file || "$1" == -f ]]; do shift 2; done
case "$1" in
  exec)
    shift
    [[ "$1" == -T ]] && shift
    [[ "$1" == postgres ]] || { echo "unexpected service $1" >&2; exit 1; }
    shift
    cmd="$1"; shift
    args=()
    while (($#)); do
      case "$1" in
        --username) shift 2 ;;
        --dbname) args+=(--dbname "$SHIM_DATABASE_URL"); shift 2 ;;
        *) args+=("$1"); shift ;;
      esac
    done
    exec "$cmd" "${args[@]}"
    ;;
  stop|start) echo "$*" >>"$SHIM_LOG" ;;
  *) echo "unexpected compose command: $*" >&2; exit 1 ;;
esac
"#;

fn psql(url: &str, sql: &str) -> String {
    let output = std::process::Command::new("psql")
        .args([url, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_the_data_it_was_taken_from_and_stops_the_writers_meanwhile() {
    tools::require("pg_dump", "backup and restore");
    tools::require("psql", "backup and restore");
    let database = test_support::postgres::fresh_database().await;
    let dir = ScratchDir::new("backup").unwrap();
    let shim = dir.write("compose-shim", SHIM).unwrap();
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir.write(".env", "COMPOSE_PROJECT_NAME=lookout\n").unwrap();
    let log = dir.path().join("compose.log");
    let shim_text = shim.to_str().unwrap();
    let log_text = log.to_str().unwrap();
    let env = [
        ("COMPOSE", shim_text),
        ("SHIM_DATABASE_URL", database.url.as_str()),
        ("SHIM_LOG", log_text),
    ];

    psql(
        &database.url,
        "CREATE TABLE monitors (id int PRIMARY KEY, url text); INSERT INTO monitors VALUES (1, 'https://example.com')",
    );
    scripts::run_ok("backup.sh", dir.path(), &[], &env).unwrap();

    let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = &backups[0];
    assert!(
        name.starts_with("lookout-") && name.ends_with("Z.dump"),
        "{name}"
    );
    let mode = std::fs::metadata(dir.path().join("backups"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);

    psql(
        &database.url,
        "DELETE FROM monitors; INSERT INTO monitors VALUES (2, 'https://after.example')",
    );
    let file = format!("backups/{name}");
    let refused = scripts::run("restore.sh", dir.path(), &[&file], &env).unwrap();
    assert!(
        !refused.status.success(),
        "restore ran without confirmation"
    );
    scripts::run_ok(
        "restore.sh",
        dir.path(),
        &[&file],
        &[env[0], env[1], env[2], ("CONFIRM", "yes")],
    )
    .unwrap();

    assert_eq!(
        psql(
            &database.url,
            "SELECT id || ' ' || url FROM monitors ORDER BY id"
        ),
        "1 https://example.com"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "stop gateway scheduler\nstart gateway scheduler\n"
    );
}

#[test]
fn a_failed_dump_leaves_no_file_that_looks_like_a_backup() {
    let dir = ScratchDir::new("backup-fail").unwrap();
    let shim = dir
        .write(
            "compose-shim",
            "#!/usr/bin/env bash\necho partial-output\nexit 3\n",
        )
        .unwrap();
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir.write(".env", "COMPOSE_PROJECT_NAME=lookout\n").unwrap();
    let output = scripts::run(
        "backup.sh",
        dir.path(),
        &[],
        &[("COMPOSE", shim.to_str().unwrap())],
    )
    .unwrap();
    assert!(!output.status.success());
    let left: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "a failed dump left files behind");
}
