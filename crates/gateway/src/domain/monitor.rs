//! Field rules of a monitor.

use secrecy::SecretString;

use selection::{Family, Kind, Selector};

use super::destination::checked_destination;
use super::monitor_headers::{MASK, Submitted, SubmittedHeader};
use super::{Problems, Rules};

pub const MAX_NAME: usize = 200;
pub const MAX_SELECTOR: usize = 500;
pub const MAX_POINTER: usize = 500;
pub const MAX_CONDITION: usize = 2000;
/// Checking less often than monthly is not monitoring.
pub const MAX_INTERVAL_SECONDS: i64 = 30 * 24 * 3600;
/// The interval when a client does not choose one.
pub const DEFAULT_INTERVAL_SECONDS: i64 = 3600;
pub const MAX_HEADERS: usize = 20;
const MAX_HEADER_VALUE: usize = 4096;
/// Headers the fetcher sets itself; letting users set them would allow
/// request smuggling or routing to another virtual host than the URL's.
const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
];

/// The URL, parsed, normalised and with an acceptable destination.
pub async fn url(rules: &Rules, input: &str) -> Result<String, String> {
    let (url, _) = checked_destination(&rules.destination_policy, input).await?;
    Ok(url.into())
}

/// An optional CSS selector that must parse; empty means none.
pub fn css_selector(input: Option<&str>) -> Result<Option<String>, String> {
    selector(Kind::Css, input)
}

/// An optional RFC 6901 JSON pointer; empty means none.
pub fn json_pointer(input: Option<&str>) -> Result<Option<String>, String> {
    selector(Kind::JsonPointer, input)
}

/// An optional selector of `kind`, parsed by the same code the browser runs
/// it with, so what is accepted here is what a check can apply; empty means none.
pub fn selector(kind: Kind, input: Option<&str>) -> Result<Option<String>, String> {
    let Some(expression) = input.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    let limit = match kind {
        Kind::JsonPointer => MAX_POINTER,
        _ => MAX_SELECTOR,
    };
    if expression.chars().count() > limit {
        return Err(format!("must be at most {limit} characters"));
    }
    if expression.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Selector::parse(kind, expression).map_err(|error| error.message)?;
    Ok(Some(expression.to_owned()))
}

/// The API field that holds a selector of `kind`.
pub fn selector_field(kind: Kind) -> &'static str {
    match kind {
        Kind::Css => "css_selector",
        Kind::XPath => "xpath",
        Kind::JsonPointer => "json_pointer",
        Kind::JsonPath => "json_path",
        Kind::Jq => "jq_filter",
    }
}

/// The selectors a request sets, by kind (absent fields are `None`, fields
/// sent empty or `null` are `Some(None)`), validated together: each must
/// parse and at most one per family (HTML: CSS or XPath; JSON: pointer,
/// JSONPath or jq) may hold an expression.
pub fn selectors(
    problems: &mut Problems,
    sent: [(Kind, Option<Option<&str>>); 5],
) -> [(Kind, Option<Option<String>>); 5] {
    let checked = sent.map(|(kind, input)| {
        let value =
            input.and_then(|input| problems.check(selector_field(kind), selector(kind, input)));
        (kind, value)
    });
    for family in [Family::Html, Family::Json] {
        let set: Vec<&'static str> = checked
            .iter()
            .filter(|(kind, value)| kind.family() == family && matches!(value, Some(Some(_))))
            .map(|(kind, _)| selector_field(*kind))
            .collect();
        if let [first, rest @ ..] = set.as_slice()
            && !rest.is_empty()
        {
            problems.check::<()>(
                rest[0],
                Err(format!(
                    "set only one of {} and {}: a monitor has one selector for {}",
                    first,
                    rest.join(" and "),
                    match family {
                        Family::Html => "HTML",
                        Family::Json => "JSON",
                    }
                )),
            );
        }
    }
    checked
}

/// The condition in natural language; empty means "any change".
pub fn condition(input: &str) -> Result<String, String> {
    let condition = input.trim();
    if condition.chars().count() > MAX_CONDITION {
        return Err(format!("must be at most {MAX_CONDITION} characters"));
    }
    Ok(condition.to_owned())
}

