//! Status codes and challenge pages to outcomes.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::domain::Outcome;

/// Phrases that challenge and captcha pages carry; matched case-insensitively
/// in the first part of the body.
const CHALLENGE_MARKERS: &[&str] = &[
    "cf-chl",
    "challenge-platform",
    "captcha",
    "just a moment...",
    "attention required",
    "checking your browser",
    "ddos protection by",
    "verify you are human",
    "are you a robot",
    "access denied | ",
    "px-captcha",
    "perimeterx",
    "datadome",
];

/// Bot walls answer with these statuses; other statuses with the same words
/// are ordinary pages that happen to mention a captcha.
const WALL_STATUSES: &[StatusCode] = &[
    StatusCode::FORBIDDEN,
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::SERVICE_UNAVAILABLE,
];

/// The outcome a non-success status leads to, or `None` for a usable response.
pub fn status_outcome(status: StatusCode, headers: &HeaderMap, body: &str) -> Option<Outcome> {
    if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        return Some(Outcome::PageGone);
    }
    if WALL_STATUSES.contains(&status) && is_challenge(headers, body) {
        return Some(Outcome::BlockedByBotWall);
    }
    if status.as_u16() >= 400 {
        return Some(Outcome::HttpError);
    }
    None
}

/// Whether the body of a non-success response is needed to classify it.
pub fn needs_body(status: StatusCode) -> bool {
    WALL_STATUSES.contains(&status)
}

fn is_challenge(headers: &HeaderMap, body: &str) -> bool {
    let mitigated = headers
        .get("cf-mitigated")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("challenge"));
    if mitigated {
        return true;
    }
    let lowered = body.to_lowercase();
    CHALLENGE_MARKERS
        .iter()
        .any(|marker| lowered.contains(marker))
}

/// A sentence for the user about a status outcome.
pub fn status_detail(outcome: Outcome, status: StatusCode) -> String {
    let status_text = match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    match outcome {
        Outcome::PageGone => format!("the page is gone (the server answered {status_text})"),
        Outcome::BlockedByBotWall => {
            format!("the site answered {status_text} with a bot check or captcha page")
        }
        _ => format!("the server answered {status_text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gone_walls_and_errors_are_told_apart() {
        let none = HeaderMap::new();
        assert_eq!(
            status_outcome(StatusCode::NOT_FOUND, &none, ""),
            Some(Outcome::PageGone)
        );
        assert_eq!(
            status_outcome(StatusCode::GONE, &none, ""),
            Some(Outcome::PageGone)
        );
        assert_eq!(
            status_outcome(
                StatusCode::FORBIDDEN,
                &none,
                "<title>Just a moment...</title>"
            ),
            Some(Outcome::BlockedByBotWall)
        );
        assert_eq!(
            status_outcome(StatusCode::FORBIDDEN, &none, "no entry"),
            Some(Outcome::HttpError)
        );
        assert_eq!(
            status_outcome(StatusCode::INTERNAL_SERVER_ERROR, &none, "captcha"),
            Some(Outcome::HttpError)
        );
        assert_eq!(status_outcome(StatusCode::OK, &none, "captcha"), None);
        let mut mitigated = HeaderMap::new();
        mitigated.insert(
            "cf-mitigated",
            "challenge".parse().unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(
            status_outcome(StatusCode::SERVICE_UNAVAILABLE, &mitigated, ""),
            Some(Outcome::BlockedByBotWall)
        );
    }
}
