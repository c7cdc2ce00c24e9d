//! The gRPC edge: validates a `FetchRequest` into a [`FetchSpec`], runs the
//! pipeline, and turns the [`FetchReport`] into a `FetchResponse`.

use std::sync::Arc;
use std::time::Duration;

use api_proto::browser::v1::browser_server::Browser;
use api_proto::browser::v1::{FetchOutcome, FetchRequest, FetchResponse};
use mesh::internal_auth::{Caller, CallerPolicy, GATEWAY, SCHEDULER};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use selection::{Kind, Selector};
use tonic::{Request, Response, Status};

use crate::domain::{Cookie, Extraction, FetchReport, FetchSpec, Outcome, Step, Wait};
use crate::error::ServiceError;
use crate::pipeline::Pipeline;
use crate::render::MAX_WAIT;

/// A caller may shorten the deadline freely but lengthen it only this far, so
/// one request cannot hold a worker for minutes.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(120);

const MAX_HEADERS: usize = 32;
const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;

/// Headers that change framing or routing of the request rather than describe
/// what the caller wants; letting a caller set them invites request smuggling.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "expect",
    "proxy-authorization",
    "proxy-connection",
];

/// The gateway fetches for previews, the scheduler for checks.
pub const CALLERS: CallerPolicy =
    CallerPolicy::new(&[("/browser.v1.Browser/Fetch", &[GATEWAY, SCHEDULER])]);

pub struct BrowserService {
    pipeline: Arc<Pipeline>,
    default_timeout: Duration,
}

impl BrowserService {
    pub fn new(pipeline: Arc<Pipeline>, default_timeout: Duration) -> Self {
        Self {
            pipeline,
            default_timeout,
        }
    }
}

#[tonic::async_trait]
impl Browser for BrowserService {
    async fn fetch(
        &self,
        request: Request<FetchRequest>,
    ) -> Result<Response<FetchResponse>, Status> {
        let caller = request
            .extensions()
            .get::<Caller>()
            .map(|caller| caller.0.clone())
            .unwrap_or_else(|| "unknown".to_owned());
        let spec = parse_request(request.into_inner(), self.default_timeout)?;
        if spec.wants_render() && !self.pipeline.can_render() {
            return Err(ServiceError::RenderingUnavailable.into());
        }
        let report = self
            .pipeline
            .fetch(&spec)
            .await
            .map_err(|_busy| ServiceError::RenderersBusy)?;
        // The host only: paths and queries may carry tokens, headers carry cookies.
        tracing::info!(
            caller = %caller,
            host = spec.url.host_str().unwrap_or_default(),
            outcome = ?report.outcome,
            http_status = report.http_status,
            fetch_ms = report.fetch_ms,
            body_bytes = report.body_bytes,
            render = spec.wants_render(),
            steps = spec.steps.len(),
            "fetch"
        );
        Ok(Response::new(to_response(
            report,
            spec.previous_text_sha256.as_deref(),
        )))
    }
}

/// Validates every field; the error names the field at fault.
pub fn parse_request(
    request: FetchRequest,
    default_timeout: Duration,
) -> Result<FetchSpec, ServiceError> {
    let url = netguard::parse_url(&request.url)
        .map_err(|error| ServiceError::invalid("url", error.to_string()))?;

    let extraction = Extraction {
        html: one_selector([
            ("css_selector", Kind::Css, &request.css_selector),
            ("xpath", Kind::XPath, &request.xpath),
        ])?,
        json: one_selector([
            ("json_pointer", Kind::JsonPointer, &request.json_pointer),
            ("json_path", Kind::JsonPath, &request.json_path),
            ("jq_filter", Kind::Jq, &request.jq_filter),
        ])?,
    };

    if request.headers.len() > MAX_HEADERS {
        return Err(ServiceError::invalid(
            "headers",
            format!("at most {MAX_HEADERS} headers are accepted"),
        ));
    }
    let mut headers = HeaderMap::new();
    for header in request.headers {
        let name = HeaderName::from_bytes(header.name.trim().as_bytes()).map_err(|_| {
            ServiceError::invalid(
                "headers",
                format!("{:?} is not a valid header name", header.name),
            )
        })?;
        if RESERVED_HEADERS.contains(&name.as_str()) {
            return Err(ServiceError::invalid(
                "headers",
                format!("the {name} header cannot be set"),
            ));
        }
        // The value may be a cookie: never echo it.
        if header.value.len() > MAX_HEADER_VALUE_BYTES {
            return Err(ServiceError::invalid(
                "headers",
                format!("the value of {name} is longer than {MAX_HEADER_VALUE_BYTES} bytes"),
            ));
        }
        let mut value = HeaderValue::from_str(&header.value).map_err(|_| {
            ServiceError::invalid(
                "headers",
                format!("the value of {name} is not a valid header value"),
            )
        })?;
        value.set_sensitive(true);
        headers.append(name, value);
    }

    let wait = parse_wait(&request.wait_for)?;
    let cookies = parse_cookies(request.cookies)?;
    let steps = parse_steps(request.steps)?;
    let previous_text_sha256 = match request.previous_content_hash.as_str() {
        "" => None,
        hash if hash.len() == 64
            && hash
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)) =>
        {
            Some(hash.to_owned())
        }
        _ => {
            return Err(ServiceError::invalid(
                "previous_content_hash",
                "must be a lowercase hex SHA-256 (64 characters)",
            ));
        }
    };
    let validators_key = crate::validators::request_key(
        &request.url,
        &[
            &request.css_selector,
            &request.xpath,
            &request.json_pointer,
            &request.json_path,
            &request.jq_filter,
        ],
    );
    // A rendered page can change while its HTML does not, so only a plain
    // fetch, with a text to stand for the page, is made conditional.
    let renders = request.render || request.screenshot || !steps.is_empty();
    let conditional = if previous_text_sha256.is_some() && !renders {
        crate::validators::Validators::from_token(&request.previous_validators, &validators_key)
    } else {
        None
    };
    let timeout = match request.timeout_ms {
        0 => default_timeout,
        ms => Duration::from_millis(u64::from(ms)).min(MAX_TIMEOUT),
    };
    Ok(FetchSpec {
        url,
        extraction,
        headers,
        render: request.render,
        screenshot: request.screenshot,
        wait,
        timeout,
        cookies,
        steps,
        previous_text_sha256,
        validators_key,
        conditional,
    })
}

