//! The plain HTTP fetch. Redirects are followed by hand so that every hop is
//! checked by netguard before a socket is opened; names are resolved only by
//! `GuardedResolver`, so reqwest connects to the address that was checked.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use crate::seen_bodies::{BodyDigest, body_digest};
use crate::validators::Validators;
use netguard::{GuardError, GuardedResolver, Policy};
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, LOCATION};
use reqwest::{Client, Response, StatusCode};
use url::Url;

use crate::classify::{needs_body, status_detail, status_outcome};
use crate::decode::decode;
use crate::domain::{FetchReport, FetchSpec, Outcome};

pub const USER_AGENT: &str = "LookoutBot/0.1 (+https://github.com/lookout)";

/// Browsers allow about 20; pages that need more than 5 are rare and a long
/// chain is a common way to probe for a hop that escapes the checks.
pub const MAX_REDIRECTS: usize = 5;

/// Enough of an error page to recognise a challenge, without downloading a
/// large error page in full.
const CHALLENGE_SNIFF_BYTES: usize = 64 * 1024;

/// What kind of text a response holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Html,
    Json,
    /// XML such as RSS and Atom feeds: text as served, XPath applies.
    Xml,
    Text,
}

/// A successful download, decoded, before extraction.
#[derive(Debug, Clone)]
pub struct Download {
    pub status: StatusCode,
    pub final_url: Url,
    pub content_type: String,
    pub kind: ContentKind,
    pub body: String,
    pub body_bytes: u64,
    /// What the text is made from, to tell a byte-identical page (`seen_bodies`).
    pub body_digest: BodyDigest,
    /// The response's validators as handed to the caller; empty when none.
    pub validators: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FetcherError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

pub struct Fetcher {
    client: Client,
    policy: Arc<Policy>,
    max_body_bytes: usize,
}

impl Fetcher {
    pub fn new(policy: Arc<Policy>, max_body_bytes: usize) -> Result<Self, FetcherError> {
        let client = Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            // An HTTP(S)_PROXY in the environment would resolve names itself,
            // out of reach of the guarded resolver.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&policy))))
            // A server that does not accept a connection in this time is down;
            // the rest of the request's deadline is better spent reporting it.
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self {
            client,
            policy,
            max_body_bytes,
        })
    }

