//! A monitor's render options: what the render waits for, cookies for the
//! page's host, and browser steps. Cookie values and the text a `fill` step
//! types are secrets (sessions, passwords): sealed like header values
//! (`secret-box`), masked in responses, opened only to send them.
//!
//! The limits match the browser's, so what is accepted here runs there.

use secrecy::{ExposeSecret, SecretString};
use secret_box::SecretBox;
use selection::{Kind, Selector};
use store::monitors::{STEP_PURPOSE, StoredStep};

use super::destination::checked_destination;
use super::monitor_headers::{HeaderSecretError, MASK, Submitted, SubmittedHeader};
use super::{Problems, Rules};

/// A render waits at most this long (the browser's cap).
pub const MAX_WAIT_MS: u64 = 10_000;
pub const MAX_COOKIES: usize = 50;
const MAX_COOKIE_VALUE: usize = 4096;
/// A login or a consent wall takes a handful of steps; more is a script.
pub const MAX_STEPS: usize = 20;
const MAX_STEP_SELECTOR: usize = 500;
const MAX_STEP_VALUE: usize = 1000;
/// Keys a `press` step may name (what a login or consent form needs).
pub const KEYS: &[&str] = &[
    "Enter",
    "Tab",
    "Escape",
    "Space",
    "Backspace",
    "ArrowDown",
    "ArrowUp",
    "ArrowLeft",
    "ArrowRight",
    "PageDown",
    "PageUp",
    "Home",
    "End",
];

/// Empty: network idle; digits: milliseconds (at most [`MAX_WAIT_MS`]);
/// otherwise a CSS selector that must parse.
pub fn wait_for(input: Option<&str>) -> Result<Option<String>, String> {
    let Some(value) = input.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    if value.bytes().all(|byte| byte.is_ascii_digit()) {
        return match value.parse::<u64>() {
            Ok(ms) if ms <= MAX_WAIT_MS => Ok(Some(ms.to_string())),
            _ => Err(format!(
                "wait at most {MAX_WAIT_MS} milliseconds, or give a CSS selector"
            )),
        };
    }
    if value.chars().count() > MAX_STEP_SELECTOR {
        return Err(format!("must be at most {MAX_STEP_SELECTOR} characters"));
    }
    Selector::parse(Kind::Css, value).map_err(|error| {
        format!(
            "is neither milliseconds nor a CSS selector: {}",
            error.message
        )
    })?;
    Ok(Some(value.to_owned()))
}

/// Cookies as `(name, value)`: RFC 6265 names and values, at most
/// [`MAX_COOKIES`]. A value equal to [`MASK`] keeps the stored one.
pub fn cookies(input: Vec<(String, String)>) -> Result<Vec<SubmittedHeader>, String> {
    if input.len() > MAX_COOKIES {
        return Err(format!("at most {MAX_COOKIES} cookies are allowed"));
    }
    let mut cookies = Vec::with_capacity(input.len());
    for (name, value) in input {
        let name = name.trim().to_owned();
        if name.is_empty() || http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(format!("{name:?} is not a valid cookie name"));
        }
        if cookies
            .iter()
            .any(|cookie: &SubmittedHeader| cookie.name == name)
        {
            return Err(format!("cookie {name} is set twice"));
        }
        let value = if value == MASK {
            Submitted::Keep
        } else {
            if value.len() > MAX_COOKIE_VALUE {
                return Err(format!(
                    "the value of cookie {name} is longer than {MAX_COOKIE_VALUE} bytes"
                ));
            }
            if !value.bytes().all(is_cookie_octet) {
                return Err(format!(
                    "the value of cookie {name} may hold only visible ASCII without spaces, quotes, commas, semicolons or backslashes"
                ));
            }
            Submitted::New(SecretString::from(value))
        };
        cookies.push(SubmittedHeader { name, value });
    }
    Ok(cookies)
}

/// RFC 6265 `cookie-octet`.
fn is_cookie_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// A step as a client sent it.
#[derive(Clone)]
pub struct StepInput {
    pub action: String,
    pub selector: Option<String>,
    pub value: Option<String>,
    pub ms: Option<u64>,
}