const MAX_COOKIES: usize = 50;
const MAX_STEP_TEXT: usize = 2000;

/// RFC 6265 cookie names (tokens) and values (cookie octets); the errors
/// name the cookie, never its value.
fn parse_cookies(
    cookies: Vec<api_proto::browser::v1::Cookie>,
) -> Result<Vec<Cookie>, ServiceError> {
    if cookies.len() > MAX_COOKIES {
        return Err(ServiceError::invalid(
            "cookies",
            format!("at most {MAX_COOKIES} cookies are accepted"),
        ));
    }
    cookies
        .into_iter()
        .map(|cookie| {
            if HeaderName::from_bytes(cookie.name.as_bytes()).is_err() {
                return Err(ServiceError::invalid(
                    "cookies",
                    format!("{:?} is not a valid cookie name", cookie.name),
                ));
            }
            let octets = cookie.value.bytes().all(
                |byte| matches!(byte, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E),
            );
            if !octets || cookie.value.len() > MAX_HEADER_VALUE_BYTES {
                return Err(ServiceError::invalid(
                    "cookies",
                    format!(
                        "the value of cookie {} is not a valid cookie value",
                        cookie.name
                    ),
                ));
            }
            Ok(Cookie {
                name: cookie.name,
                value: cookie.value,
            })
        })
        .collect()
}

/// Browser steps; an error names the step by its position from 1.
fn parse_steps(steps: Vec<api_proto::browser::v1::BrowserStep>) -> Result<Vec<Step>, ServiceError> {
    if steps.len() > crate::steps::MAX_STEPS {
        return Err(ServiceError::invalid(
            "steps",
            format!("at most {} steps are accepted", crate::steps::MAX_STEPS),
        ));
    }
    steps
        .into_iter()
        .enumerate()
        .map(|(position, step)| {
            parse_step(step).map_err(|reason| {
                ServiceError::invalid("steps", format!("step {}: {reason}", position + 1))
            })
        })
        .collect()
}

fn parse_step(step: api_proto::browser::v1::BrowserStep) -> Result<Step, String> {
    let selector = || -> Result<String, String> {
        let selector = step.selector.trim();
        if selector.is_empty() || selector.len() > MAX_STEP_TEXT {
            return Err("needs a CSS selector".to_owned());
        }
        Selector::parse(Kind::Css, selector).map_err(|error| error.message)?;
        Ok(selector.to_owned())
    };
    if step.value.len() > MAX_STEP_TEXT {
        return Err(format!("the value is longer than {MAX_STEP_TEXT} bytes"));
    }
    match step.action.as_str() {
        "goto" => netguard::parse_url(&step.value)
            .map(Step::Goto)
            .map_err(|error| error.to_string()),
        "fill" => Ok(Step::Fill {
            selector: selector()?,
            value: step.value,
        }),
        "click" => Ok(Step::Click {
            selector: selector()?,
        }),
        "press" => {
            if chromiumoxide::keys::get_key_definition(&step.value).is_none() {
                return Err(format!("{:?} is not a known key", step.value));
            }
            Ok(Step::Press { key: step.value })
        }
        "wait_for" => Ok(Step::WaitFor {
            selector: selector()?,
        }),
        "wait" => {
            let ms = u64::from(step.ms);
            if u128::from(ms) > MAX_WAIT.as_millis() {
                return Err(format!(
                    "wait at most {} milliseconds",
                    MAX_WAIT.as_millis()
                ));
            }
            Ok(Step::Wait(Duration::from_millis(ms)))
        }
        other => Err(format!(
            "{other:?} is not a step; use goto, fill, click, press, wait_for or wait"
        )),
    }
}

