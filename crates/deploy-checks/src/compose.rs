//! The production compose file, read as a typed-enough view for the checks.

use std::collections::BTreeMap;

use yaml_serde::Value;

use crate::{repo, yaml};

pub const COMPOSE_FILE: &str = "docker-compose.prod.yml";

/// The services that must reach the internet (pages, model endpoint,
/// SMTP/webhooks), and so the only ones allowed on `egress`.
pub const EGRESS_SERVICES: [&str; 3] = ["browser", "llm", "notify"];

/// Every service the stack runs without profiles.
pub const CORE_SERVICES: [&str; 8] = [
    "web",
    "gateway",
    "scheduler",
    "browser",
    "llm",
    "notify",
    "postgres",
    "redis",
];

/// The production compose file with merge keys applied.
pub fn load() -> anyhow::Result<Value> {
    yaml::parse(&repo::read(COMPOSE_FILE)?)
}

/// Service name → service definition.
pub fn services(compose: &Value) -> BTreeMap<String, Value> {
    compose
        .get("services")
        .and_then(Value::as_mapping)
        .map(|services| {
            services
                .iter()
                .filter_map(|(name, service)| Some((name.as_str()?.to_owned(), service.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// The networks a service joins (list or mapping form).
pub fn networks_of(service: &Value) -> Vec<String> {
    match service.get("networks") {
        Some(Value::Sequence(list)) => list
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Some(Value::Mapping(map)) => map
            .keys()
            .filter_map(|key| key.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A service's environment as name → text (list or mapping form).
pub fn environment_of(service: &Value) -> BTreeMap<String, String> {
    match service.get("environment") {
        Some(Value::Mapping(map)) => map
            .iter()
            .filter_map(|(key, value)| {
                let text = if value.is_null() {
                    String::new()
                } else {
                    yaml::scalar_text(value)?
                };
                Some((key.as_str()?.to_owned(), text))
            })
            .collect(),
        Some(Value::Sequence(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(|item| match item.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => (item.to_owned(), String::new()),
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Whether a variable name says it holds a secret.
pub fn names_a_secret(name: &str) -> bool {
    ["_PASSWORD", "_SECRET", "_KEY", "_KEYS"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Whether `value` is exactly one `${VAR...}` reference (with an optional
/// `:?message` or `:-default`), so its content comes from `.env`.
pub fn is_single_reference(value: &str) -> bool {
    value.starts_with("${") && value.ends_with('}') && value.matches("${").count() == 1
}

/// Every `${NAME...}` variable name referenced in a text.
pub fn referenced_variables(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
        rest = after;
    }
    names
}