/// A validated step; a `fill` value may be [`Submitted::Keep`].
#[derive(Clone)]
pub struct SubmittedStep {
    pub action: &'static str,
    pub selector: Option<String>,
    /// The URL of a `goto`, the key of a `press`.
    pub text: Option<String>,
    pub fill: Option<Submitted>,
    pub ms: Option<u32>,
}

/// Validates every step, recording each problem under `steps[i]` (from 0),
/// so a client learns which step is wrong. `None` when any is.
pub async fn steps(
    rules: &Rules,
    problems: &mut Problems,
    input: Vec<StepInput>,
) -> Option<Vec<SubmittedStep>> {
    if input.len() > MAX_STEPS {
        problems.check::<()>(
            "steps",
            Err(format!("at most {MAX_STEPS} steps are allowed")),
        );
        return None;
    }
    let mut steps = Vec::with_capacity(input.len());
    let mut valid = true;
    for (index, step) in input.into_iter().enumerate() {
        let field = format!("steps[{index}]");
        match one_step(rules, step).await {
            Ok(step) => steps.push(step),
            Err(message) => {
                valid = false;
                problems.check::<()>(&field, Err(message));
            }
        }
    }
    valid.then_some(steps)
}

async fn one_step(rules: &Rules, step: StepInput) -> Result<SubmittedStep, String> {
    let selector = |required: bool| -> Result<Option<String>, String> {
        let value = step
            .selector
            .as_deref()
            .map(str::trim)
            .filter(|value| !value.is_empty());
        let Some(value) = value else {
            return if required {
                Err(format!("{} needs a selector", step.action))
            } else {
                Ok(None)
            };
        };
        if value.chars().count() > MAX_STEP_SELECTOR {
            return Err(format!(
                "the selector must be at most {MAX_STEP_SELECTOR} characters"
            ));
        }
        Selector::parse(Kind::Css, value)
            .map_err(|error| format!("the selector is not valid CSS: {}", error.message))?;
        Ok(Some(value.to_owned()))
    };
    let value = step.value.clone().unwrap_or_default();
    if value.chars().count() > MAX_STEP_VALUE {
        return Err(format!(
            "the value must be at most {MAX_STEP_VALUE} characters"
        ));
    }
    let blank = |action: &'static str| SubmittedStep {
        action,
        selector: None,
        text: None,
        fill: None,
        ms: None,
    };
    match step.action.as_str() {
        "goto" => {
            let (url, _) = checked_destination(&rules.destination_policy, &value)
                .await
                .map_err(|message| format!("goto: the URL {message}"))?;
            Ok(SubmittedStep {
                text: Some(url.into()),
                ..blank("goto")
            })
        }
        "fill" => {
            if value.chars().any(char::is_control) {
                return Err("the value must not contain control characters".to_owned());
            }
            let fill = if value == MASK {
                Submitted::Keep
            } else {
                Submitted::New(SecretString::from(value))
            };
            Ok(SubmittedStep {
                selector: selector(true)?,
                fill: Some(fill),
                ..blank("fill")
            })
        }
        "click" => Ok(SubmittedStep {
            selector: selector(true)?,
            ..blank("click")
        }),
        "press" => {
            let key = KEYS
                .iter()
                .find(|key| **key == value)
                .ok_or_else(|| format!("press needs one of the keys {}", KEYS.join(", ")))?;
            Ok(SubmittedStep {
                text: Some((*key).to_owned()),
                ..blank("press")
            })
        }
        "wait_for" => Ok(SubmittedStep {
            selector: selector(true)?,
            ..blank("wait_for")
        }),
        "wait" => {
            let ms = step.ms.ok_or("wait needs ms")?;
            if ms > MAX_WAIT_MS {
                return Err(format!("wait at most {MAX_WAIT_MS} milliseconds"));
            }
            Ok(SubmittedStep {
                ms: u32::try_from(ms).ok(),
                ..blank("wait")
            })
        }
        other => Err(format!(
            "{other:?} is not a step: use goto, fill, click, press, wait_for or wait"
        )),
    }
}

