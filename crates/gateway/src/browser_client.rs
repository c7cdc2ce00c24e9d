//! The browser service as the gateway uses it: one fetch for a preview.
//! Generated protobuf types stay in this module.

use std::sync::Arc;
use std::time::Duration;

use api_proto::browser::v1::browser_client::BrowserClient as ProtoBrowserClient;
use api_proto::browser::v1::{BrowserStep, Cookie, FetchOutcome, FetchRequest, Header};
use mesh::client::InternalChannel;
use mesh::config::ConfigError;
use secrecy::{ExposeSecret, SecretString};

use crate::domain::monitor_headers::OpenHeader;
use crate::domain::render_options::OpenStep;
use crate::error::ApiError;

/// A preview is interactive: past this the user is better served by an
/// error than by a spinner. The browser bounds each fetch itself as well.
const DEADLINE: Duration = Duration::from_secs(25);

/// What to fetch.
pub struct PreviewRequest {
    pub url: String,
    pub css_selector: Option<String>,
    pub json_pointer: Option<String>,
    pub xpath: Option<String>,
    pub json_path: Option<String>,
    pub jq_filter: Option<String>,
    /// Values in clear: never logged.
    pub headers: Vec<OpenHeader>,
    pub render: bool,
    /// Empty for network idle, milliseconds or a CSS selector.
    pub wait_for: Option<String>,
    /// Values in clear: never logged.
    pub cookies: Vec<OpenHeader>,
    /// Fill values in clear: never logged.
    pub steps: Vec<OpenStep>,
}

/// What came back, in the gateway's words.
pub struct Fetched {
    /// `ok` or the kind of failure, as check rows name it.
    pub outcome: &'static str,
    /// With `step_failed`: the failing step's number, from 1.
    pub failed_step: Option<u32>,
    pub http_status: Option<u32>,
    pub final_url: String,
    pub content_type: String,
    pub title: String,
    pub text: String,
    pub text_sha256: String,
    pub fetch_ms: u32,
    /// Plain explanation for any outcome other than `ok`.
    pub detail: String,
}

/// Cheap to clone, like [`crate::notify_client::NotifyClient`].
#[derive(Clone)]
pub struct BrowserClient {
    client: Arc<ProtoBrowserClient<InternalChannel>>,
}

impl BrowserClient {
    /// Connects lazily: the gateway starts even when the browser is not up yet.
    pub fn new(
        url: &str,
        key: &SecretString,
        tls: Option<&mesh::tls::ClientTls>,
    ) -> Result<Self, ConfigError> {
        let channel = mesh::client::connect_lazy(url, key, DEADLINE, tls)?;
        Ok(Self {
            client: Arc::new(
                ProtoBrowserClient::new(channel)
                    .max_decoding_message_size(api_proto::BROWSER_MAX_RESPONSE_BYTES),
            ),
        })
    }

    pub async fn fetch(&self, request: PreviewRequest) -> Result<Fetched, ApiError> {
        let response = ProtoBrowserClient::clone(&self.client)
            .fetch(FetchRequest {
                url: request.url,
                css_selector: request.css_selector.unwrap_or_default(),
                json_pointer: request.json_pointer.unwrap_or_default(),
                xpath: request.xpath.unwrap_or_default(),
                json_path: request.json_path.unwrap_or_default(),
                jq_filter: request.jq_filter.unwrap_or_default(),
                headers: request
                    .headers
                    .into_iter()
                    .map(|header| Header {
                        name: header.name,
                        value: header.value.expose_secret().to_owned(),
                    })
                    .collect(),
                render: request.render,
                screenshot: false,
                timeout_ms: 0,
                wait_for: request.wait_for.unwrap_or_default(),
                cookies: request
                    .cookies
                    .into_iter()
                    .map(|cookie| Cookie {
                        name: cookie.name,
                        value: cookie.value.expose_secret().to_owned(),
                    })
                    .collect(),
                steps: request
                    .steps
                    .into_iter()
                    .map(|step| BrowserStep {
                        action: step.action,
                        selector: step.selector,
                        value: step.value.expose_secret().to_owned(),
                        ms: step.ms,
                    })
                    .collect(),
                // A preview has no previous text: always the whole page.
                previous_content_hash: String::new(),
                previous_validators: String::new(),
            })
            .await
            .map_err(|status| match status.code() {
                // The gateway validated the request already; the browser's
                // own refusal (e.g. a selector it cannot parse) is still
                // the user's input, so it is reported as such.
                tonic::Code::InvalidArgument => {
                    let field = status
                        .message()
                        .split_once(':')
                        .map(|(field, _)| field.trim())
                        .filter(|field| {
                            [
                                "url",
                                "css_selector",
                                "json_pointer",
                                "xpath",
                                "json_path",
                                "jq_filter",
                                "headers",
                                "wait_for",
                                "cookies",
                                "steps",
                            ]
                            .contains(field)
                        })
                        .unwrap_or("url")
                        .to_owned();
                    ApiError::field(&field, "could not be used to fetch the page")
                }
                _ => ApiError::from_upstream("browser", &status),
            })?
            .into_inner();
        let outcome = match response.outcome() {
            FetchOutcome::Ok => "ok",
            FetchOutcome::HttpError => "http_error",
            FetchOutcome::BlockedByBotWall => "blocked",
            FetchOutcome::PageGone => "page_gone",
            FetchOutcome::SoftNotFound => "soft_not_found",
            FetchOutcome::Empty => "empty",
            FetchOutcome::SelectorNotFound => "selector_not_found",
            FetchOutcome::Timeout => "timeout",
            FetchOutcome::NetworkError => "network_error",
            FetchOutcome::ForbiddenDestination => "forbidden_destination",
            FetchOutcome::TooLarge => "too_large",
            FetchOutcome::UnsupportedContent => "unsupported_content",
            FetchOutcome::StepFailed => "step_failed",
            FetchOutcome::Unspecified => "internal_error",
        };
        Ok(Fetched {
            outcome,
            failed_step: (response.failed_step != 0).then_some(response.failed_step),
            http_status: (response.http_status != 0).then_some(response.http_status),
            final_url: response.final_url,
            content_type: response.content_type,
            title: response.title,
            text: response.text,
            text_sha256: response.text_sha256,
            fetch_ms: response.fetch_ms,
            detail: response.detail,
        })
    }
}
