//! The configuration reference in README.md stays true: every environment
//! variable a Lookout binary reads is listed there, and everything listed is
//! read by a binary (or, in the compose section, by the compose file).

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use deploy_checks::repo;

/// The crates whose sources make up the shipped binaries (services, their
/// shared plumbing, and the development tools `make dev` runs).
const BINARY_CRATES: [&str; 15] = [
    "gateway",
    "scheduler",
    "browser",
    "llm",
    "notify",
    "mesh",
    "store",
    "netguard",
    "secret-box",
    "selection",
    "condition-rules",
    "blob-store",
    "dev-idp",
    "dev-mailbox",
    "dev-mesh",
];

/// Variables read by libraries rather than by a literal in our code.
const READ_BY_LIBRARIES: [&str; 1] = [
    // tracing-subscriber's `EnvFilter::try_from_default_env`.
    "RUST_LOG",
];

/// Compile-time variables (`env!`), not configuration.
const COMPILE_TIME: [&str; 1] = ["CARGO_PKG_VERSION"];

const COMPOSE_SECTION: &str = "Compose and edge";

/// Variables docker compose itself reads from `.env`.
const READ_BY_COMPOSE: [&str; 1] = ["COMPOSE_PROJECT_NAME"];

/// Whether a string literal has the shape of an environment variable name:
/// upper-case words joined by underscores (`RATE_LIMIT_READ`).
fn looks_like_variable(literal: &str) -> bool {
    let mut words = literal.split('_');
    let first_is_word = words
        .next()
        .is_some_and(|word| word.starts_with(|c: char| c.is_ascii_uppercase()));
    first_is_word
        && literal.contains('_')
        && literal.split('_').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

/// A name in a README table: upper case, digits and underscores
/// (`HOSTNAME` is a variable too, though it has no underscore).
fn is_upper_case_name(name: &str) -> bool {
    name.len() >= 3
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Every variable-shaped string literal in the `src/` of the binary crates.
fn variables_read_by_code() -> BTreeSet<String> {
    fn visit(dir: &Path, found: &mut BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.extend(
                    text.split('"')
                        .skip(1)
                        .step_by(2)
                        .filter(|literal| looks_like_variable(literal))
                        .map(str::to_owned),
                );
            }
        }
    }
    let mut found = BTreeSet::new();
    for krate in BINARY_CRATES {
        visit(&repo::path(&format!("crates/{krate}/src")), &mut found);
    }
    for name in COMPILE_TIME {
        found.remove(name);
    }
    found
}

/// The variables of each `###` table under "## Configuration reference",
/// by section heading. A row may name several (`A` / `B`, or `A`, `B`).
fn documented_variables() -> BTreeMap<String, Vec<String>> {
    let readme = repo::read("README.md").unwrap();
    let reference = readme
        .split("\n## Configuration reference")
        .nth(1)
        .expect("README.md has no '## Configuration reference' section");
    let reference = reference.split("\n## ").next().unwrap();
    let mut sections: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in reference.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            current = heading.trim().to_owned();
            continue;
        }
        let Some(first_cell) = line
            .strip_prefix("| ")
            .and_then(|row| row.split(" |").next())
        else {
            continue;
        };
        let names = first_cell
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|name| is_upper_case_name(name))
            .map(str::to_owned);
        sections.entry(current.clone()).or_default().extend(names);
    }
    sections
}

#[test]
fn every_variable_a_binary_reads_is_in_the_configuration_reference() {
    let documented: BTreeSet<String> = documented_variables()
        .into_iter()
        .filter(|(section, _)| !section.starts_with(COMPOSE_SECTION))
        .flat_map(|(_, names)| names)
        .collect();
    let missing: Vec<_> = variables_read_by_code()
        .into_iter()
        .filter(|name| !documented.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "read by the code but not in README.md's configuration reference: {missing:?}"
    );
}

#[test]
fn every_variable_in_the_configuration_reference_is_read_by_something() {
    let read_by_code = variables_read_by_code();
    let compose = repo::read("docker-compose.prod.yml").unwrap();
    for (section, names) in documented_variables() {
        for name in names {
            let read = if section.starts_with(COMPOSE_SECTION) {
                compose.contains(&format!("${{{name}")) || READ_BY_COMPOSE.contains(&name.as_str())
            } else {
                read_by_code.contains(&name) || READ_BY_LIBRARIES.contains(&name.as_str())
            };
            assert!(
                read,
                "README.md documents {name} under '{section}', but nothing reads it"
            );
        }
    }
}

#[test]
fn every_variable_is_listed_once() {
    // Compose's `.env` hands some values on to the services (`PUBLIC_BASE_URL`,
    // `SECRETS_KEYS`): that section documents the file, the others the services.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (section, names) in documented_variables() {
        if section.starts_with(COMPOSE_SECTION) {
            continue;
        }
        for name in names {
            if let Some(first) = seen.insert(name.clone(), section.clone()) {
                panic!("README.md lists {name} under '{first}' and again under '{section}'");
            }
        }
    }
}

#[test]
fn the_variable_shape_matches_names_and_nothing_else() {
    assert!(looks_like_variable("RATE_LIMIT_READ"));
    assert!(looks_like_variable("OTEL_EXPORTER_OTLP_ENDPOINT"));
    assert!(!looks_like_variable("GET"));
    assert!(!looks_like_variable("x-request-id"));
    assert!(!looks_like_variable("_LEADING"));
    assert!(!looks_like_variable("TRAILING_"));
    assert!(!looks_like_variable("Mixed_Case"));
}