/// The stored `fill` step a masked value stands for: the one with the same selector.
fn stored_fill<'a>(existing: &'a [StoredStep], selector: Option<&str>) -> Option<&'a StoredStep> {
    existing
        .iter()
        .find(|step| step.action == "fill" && step.selector.as_deref() == selector)
}

/// The steps to store, fill values sealed; a masked fill value keeps the
/// stored value of the fill step with the same selector.
pub fn seal_steps(
    secret_box: &SecretBox,
    submitted: Vec<SubmittedStep>,
    existing: &[StoredStep],
) -> Result<Vec<StoredStep>, HeaderSecretError> {
    submitted
        .into_iter()
        .map(|step| {
            let secret = match &step.fill {
                None => None,
                Some(Submitted::New(value)) => Some(
                    secret_box
                        .seal(STEP_PURPOSE, value.expose_secret())
                        .map_err(HeaderSecretError::Seal)?,
                ),
                Some(Submitted::Keep) => Some(
                    stored_fill(existing, step.selector.as_deref())
                        .and_then(|stored| stored.secret.clone())
                        .ok_or_else(|| nothing_to_keep(&step))?,
                ),
            };
            Ok(StoredStep {
                action: step.action.to_owned(),
                selector: step.selector,
                text: step.text,
                secret,
                ms: step.ms,
            })
        })
        .collect()
}

fn nothing_to_keep(step: &SubmittedStep) -> HeaderSecretError {
    HeaderSecretError::NothingToKeep(format!(
        "the fill step on {}",
        step.selector.as_deref().unwrap_or_default()
    ))
}

/// A step ready to send, fill value in clear.
#[derive(Clone)]
pub struct OpenStep {
    pub action: String,
    pub selector: String,
    /// The text a fill types, the URL of a goto, the key of a press.
    pub value: SecretString,
    pub ms: u32,
}

/// Stored steps with their fill values opened, for the fetch that runs them.
pub fn open_steps(
    secret_box: &SecretBox,
    stored: &[StoredStep],
) -> Result<Vec<OpenStep>, HeaderSecretError> {
    stored
        .iter()
        .map(|step| {
            let value = match &step.secret {
                Some(sealed) => secret_box.open(STEP_PURPOSE, sealed).map_err(|source| {
                    HeaderSecretError::Unreadable {
                        name: format!("fill {}", step.selector.as_deref().unwrap_or_default()),
                        source,
                    }
                })?,
                None => SecretString::from(step.text.clone().unwrap_or_default()),
            };
            Ok(OpenStep {
                action: step.action.clone(),
                selector: step.selector.clone().unwrap_or_default(),
                value,
                ms: step.ms.unwrap_or_default(),
            })
        })
        .collect()
}

/// Submitted steps with masked fill values replaced by the stored ones,
/// opened: what a preview sends.
pub fn open_submitted_steps(
    secret_box: &SecretBox,
    submitted: Vec<SubmittedStep>,
    existing: &[StoredStep],
) -> Result<Vec<OpenStep>, HeaderSecretError> {
    let sealed = seal_steps(secret_box, submitted, existing)?;
    open_steps(secret_box, &sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_for_is_milliseconds_up_to_the_cap_or_a_selector() {
        assert_eq!(wait_for(Some(" 2500 ")).unwrap().as_deref(), Some("2500"));
        assert_eq!(wait_for(Some("")).unwrap(), None);
        assert!(wait_for(Some("10001")).is_err());
        assert_eq!(wait_for(Some("#ready")).unwrap().as_deref(), Some("#ready"));
        assert!(wait_for(Some("div[")).is_err());
    }

    #[test]
    fn cookie_values_are_cookie_octets_and_the_mask_keeps() {
        assert!(cookies(vec![("sid".into(), "a1b2".into())]).is_ok());
        assert!(cookies(vec![("sid".into(), "a b".into())]).is_err());
        assert!(cookies(vec![("sid".into(), "a;b".into())]).is_err());
        assert!(cookies(vec![("bad name".into(), "x".into())]).is_err());
        let kept = cookies(vec![("sid".into(), MASK.into())]).unwrap();
        assert!(matches!(kept[0].value, Submitted::Keep));
    }
}