    /// Downloads `spec.url`, or answers the report that needs no
    /// extraction: why there is nothing to extract, or that the page was
    /// not modified since the caller's validators.
    pub async fn download(&self, spec: &FetchSpec) -> Result<Download, FetchReport> {
        let (response, final_url) = self.follow_redirects(spec).await?;
        let status = response.status();
        let validators = Validators::from_response(&spec.validators_key, response.headers());
        if status == StatusCode::NOT_MODIFIED && spec.conditional.is_some() {
            let mut report = FetchReport::failed(Outcome::Ok, &final_url, "");
            report.http_status = status.as_u16();
            report.not_modified = true;
            // A 304 may leave out validators that did not change.
            report.validators = validators
                .or_else(|| spec.conditional.clone())
                .map(|validators| validators.to_token())
                .unwrap_or_default();
            return Err(report);
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let failed = |outcome, detail: String| {
            let mut report = FetchReport::failed(outcome, &final_url, detail);
            report.http_status = status.as_u16();
            report.content_type = content_type.clone();
            report
        };
        if !status.is_success() {
            return Err(unsuccessful(response, &final_url, &content_type).await);
        }
        let declared_kind = declared_kind(&content_type);
        if declared_kind == Some(None) {
            return Err(failed(
                Outcome::UnsupportedContent,
                format!("cannot extract text from content of type {content_type}"),
            ));
        }
        let body = self.read_page(response, &final_url, failed).await?;
        let Some(kind) = declared_kind.flatten().or_else(|| sniff_kind(&body)) else {
            let mut report = FetchReport::failed(
                Outcome::UnsupportedContent,
                &final_url,
                "the response has no content type and does not look like text",
            );
            report.http_status = status.as_u16();
            report.body_bytes = body.len() as u64;
            return Err(report);
        };
        Ok(Download {
            status,
            final_url,
            body: decode(&body, &content_type, kind == ContentKind::Html),
            body_bytes: body.len() as u64,
            body_digest: body_digest(&content_type, &body),
            validators: validators
                .map(|validators| validators.to_token())
                .unwrap_or_default(),
            content_type,
            kind,
        })
    }

    /// The body of a successful response, within the size limit.
    async fn read_page(
        &self,
        response: Response,
        final_url: &Url,
        failed: impl Fn(Outcome, String) -> FetchReport,
    ) -> Result<Vec<u8>, FetchReport> {
        match read_body(response, self.max_body_bytes, false).await {
            Ok((body, _)) => Ok(body),
            Err(BodyError::TooLarge { read }) => {
                let limit = self.max_body_bytes;
                let mut report = failed(
                    Outcome::TooLarge,
                    format!("the page is larger than the limit of {limit} bytes"),
                );
                report.body_bytes = read as u64;
                Err(report)
            }
            Err(BodyError::Network(error)) => {
                let transport = transport_report(&error, final_url, false);
                Err(failed(transport.outcome, transport.detail))
            }
        }
    }

    async fn follow_redirects(&self, spec: &FetchSpec) -> Result<(Response, Url), FetchReport> {
        let mut url = spec.url.clone();
        for hop in 0..=MAX_REDIRECTS {
            let redirected = hop > 0;
            if let Err(error) = netguard::check_literal_host(&self.policy, &url) {
                return Err(guard_report(&error, &url, redirected));
            }
            let mut request = self.client.get(url.clone());
            // Cookies and tokens meant for the monitored site must not follow
            // a redirect to someone else.
            if url.origin() == spec.url.origin() {
                request = request.headers(with_cookies(&spec.headers, spec.cookie_header()));
            }
            // The caller's validators belong to the URL it asked for, not to
            // where it redirects.
            if let (false, Some(conditional)) = (redirected, &spec.conditional) {
                request = request.headers(conditional.conditional_headers());
            }
            let response = request
                .send()
                .await
                .map_err(|error| transport_report(&error, &url, redirected))?;
            let status = response.status();
            let location = response.headers().get(LOCATION).cloned();
            let (true, Some(location)) = (status.is_redirection(), location) else {
                return Ok((response, url));
            };
            let failed = |detail: String| {
                let mut report = FetchReport::failed(Outcome::HttpError, &url, detail);
                report.http_status = status.as_u16();
                report
            };
            if hop == MAX_REDIRECTS {
                return Err(failed(format!(
                    "the page redirected more than {MAX_REDIRECTS} times"
                )));
            }
            let next = location
                .to_str()
                .ok()
                .and_then(|location| url.join(location).ok());
            let Some(next) = next else {
                return Err(failed(
                    "the page redirected to an invalid location".to_owned(),
                ));
            };
            url = next;
        }
        // The loop returns on every path; this keeps the compiler honest.
        Err(FetchReport::failed(
            Outcome::HttpError,
            &url,
            format!("the page redirected more than {MAX_REDIRECTS} times"),
        ))
    }
}

/// `Some(None)` when the declared type is not text; `None` when there is no
/// declared type to go by.
fn declared_kind(content_type: &str) -> Option<Option<ContentKind>> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence.is_empty() || essence == "application/octet-stream" {
        return None;
    }
    Some(match essence.as_str() {
        "text/html" | "application/xhtml+xml" => Some(ContentKind::Html),
        "application/json" | "text/json" => Some(ContentKind::Json),
        json if json.ends_with("+json") => Some(ContentKind::Json),
        "application/xml" | "text/xml" => Some(ContentKind::Xml),
        xml if xml.ends_with("+xml") => Some(ContentKind::Xml),
        "application/javascript" => Some(ContentKind::Text),
        text if text.starts_with("text/") => Some(ContentKind::Text),
        _ => None,
    })
}

