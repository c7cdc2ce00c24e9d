//! The browser, llm and notify clients. Generated protobuf types stop here:
//! the rest of the scheduler works on the domain types below.

use api_proto::browser::v1::browser_client::BrowserClient;
use api_proto::browser::v1::{FetchOutcome, FetchRequest, Header};
use api_proto::llm::v1::EvaluateRequest;
use api_proto::llm::v1::judge_client::JudgeClient;
use api_proto::notify::v1::notifier_client::NotifierClient;
use api_proto::notify::v1::{
    Alert as AlertMessage, AlertKind, Channel, DeliveryStatus, EmailTarget, SendRequest,
    WebhookTarget, channel::Target,
};
use mesh::client::{InternalChannel, connect_lazy};
use mesh::config::ConfigError;
use tonic::Code;

use crate::config::Config;
use crate::domain::CheckStatus;

/// Page text sent to the judge is cut here: the llm service refuses more
/// than 2 MiB, and a page that large would otherwise never be judged.
const MAX_JUDGE_TEXT_BYTES: usize = 1024 * 1024;

/// What to fetch, from a monitor.
#[derive(Clone)]
pub struct FetchSpec {
    pub url: String,
    pub css_selector: Option<String>,
    pub json_pointer: Option<String>,
    /// May carry cookies: never logged.
    pub headers: Vec<(String, String)>,
    pub render: bool,
}

/// A page fetched and extracted.
#[derive(Debug, Clone)]
pub struct Page {
    pub text: String,
    pub text_sha256: String,
    pub http_status: u32,
}

/// Why a fetch produced no page, in the words stored with the check.
#[derive(Debug, Clone)]
pub struct FetchFailure {
    pub status: CheckStatus,
    pub http_status: Option<u32>,
    pub detail: String,
}

/// What the judge is asked.
#[derive(Debug, Clone)]
pub struct JudgeRequest<'a> {
    pub condition: &'a str,
    pub previous_text: &'a str,
    pub current_text: &'a str,
    pub first_check: bool,
    pub url: &'a str,
    pub monitor_id: String,
    pub team_id: String,
}

/// The judge's answer.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub triggered: bool,
    pub summary: String,
    pub reason: String,
    pub extracted_value: String,
    pub confidence: f32,
    pub judge: String,
}

/// Where an alert goes.
#[derive(Clone)]
pub enum Destination {
    Email { address: String },
    Webhook { url: String, secret: String },
}

/// The alert for a triggered check.
#[derive(Debug, Clone)]
pub struct Alert {
    pub monitor_id: String,
    pub monitor_name: String,
    pub url: String,
    pub condition: String,
    pub summary: String,
    pub reason: String,
    pub diff: String,
    pub check_id: String,
    pub link: String,
    pub checked_at_unix_ms: i64,
    pub extracted_value: String,
}

/// A failed send.
#[derive(Debug, Clone)]
pub struct SendFailure {
    /// Plain words for `deliveries.last_error`.
    pub message: String,
    /// Notify refused the request itself (a bad address, say): retrying
    /// cannot help.
    pub permanent: bool,
}

/// Clients of the three peers; cheap to clone.
#[derive(Clone)]
pub struct Peers {
    browser: BrowserClient<InternalChannel>,
    judge: JudgeClient<InternalChannel>,
    notifier: NotifierClient<InternalChannel>,
}

impl Peers {
    /// Channels connect on first use, so the scheduler starts before its peers.
    pub fn connect(config: &Config) -> Result<Self, ConfigError> {
        let key = &config.internal_api_key;
        Ok(Self {
            browser: BrowserClient::new(connect_lazy(
                &config.browser_url,
                key,
                config.rpc_timeout,
            )?)
            .max_decoding_message_size(api_proto::BROWSER_MAX_RESPONSE_BYTES),
            judge: JudgeClient::new(connect_lazy(&config.llm_url, key, config.rpc_timeout)?),
            notifier: NotifierClient::new(connect_lazy(
                &config.notify_url,
                key,
                config.notify_timeout,
            )?),
        })
    }

