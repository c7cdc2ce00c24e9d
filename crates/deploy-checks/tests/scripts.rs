//! The operator scripts: key generation, certificates, the Makefile fragment.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;

use deploy_checks::scratch::ScratchDir;
use deploy_checks::{repo, scripts};

const GENERATED: [&str; 6] = [
    "JWT_SECRET",
    "ALERT_RATING_KEY",
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "GATEWAY_INTERNAL_API_KEY",
    "SCHEDULER_INTERNAL_API_KEY",
];

#[test]
fn generate_keys_fills_every_secret_with_a_strong_url_safe_value() {
    let dir = ScratchDir::new("keys").unwrap();
    let env = scripts::generate_env(dir.path()).unwrap();
    for name in GENERATED {
        let value = &env[name];
        // 32 random bytes, base64url: at least 43 characters, at least as
        // long as mesh's production minimum (32).
        assert!(
            value.len() >= 43,
            "{name} is only {} characters",
            value.len()
        );
        assert!(
            value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{name} must be URL-safe"
        );
    }
    let distinct: std::collections::BTreeSet<&String> =
        GENERATED.iter().map(|name| &env[*name]).collect();
    assert_eq!(distinct.len(), GENERATED.len(), "every secret is different");
}

fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(value.as_bytes()))
}

#[test]
fn each_internal_service_receives_digests_of_the_callers_it_accepts_and_no_key() {
    let dir = ScratchDir::new("keys").unwrap();
    let env = scripts::generate_env(dir.path()).unwrap();
    let gateway = format!("gateway:{}", sha256_hex(&env["GATEWAY_INTERNAL_API_KEY"]));
    let scheduler = format!(
        "scheduler:{}",
        sha256_hex(&env["SCHEDULER_INTERNAL_API_KEY"])
    );
    let both = format!("{gateway},{scheduler}");
    assert_eq!(env["BROWSER_INTERNAL_API_KEY_DIGESTS"], both);
    assert_eq!(env["NOTIFY_INTERNAL_API_KEY_DIGESTS"], both);
    assert_eq!(env["LLM_INTERNAL_API_KEY_DIGESTS"], scheduler);
    for name in ["BROWSER", "LLM", "NOTIFY"] {
        let digests = &env[&format!("{name}_INTERNAL_API_KEY_DIGESTS")];
        assert!(!digests.contains(&env["GATEWAY_INTERNAL_API_KEY"]));
        assert!(!digests.contains(&env["SCHEDULER_INTERNAL_API_KEY"]));
    }
}

#[test]
fn the_secrets_key_is_generated_once_with_a_key_id_and_never_replaced() {
    let dir = ScratchDir::new("keys").unwrap();
    let before = scripts::generate_env(dir.path()).unwrap();
    let (kid, key) = before["SECRETS_KEYS"].split_once(':').unwrap();
    assert!(kid.starts_with('k') && kid.len() > 1);
    assert_eq!(key.len(), 43, "32 bytes in base64url");
    scripts::run_ok("generate-keys.sh", dir.path(), &[], &[("FORCE", "1")]).unwrap();
    let after = scripts::read_env(&dir.path().join(".env")).unwrap();
    assert_eq!(
        after["SECRETS_KEYS"], before["SECRETS_KEYS"],
        "replacing it would make every sealed value unreadable"
    );
}

