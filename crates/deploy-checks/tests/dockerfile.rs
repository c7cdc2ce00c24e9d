//! Static checks of the Dockerfile: the engine is not available here, so the
//! rules are read from the file itself.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use deploy_checks::repo;

/// (stage name, base image, its instruction lines) for every `FROM ... AS name` stage.
fn stages() -> Vec<(String, String, Vec<String>)> {
    let text = repo::read("Dockerfile").unwrap();
    let mut stages: Vec<(String, String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("FROM ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let name = words.last().unwrap().to_string();
            stages.push((name, words[0].to_owned(), Vec::new()));
        } else if line.trim_start().starts_with('#') {
            // Comments explain; only instructions count.
        } else if let Some(stage) = stages.last_mut() {
            stage.2.push(line.to_owned());
        }
    }
    stages
}

fn stage(name: &str) -> (String, Vec<String>) {
    stages()
        .into_iter()
        .find(|(stage, _, _)| stage == name)
        .map(|(_, base, lines)| (base, lines))
        .unwrap_or_else(|| panic!("no stage {name}"))
}

const SERVICES: [&str; 5] = ["gateway", "scheduler", "browser", "llm", "notify"];

#[test]
fn the_builder_uses_cargo_chef_on_the_official_rust_image() {
    let (base, lines) = stage("chef");
    assert!(base.starts_with("rust:"), "{base}");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("cargo install cargo-chef"))
    );
    let (_, builder) = stage("builder");
    let cook = builder
        .iter()
        .position(|line| line.contains("cargo chef cook"))
        .unwrap();
    let copy_all = builder
        .iter()
        .position(|line| line.trim() == "COPY . .")
        .unwrap();
    assert!(
        cook < copy_all,
        "dependencies must be cooked before the sources are copied"
    );
}

#[test]
fn the_runtime_is_debian_slim_without_a_compiler() {
    let (base, lines) = stage("runtime");
    assert!(
        base.starts_with("debian:") && base.ends_with("-slim"),
        "{base}"
    );
    let text = lines.join("\n");
    assert!(text.contains("ca-certificates"));
    for tool in [
        "gcc",
        "build-essential",
        "cargo",
        "rustc",
        "clang",
        "curl",
        "wget",
    ] {
        assert!(!text.contains(tool), "runtime installs {tool}");
    }
}

#[test]
fn every_service_image_runs_its_binary_as_a_non_root_user_with_a_healthcheck() {
    for service in SERVICES {
        let (base, lines) = stage(service);
        assert_eq!(base, "runtime", "{service} must build on the runtime stage");
        let text = lines.join("\n");
        let binary = format!("lookout-{service}");
        assert!(
            text.contains(&format!("ENTRYPOINT [\"{binary}\"]")),
            "{service}: entrypoint"
        );
        assert!(
            text.contains(&format!("CMD [\"{binary}\", \"healthcheck\"]")),
            "{service}: healthcheck"
        );
        let last_user = lines
            .iter()
            .rev()
            .find(|line| line.starts_with("USER "))
            .map(String::as_str);
        assert!(
            matches!(last_user, None | Some("USER 10001:10001")),
            "{service}: {last_user:?}"
        );
    }
    let (_, runtime) = stage("runtime");
    assert!(runtime.iter().any(|line| line == "USER 10001:10001"));
}

#[test]
fn only_the_browser_image_carries_chromium() {
    for (name, _, lines) in stages() {
        let installs_chromium = lines
            .iter()
            .any(|line| line.contains("chromium") && line.contains("install"));
        assert_eq!(installs_chromium, name == "browser", "{name}");
    }
}

#[test]
fn the_web_image_serves_the_built_ui_with_the_edge_configuration_as_non_root() {
    let (base, lines) = stage("web");
    assert!(base.starts_with("nginx:"), "{base}");
    let text = lines.join("\n");
    assert!(text.contains("COPY deploy/nginx/nginx.conf /etc/nginx/nginx.conf"));
    assert!(text.contains("COPY --from=web-build /web/dist /usr/share/nginx/html"));
    assert_eq!(
        lines
            .iter()
            .rev()
            .find(|line| line.starts_with("USER "))
            .map(String::as_str),
        Some("USER 101:101")
    );
    let (_, build) = stage("web-build");
    assert!(build.iter().any(|line| line.contains("npm ci")));
    assert!(build.iter().any(|line| line.contains("npm run build")));
}

#[test]
fn the_build_context_excludes_secrets_and_build_output() {
    let ignore = repo::read(".dockerignore").unwrap();
    let lines: Vec<&str> = ignore.lines().map(str::trim).collect();
    for entry in [
        ".env",
        "target/",
        ".git",
        "certs/",
        "backups/",
        "web/node_modules/",
    ] {
        assert!(lines.contains(&entry), ".dockerignore lacks {entry}");
    }
}
