//! The browser, llm and notify clients. Generated protobuf types stop here:
//! the rest of the scheduler works on the domain types below.

use api_proto::browser::v1::browser_client::BrowserClient;
use api_proto::browser::v1::{BrowserStep, Cookie, FetchOutcome, FetchRequest, Header};
use api_proto::llm::v1::judge_client::JudgeClient;
use api_proto::llm::v1::{self as llm, EvaluateRequest};
use api_proto::notify::v1::notifier_client::NotifierClient;
use api_proto::notify::v1::{
    Alert as AlertMessage, AlertKind, Channel, DeliveryStatus, Digest as DigestMessage,
    DiscordTarget, EmailTarget, NtfyTarget, SendRequest, SlackTarget, TeamsTarget, TelegramTarget,
    WebhookTarget, channel::Target,
};
use mesh::client::{InternalChannel, connect_lazy};
use mesh::config::ConfigError;
use secrecy::{ExposeSecret, SecretString};
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
    pub xpath: Option<String>,
    pub json_path: Option<String>,
    pub jq_filter: Option<String>,
    /// May carry cookies: never logged, opened only for this fetch.
    pub headers: Vec<(String, SecretString)>,
    pub render: bool,
    /// Empty for network idle, milliseconds or a CSS selector.
    pub wait_for: Option<String>,
    /// For the page's host only; values opened only for this fetch.
    pub cookies: Vec<(String, SecretString)>,
    pub steps: Vec<Step>,
    /// Ask for a screenshot of the rendered page (renders the page).
    pub screenshot: bool,
    /// The hash of the monitor's last snapshot: the browser then answers an
    /// unchanged page with its hash only.
    pub previous_content_hash: Option<String>,
    /// The validators stored with that text: the browser makes the fetch
    /// conditional (304 → unchanged) when they fit the request.
    pub previous_validators: Option<String>,
}

/// A browser step, its text opened for this fetch (a fill may be a password).
#[derive(Clone)]
pub struct Step {
    pub action: String,
    pub selector: String,
    pub value: SecretString,
    pub ms: u32,
}

/// A page fetched and extracted.
#[derive(Debug, Clone)]
pub struct Page {
    /// Empty when the page is unchanged (its hash is the previous one): the
    /// browser then does not send it.
    pub text: String,
    pub text_sha256: String,
    pub http_status: u32,
    /// The page's ETag and Last-Modified, opaque; empty when it has none.
    pub validators: String,
    /// PNG, empty unless one was asked for and the render made one.
    pub screenshot_png: Vec<u8>,
}

/// Why a fetch produced no page, in the words stored with the check.
#[derive(Debug, Clone)]
pub struct FetchFailure {
    pub status: CheckStatus,
    /// The browser service itself failed the call (no outcome came back):
    /// the caller asks whether the service is down before charging the monitor.
    pub rpc_code: Option<Code>,
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
    /// The monitor's last rated alerts, newest first, as labelled examples for the judge.
    pub rated_examples: Vec<store::ratings::RatedExample>,
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
    /// `None` from a judge that does not classify conditions; treated as an event.
    pub kind: Option<ConditionKind>,
    /// For a state condition: whether it holds on the current page.
    pub holds: bool,
    pub evidence_excerpt: String,
    pub verification: Verification,
    /// Why the evidence did not hold.
    pub verification_problem: String,
    pub cached: bool,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// How the judge classified a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    State,
    Event,
}

impl ConditionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Event => "event",
        }
    }
}

/// Whether the judge could confirm the verdict's evidence in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Not reported by the judge.
    Unknown,
    NotNeeded,
    Verified,
    /// The evidence did not hold; the judge reported the verdict as not triggered.
    Unverified,
}

impl Verification {
    /// The value of `checks.verification`.
    pub fn as_db(self) -> Option<&'static str> {
        match self {
            Self::Unknown => None,
            Self::NotNeeded => Some("not_needed"),
            Self::Verified => Some("verified"),
            Self::Unverified => Some("unverified"),
        }
    }
}

