//! The verdict schema the model must follow, and the checks its answer must pass.

use serde_json::{Map, Value, json};

use super::prompt::{Prompt, SYSTEM_FINGERPRINT};
use crate::domain::ConditionKind;

/// Limits on the model's fields; the summary limit is the product's, the others keep a runaway
/// answer out of the database.
pub const MAX_SUMMARY_CHARS: usize = 500;
const MAX_REASON_CHARS: usize = 1_000;
const MAX_VALUE_CHARS: usize = 200;
/// An excerpt is a line or two of the page; a longer one is not pointing at anything.
const MAX_EXCERPT_CHARS: usize = 300;

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
                    "confidence": { "type": "number" },
                    "condition_kind": { "type": "string", "enum": ["state", "event"] },
                    "holds": { "type": "boolean" },
                    "evidence_excerpt": { "type": ["string", "null"] }
                },
                "required": ["triggered", "summary", "reason", "extracted_value", "confidence",
                             "condition_kind", "holds", "evidence_excerpt"],
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
    pub kind: ConditionKind,
    pub holds: bool,
    pub evidence_excerpt: Option<String>,
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
    let content = without_reasoning(content);
    let value: Value = serde_json::from_str(without_code_fence(content))
        .or_else(|_| serde_json::from_str(embedded_object(content)))
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
    let extracted_value = optional_string(&object, "extracted_value", MAX_VALUE_CHARS)?;
    let evidence_excerpt = optional_string(&object, "evidence_excerpt", MAX_EXCERPT_CHARS)?;
    let kind = match object.get("condition_kind").and_then(Value::as_str) {
        Some("state") => ConditionKind::State,
        Some("event") => ConditionKind::Event,
        _ => return Err(invalid("condition_kind must be \"state\" or \"event\"")),
    };
    let holds = match object.get("holds") {
        Some(Value::Bool(holds)) => *holds,
        _ => return Err(invalid("holds must be a boolean")),
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
        kind,
        holds,
        evidence_excerpt: evidence_excerpt.filter(|excerpt| !excerpt.trim().is_empty()),
    })
}

/// Reasoning models served by Ollama or llama.cpp without a reasoning parser put their thoughts
/// in the content, before the answer, as `<think>…</think>`; the thoughts may hold braces that
/// would confuse the search for the object.
fn without_reasoning(content: &str) -> &str {
    match content.rfind("</think>") {
        Some(end) => &content[end + "</think>".len()..],
        None => content,
    }
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

/// Servers without a JSON mode (some llama.cpp and vLLM setups) may wrap the object in prose
/// ("Here is my verdict: {…}"); the outermost braces hold the answer, which then faces the same
/// schema checks as any other.
fn embedded_object(content: &str) -> &str {
    match (content.find('{'), content.rfind('}')) {
        (Some(start), Some(end)) if start < end => &content[start..=end],
        _ => content,
    }
}

fn is_known_field(key: &str) -> bool {
    matches!(
        key,
        "triggered"
            | "summary"
            | "reason"
            | "extracted_value"
            | "confidence"
            | "condition_kind"
            | "holds"
            | "evidence_excerpt"
    )
}

fn optional_string(
    object: &Map<String, Value>,
    name: &str,
    max_chars: usize,
) -> Result<Option<String>, Rejection> {
    match object.get(name) {
        Some(Value::Null) => Ok(None),
        Some(Value::String(_)) => string_field(object, name, max_chars).map(Some),
        _ => Err(invalid(format!("{name} must be a string or null"))),
    }
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
        Prompt::build(
            &Evaluation::default(),
            super::super::prompt::DEFAULT_MAX_INPUT_TOKENS,
        )
    }

    #[test]
    fn a_well_formed_answer_is_accepted() {
        let answer = r#"{"triggered":true,"summary":"Now 89.90.","reason":"Below 100.","extracted_value":"89.90","confidence":0.9,"condition_kind":"state","holds":true,"evidence_excerpt":"Now 89.90"}"#;
        let verdict = parse(Some(answer), &prompt()).unwrap();
        assert!(verdict.triggered);
        assert_eq!(verdict.extracted_value.as_deref(), Some("89.90"));
        assert_eq!(verdict.kind, ConditionKind::State);
        assert_eq!(verdict.evidence_excerpt.as_deref(), Some("Now 89.90"));
    }

    #[test]
    fn an_answer_in_a_markdown_fence_is_read() {
        let answer = "```json\n{\"triggered\":false,\"summary\":\"s\",\"reason\":\"r\",\"extracted_value\":null,\"confidence\":0.1,\"condition_kind\":\"event\",\"holds\":false,\"evidence_excerpt\":null}\n```";
        assert!(!parse(Some(answer), &prompt()).unwrap().triggered);
    }

    #[test]
    fn an_answer_wrapped_in_prose_is_read_and_still_validated() {
        let answer = "Sure. Here is my verdict:\n{\"triggered\":false,\"summary\":\"s\",\"reason\":\"r\",\"extracted_value\":null,\"confidence\":0.2,\"condition_kind\":\"state\",\"holds\":false,\"evidence_excerpt\":null}\nHope this helps!";
        assert!(!parse(Some(answer), &prompt()).unwrap().triggered);
        let missing_fields = "Verdict: {\"triggered\":true}";
        assert!(matches!(
            parse(Some(missing_fields), &prompt()),
            Err(Rejection::Invalid(_))
        ));
    }

    #[test]
    fn the_thoughts_of_a_reasoning_model_are_skipped() {
        let answer = "<think>\nThe user wants {price < 100}. The page says 89.90.\n</think>\n\n{\"triggered\":true,\"summary\":\"Now 89.90.\",\"reason\":\"Below 100.\",\"extracted_value\":\"89.90\",\"confidence\":0.9,\"condition_kind\":\"state\",\"holds\":true,\"evidence_excerpt\":\"Now 89.90\"}";
        assert!(parse(Some(answer), &prompt()).unwrap().triggered);
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