/// Empty: network idle; digits: milliseconds; anything else: a CSS selector.
fn parse_wait(wait_for: &str) -> Result<Wait, ServiceError> {
    let wait_for = wait_for.trim();
    if wait_for.is_empty() {
        return Ok(Wait::NetworkIdle);
    }
    if wait_for.bytes().all(|byte| byte.is_ascii_digit()) {
        let cap = MAX_WAIT.as_millis();
        return match wait_for.parse::<u64>() {
            Ok(ms) if u128::from(ms) <= cap => Ok(Wait::Delay(Duration::from_millis(ms))),
            _ => Err(ServiceError::invalid(
                "wait_for",
                format!("wait at most {cap} milliseconds"),
            )),
        };
    }
    Selector::parse(Kind::Css, wait_for)
        .map_err(|error| ServiceError::invalid("wait_for", error.to_string()))?;
    Ok(Wait::Selector(wait_for.to_owned()))
}

/// Parses the one selector of a family that is set; more than one is refused
/// because which of them should win is the caller's decision, not ours.
fn one_selector<const N: usize>(
    fields: [(&'static str, Kind, &String); N],
) -> Result<Option<Selector>, ServiceError> {
    let mut chosen: Option<(&'static str, Selector)> = None;
    for (field, kind, expression) in fields {
        if expression.trim().is_empty() {
            continue;
        }
        if let Some((other, _)) = &chosen {
            return Err(ServiceError::invalid(
                field,
                format!("set either {other} or {field}, not both"),
            ));
        }
        let selector = Selector::parse(kind, expression)
            .map_err(|error| ServiceError::invalid(field, error.message))?;
        chosen = Some((field, selector));
    }
    Ok(chosen.map(|(_, selector)| selector))
}

/// The answer to a fetch; a page whose text the caller already has (its
/// hash is `previous_text_sha256`) goes without the text.
pub fn to_response(report: FetchReport, previous_text_sha256: Option<&str>) -> FetchResponse {
    // A 304 is only possible for a conditional fetch, and the same body only
    // for a fetch that has a previous text.
    let text_sha256 = match (
        report.not_modified || report.same_body,
        previous_text_sha256,
    ) {
        (true, Some(previous)) => previous.to_owned(),
        _ => report.text_sha256,
    };
    let text_omitted =
        report.outcome == Outcome::Ok && previous_text_sha256 == Some(text_sha256.as_str());
    FetchResponse {
        outcome: outcome_to_proto(report.outcome) as i32,
        http_status: u32::from(report.http_status),
        final_url: report.final_url,
        content_type: report.content_type,
        text: if text_omitted {
            String::new()
        } else {
            report.text
        },
        text_omitted,
        text_sha256,
        body_bytes: report.body_bytes,
        fetch_ms: report.fetch_ms,
        title: report.title.unwrap_or_default(),
        detail: report.detail,
        screenshot_png: report.screenshot_png,
        failed_step: report.failed_step,
        validators: report.validators,
        not_modified: report.not_modified,
        same_body: report.same_body,
    }
}

fn outcome_to_proto(outcome: Outcome) -> FetchOutcome {
    match outcome {
        Outcome::Ok => FetchOutcome::Ok,
        Outcome::HttpError => FetchOutcome::HttpError,
        Outcome::BlockedByBotWall => FetchOutcome::BlockedByBotWall,
        Outcome::PageGone => FetchOutcome::PageGone,
        Outcome::SoftNotFound => FetchOutcome::SoftNotFound,
        Outcome::Empty => FetchOutcome::Empty,
        Outcome::SelectorNotFound => FetchOutcome::SelectorNotFound,
        Outcome::Timeout => FetchOutcome::Timeout,
        Outcome::NetworkError => FetchOutcome::NetworkError,
        Outcome::ForbiddenDestination => FetchOutcome::ForbiddenDestination,
        Outcome::TooLarge => FetchOutcome::TooLarge,
        Outcome::UnsupportedContent => FetchOutcome::UnsupportedContent,
        Outcome::StepFailed => FetchOutcome::StepFailed,
    }
}