/// Why a change could not be judged, as stored in `checks.unjudged_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnjudgedReason {
    ModelUnavailable,
    Timeout,
    RateLimited,
    InvalidAnswer,
    /// Not asked at all: the team used up its monthly model budget.
    OverBudget,
}

impl UnjudgedReason {
    /// The llm service tells the kind of failure by its status code.
    fn from_code(code: Code) -> Self {
        match code {
            Code::DeadlineExceeded => Self::Timeout,
            Code::ResourceExhausted => Self::RateLimited,
            Code::Internal => Self::InvalidAnswer,
            _ => Self::ModelUnavailable,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelUnavailable => "model_unavailable",
            Self::Timeout => "timeout",
            Self::RateLimited => "rate_limited",
            Self::InvalidAnswer => "invalid_answer",
            Self::OverBudget => "over_budget",
        }
    }

    /// For people: "the model did not answer in time".
    pub fn describe(self) -> &'static str {
        match self {
            Self::ModelUnavailable => "the model is unavailable",
            Self::Timeout => "the model did not answer in time",
            Self::RateLimited => "the model is rate limited",
            Self::InvalidAnswer => "the model's answers were not valid verdicts",
            Self::OverBudget => "the team's monthly model budget is used up",
        }
    }
}

/// A judge call that produced no verdict.
#[derive(Debug, Clone)]
pub struct JudgeFailure {
    pub reason: UnjudgedReason,
    /// The call's status code: UNAVAILABLE is both "the model is down" and
    /// "the llm service is down", which only its health check tells apart.
    pub code: Code,
    /// Plain words for `checks.error`.
    pub message: String,
}

/// Where an alert goes. Every field but `address`, `chat_id` and
/// `topic_url` is a credential; `Debug` shows only the kind.
#[derive(Clone)]
pub enum Destination {
    Email {
        address: String,
    },
    Webhook {
        url: String,
        secret: String,
    },
    Slack {
        webhook_url: String,
    },
    Discord {
        webhook_url: String,
    },
    Teams {
        webhook_url: String,
    },
    Telegram {
        bot_token: String,
        chat_id: String,
    },
    Ntfy {
        topic_url: String,
        access_token: String,
        priority: u32,
        tags: Vec<String>,
    },
}

/// Why an alert is sent; notify words each kind differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The condition was met.
    Triggered,
    /// The monitor failed several checks in a row, or its changes cannot be judged.
    Failing,
    /// A failing monitor works again.
    Recovered,
}

/// The alert for a triggered, failing or recovered check.
#[derive(Debug, Clone)]
pub struct Alert {
    pub kind: Kind,
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
    /// One-click rating links; empty for a notice that judging fails.
    pub rate_useful_url: String,
    pub rate_noise_url: String,
}

/// Every alert of one period to one channel.
#[derive(Debug, Clone)]
pub struct Digest {
    /// `hourly` or `daily`.
    pub period: &'static str,
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    /// Oldest first.
    pub alerts: Vec<Alert>,
    /// Alerts of the period left out to keep the message readable.
    pub omitted: u32,
    /// The monitors page.
    pub link: String,
}

/// What one delivery sends.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// Boxed: an alert is far larger than the other variants.
    Alert(Box<Alert>),
    Digest(Digest),
    /// To a team owner's address (the destination).
    Notice(ChannelNotice),
}

