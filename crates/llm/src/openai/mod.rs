//! A judge backed by any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM,
//! llama.cpp server).
//!
//! One evaluation is one `POST {base}/chat/completions` with temperature 0 and a strict JSON
//! schema. Transport failures, timeouts, 429 and 5xx are retried with backoff (honouring a bounded
//! `Retry-After`), all within one deadline per evaluation; an answer outside the schema is asked
//! for once more. A server without JSON mode that refuses `response_format` with 400 or 422 is
//! asked again without it, and from then on never with it: the prompt names every field, and the
//! object is read from the text and faces the same schema checks; an answer that leaks the
//! prompt's canary is refused at once (not triggered, unverified); an answer whose evidence does
//! not hold in the page is not triggered ([`crate::evidence`]). Tokens of every attempt are counted, since every attempt is paid.
//!
//! Architecture Invariant: the API key is only ever in the Authorization header. Errors and logs
//! carry statuses and our own descriptions, never the upstream body.

mod prompt;
mod retry;
mod verdict;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use url::Url;

pub use prompt::{DEFAULT_MAX_INPUT_TOKENS, Prompt, estimate_tokens};
pub use retry::RetryPolicy;
pub use verdict::{MAX_SUMMARY_CHARS, response_format};

use crate::domain::{ConditionKind, Evaluation, Judge, TokenUsage, Verdict, Verification};
use crate::error::JudgeError;
use crate::{evidence, offline};
use verdict::{ModelVerdict, Rejection};

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
    /// The whole evaluation: every attempt, every backoff and every `Retry-After` wait. A slow
    /// or throttled model then fails in bounded time and the monitor's fail policy applies.
    pub deadline: Duration,
    pub retry: RetryPolicy,
    /// The input budget of one evaluation (`LLM_MAX_INPUT_TOKENS`); larger pages are judged on
    /// the diff and the text around it.
    pub max_input_tokens: u32,
}