    pub async fn fetch(&self, spec: &FetchSpec) -> Result<Page, FetchFailure> {
        let request = FetchRequest {
            url: spec.url.clone(),
            css_selector: spec.css_selector.clone().unwrap_or_default(),
            json_pointer: spec.json_pointer.clone().unwrap_or_default(),
            headers: spec
                .headers
                .iter()
                .map(|(name, value)| Header {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
            render: spec.render,
            screenshot: false,
            timeout_ms: 0,
            // Network idle: monitors have no wait setting of their own yet.
            wait_for: String::new(),
        };
        let response = self
            .browser
            .clone()
            .fetch(request)
            .await
            .map_err(|status| FetchFailure {
                status: match status.code() {
                    Code::DeadlineExceeded => CheckStatus::Timeout,
                    Code::Unavailable => CheckStatus::NetworkError,
                    _ => CheckStatus::InternalError,
                },
                http_status: None,
                detail: peer_failure("browser", status.code()),
            })?
            .into_inner();
        let http_status = (response.http_status != 0).then_some(response.http_status);
        let failed = |status: CheckStatus| FetchFailure {
            status,
            http_status,
            detail: if response.detail.is_empty() {
                status.as_str().replace('_', " ")
            } else {
                response.detail.clone()
            },
        };
        match response.outcome() {
            FetchOutcome::Ok => Ok(Page {
                text: response.text,
                text_sha256: response.text_sha256,
                http_status: response.http_status,
            }),
            FetchOutcome::HttpError => Err(failed(CheckStatus::HttpError)),
            FetchOutcome::BlockedByBotWall => Err(failed(CheckStatus::Blocked)),
            FetchOutcome::PageGone => Err(failed(CheckStatus::PageGone)),
            FetchOutcome::SelectorNotFound => Err(failed(CheckStatus::SelectorNotFound)),
            FetchOutcome::Timeout => Err(failed(CheckStatus::Timeout)),
            FetchOutcome::NetworkError => Err(failed(CheckStatus::NetworkError)),
            FetchOutcome::ForbiddenDestination => Err(failed(CheckStatus::ForbiddenDestination)),
            FetchOutcome::TooLarge => Err(failed(CheckStatus::TooLarge)),
            FetchOutcome::UnsupportedContent => Err(failed(CheckStatus::UnsupportedContent)),
            FetchOutcome::Unspecified => Err(FetchFailure {
                status: CheckStatus::InternalError,
                http_status,
                detail: "the browser service gave no outcome".to_owned(),
            }),
        }
    }

    /// Asks the judge. Any failure means "could not judge": the caller keeps
    /// the change to judge it again on the next check.
    pub async fn evaluate(&self, request: JudgeRequest<'_>) -> Result<Verdict, String> {
        let message = EvaluateRequest {
            condition: request.condition.to_owned(),
            previous_text: truncated(request.previous_text, MAX_JUDGE_TEXT_BYTES).to_owned(),
            current_text: truncated(request.current_text, MAX_JUDGE_TEXT_BYTES).to_owned(),
            first_check: request.first_check,
            url: request.url.to_owned(),
            monitor_id: request.monitor_id,
            team_id: request.team_id,
        };
        let response = self
            .judge
            .clone()
            .evaluate(message)
            .await
            .map_err(|status| peer_failure("llm", status.code()))?
            .into_inner();
        Ok(Verdict {
            triggered: response.triggered,
            summary: response.summary,
            reason: response.reason,
            extracted_value: response.extracted_value,
            confidence: response.confidence,
            judge: response.judge,
        })
    }

    /// Sends one alert. `Ok` when notify sent it now or had already sent it
    /// under this idempotency key.
    pub async fn send(
        &self,
        idempotency_key: &str,
        destination: Destination,
        alert: Alert,
    ) -> Result<(), SendFailure> {
        let target = match destination {
            Destination::Email { address } => Target::Email(EmailTarget { address }),
            Destination::Webhook { url, secret } => Target::Webhook(WebhookTarget { url, secret }),
        };
        let request = SendRequest {
            idempotency_key: idempotency_key.to_owned(),
            channel: Some(Channel {
                target: Some(target),
            }),
            alert: Some(AlertMessage {
                kind: AlertKind::Triggered.into(),
                monitor_id: alert.monitor_id,
                monitor_name: alert.monitor_name,
                url: alert.url,
                condition: alert.condition,
                summary: alert.summary,
                reason: alert.reason,
                diff: alert.diff,
                check_id: alert.check_id,
                link: alert.link,
                checked_at_unix_ms: alert.checked_at_unix_ms,
                extracted_value: alert.extracted_value,
            }),
        };
        let response = self
            .notifier
            .clone()
            .send(request)
            .await
            .map_err(|status| {
                // Notify's messages are written for users and hold no secrets;
                // they say why an address or receiver refused.
                let message: String = status.message().chars().take(300).collect();
                SendFailure {
                    message: format!("{}: {message}", peer_failure("notify", status.code())),
                    permanent: matches!(
                        status.code(),
                        Code::InvalidArgument | Code::FailedPrecondition | Code::PermissionDenied
                    ),
                }
            })?
            .into_inner();
        match response.status() {
            DeliveryStatus::Sent | DeliveryStatus::Duplicate => Ok(()),
            DeliveryStatus::Unspecified => Err(SendFailure {
                message: "the notify service did not confirm the delivery".to_owned(),
                permanent: false,
            }),
        }
    }
}

/// The longest prefix of `text` within `max` bytes, cut at a character boundary.
fn truncated(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A plain message for a failed call to a peer; status messages from a
/// peer are not copied into check rows users read.
fn peer_failure(peer: &str, code: Code) -> String {
    match code {
        Code::Unavailable => format!("the {peer} service is unavailable"),
        Code::DeadlineExceeded => format!("the {peer} service did not answer in time"),
        Code::Unauthenticated => format!("the {peer} service refused our internal key"),
        other => format!("the {peer} service failed ({})", other.description()),
    }
}

impl std::fmt::Debug for FetchSpec {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FetchSpec")
            .field("url", &self.url)
            .field("render", &self.render)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Email { .. } => formatter.write_str("Email"),
            Self::Webhook { .. } => formatter.write_str("Webhook"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::truncated;

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        assert_eq!(truncated("héllo", 2), "h");
        assert_eq!(truncated("héllo", 3), "hé");
        assert_eq!(truncated("short", 100), "short");
    }
}
