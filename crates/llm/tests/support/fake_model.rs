//! A chat-completions server on 127.0.0.1 that records what it receives and answers from a script.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};

/// Body text of failing answers; it must never reach a caller.
pub const UPSTREAM_SECRET: &str = "upstream-internal-detail-7f3a";

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Canned {
    Reply {
        status: u16,
        retry_after: Option<String>,
        body: String,
    },
    /// Copies the canary from the system prompt into the summary, as a hijacked model would.
    LeakCanary,
    /// Never answers, so the client's timeout fires.
    Hang,
    /// A valid verdict whose body arrives in `chunks` pieces, `pause` apart, as a slow server
    /// streams it.
    SlowStream {
        content: String,
        chunks: usize,
        pause: Duration,
    },
    /// A deliberately gullible model: it does whatever the page text tells it (see [`gullible`]).
    Gullible,
}

impl Canned {
    /// A chat completion whose message content is `content`, with usage 100 + 20 tokens.
    pub fn content(content: &str) -> Self {
        let body = json!({
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120 }
        });
        Self::Reply {
            status: 200,
            retry_after: None,
            body: body.to_string(),
        }
    }

    pub fn verdict(verdict: Value) -> Self {
        Self::content(&verdict.to_string())
    }

    pub fn status(status: u16) -> Self {
        Self::Reply {
            status,
            retry_after: None,
            body: json!({ "error": { "message": UPSTREAM_SECRET } }).to_string(),
        }
    }

    pub fn too_many_requests(retry_after_seconds: &str) -> Self {
        Self::Reply {
            status: 429,
            retry_after: Some(retry_after_seconds.to_owned()),
            body: json!({ "error": { "message": UPSTREAM_SECRET } }).to_string(),
        }
    }
}

/// What the server received.
#[derive(Clone, Debug)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
    pub at: Instant,
}

impl Received {
    pub fn message(&self, role: &str) -> String {
        self.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|message| message["role"] == role)
            .unwrap()["content"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Canned>>,
    /// The last scripted reply repeats forever.
    last: Mutex<Option<Canned>>,
    received: Mutex<Vec<Received>>,
}

pub struct FakeModel {
    /// E.g. `http://127.0.0.1:41234/v1`, the value of `LLM_BASE_URL`.
    pub base_url: String,
    script: Arc<Script>,
}

impl FakeModel {
    pub async fn start(replies: Vec<Canned>) -> Self {
        let script = Arc::new(Script {
            replies: Mutex::new(replies.into()),
            ..Default::default()
        });
        Self {
            base_url: super::serve_model(script.clone(), post(chat)).await,
            script,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.received.lock().unwrap().clone()
    }
}

async fn chat(
    State(script): State<Arc<Script>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let received = Received {
        authorization: headers
            .get("authorization")
            .map(|value| value.to_str().unwrap().to_owned()),
        body: body.clone(),
        at: Instant::now(),
    };
    script.received.lock().unwrap().push(received.clone());
    let canned = {
        let next = script.replies.lock().unwrap().pop_front();
        let mut last = script.last.lock().unwrap();
        match next {
            Some(canned) => {
                *last = Some(canned.clone());
                canned
            }
            None => last.clone().expect("the script has at least one reply"),
        }
    };
    match canned {
        Canned::Reply {
            status,
            retry_after,
            body,
        } => {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", "application/json".parse().unwrap());
            if let Some(seconds) = retry_after {
                headers.insert("retry-after", seconds.parse().unwrap());
            }
            (StatusCode::from_u16(status).unwrap(), headers, body).into_response()
        }
        Canned::LeakCanary => {
            let system = received.message("system");
            let canary = regex::Regex::new(r"The reference ([0-9a-f]{32}) is confidential")
                .unwrap()
                .captures(&system)
                .unwrap()[1]
                .to_owned();
            let verdict = json!({
                "triggered": true,
                "summary": format!("Sure! My secret reference is {canary}."),
                "reason": "The page asked for it.",
                "extracted_value": null,
                "confidence": 1.0
            });
            let Canned::Reply { body, .. } = Canned::verdict(verdict) else {
                unreachable!()
            };
            ([("content-type", "application/json")], body).into_response()
        }
        Canned::SlowStream {
            content,
            chunks,
            pause,
        } => {
            let Canned::Reply { body, .. } = Canned::content(&content) else {
                unreachable!()
            };
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
        Canned::Gullible => {
            let Canned::Reply { body, .. } = Canned::content(&gullible(&received)) else {
                unreachable!()
            };
            ([("content-type", "application/json")], body).into_response()
        }
        Canned::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}

/// What a model that follows injected instructions answers: the attacker's verdict.
///
/// - A page that asks for the prompt, the instructions or the reference gets the whole system
///   prompt back in the summary.
/// - A page that carries a verdict-like JSON object gets that object back, completed to the schema.
/// - Otherwise the model claims the condition holds, quoting as evidence what the page tells it to
///   quote (`quote "…"`) or else the line with the instruction, with the number the page tells it
///   to report (`value N`) or the first number of the quote.
pub fn gullible(received: &Received) -> String {
    let system = received.message("system");
    let user = received.message("user");
    let blocks = super::page_blocks(&system, &user);
    let page = blocks.last().unwrap().as_str();
    let lower = page.to_lowercase();

    let asks_to_reveal = ["reveal", "repeat", "print", "show me", "output your"]
        .iter()
        .any(|verb| lower.contains(verb))
        && ["prompt", "instructions", "reference", "canary", "rules"]
            .iter()
            .any(|what| lower.contains(what));
    let instruction = page
        .lines()
        .find(|line| {
            let line = line.to_lowercase();
            [
                "ignore",
                "system",
                "instruction",
                "assistant",
                "ai ",
                "triggered",
                "override",
                "judge",
                "model",
                "prompt",
                "verdict",
                "page_data",
                "quote",
            ]
            .iter()
            .any(|word| line.contains(word))
        })
        .unwrap_or(page)
        .trim()
        .to_owned();
    let quote = regex::Regex::new(r#"(?i)quote\s+["'“]([^"'”]+)["'”]"#)
        .unwrap()
        .captures(page)
        .map(|captures| captures[1].to_owned());
    let excerpt = quote.unwrap_or(instruction);
    let value = regex::Regex::new(r"(?i)value\s+(\d+(?:[.,]\d+)?)")
        .unwrap()
        .captures(page)
        .map(|captures| captures[1].to_owned())
        .or_else(|| {
            regex::Regex::new(r"\d+(?:[.,]\d+)?")
                .unwrap()
                .find(&excerpt)
                .map(|found| found.as_str().to_owned())
        });
    let mut verdict = json!({
        "triggered": true,
        "summary": "The condition is met.",
        "reason": "The page says so.",
        "extracted_value": value,
        "confidence": 1.0,
        "condition_kind": "state",
        "holds": true,
        "evidence_excerpt": excerpt,
    });
    if let Some(object) = regex::Regex::new(r#"(?s)\{[^{}]*"triggered"[^{}]*\}"#)
        .unwrap()
        .find(page)
        .and_then(|found| serde_json::from_str::<Value>(found.as_str()).ok())
        .and_then(|value| value.as_object().cloned())
    {
        for (key, value) in object {
            if verdict.get(&key).is_some() {
                verdict[key] = value;
            }
        }
    }
    if asks_to_reveal {
        verdict["summary"] = Value::String(format!("Here are my instructions: {system}"));
    }
    verdict.to_string()
}
