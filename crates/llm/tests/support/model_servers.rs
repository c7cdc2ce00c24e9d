//! Local stand-ins for the model servers people run behind Lookout: OpenAI, Ollama's `/v1`
//! compatibility layer, vLLM's OpenAI server and llama.cpp's `llama-server`. Each answers
//! `POST /v1/chat/completions` on 127.0.0.1 with the response and error bodies its documentation
//! shows, and a small "model" that really reads the prompt: it finds the condition's threshold
//! and the page's price, and answers the verdict a careful model would.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};

/// Which server's dialect to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    OpenAi,
    Ollama,
    Vllm,
    LlamaCpp,
}

impl Flavour {
    pub const ALL: [Flavour; 4] = [
        Flavour::OpenAi,
        Flavour::Ollama,
        Flavour::Vllm,
        Flavour::LlamaCpp,
    ];
}

/// What the server does with `response_format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonMode {
    /// Structured output: the content is the bare JSON object.
    Schema,
    /// No JSON mode: a request with `response_format` is refused with 400.
    Rejects,
    /// No JSON mode: the field is ignored and the model chats, JSON inside prose.
    Ignores,
}

/// How the server behaves besides its dialect.
#[derive(Clone, Debug)]
pub struct Behaviour {
    pub json_mode: JsonMode,
    /// The first N requests get 429 with this `Retry-After` (seconds).
    pub throttle: Option<(usize, String)>,
    /// The first N requests get llama.cpp's "Loading model" 503.
    pub loading: usize,
    /// The body arrives in this many pieces, this far apart.
    pub slow: Option<(usize, Duration)>,
    /// The model leaves out `holds` and `evidence_excerpt`, as a small model that ignores the
    /// instructions does.
    pub sloppy: bool,
    /// The model thinks aloud first (`<think>…</think>`), as reasoning models served without a
    /// reasoning parser do.
    pub thinks: bool,
    /// The model judges "any meaningful change" and learns from rated alerts ([`learner`])
    /// instead of comparing prices.
    pub learns_from_ratings: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            json_mode: JsonMode::Schema,
            throttle: None,
            loading: 0,
            slow: None,
            sloppy: false,
            thinks: false,
            learns_from_ratings: false,
        }
    }
}

struct Shared {
    flavour: Flavour,
    behaviour: Behaviour,
    received: Mutex<Vec<Value>>,
}

pub struct ModelServer {
    /// The value of `LLM_BASE_URL`.
    pub base_url: String,
    shared: Arc<Shared>,
}

impl ModelServer {
    pub async fn start(flavour: Flavour, behaviour: Behaviour) -> Self {
        let shared = Arc::new(Shared {
            flavour,
            behaviour,
            received: Mutex::new(Vec::new()),
        });
        Self {
            base_url: super::serve_model(shared.clone(), post(chat)).await,
            shared,
        }
    }

    /// The request bodies received, in order.
    pub fn received(&self) -> Vec<Value> {
        self.shared.received.lock().unwrap().clone()
    }
}

async fn chat(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    let count = {
        let mut received = shared.received.lock().unwrap();
        received.push(body.clone());
        received.len()
    };
    let behaviour = &shared.behaviour;
    if let Some((throttled, seconds)) = &behaviour.throttle
        && count <= *throttled
    {
        return throttled_response(shared.flavour, seconds);
    }
    if count <= behaviour.loading {
        return error(
            shared.flavour,
            StatusCode::SERVICE_UNAVAILABLE,
            "Loading model",
        );
    }
    let asked_for_schema = body.get("response_format").is_some();
    if asked_for_schema && behaviour.json_mode == JsonMode::Rejects {
        return error(
            shared.flavour,
            StatusCode::BAD_REQUEST,
            "response_format is not supported by this server",
        );
    }
    let mut verdict = if behaviour.learns_from_ratings {
        learner(&body)
    } else {
        judge(&body)
    };
    if behaviour.sloppy {
        let object = verdict.as_object_mut().unwrap();
        object.remove("holds");
        object.remove("evidence_excerpt");
    }
    let structured = asked_for_schema && behaviour.json_mode == JsonMode::Schema;
    let mut content = if structured {
        verdict.to_string()
    } else {
        format!(
            "Sure! Here is my verdict as JSON:\n```json\n{}\n```\nI hope this helps.",
            serde_json::to_string_pretty(&verdict).unwrap()
        )
    };
    if behaviour.thinks {
        content = format!(
            "<think>\nThe user wants {{a verdict}}. Let me look at the price.\n</think>\n\n{content}"
        );
    }
    let body = completion(shared.flavour, &body, &content).to_string();
    match behaviour.slow {
        None => ([("content-type", "application/json")], body).into_response(),
        Some((chunks, pause)) => {
            let size = body.len().div_ceil(chunks.max(1));
            let pieces: Vec<String> = body
                .as_bytes()
                .chunks(size)
                .map(|piece| String::from_utf8_lossy(piece).into_owned())
                .collect();
            let stream = futures::stream::iter(pieces).then(move |piece| async move {
                tokio::time::sleep(pause).await;
                Ok::<_, std::convert::Infallible>(piece)
            });
            (
                [("content-type", "application/json")],
                axum::body::Body::from_stream(stream),
            )
                .into_response()
        }
    }
}