/// To a team's owner: Lookout turned one of the team's channels off.
#[derive(Debug, Clone)]
pub struct ChannelNotice {
    pub channel_name: String,
    pub reason: String,
    /// The channels page.
    pub link: String,
    /// When the channel was turned off (the notice's queueing).
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A failed send.
#[derive(Debug, Clone)]
pub struct SendFailure {
    /// Plain words for `deliveries.last_error`; notify's messages name the
    /// receiver's answer and never a credential.
    pub message: String,
    /// Notify refused the request itself (a bad address, say): retrying
    /// cannot help.
    pub permanent: bool,
    /// The receiver said the endpoint is gone for good (HTTP 410): the
    /// channel is to be disabled.
    pub gone: bool,
    /// The receiver asked for a pause before the next attempt.
    pub retry_after: Option<std::time::Duration>,
    /// The call failed the way a dead notify fails (UNAVAILABLE and
    /// similar, with no `failure-origin` naming a destination): the caller
    /// probes notify's health so it stops claiming while notify is down.
    pub notify_may_be_down: bool,
    /// The fault is notify's, not the receiver's: notify said so (its
    /// idempotency ledger is unreachable, or another attempt holds this
    /// delivery's key right now), or the call broke before notify answered.
    /// Notify labels every failure at a destination with `failure-origin`,
    /// so a failure without one never counts against the receiver, even when
    /// a restarted notify already answers its health check.
    pub notify_own_fault: bool,
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
        let tls = config.peer_tls.as_ref();
        Ok(Self {
            browser: BrowserClient::new(connect_lazy(
                &config.browser_url,
                key,
                config.rpc_timeout,
                tls,
            )?)
            .max_decoding_message_size(api_proto::BROWSER_MAX_RESPONSE_BYTES),
            judge: JudgeClient::new(connect_lazy(&config.llm_url, key, config.rpc_timeout, tls)?),
            notifier: NotifierClient::new(connect_lazy(
                &config.notify_url,
                key,
                config.notify_timeout,
                tls,
            )?),
        })
    }