fn sniff_kind(body: &[u8]) -> Option<ContentKind> {
    let text = std::str::from_utf8(&body[..body.len().min(4096)]).ok()?;
    let start = text.trim_start();
    if start.starts_with('<') {
        Some(ContentKind::Html)
    } else if start.starts_with('{') || start.starts_with('[') {
        Some(ContentKind::Json)
    } else if text.chars().all(|c| !c.is_control() || c.is_whitespace()) {
        Some(ContentKind::Text)
    } else {
        None
    }
}

enum BodyError {
    TooLarge { read: usize },
    Network(reqwest::Error),
}

/// Reads at most `limit` bytes, streaming, so a huge body is never held.
/// With `truncate` the first `limit` bytes are returned instead of an error.
/// Why a response with an unsuccessful status has nothing to extract: its
/// status, or the bot wall or missing page its first bytes show.
async fn unsuccessful(response: Response, final_url: &Url, content_type: &str) -> FetchReport {
    let status = response.status();
    let headers = response.headers().clone();
    let sniff = if needs_body(status) {
        let (bytes, _) = read_body(response, CHALLENGE_SNIFF_BYTES, true)
            .await
            .unwrap_or_default();
        decode(&bytes, content_type, true)
    } else {
        String::new()
    };
    let outcome = status_outcome(status, &headers, &sniff).unwrap_or(Outcome::HttpError);
    let mut report = FetchReport::failed(outcome, final_url, status_detail(outcome, status));
    report.http_status = status.as_u16();
    report.content_type = content_type.to_owned();
    report
}

async fn read_body(
    mut response: Response,
    limit: usize,
    truncate: bool,
) -> Result<(Vec<u8>, bool), BodyError> {
    if !truncate
        && let Some(length) = response.content_length()
        && length > limit as u64
    {
        return Err(BodyError::TooLarge { read: 0 });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Network)? {
        if body.len() + chunk.len() > limit {
            if truncate {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..room]);
                return Ok((body, true));
            }
            return Err(BodyError::TooLarge {
                read: body.len() + chunk.len(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// A netguard refusal as a report the user can read.
fn guard_report(error: &GuardError, url: &Url, redirected: bool) -> FetchReport {
    let outcome = match error {
        GuardError::Resolve { .. } | GuardError::NoAddresses { .. } => Outcome::NetworkError,
        _ => Outcome::ForbiddenDestination,
    };
    let detail = if redirected {
        format!("the page redirected to {url}, which was refused: {error}")
    } else {
        error.to_string()
    };
    FetchReport::failed(outcome, url, detail)
}

/// A failed request as a report; refusals by the guarded resolver are found
/// in the error's source chain.
fn transport_report(error: &reqwest::Error, url: &Url, redirected: bool) -> FetchReport {
    let mut source = error.source();
    while let Some(current) = source {
        if let Some(guard) = current.downcast_ref::<GuardError>() {
            return guard_report(guard, url, redirected);
        }
        source = current.source();
    }
    let host = url.host_str().unwrap_or_default();
    if error.is_timeout() {
        return FetchReport::failed(
            Outcome::Timeout,
            url,
            format!("{host} did not answer in time"),
        );
    }
    let cause = root_cause(error);
    let detail = if error.is_connect() {
        format!("could not connect to {host}: {cause}")
    } else if error.is_body() || error.is_decode() {
        format!("the connection to {host} broke while reading the page: {cause}")
    } else {
        format!("the request to {host} failed: {cause}")
    };
    FetchReport::failed(Outcome::NetworkError, url, detail)
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// The monitor's headers with its cookies folded into one `Cookie` header
/// (after any cookie header the monitor sets itself), as RFC 6265 asks.
fn with_cookies(headers: &HeaderMap, cookies: Option<String>) -> HeaderMap {
    let mut headers = headers.clone();
    let Some(cookies) = cookies else {
        return headers;
    };
    let joined = match headers.get(COOKIE).and_then(|value| value.to_str().ok()) {
        Some(existing) => format!("{existing}; {cookies}"),
        None => cookies,
    };
    // Names and values were checked as cookie octets, so this cannot fail.
    if let Ok(mut value) = HeaderValue::from_str(&joined) {
        value.set_sensitive(true);
        headers.insert(COOKIE, value);
    }
    headers
}