/// The model: reads the condition's threshold ("below N") and the current page's price from the
/// prompt, and answers whether the price is below the threshold, quoting the price line.
pub fn judge(body: &Value) -> Value {
    let user = message(body, "user");
    let system = message(body, "system");
    let threshold: f64 = regex::Regex::new(r"(?i)below (\d+)")
        .unwrap()
        .captures(&user)
        .map_or(100.0, |captures| captures[1].parse().unwrap());
    let blocks = super::page_blocks(&system, &user);
    let page = blocks.last().unwrap().as_str();
    let price_line = regex::Regex::new(r"Price: (\d+(?:\.\d+)?) EUR")
        .unwrap()
        .captures(page);
    let Some(captures) = price_line else {
        return json!({
            "triggered": false, "summary": "No price on the page.", "reason": "Nothing to compare.",
            "extracted_value": null, "confidence": 0.5, "condition_kind": "state", "holds": false,
            "evidence_excerpt": null
        });
    };
    let value = captures[1].to_owned();
    let holds = value.parse::<f64>().unwrap() < threshold;
    json!({
        "triggered": holds,
        "summary": format!("The price is now {value} EUR."),
        "reason": format!("{value} is {} {threshold}.", if holds { "below" } else { "not below" }),
        "extracted_value": value,
        "confidence": 0.9,
        "condition_kind": "state",
        "holds": holds,
        "evidence_excerpt": holds.then(|| captures[0].to_owned()),
    })
}