#[test]
fn the_env_file_is_readable_only_by_its_owner() {
    let dir = ScratchDir::new("keys").unwrap();
    scripts::generate_env(dir.path()).unwrap();
    let mode = std::fs::metadata(dir.path().join(".env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_second_run_changes_nothing() {
    let dir = ScratchDir::new("keys").unwrap();
    scripts::generate_env(dir.path()).unwrap();
    let first = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    scripts::run_ok("generate-keys.sh", dir.path(), &[], &[]).unwrap();
    let second = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert_eq!(first, second);
}

#[test]
fn existing_secrets_are_kept_and_only_empty_ones_are_filled() {
    let dir = ScratchDir::new("keys").unwrap();
    let env_path = dir.path().join(".env");
    std::fs::copy(repo::path(".env.example"), dir.path().join(".env.example")).unwrap();
    std::fs::copy(repo::path(".env.example"), &env_path).unwrap();
    let chosen = "operator-chosen-database-password-0123456789";
    scripts::set_env_value(&env_path, "POSTGRES_PASSWORD", chosen).unwrap();
    scripts::set_env_value(&env_path, "GOOGLE_CLIENT_SECRET", "from-google").unwrap();
    scripts::run_ok("generate-keys.sh", dir.path(), &[], &[]).unwrap();
    let env = scripts::read_env(&env_path).unwrap();
    assert_eq!(env["POSTGRES_PASSWORD"], chosen);
    assert_eq!(env["GOOGLE_CLIENT_SECRET"], "from-google");
    assert!(env["JWT_SECRET"].len() >= 43);
}

#[test]
fn force_replaces_generated_secrets_but_not_third_party_ones() {
    let dir = ScratchDir::new("keys").unwrap();
    let before = scripts::generate_env(dir.path()).unwrap();
    scripts::set_env_value(
        &dir.path().join(".env"),
        "GOOGLE_CLIENT_SECRET",
        "from-google",
    )
    .unwrap();
    scripts::run_ok("generate-keys.sh", dir.path(), &[], &[("FORCE", "1")]).unwrap();
    let after = scripts::read_env(&dir.path().join(".env")).unwrap();
    for name in GENERATED {
        assert_ne!(before[name], after[name], "{name} was not replaced");
    }
    assert_eq!(after["GOOGLE_CLIENT_SECRET"], "from-google");
    assert!(
        after["BROWSER_INTERNAL_API_KEY_DIGESTS"]
            .contains(&sha256_hex(&after["GATEWAY_INTERNAL_API_KEY"]))
    );
}

#[test]
fn variables_added_to_the_example_later_are_appended() {
    let dir = ScratchDir::new("keys").unwrap();
    scripts::generate_env(dir.path()).unwrap();
    let example = dir.path().join(".env.example");
    let mut text = std::fs::read_to_string(&example).unwrap();
    text.push_str("NEW_SETTING=default-value\n");
    std::fs::write(&example, text).unwrap();
    scripts::run_ok("generate-keys.sh", dir.path(), &[], &[]).unwrap();
    let env = scripts::read_env(&dir.path().join(".env")).unwrap();
    assert_eq!(env["NEW_SETTING"], "default-value");
}

#[test]
fn the_example_holds_no_secret_values() {
    let example = scripts::parse_env(&repo::read(".env.example").unwrap());
    for (name, value) in example {
        if ["_PASSWORD", "_SECRET", "_KEY", "_KEYS"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
        {
            assert!(value.is_empty(), "{name} has a value in .env.example");
        }
    }
}

#[test]
fn the_certificate_script_keeps_existing_files_unless_forced() {
    let dir = ScratchDir::new("cert").unwrap();
    scripts::run_ok(
        "gen-self-signed-cert.sh",
        dir.path(),
        &["certs", "lookout.test"],
        &[],
    )
    .unwrap();
    let key = dir.path().join("certs/tls.key");
    let first = std::fs::read(&key).unwrap();
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    scripts::run_ok(
        "gen-self-signed-cert.sh",
        dir.path(),
        &["certs", "lookout.test"],
        &[],
    )
    .unwrap();
    assert_eq!(std::fs::read(&key).unwrap(), first);
    scripts::run_ok(
        "gen-self-signed-cert.sh",
        dir.path(),
        &["certs", "lookout.test"],
        &[("FORCE", "1")],
    )
    .unwrap();
    assert_ne!(std::fs::read(&key).unwrap(), first);
}

#[test]
fn the_makefile_fragment_has_one_line_per_target_calling_an_executable_script() {
    let fragment = repo::read("deploy/MAKEFILE_TARGETS.mk").unwrap();
    let targets = [
        "generate-keys",
        "prod-build",
        "prod-up",
        "prod-down",
        "prod-health",
        "prod-logs",
        "backup",
        "restore",
    ];
    for target in targets {
        let line = fragment
            .lines()
            .find(|line| line.starts_with(&format!("{target}: ")))
            .unwrap_or_else(|| panic!("no line for {target}"));
        let script = line
            .split_whitespace()
            .find(|word| word.starts_with("scripts/"))
            .unwrap_or_else(|| panic!("{target} calls no script"));
        let mode = std::fs::metadata(repo::path(script))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "{script} is not executable");
    }
}

#[test]
fn every_script_is_strict_bash_that_parses() {
    for entry in std::fs::read_dir(repo::path("scripts")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let ours = name.starts_with("prod-")
            || [
                "generate-keys.sh",
                "gen-self-signed-cert.sh",
                "backup.sh",
                "restore.sh",
                "check-deploy.sh",
            ]
            .contains(&name.as_str());
        if !ours {
            continue;
        }
        let parsed = std::process::Command::new("bash")
            .arg("-n")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            parsed.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&parsed.stderr)
        );
        if name != "prod-common.sh" {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains("set -euo pipefail"), "{name} must fail fast");
        }
    }
}

#[test]
fn make_help_lists_every_target_of_the_makefile_and_its_fragment() {
    let output = std::process::Command::new("make")
        .args(["--no-print-directory", "help"])
        .current_dir(repo::root())
        .output()
        .unwrap();
    assert!(output.status.success(), "make help failed: {output:?}");
    let listed: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split('\t').next().map(str::to_owned))
        .collect();
    for file in ["Makefile", "deploy/MAKEFILE_TARGETS.mk"] {
        let text = repo::read(file).unwrap();
        let phony = text
            .lines()
            .find_map(|line| line.strip_prefix(".PHONY:"))
            .unwrap_or_else(|| panic!("{file} declares no .PHONY targets"));
        for target in phony.split_whitespace() {
            assert!(
                listed.iter().any(|name| name == target),
                "make help does not list {target} (from {file}); listed: {listed:?}"
            );
        }
    }
}
