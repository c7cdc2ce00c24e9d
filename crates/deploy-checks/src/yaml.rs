//! YAML loading. Compose files use anchors and merge keys (`<<`), which are
//! applied here so checks see what docker compose sees.

use anyhow::Context;
use serde::Deserialize;
use yaml_serde::Value;

/// Parses one YAML document and applies merge keys.
pub fn parse(text: &str) -> anyhow::Result<Value> {
    let mut value: Value = yaml_serde::from_str(text).context("parsing YAML")?;
    value.apply_merge().context("applying YAML merge keys")?;
    Ok(value)
}

/// Parses every document of a multi-document YAML text (`---` separated),
/// skipping empty ones.
pub fn parse_all(text: &str) -> anyhow::Result<Vec<Value>> {
    let mut documents = Vec::new();
    for document in yaml_serde::Deserializer::from_str(text) {
        let mut value = Value::deserialize(document).context("parsing YAML document")?;
        if value.is_null() {
            continue;
        }
        value.apply_merge().context("applying YAML merge keys")?;
        documents.push(value);
    }
    Ok(documents)
}

/// The string at `path` (a list of mapping keys), if every step exists.
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(value, path).and_then(Value::as_str)
}

/// The value at `path` (a list of mapping keys), if every step exists.
pub fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |current, key| current.get(*key))
}

/// A scalar rendered as text (strings, numbers and booleans), for
/// environment values that YAML may have typed.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}