pub fn interval_seconds(rules: &Rules, seconds: i64) -> Result<i32, String> {
    let min = i64::from(rules.min_interval_seconds);
    if !(min..=MAX_INTERVAL_SECONDS).contains(&seconds) {
        return Err(format!(
            "must be between {min} and {MAX_INTERVAL_SECONDS} seconds (30 days)"
        ));
    }
    i32::try_from(seconds).map_err(|_| "is out of range".to_owned())
}

/// Failed checks in a row before a "failing" alert, when not given.
pub const DEFAULT_FAILURE_ALERT_AFTER: i64 = 3;
const MAX_FAILURE_ALERT_AFTER: i64 = 100;

/// How many failed checks in a row raise a "failing" alert: 1 to 100, or
/// 0 for never.
pub fn failure_alert_after(count: i64) -> Result<i32, String> {
    if !(0..=MAX_FAILURE_ALERT_AFTER).contains(&count) {
        return Err(format!(
            "must be between 1 and {MAX_FAILURE_ALERT_AFTER} failed checks, or 0 for never"
        ));
    }
    i32::try_from(count).map_err(|_| "is out of range".to_owned())
}

/// The interval for a monitor created without one.
pub fn default_interval_seconds(rules: &Rules) -> i64 {
    DEFAULT_INTERVAL_SECONDS.max(i64::from(rules.min_interval_seconds))
}

/// Extra request headers, as `(name, value)`: at most [`MAX_HEADERS`],
/// names that are HTTP tokens, values without line breaks, none the fetcher
/// owns. A value equal to [`MASK`] keeps the stored one.
pub fn headers(input: Vec<(String, String)>) -> Result<Vec<SubmittedHeader>, String> {
    if input.len() > MAX_HEADERS {
        return Err(format!("at most {MAX_HEADERS} headers are allowed"));
    }
    let mut headers = Vec::with_capacity(input.len());
    for (name, value) in input {
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("{name:?} is not a valid header name"))?;
        if FORBIDDEN_HEADERS.contains(&name.as_str()) {
            return Err(format!("{name} cannot be set on a monitor"));
        }
        let value = if value == MASK {
            Submitted::Keep
        } else {
            if value.len() > MAX_HEADER_VALUE {
                return Err(format!(
                    "the value of {name} is longer than {MAX_HEADER_VALUE} bytes"
                ));
            }
            // Only visible ASCII: obsolete non-ASCII bytes (which `http`
            // still accepts) would let a real value collide with the mask.
            if !value.is_ascii() {
                return Err(format!("the value of {name} must be ASCII"));
            }
            http::HeaderValue::from_str(&value).map_err(|_| {
                format!("the value of {name} contains characters not allowed in a header")
            })?;
            Submitted::New(SecretString::from(value))
        };
        headers.push(SubmittedHeader {
            name: name.as_str().to_owned(),
            value,
        });
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_must_parse() {
        assert_eq!(
            css_selector(Some(" .price ")).unwrap().as_deref(),
            Some(".price")
        );
        assert_eq!(css_selector(Some("")).unwrap(), None);
        assert!(css_selector(Some("div[")).is_err());
    }

    #[test]
    fn pointers_start_with_a_slash() {
        assert_eq!(json_pointer(Some("/a/0")).unwrap().as_deref(), Some("/a/0"));
        assert!(json_pointer(Some("a")).is_err());
    }

    #[test]
    fn headers_the_fetcher_owns_are_refused() {
        let header = |name: &str| vec![(name.to_owned(), "x".to_owned())];
        assert!(headers(header("Cookie")).is_ok());
        assert!(headers(header("Host")).is_err());
        assert!(headers(header("Content-Length")).is_err());
        assert!(headers(header("bad name")).is_err());
    }

    #[test]
    fn the_mask_means_keep_and_other_non_ascii_values_are_refused() {
        let kept = headers(vec![("Cookie".to_owned(), MASK.to_owned())]).unwrap();
        assert!(matches!(kept[0].value, Submitted::Keep));
        assert_eq!(kept[0].name, "cookie");
        assert!(headers(vec![("Cookie".to_owned(), format!("{MASK}x"))]).is_err());
    }
}
