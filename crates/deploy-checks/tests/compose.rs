//! The exposure and hardening rules of docker-compose.prod.yml.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use deploy_checks::compose::{self, CORE_SERVICES, EGRESS_SERVICES};
use deploy_checks::scratch::ScratchDir;
use deploy_checks::{repo, scripts, tools, yaml};
use yaml_serde::Value;

fn services() -> std::collections::BTreeMap<String, Value> {
    compose::services(&compose::load().unwrap())
}

#[test]
fn the_stack_defines_every_core_service() {
    let services = services();
    for name in CORE_SERVICES {
        assert!(services.contains_key(name), "service {name} is missing");
    }
}

#[test]
fn only_web_publishes_ports() {
    for (name, service) in services() {
        let published = service.get("ports").is_some();
        if name == "web" {
            let ports: Vec<String> = service["ports"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|port| port.as_str().unwrap().to_owned())
                .collect();
            assert_eq!(ports.len(), 2, "web publishes exactly HTTP and HTTPS");
            assert!(ports.iter().any(|port| port.ends_with(":8080")));
            assert!(ports.iter().any(|port| port.ends_with(":8443")));
        } else {
            assert!(!published, "{name} publishes ports; only web may");
        }
    }
}

#[test]
fn the_internal_network_has_no_route_out() {
    let compose = compose::load().unwrap();
    assert_eq!(
        yaml::at(&compose, &["networks", "internal", "internal"]),
        Some(&Value::Bool(true))
    );
}

#[test]
fn only_browser_llm_and_notify_may_reach_the_internet() {
    for (name, service) in services() {
        let on_egress = compose::networks_of(&service).contains(&"egress".to_owned());
        assert_eq!(
            on_egress,
            EGRESS_SERVICES.contains(&name.as_str()),
            "{name}: egress membership is wrong"
        );
    }
}

#[test]
fn the_gateway_joins_edge_and_internal_but_not_egress() {
    let gateway = &services()["gateway"];
    let mut networks = compose::networks_of(gateway);
    networks.sort();
    assert_eq!(networks, ["edge", "internal"]);
}

#[test]
fn web_is_only_on_the_edge_network() {
    assert_eq!(compose::networks_of(&services()["web"]), ["edge"]);
}

#[test]
fn databases_and_scheduler_are_only_on_the_internal_network() {
    let services = services();
    for name in ["postgres", "redis", "scheduler"] {
        assert_eq!(
            compose::networks_of(&services[name]),
            ["internal"],
            "{name}"
        );
    }
}

#[test]
fn every_service_has_a_healthcheck() {
    for (name, service) in services() {
        let test = yaml::at(&service, &["healthcheck", "test"]);
        assert!(test.is_some(), "{name} has no healthcheck");
        assert_ne!(
            yaml::at(&service, &["healthcheck", "disable"]),
            Some(&Value::Bool(true)),
            "{name} disables its healthcheck"
        );
    }
}

#[test]
fn lookout_services_probe_themselves_with_their_own_binary() {
    let services = services();
    for name in ["gateway", "scheduler", "browser", "llm", "notify"] {
        let test: Vec<&str> = yaml::at(&services[name], &["healthcheck", "test"])
            .and_then(Value::as_sequence)
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            test,
            ["CMD", &format!("lookout-{name}"), "healthcheck"],
            "{name}"
        );
    }
}

#[test]
fn every_service_runs_as_a_non_root_user() {
    for (name, service) in services() {
        let user =
            yaml::str_at(&service, &["user"]).unwrap_or_else(|| panic!("{name} has no `user:`"));
        let uid = user.split(':').next().unwrap();
        assert!(
            !uid.is_empty() && uid != "0" && uid != "root",
            "{name} runs as {user}"
        );
        assert!(
            uid.chars().all(|c| c.is_ascii_digit()),
            "{name}: use a numeric uid, got {user}"
        );
    }
}

#[test]
fn every_service_is_hardened_and_limited() {
    for (name, service) in services() {
        assert_eq!(
            service.get("read_only"),
            Some(&Value::Bool(true)),
            "{name}: read_only"
        );
        let security: Vec<&str> = service["security_opt"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name}: no security_opt"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            security.contains(&"no-new-privileges:true"),
            "{name}: no-new-privileges"
        );
        assert!(
            matches!(
                yaml::str_at(&service, &["restart"]),
                Some("unless-stopped" | "always")
            ),
            "{name}: restart policy"
        );
        assert!(
            yaml::at(&service, &["deploy", "resources", "limits", "memory"]).is_some(),
            "{name}: memory limit"
        );
        assert!(
            yaml::at(&service, &["deploy", "resources", "limits", "cpus"]).is_some(),
            "{name}: cpu limit"
        );
    }
}

#[test]
fn services_wait_for_their_dependencies_to_be_healthy() {
    for (name, service) in services() {
        let Some(depends_on) = service.get("depends_on") else {
            continue;
        };
        let map = depends_on
            .as_mapping()
            .unwrap_or_else(|| panic!("{name}: depends_on must use the long form with conditions"));
        for (dependency, rule) in map {
            assert_eq!(
                yaml::str_at(rule, &["condition"]),
                Some("service_healthy"),
                "{name} → {dependency:?}"
            );
        }
    }
}