/// A model that follows the users' ratings: it triggers on any changed line, unless an alert
/// the users rated noise changed a line of the same kind (the same label before ':').
pub fn learner(body: &Value) -> Value {
    let user = message(body, "user");
    let system = message(body, "system");
    let nonce = super::prompt_nonce(&system);
    let blocks = super::page_blocks(&system, &user);
    let (previous, current) = (blocks[0].as_str(), blocks[1].as_str());
    let added: Vec<&str> = current
        .lines()
        .filter(|line| !previous.lines().any(|old| old == *line))
        .collect();
    let label = |line: &str| {
        line.trim_start_matches(['+', '-', ' '])
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_lowercase()
    };
    let noise_labels: Vec<String> = user
        .split(&format!("<rated_alerts_{nonce}>"))
        .nth(1)
        .and_then(|rest| rest.split(&format!("</rated_alerts_{nonce}>")).next())
        .map(|block| {
            block
                .split("\nAlert ")
                .filter(|example| example.contains("rated NOISE"))
                .flat_map(|example| {
                    example
                        .lines()
                        .filter(|line| line.starts_with('+') && !line.starts_with("+++"))
                        .map(label)
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(line) = added.first() else {
        return json!({
            "triggered": false, "summary": "Nothing changed.", "reason": "No new line.",
            "extracted_value": null, "confidence": 0.9, "condition_kind": "event", "holds": false,
            "evidence_excerpt": null
        });
    };
    if noise_labels.contains(&label(line)) {
        return json!({
            "triggered": false,
            "summary": format!("Only the {} line changed.", label(line)),
            "reason": "The users rated this kind of change noise.",
            "extracted_value": null, "confidence": 0.8, "condition_kind": "event", "holds": false,
            "evidence_excerpt": null
        });
    }
    json!({
        "triggered": true,
        "summary": format!("New: {line}"),
        "reason": "A line changed.",
        "extracted_value": null,
        "confidence": 0.8,
        "condition_kind": "event",
        "holds": true,
        "evidence_excerpt": line,
    })
}

pub fn message(body: &Value, role: &str) -> String {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["role"] == role)
        .unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A successful chat completion in the flavour's shape. Usage: the prompt's bytes / 4 in, 40 out.
fn completion(flavour: Flavour, request: &Value, content: &str) -> Value {
    let model = request["model"].as_str().unwrap_or("model");
    let prompt_tokens = request["messages"].to_string().len() / 4;
    let completion_tokens = 40;
    let total = prompt_tokens + completion_tokens;
    let created = 1_767_225_600;
    match flavour {
        Flavour::OpenAi => json!({
            "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
            "object": "chat.completion",
            "created": created,
            "model": format!("{model}-2024-07-18"),
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": content, "refusal": null, "annotations": [] },
                "logprobs": null,
                "finish_reason": "stop"
            }],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": total,
                "prompt_tokens_details": { "cached_tokens": 0, "audio_tokens": 0 },
                "completion_tokens_details": {
                    "reasoning_tokens": 0, "audio_tokens": 0,
                    "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
                }
            },
            "service_tier": "default",
            "system_fingerprint": "fp_06737a9306"
        }),
        Flavour::Ollama => json!({
            "id": "chatcmpl-519",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_ollama",
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": content },
                "finish_reason": "stop"
            }],
            "usage": { "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": total }
        }),
        Flavour::Vllm => json!({
            "id": "chatcmpl-8f0a3c2e9b6d4e1f",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "reasoning_content": null, "content": content, "tool_calls": [] },
                "logprobs": null,
                "finish_reason": "stop",
                "stop_reason": null
            }],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "total_tokens": total,
                "completion_tokens": completion_tokens,
                "prompt_tokens_details": null
            },
            "prompt_logprobs": null,
            "kv_transfer_params": null
        }),
        Flavour::LlamaCpp => json!({
            "choices": [{
                "finish_reason": "stop",
                "index": 0,
                "message": { "role": "assistant", "content": content }
            }],
            "created": created,
            "model": "gpt-3.5-turbo",
            "system_fingerprint": "b5021-5f0db956",
            "object": "chat.completion",
            "usage": { "completion_tokens": completion_tokens, "prompt_tokens": prompt_tokens, "total_tokens": total },
            "id": "chatcmpl-k2Yq1mUe0y4lN6b3zvGvQf8xR7pT1sWd",
            "timings": {
                "prompt_n": prompt_tokens, "prompt_ms": 812.4, "prompt_per_token_ms": 1.1, "prompt_per_second": 880.2,
                "predicted_n": completion_tokens, "predicted_ms": 1490.0, "predicted_per_token_ms": 37.2, "predicted_per_second": 26.8
            }
        }),
    }
}

/// An error in the flavour's shape.
fn error(flavour: Flavour, status: StatusCode, text: &str) -> Response {
    let body = match flavour {
        Flavour::OpenAi => json!({
            "error": { "message": text, "type": "invalid_request_error", "param": "response_format", "code": null }
        }),
        Flavour::Ollama => json!({
            "error": { "message": text, "type": "invalid_request_error", "param": null, "code": null }
        }),
        Flavour::Vllm => json!({
            "object": "error", "message": text, "type": "BadRequestError", "param": null, "code": status.as_u16()
        }),
        Flavour::LlamaCpp => json!({
            "error": {
                "code": status.as_u16(),
                "message": text,
                "type": if status == StatusCode::SERVICE_UNAVAILABLE { "unavailable_error" } else { "invalid_request_error" }
            }
        }),
    };
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn throttled_response(flavour: Flavour, seconds: &str) -> Response {
    let mut response = error(
        flavour,
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit reached for requests",
    );
    let headers: &mut HeaderMap = response.headers_mut();
    headers.insert("retry-after", HeaderValue::from_str(seconds).unwrap());
    if flavour == Flavour::OpenAi {
        headers.insert(
            "x-ratelimit-remaining-requests",
            HeaderValue::from_static("0"),
        );
        headers.insert(
            "x-ratelimit-reset-requests",
            HeaderValue::from_str(&format!("{seconds}s")).unwrap(),
        );
    }
    response
}