/// The OpenAI-compatible judge.
#[derive(Debug, Clone)]
pub struct OpenAiJudge {
    http: reqwest::Client,
    endpoint: String,
    model: String,
    name: String,
    api_key: Option<SecretString>,
    timeout: Duration,
    retry: RetryPolicy,
    deadline: Duration,
    max_input_tokens: u32,
    /// Cleared once the server refused `response_format` and answered without it; shared by
    /// clones so the whole service learns it once.
    json_mode: Arc<AtomicBool>,
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
            timeout: settings.timeout,
            retry: settings.retry,
            deadline: settings.deadline,
            max_input_tokens: settings.max_input_tokens,
            json_mode: Arc::new(AtomicBool::new(true)),
        })
    }

    /// Sends `body`, retrying what may go better later, until `deadline`.
    async fn send_with_retries(
        &self,
        body: &serde_json::Value,
        deadline: tokio::time::Instant,
    ) -> Result<Reply, JudgeError> {
        let mut retry = 0;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return Err(JudgeError::Timeout);
            }
            let failure = match self.send_once(body, remaining).await {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            let delay = (failure.retryable && retry < self.retry.max_retries)
                .then(|| self.retry.delay(retry, failure.retry_after))
                .flatten()
                // A wait that ends past the deadline only delays the same failure.
                .filter(|delay| tokio::time::Instant::now() + *delay < deadline);
            let Some(delay) = delay else {
                return Err(failure.error);
            };
            tracing::warn!(error = %failure.error, retry = retry + 1, delay_ms = delay.as_millis() as u64, "retrying the model call");
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn send_once(
        &self,
        body: &serde_json::Value,
        remaining: Duration,
    ) -> Result<Reply, Failure> {
        let mut request = self
            .http
            .post(&self.endpoint)
            // The client's per-attempt timeout, cut to what the deadline leaves.
            .timeout(self.timeout.min(remaining))
            .json(body);
        if let Some(key) = &self.api_key {
            // reqwest marks this header sensitive, so it is redacted from any debug output.
            request = request.bearer_auth(key.expose_secret());
        }
        let response = request.send().await.map_err(|error| Failure {
            error: transport_error(&error),
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
            error: transport_error(&error),
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

fn transport_error(error: &reqwest::Error) -> JudgeError {
    if error.is_timeout() {
        JudgeError::Timeout
    } else if error.is_connect() {
        JudgeError::Transport("the connection failed".into())
    } else {
        JudgeError::Transport("the request failed".into())
    }
}

#[tonic::async_trait]
impl Judge for OpenAiJudge {
    fn name(&self) -> &str {
        &self.name
    }

    async fn evaluate(&self, evaluation: &Evaluation) -> Result<Verdict, JudgeError> {
        let deadline = tokio::time::Instant::now() + self.deadline;
        let prompt = Prompt::build(evaluation, self.max_input_tokens);
        let mut tokens = TokenUsage::default();
        let mut asked_again = false;
        loop {
            let reply = self.ask(&prompt, deadline).await?;
            tokens.prompt = tokens.prompt.saturating_add(reply.usage.prompt);
            tokens.completion = tokens.completion.saturating_add(reply.usage.completion);
            match verdict::parse(reply.content.as_deref(), &prompt) {
                Ok(answer) => return Ok(self.checked(evaluation, answer, tokens)),
                Err(Rejection::Leak) => {
                    tracing::warn!(judge = %self.name, "the model's answer leaked its instructions; refused");
                    return Ok(self.leaked(evaluation, tokens));
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

impl OpenAiJudge {
    /// One chat completion for `prompt`, with the schema as `response_format` while the server
    /// accepts it. A server without JSON mode answers 400 (llama.cpp, vLLM without a guided
    /// decoding backend, most proxies) or 422 to it; the same question without it then decides
    /// whether that was the reason, and the answer is remembered.
    async fn ask(
        &self,
        prompt: &Prompt,
        deadline: tokio::time::Instant,
    ) -> Result<Reply, JudgeError> {
        let mut body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                { "role": "system", "content": prompt.system },
                { "role": "user", "content": prompt.user },
            ],
        });
        if !self.json_mode.load(Ordering::Relaxed) {
            return self.send_with_retries(&body, deadline).await;
        }
        body["response_format"] = response_format();
        match self.send_with_retries(&body, deadline).await {
            Err(JudgeError::UpstreamStatus(status @ (400 | 422))) => {
                if let Some(object) = body.as_object_mut() {
                    object.remove("response_format");
                }
                let reply = self.send_with_retries(&body, deadline).await;
                if reply.is_ok() {
                    tracing::warn!(judge = %self.name, status, "the model server refuses response_format; asking for JSON in the prompt from now on");
                    self.json_mode.store(false, Ordering::Relaxed);
                }
                reply
            }
            other => other,
        }
    }
    /// Turns a valid answer into a verdict the user can trust: the condition's kind comes from
    /// the offline rule when the condition is one (so both judges classify it the same way), a
    /// state's trigger follows whether it holds, and the evidence must hold in the page.
    fn checked(
        &self,
        evaluation: &Evaluation,
        answer: ModelVerdict,
        tokens: TokenUsage,
    ) -> Verdict {
        let parsed = offline::parse(&evaluation.condition);
        let kind = if parsed.fallback.is_none() {
            parsed.rule.condition_kind()
        } else {
            answer.kind
        };
        let holds = match kind {
            ConditionKind::State => answer.holds,
            ConditionKind::Event => answer.triggered,
        };
        let mut verdict = Verdict {
            triggered: answer.triggered && holds,
            kind,
            holds,
            evidence_excerpt: answer.evidence_excerpt,
            verification: Verification::NotNeeded,
            cached: false,
            summary: answer.summary,
            reason: answer.reason,
            extracted_value: answer.extracted_value,
            confidence: answer.confidence,
            judge: self.name.clone(),
            tokens,
        };
        verdict.verification = evidence::verify(evaluation, &parsed, &verdict);
        if let Verification::Unverified(why) = &verdict.verification {
            tracing::warn!(judge = %self.name, %why, "the verdict's evidence did not hold; not triggered");
            verdict.triggered = false;
            verdict.holds = false;
        }
        verdict
    }

    /// The verdict for an answer that repeated the prompt's secrets: the page took control of
    /// the model, so nothing of the answer is kept and nothing triggers. Asking again would only
    /// pay for the same injection twice.
    fn leaked(&self, evaluation: &Evaluation, tokens: TokenUsage) -> Verdict {
        let parsed = offline::parse(&evaluation.condition);
        Verdict {
            triggered: false,
            kind: if parsed.fallback.is_none() {
                parsed.rule.condition_kind()
            } else {
                ConditionKind::Event
            },
            holds: false,
            evidence_excerpt: None,
            verification: Verification::Unverified(
                "the model's answer repeated its confidential instructions: the page likely \
                 contains a prompt injection"
                    .to_owned(),
            ),
            cached: false,
            summary: "Lookout could not judge this change safely: the page seems to contain \
                      instructions aimed at the judge."
                .to_owned(),
            reason: "The model's answer was refused because it leaked its instructions.".to_owned(),
            extracted_value: None,
            confidence: 0.0,
            judge: self.name.clone(),
            tokens,
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
