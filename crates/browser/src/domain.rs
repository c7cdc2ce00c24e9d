//! A fetch request after validation, and the report that answers it.

use std::time::Duration;

use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};
use url::Url;

/// What to extract from the page. Whether a URL answers HTML or JSON is
/// known only once it is fetched, so a monitor may hold one selector for each.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// CSS or XPath, applied to HTML.
    pub html: Option<selection::Selector>,
    /// JSON pointer, JSONPath or jq, applied to JSON.
    pub json: Option<selection::Selector>,
}

/// A validated fetch request.
#[derive(Debug, Clone)]
pub struct FetchSpec {
    pub url: Url,
    pub extraction: Extraction,
    /// Caller-supplied headers (cookies for pages behind a login). They are
    /// sent to the requested origin only, never to another origin after a redirect.
    pub headers: HeaderMap,
    pub render: bool,
    pub screenshot: bool,
    /// What a render waits for before it reads the page.
    pub wait: Wait,
    pub timeout: Duration,
    /// Cookies for the requested URL's host only. Values may be sessions.
    pub cookies: Vec<Cookie>,
    /// Run in order in the rendered page before it is read (imply rendering).
    pub steps: Vec<Step>,
    /// The SHA-256 (lowercase hex) of the text the caller already has: a
    /// page whose text hashes to it is answered without its text.
    pub previous_text_sha256: Option<String>,
    /// Binds the validators handed out to this URL and these selectors.
    pub validators_key: String,
    /// Sent as `If-None-Match` / `If-Modified-Since`: the caller's
    /// validators for this very request, with a text to stand for a 304.
    pub conditional: Option<crate::validators::Validators>,
}

impl FetchSpec {
    /// True when the page is to be rendered in Chromium.
    pub fn wants_render(&self) -> bool {
        self.render || self.screenshot || !self.steps.is_empty()
    }

    /// The cookies as one `Cookie` header value, for the plain fetch.
    pub fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|cookie| format!("{}={}", cookie.name, cookie.value))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// A cookie, already checked to be a valid RFC 6265 name and value.
#[derive(Clone, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
}

impl std::fmt::Debug for Cookie {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Cookie")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// One browser step, already validated.
#[derive(Clone, PartialEq, Eq)]
pub enum Step {
    /// Load another page (checked by the egress proxy like any other).
    Goto(url::Url),
    /// Types `value` into the element matching `selector`.
    Fill {
        selector: String,
        value: String,
    },
    Click {
        selector: String,
    },
    /// Presses a key (`Enter`, `Tab`, `Escape`, a letter) in the focused element.
    Press {
        key: String,
    },
    /// Waits until an element matches `selector`.
    WaitFor {
        selector: String,
    },
    Wait(Duration),
}

impl Step {
    /// How the step reads in a report: never with the value it types,
    /// which may be a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Goto(url) => format!("goto {}", url.host_str().unwrap_or_default()),
            Self::Fill { selector, .. } => format!("fill {selector:?}"),
            Self::Click { selector } => format!("click {selector:?}"),
            Self::Press { key } => format!("press {key}"),
            Self::WaitFor { selector } => format!("wait_for {selector:?}"),
            Self::Wait(delay) => format!("wait {} ms", delay.as_millis()),
        }
    }
}

impl std::fmt::Debug for Step {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.describe())
    }
}

/// When a rendered page is ready to be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Wait {
    /// No request in flight for half a second (Chromium's `networkIdle`).
    #[default]
    NetworkIdle,
    /// An element matching this CSS selector exists (already known to parse).
    Selector(String),
    /// A fixed delay after the page loaded.
    Delay(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    HttpError,
    BlockedByBotWall,
    PageGone,
    /// Answered 200, but the page says it does not exist.
    SoftNotFound,
    SelectorNotFound,
    /// The page, or what the selector matched, has no text.
    Empty,
    Timeout,
    NetworkError,
    ForbiddenDestination,
    TooLarge,
    UnsupportedContent,
    /// A browser step could not be carried out.
    StepFailed,
}

/// Everything the caller learns about one fetch.
#[derive(Debug, Clone)]
pub struct FetchReport {
    pub outcome: Outcome,
    /// 0 when no response was received.
    pub http_status: u16,
    pub final_url: String,
    pub content_type: String,
    pub text: String,
    pub body_bytes: u64,
    pub fetch_ms: u32,
    pub title: Option<String>,
    /// Plain-language explanation for any outcome other than `Ok`.
    pub detail: String,
    pub screenshot_png: Vec<u8>,
    /// With [`Outcome::StepFailed`]: the failing step's position, from 1.
    pub failed_step: u32,
    /// The page's validators as handed to the caller; empty when none.
    pub validators: String,
    /// The site answered 304 to a conditional fetch: the caller's text stands.
    pub not_modified: bool,
    /// The body is byte for byte the one the caller's text was made from,
    /// so it was not parsed again: the caller's text stands.
    pub same_body: bool,
    /// Lowercase hex SHA-256 of `text`, what the scheduler compares: set
    /// once the text is final ([`FetchReport::hash_text`]), so a page's text
    /// is hashed once for the seen-bodies cache and the answer.
    pub text_sha256: String,
}

impl FetchReport {
    /// A report for a fetch that ended before a usable response.
    pub fn failed(outcome: Outcome, final_url: &Url, detail: impl Into<String>) -> Self {
        Self {
            outcome,
            http_status: 0,
            final_url: final_url.to_string(),
            content_type: String::new(),
            text: String::new(),
            body_bytes: 0,
            fetch_ms: 0,
            title: None,
            detail: detail.into(),
            screenshot_png: Vec::new(),
            failed_step: 0,
            validators: String::new(),
            not_modified: false,
            same_body: false,
            text_sha256: String::new(),
        }
    }

    /// Sets [`FetchReport::text_sha256`] from the text as it now stands.
    pub fn hash_text(&mut self) {
        self.text_sha256 = hex::encode(Sha256::digest(self.text.as_bytes()));
    }
}
