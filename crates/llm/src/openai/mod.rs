//! A judge backed by any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM,
//! llama.cpp server).
//!
//! One evaluation is one `POST {base}/chat/completions` with temperature 0 and a strict JSON
//! schema. Transport failures, timeouts, 429 and 5xx are retried with backoff (honouring a bounded
//! `Retry-After`); an answer outside the schema is asked for once more; an answer that leaks the
//! prompt's canary fails at once. Tokens of every attempt are counted, since every attempt is paid.
//!
//! Architecture Invariant: the API key is only ever in the Authorization header. Errors and logs
//! carry statuses and our own descriptions, never the upstream body.

mod prompt;
mod retry;
mod verdict;

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use url::Url;

pub use prompt::{Prompt, TEXT_BUDGET_BYTES};
pub use retry::RetryPolicy;
pub use verdict::{MAX_SUMMARY_CHARS, response_format};

use crate::domain::{Evaluation, Judge, TokenUsage, Verdict};
use crate::error::JudgeError;
use verdict::Rejection;

/// Where and how to reach the model.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// E.g. `https://api.openai.com/v1` or `http://ollama:11434/v1`.
    pub base_url: Url,
    pub model: String,
    /// Absent for local servers such as Ollama, which need none.
    pub api_key: Option<SecretString>,
    /// Per attempt, including reading the whole answer.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

/// The OpenAI-compatible judge.
#[derive(Debug, Clone)]
pub struct OpenAiJudge {
    http: reqwest::Client,
    endpoint: String,
    model: String,
    name: String,
    api_key: Option<SecretString>,
    retry: RetryPolicy,
}

/// How much of an attempt went wrong, and whether another may go better.
struct Failure {
    error: JudgeError,
    retryable: bool,
    retry_after: Option<Duration>,
}

/// What one successful HTTP exchange produced.
struct Reply {
    content: Option<String>,
    usage: TokenUsage,
}

impl OpenAiJudge {
    pub fn new(settings: OpenAiSettings) -> Result<Self, JudgeError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            // Connecting is the cheap part; a host that takes long to accept is down.
            .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
            // A redirect would be a misconfigured base URL; following it could carry the key along.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| JudgeError::Transport("the HTTP client could not be built".into()))?;
        let endpoint = format!(
            "{}/chat/completions",
            settings.base_url.as_str().trim_end_matches('/')
        );
        Ok(Self {
            http,
            endpoint,
            name: format!("openai:{}", settings.model),
            model: settings.model,
            api_key: settings.api_key,
            retry: settings.retry,
        })
    }

    async fn send_with_retries(&self, body: &serde_json::Value) -> Result<Reply, JudgeError> {
        let mut retry = 0;
        loop {
            let failure = match self.send_once(body).await {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            let delay = (failure.retryable && retry < self.retry.max_retries)
                .then(|| self.retry.delay(retry, failure.retry_after))
                .flatten();
            let Some(delay) = delay else {
                return Err(failure.error);
            };
            tracing::warn!(error = %failure.error, retry = retry + 1, delay_ms = delay.as_millis() as u64, "retrying the model call");
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn send_once(&self, body: &serde_json::Value) -> Result<Reply, Failure> {
        let mut request = self.http.post(&self.endpoint).json(body);
        if let Some(key) = &self.api_key {
            // reqwest marks this header sensitive, so it is redacted from any debug output.
            request = request.bearer_auth(key.expose_secret());
        }
        let response = request.send().await.map_err(|error| Failure {
            error: JudgeError::Transport(describe_transport(&error)),
            retryable: true,
            retry_after: None,
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(Failure {
                error: JudgeError::UpstreamStatus(status.as_u16()),
                retryable: retry::is_retryable(status),
                retry_after: retry::retry_after(response.headers()),
            });
        }
        let bytes = response.bytes().await.map_err(|error| Failure {
            error: JudgeError::Transport(describe_transport(&error)),
            retryable: true,
            retry_after: None,
        })?;
        // A success status with a body that is not a chat completion is a bad answer, not a
        // transport problem: it gets the same single retry as a bad verdict.
        let completion: ChatCompletion = serde_json::from_slice(&bytes).unwrap_or_default();
        let usage = completion.usage.unwrap_or_default();
        Ok(Reply {
            content: completion
                .choices
                .into_iter()
                .next()
                .and_then(|choice| choice.message.content),
            usage: TokenUsage {
                prompt: usage.prompt_tokens,
                completion: usage.completion_tokens,
            },
        })
    }
}

fn describe_transport(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the request timed out".into()
    } else if error.is_connect() {
        "the connection failed".into()
    } else {
        "the request failed".into()
    }
}

#[tonic::async_trait]
impl Judge for OpenAiJudge {
    fn name(&self) -> &str {
        &self.name
    }

    async fn evaluate(&self, evaluation: &Evaluation) -> Result<Verdict, JudgeError> {
        let prompt = Prompt::build(evaluation);
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                { "role": "system", "content": prompt.system },
                { "role": "user", "content": prompt.user },
            ],
            "response_format": response_format(),
        });
        let mut tokens = TokenUsage::default();
        let mut asked_again = false;
        loop {
            let reply = self.send_with_retries(&body).await?;
            tokens.prompt = tokens.prompt.saturating_add(reply.usage.prompt);
            tokens.completion = tokens.completion.saturating_add(reply.usage.completion);
            match verdict::parse(reply.content.as_deref(), &prompt) {
                Ok(answer) => {
                    return Ok(Verdict {
                        triggered: answer.triggered,
                        summary: answer.summary,
                        reason: answer.reason,
                        extracted_value: answer.extracted_value,
                        confidence: answer.confidence,
                        judge: self.name.clone(),
                        tokens,
                    });
                }
                Err(Rejection::Leak) => {
                    tracing::warn!(judge = %self.name, "the model's answer leaked its instructions; refused");
                    return Err(JudgeError::PromptLeak);
                }
                Err(Rejection::Invalid(why)) if !asked_again => {
                    tracing::warn!(judge = %self.name, %why, "the model's answer is not a valid verdict; asking once more");
                    asked_again = true;
                }
                Err(Rejection::Invalid(why)) => return Err(JudgeError::InvalidOutput(why)),
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ChatCompletion {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Debug, Deserialize)]
struct Message {
    content: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}
