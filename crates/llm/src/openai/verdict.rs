//! The verdict schema the model must follow, and the checks its answer must pass.

use serde_json::{Map, Value, json};

use super::prompt::{Prompt, SYSTEM_FINGERPRINT};

/// Limits on the model's fields; the summary limit is the product's, the others keep a runaway
/// answer out of the database.
pub const MAX_SUMMARY_CHARS: usize = 500;
const MAX_REASON_CHARS: usize = 1_000;
const MAX_VALUE_CHARS: usize = 200;

/// The `response_format` of the chat-completions request: structured output in strict mode.
pub fn response_format() -> Value {
    json!({
        "type": "json_schema",
        "json_schema": {
            "name": "lookout_verdict",
            "strict": true,
            "schema": {
                "type": "object",
                "properties": {
                    "triggered": { "type": "boolean" },
                    "summary": { "type": "string" },
                    "reason": { "type": "string" },
                    "extracted_value": { "type": ["string", "null"] },
                    "confidence": { "type": "number" }
                },
                "required": ["triggered", "summary", "reason", "extracted_value", "confidence"],
                "additionalProperties": false
            }
        }
    })
}

/// A verdict as the model gave it, after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVerdict {
    pub triggered: bool,
    pub summary: String,
    pub reason: String,
    pub extracted_value: Option<String>,
    pub confidence: f32,
}

/// Why an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not valid against the schema; worth one more try.
    Invalid(String),
    /// The answer contains the canary, the nonce or the instructions: the page took over.
    Leak,
}

/// Parses and validates `content` (the message the model returned) for `prompt`.
pub fn parse(content: Option<&str>, prompt: &Prompt) -> Result<ModelVerdict, Rejection> {
    let content = content.ok_or_else(|| invalid("the answer has no message content"))?;
    if [
        prompt.canary.as_str(),
        prompt.nonce.as_str(),
        SYSTEM_FINGERPRINT,
    ]
    .iter()
    .any(|secret| content.contains(secret))
    {
        return Err(Rejection::Leak);
    }
    let value: Value = serde_json::from_str(without_code_fence(content))
        .map_err(|_| invalid("the answer is not JSON"))?;
    let Value::Object(object) = value else {
        return Err(invalid("the answer is not a JSON object"));
    };
    if let Some(extra) = object.keys().find(|key| !is_known_field(key)) {
        return Err(invalid(format!("unexpected field {extra:?}")));
    }
    let triggered = match object.get("triggered") {
        Some(Value::Bool(triggered)) => *triggered,
        _ => return Err(invalid("triggered must be a boolean")),
    };
    let summary = string_field(&object, "summary", MAX_SUMMARY_CHARS)?;
    if summary.trim().is_empty() {
        return Err(invalid("summary is empty"));
    }
    let reason = string_field(&object, "reason", MAX_REASON_CHARS)?;
    let extracted_value = match object.get("extracted_value") {
        Some(Value::Null) => None,
        Some(Value::String(_)) => Some(string_field(&object, "extracted_value", MAX_VALUE_CHARS)?),
        _ => return Err(invalid("extracted_value must be a string or null")),
    };
    let confidence = object
        .get("confidence")
        .and_then(Value::as_f64)
        .filter(|confidence| (0.0..=1.0).contains(confidence))
        .ok_or_else(|| invalid("confidence must be a number from 0 to 1"))?;
    Ok(ModelVerdict {
        triggered,
        summary: summary.trim().to_owned(),
        reason: reason.trim().to_owned(),
        extracted_value: extracted_value.filter(|value| !value.trim().is_empty()),
        #[allow(clippy::cast_possible_truncation)] // 0..=1 fits an f32 with room to spare.
        confidence: confidence as f32,
    })
}

/// Servers without structured output (older llama.cpp, some proxies) wrap JSON in a Markdown
/// fence despite the instructions; the JSON inside is still judged by the same rules.
fn without_code_fence(content: &str) -> &str {
    let trimmed = content.trim();
    let Some(rest) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let body = rest.split_once('\n').map_or("", |(_, body)| body);
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

fn is_known_field(key: &str) -> bool {
    matches!(
        key,
        "triggered" | "summary" | "reason" | "extracted_value" | "confidence"
    )
}

fn string_field(
    object: &Map<String, Value>,
    name: &str,
    max_chars: usize,
) -> Result<String, Rejection> {
    match object.get(name) {
        Some(Value::String(text)) if text.chars().count() <= max_chars => Ok(text.clone()),
        Some(Value::String(_)) => Err(invalid(format!(
            "{name} is longer than {max_chars} characters"
        ))),
        _ => Err(invalid(format!("{name} must be a string"))),
    }
}

fn invalid(why: impl Into<String>) -> Rejection {
    Rejection::Invalid(why.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Evaluation;

    fn prompt() -> Prompt {
        Prompt::build(&Evaluation::default())
    }

    #[test]
    fn a_well_formed_answer_is_accepted() {
        let answer = r#"{"triggered":true,"summary":"Now 89.90.","reason":"Below 100.","extracted_value":"89.90","confidence":0.9}"#;
        let verdict = parse(Some(answer), &prompt()).unwrap();
        assert!(verdict.triggered);
        assert_eq!(verdict.extracted_value.as_deref(), Some("89.90"));
    }

    #[test]
    fn an_answer_in_a_markdown_fence_is_read() {
        let answer = "```json\n{\"triggered\":false,\"summary\":\"s\",\"reason\":\"r\",\"extracted_value\":null,\"confidence\":0.1}\n```";
        assert!(!parse(Some(answer), &prompt()).unwrap().triggered);
    }

    #[test]
    fn answers_outside_the_schema_are_invalid() {
        let long_summary = format!(
            r#"{{"triggered":true,"summary":"{}","reason":"r","extracted_value":null,"confidence":0.5}}"#,
            "x".repeat(501)
        );
        let answers = [
            "not json",
            "[]",
            r#"{"triggered":"yes","summary":"s","reason":"r","extracted_value":null,"confidence":0.5}"#,
            r#"{"triggered":true,"summary":"s","reason":"r","extracted_value":null,"confidence":1.5}"#,
            r#"{"triggered":true,"summary":"s","reason":"r","confidence":0.5}"#,
            r#"{"triggered":true,"summary":"s","reason":"r","extracted_value":null,"confidence":0.5,"extra":1}"#,
            long_summary.as_str(),
        ];
        for answer in answers {
            assert!(
                matches!(parse(Some(answer), &prompt()), Err(Rejection::Invalid(_))),
                "{answer}"
            );
        }
        assert!(matches!(parse(None, &prompt()), Err(Rejection::Invalid(_))));
    }

    #[test]
    fn an_answer_that_contains_the_canary_is_a_leak() {
        let prompt = prompt();
        let answer = format!(
            r#"{{"triggered":true,"summary":"My reference is {}","reason":"r","extracted_value":null,"confidence":0.5}}"#,
            prompt.canary
        );
        assert_eq!(parse(Some(&answer), &prompt), Err(Rejection::Leak));
    }
}