    pub async fn fetch(&self, spec: &FetchSpec) -> Result<Page, FetchFailure> {
        let request = FetchRequest {
            url: spec.url.clone(),
            css_selector: spec.css_selector.clone().unwrap_or_default(),
            json_pointer: spec.json_pointer.clone().unwrap_or_default(),
            xpath: spec.xpath.clone().unwrap_or_default(),
            json_path: spec.json_path.clone().unwrap_or_default(),
            jq_filter: spec.jq_filter.clone().unwrap_or_default(),
            headers: spec
                .headers
                .iter()
                .map(|(name, value)| Header {
                    name: name.clone(),
                    value: value.expose_secret().to_owned(),
                })
                .collect(),
            render: spec.render,
            screenshot: spec.screenshot,
            timeout_ms: 0,
            wait_for: spec.wait_for.clone().unwrap_or_default(),
            cookies: spec
                .cookies
                .iter()
                .map(|(name, value)| Cookie {
                    name: name.clone(),
                    value: value.expose_secret().to_owned(),
                })
                .collect(),
            steps: spec
                .steps
                .iter()
                .map(|step| BrowserStep {
                    action: step.action.clone(),
                    selector: step.selector.clone(),
                    value: step.value.expose_secret().to_owned(),
                    ms: step.ms,
                })
                .collect(),
            previous_content_hash: spec.previous_content_hash.clone().unwrap_or_default(),
            previous_validators: spec.previous_validators.clone().unwrap_or_default(),
        };
        let response = self
            .browser
            .clone()
            .fetch(request)
            .await
            .map_err(|status| FetchFailure {
                rpc_code: Some(status.code()),
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
            rpc_code: None,
            http_status,
            detail: if response.detail.is_empty() {
                status.as_str().replace('_', " ")
            } else {
                response.detail.clone()
            },
        };
        // Only an unchanged page may come without its text: anything else
        // would read as a page whose text vanished.
        if response.text_omitted
            && spec.previous_content_hash.as_deref() != Some(response.text_sha256.as_str())
        {
            return Err(FetchFailure {
                status: CheckStatus::InternalError,
                rpc_code: None,
                http_status,
                detail: "the browser service left out the text of a changed page".to_owned(),
            });
        }
        match response.outcome() {
            FetchOutcome::Ok => Ok(Page {
                text: response.text,
                text_sha256: response.text_sha256,
                http_status: response.http_status,
                validators: response.validators,
                screenshot_png: response.screenshot_png,
            }),
            FetchOutcome::HttpError => Err(failed(CheckStatus::HttpError)),
            FetchOutcome::BlockedByBotWall => Err(failed(CheckStatus::Blocked)),
            FetchOutcome::PageGone => Err(failed(CheckStatus::PageGone)),
            FetchOutcome::SoftNotFound => Err(failed(CheckStatus::SoftNotFound)),
            FetchOutcome::Empty => Err(failed(CheckStatus::Empty)),
            FetchOutcome::SelectorNotFound => Err(failed(CheckStatus::SelectorNotFound)),
            FetchOutcome::Timeout => Err(failed(CheckStatus::Timeout)),
            FetchOutcome::NetworkError => Err(failed(CheckStatus::NetworkError)),
            FetchOutcome::ForbiddenDestination => Err(failed(CheckStatus::ForbiddenDestination)),
            FetchOutcome::TooLarge => Err(failed(CheckStatus::TooLarge)),
            FetchOutcome::UnsupportedContent => Err(failed(CheckStatus::UnsupportedContent)),
            FetchOutcome::StepFailed => Err(failed(CheckStatus::StepFailed)),
            FetchOutcome::Unspecified => Err(FetchFailure {
                status: CheckStatus::InternalError,
                rpc_code: None,
                http_status,
                detail: "the browser service gave no outcome".to_owned(),
            }),
        }
    }

    /// Asks the judge. Any failure means "could not judge": the caller
    /// applies the monitor's fail policy.
    pub async fn evaluate(&self, request: JudgeRequest<'_>) -> Result<Verdict, JudgeFailure> {
        let message = EvaluateRequest {
            condition: request.condition.to_owned(),
            previous_text: truncated(request.previous_text, MAX_JUDGE_TEXT_BYTES).to_owned(),
            current_text: truncated(request.current_text, MAX_JUDGE_TEXT_BYTES).to_owned(),
            first_check: request.first_check,
            url: request.url.to_owned(),
            monitor_id: request.monitor_id,
            team_id: request.team_id,
            rated_examples: request
                .rated_examples
                .into_iter()
                .map(|example| llm::RatedExample {
                    rating: example.rating,
                    summary: example.summary.unwrap_or_default(),
                    diff: example.diff.unwrap_or_default(),
                    extracted_value: example.extracted_value.unwrap_or_default(),
                })
                .collect(),
        };
        let response = self
            .judge
            .clone()
            .evaluate(message)
            .await
            .map_err(|status| JudgeFailure {
                code: status.code(),
                reason: UnjudgedReason::from_code(status.code()),
                message: peer_failure("llm", status.code()),
            })?
            .into_inner();
        let kind = match response.condition_kind() {
            llm::ConditionKind::State => Some(ConditionKind::State),
            llm::ConditionKind::Event => Some(ConditionKind::Event),
            llm::ConditionKind::Unspecified => None,
        };
        let verification = match response.verification() {
            llm::Verification::Unspecified => Verification::Unknown,
            llm::Verification::NotNeeded => Verification::NotNeeded,
            llm::Verification::Verified => Verification::Verified,
            llm::Verification::Unverified => Verification::Unverified,
        };
        Ok(Verdict {
            triggered: response.triggered,
            summary: response.summary,
            reason: response.reason,
            extracted_value: response.extracted_value,
            confidence: response.confidence,
            judge: response.judge,
            kind,
            holds: response.holds,
            evidence_excerpt: response.evidence_excerpt,
            verification,
            verification_problem: response.verification_problem,
            cached: response.cached,
            prompt_tokens: response.prompt_tokens,
            completion_tokens: response.completion_tokens,
        })
    }

    /// Sends one alert or digest. `Ok` when notify sent it now or had
    /// already sent it under this idempotency key. `unsubscribe_url` is the
    /// email channel's one-click link (empty for other channels).
    pub async fn send(
        &self,
        idempotency_key: &str,
        destination: Destination,
        outgoing: Outgoing,
        unsubscribe_url: String,
    ) -> Result<(), SendFailure> {
        let target = match destination {
            Destination::Email { address } => Target::Email(EmailTarget { address }),
            Destination::Webhook { url, secret } => Target::Webhook(WebhookTarget { url, secret }),
            Destination::Slack { webhook_url } => Target::Slack(SlackTarget { webhook_url }),
            Destination::Discord { webhook_url } => Target::Discord(DiscordTarget { webhook_url }),
            Destination::Teams { webhook_url } => Target::Teams(TeamsTarget { webhook_url }),
            Destination::Telegram { bot_token, chat_id } => {
                Target::Telegram(TelegramTarget { bot_token, chat_id })
            }
            Destination::Ntfy {
                topic_url,
                access_token,
                priority,
                tags,
            } => Target::Ntfy(NtfyTarget {
                topic_url,
                access_token,
                priority,
                tags,
            }),
        };
        let (alert, digest) = match outgoing {
            Outgoing::Alert(alert) => (Some(alert_message(*alert)), None),
            Outgoing::Notice(notice) => (
                Some(AlertMessage {
                    kind: AlertKind::ChannelDisabled.into(),
                    monitor_name: notice.channel_name,
                    summary: notice.reason,
                    link: notice.link,
                    checked_at_unix_ms: notice.at.timestamp_millis(),
                    ..AlertMessage::default()
                }),
                None,
            ),
            Outgoing::Digest(digest) => (
                None,
                Some(DigestMessage {
                    period: digest.period.to_owned(),
                    period_start_unix_ms: digest.start.timestamp_millis(),
                    period_end_unix_ms: digest.end.timestamp_millis(),
                    alerts: digest.alerts.into_iter().map(alert_message).collect(),
                    link: digest.link,
                    omitted_alerts: digest.omitted,
                }),
            ),
        };
        let request = SendRequest {
            idempotency_key: idempotency_key.to_owned(),
            channel: Some(Channel {
                target: Some(target),
            }),
            alert,
            digest,
            unsubscribe_url,
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
                // Notify names its own reasons to be unavailable, which are
                // not the receiver's (see notify::error::UNAVAILABLE_CAUSE).
                let unavailable_cause = status
                    .metadata()
                    .get("lookout-unavailable")
                    .and_then(|value| value.to_str().ok());
                // Set by notify on every failure at the receiver or the mail
                // server (see notify::error::FAILURE_ORIGIN_METADATA).
                let at_destination = status.metadata().get("failure-origin").is_some();
                let broke_in_transit = !at_destination
                    && unavailable_cause.is_none()
                    && matches!(
                        status.code(),
                        Code::Unavailable | Code::Unknown | Code::Cancelled
                    );
                SendFailure {
                    message: format!("{}: {message}", peer_failure("notify", status.code())),
                    permanent: matches!(
                        status.code(),
                        Code::InvalidArgument
                            | Code::FailedPrecondition
                            | Code::PermissionDenied
                            | Code::NotFound
                    ),
                    gone: status.code() == Code::NotFound,
                    retry_after: status
                        .metadata()
                        .get("retry-after-ms")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|value| value.parse().ok())
                        .map(std::time::Duration::from_millis),
                    notify_may_be_down: broke_in_transit,
                    notify_own_fault: unavailable_cause.is_some() || broke_in_transit,
                }
            })?
            .into_inner();
        match response.status() {
            DeliveryStatus::Sent | DeliveryStatus::Duplicate => Ok(()),
            DeliveryStatus::Unspecified => Err(SendFailure {
                message: "the notify service did not confirm the delivery".to_owned(),
                permanent: false,
                gone: false,
                retry_after: None,
                notify_may_be_down: false,
                notify_own_fault: false,
            }),
        }
    }
}

fn alert_message(alert: Alert) -> AlertMessage {
    AlertMessage {
        kind: match alert.kind {
            Kind::Triggered => AlertKind::Triggered,
            Kind::Failing => AlertKind::Failing,
            Kind::Recovered => AlertKind::Recovered,
        }
        .into(),
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
        rate_useful_url: alert.rate_useful_url,
        rate_noise_url: alert.rate_noise_url,
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
            Self::Slack { .. } => formatter.write_str("Slack"),
            Self::Discord { .. } => formatter.write_str("Discord"),
            Self::Teams { .. } => formatter.write_str("Teams"),
            Self::Telegram { .. } => formatter.write_str("Telegram"),
            Self::Ntfy { .. } => formatter.write_str("Ntfy"),
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