#[test]
fn no_secret_has_a_literal_value() {
    for (name, service) in services() {
        for (variable, value) in compose::environment_of(&service) {
            if compose::names_a_secret(&variable) {
                assert!(
                    compose::is_single_reference(&value),
                    "{name}: {variable} must be a ${{...}} reference to .env, found a literal"
                );
            }
            // Credentials inside URLs come from .env too.
            if !compose::is_single_reference(&value)
                && let Some((_, after_scheme)) = value.split_once("://")
                && let Some((userinfo, _)) = after_scheme.split_once('@')
            {
                let password = userinfo
                    .split_once(':')
                    .map_or("", |(_, password)| password);
                assert!(
                    compose::is_single_reference(password),
                    "{name}: {variable} embeds a literal password"
                );
            }
        }
    }
}

#[test]
fn required_secrets_stop_compose_with_a_message_when_missing() {
    let text = repo::read(compose::COMPOSE_FILE).unwrap();
    for secret in [
        "JWT_SECRET",
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
        "BROWSER_INTERNAL_API_KEY_DIGESTS",
        "LLM_INTERNAL_API_KEY_DIGESTS",
        "NOTIFY_INTERNAL_API_KEY_DIGESTS",
        "SECRETS_KEYS",
        "ALERT_RATING_KEY",
        "GATEWAY_INTERNAL_API_KEY",
        "SCHEDULER_INTERNAL_API_KEY",
        "GOOGLE_CLIENT_SECRET",
    ] {
        assert!(
            text.contains(&format!("${{{secret}:?")),
            "{secret} must be referenced as ${{{secret}:?message}}"
        );
    }
}

#[test]
fn every_variable_the_compose_file_reads_is_documented_in_env_example() {
    let text = repo::read(compose::COMPOSE_FILE).unwrap();
    let example = scripts::parse_env(&repo::read(".env.example").unwrap());
    let without_comments: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    for name in compose::referenced_variables(&without_comments) {
        assert!(
            example.contains_key(&name),
            "{name} is used by compose but missing from .env.example"
        );
    }
}

/// Every quoted string literal in the Rust sources of `crates/`: the names
/// of the environment variables the services read are among them.
fn string_literals_in_crates() -> std::collections::BTreeSet<String> {
    fn visit(dir: &std::path::Path, found: &mut std::collections::BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.extend(text.split('"').skip(1).step_by(2).map(str::to_owned));
            }
        }
    }
    let mut found = std::collections::BTreeSet::new();
    visit(&repo::path("crates"), &mut found);
    found
}

/// A variable that no service reads is a setting that silently does
/// nothing: renamed in the code and forgotten here, or misspelt.
#[test]
fn every_variable_given_to_a_lookout_service_is_read_by_the_code() {
    let read_by_code = string_literals_in_crates();
    let lookout = [
        "gateway",
        "scheduler",
        "browser",
        "llm",
        "notify",
        "migrations",
    ];
    for (name, service) in services() {
        if !lookout.contains(&name.as_str()) {
            continue;
        }
        for variable in compose::environment_of(&service).keys() {
            assert!(
                read_by_code.contains(variable),
                "compose gives {variable} to {name}, but no crate reads it"
            );
        }
    }
    let configmap = yaml::parse(&repo::read("deploy/k8s/configmap.yaml").unwrap()).unwrap();
    for variable in configmap["data"].as_mapping().unwrap().keys() {
        let variable = variable.as_str().unwrap();
        assert!(
            read_by_code.contains(variable),
            "deploy/k8s/configmap.yaml sets {variable}, but no crate reads it"
        );
    }
}

#[test]
fn lookout_images_are_built_from_dockerfile_targets_that_exist() {
    let dockerfile = repo::read("Dockerfile").unwrap();
    for (name, service) in services() {
        if let Some(target) = yaml::str_at(&service, &["build", "target"]) {
            assert!(
                dockerfile
                    .lines()
                    .any(|line| line.starts_with("FROM ")
                        && line.ends_with(&format!(" AS {target}"))),
                "{name} builds target {target}, which the Dockerfile lacks"
            );
        }
    }
}

fn compose_with_generated_env() -> ScratchDir {
    let dir = ScratchDir::new("compose").unwrap();
    scripts::generate_env(dir.path()).unwrap();
    let env = dir.path().join(".env");
    // Values an operator enters by hand.
    scripts::set_env_value(&env, "GOOGLE_CLIENT_ID", "client-id.apps.example").unwrap();
    scripts::set_env_value(
        &env,
        "GOOGLE_CLIENT_SECRET",
        "a-google-client-secret-for-checks",
    )
    .unwrap();
    scripts::set_env_value(
        &env,
        "SMTP_URL",
        "smtp://alerts:password@smtp.example.com:587",
    )
    .unwrap();
    std::fs::copy(
        repo::path(compose::COMPOSE_FILE),
        dir.path().join(compose::COMPOSE_FILE),
    )
    .unwrap();
    dir
}

fn docker_compose_config(tool: &std::path::Path, dir: &std::path::Path) -> std::process::Output {
    Command::new(tool)
        .args([
            "-f",
            compose::COMPOSE_FILE,
            "--profile",
            "observability",
            "config",
            "-q",
        ])
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn docker_compose_accepts_the_file_with_a_generated_env() {
    let tool = tools::require(
        "docker-compose",
        "docker-compose config on docker-compose.prod.yml",
    );
    let dir = compose_with_generated_env();
    let output = docker_compose_config(&tool, dir.path());
    assert!(
        output.status.success(),
        "docker-compose config failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn docker_compose_refuses_to_start_without_a_secret_and_names_it() {
    let tool = tools::require("docker-compose", "docker-compose config without JWT_SECRET");
    let dir = compose_with_generated_env();
    scripts::set_env_value(&dir.path().join(".env"), "JWT_SECRET", "").unwrap();
    let output = docker_compose_config(&tool, dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("JWT_SECRET is missing"),
        "unexpected error: {stderr}"
    );
}
