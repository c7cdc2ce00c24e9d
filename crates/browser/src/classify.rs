//! Status codes, challenge pages and soft 404s to outcomes.

use std::sync::LazyLock;

use regex::Regex;
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

/// What bot-management vendors put in the challenge pages they answer with
/// 200: script and form addresses rather than wording, which changes with
/// language. Each is also present in ordinary pages of protected sites (a
/// Cloudflare-fronted page loads `challenge-platform` scripts, a contact
/// form embeds hCaptcha), so a marker counts only on a page with little text.
const WALL_MARKERS: &[(&str, &str)] = &[
    ("cdn-cgi/challenge-platform", "Cloudflare"),
    ("cf-chl-", "Cloudflare"),
    ("cf_chl_opt", "Cloudflare"),
    ("cf-browser-verification", "Cloudflare"),
    ("_sec/cp_challenge", "Akamai"),
    ("errors.edgesuite.net", "Akamai"),
    ("captcha-delivery.com", "DataDome"),
    ("px-captcha", "PerimeterX"),
    ("hcaptcha.com/1/api.js", "hCaptcha"),
    ("class=\"h-captcha\"", "hCaptcha"),
    ("google.com/recaptcha", "reCAPTCHA"),
    (
        "challenges.cloudflare.com/turnstile",
        "Cloudflare Turnstile",
    ),
];

/// What challenge pages say, in readable text, when the markup names no vendor.
const WALL_PHRASES: &[&str] = &[
    "verify you are human",
    "checking your browser",
    "checking if the site connection is secure",
    "are you a robot",
    "press & hold",
    "please enable cookies and javascript",
    "access to this page has been denied",
    "you don't have permission to access",
];

/// A challenge page is an interstitial: a title, a sentence, a widget. A page
/// with more readable text than this is content, whatever scripts it loads.
const WALL_MAX_TEXT_CHARS: usize = 2_000;

/// Only the start of a large body is searched: walls are small pages.
const WALL_SNIFF_BYTES: usize = 256 * 1024;

/// A page answered with 200 that is a bot check or captcha instead of the
/// content; returns the sentence for the user.
pub fn bot_wall(source: &str, readable_text: &str) -> Option<String> {
    if readable_text.chars().count() > WALL_MAX_TEXT_CHARS {
        return None;
    }
    let mut end = source.len().min(WALL_SNIFF_BYTES);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let markup = source[..end].to_lowercase();
    let text = readable_text.to_lowercase();
    // Akamai writes its reference address with HTML entities, so markers
    // are looked for in the decoded text too.
    if let Some((_, vendor)) = WALL_MARKERS
        .iter()
        .find(|(marker, _)| markup.contains(marker) || text.contains(marker))
    {
        return Some(format!(
            "the site answered with a {vendor} bot check or captcha instead of the page"
        ));
    }
    let titled_wall = text.starts_with("just a moment") || text.starts_with("attention required");
    (titled_wall || WALL_PHRASES.iter().any(|phrase| text.contains(phrase)))
        .then(|| "the site answered with a bot check or captcha instead of the page".to_owned())
}

/// Words error pages use to say a page does not exist. They are matched in
/// the title and the top headings, where a page says what it is; in the
/// text only of a short page, because an article may quote them.
static NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(page|seite|página|pagina)\b.{0,40}?(\bnot (be )?found\b|could not be found|",
        r"can(no|')t be found|couldn't be found|no longer exists|does not exist|doesn't exist|",
        r"has been (re)?moved|has been deleted|nicht gefunden|introuvable|no encontrada|non trovata)",
        r"|\b(could not|couldn't|cannot|can't|unable to) find (the|this|that) page\b",
        r"|\b404\b.{0,20}\b(not found|error|page)\b|\b(error|page)\b.{0,20}\b404\b",
        r"|^\s*(404|not found)\s*[.!]?\s*$",
    ))
    .unwrap_or_else(|error| unreachable!("the soft 404 pattern is a constant: {error}"))
});

/// Readable text longer than this is content even if it mentions a missing page.
const SOFT_NOT_FOUND_MAX_TEXT_CHARS: usize = 1_500;

/// A page answered with 200 whose title, top heading or (short) text says the
/// page does not exist; returns the sentence for the user.
pub fn soft_not_found(title: Option<&str>, headings: &[String], text: &str) -> Option<String> {
    let says_gone = title.is_some_and(|title| NOT_FOUND.is_match(title))
        || headings.iter().any(|heading| NOT_FOUND.is_match(heading))
        || (text.chars().count() <= SOFT_NOT_FOUND_MAX_TEXT_CHARS
            && text.lines().take(10).any(|line| NOT_FOUND.is_match(line)));
    says_gone.then(|| {
        "the server answered 200 OK, but the page says it does not exist (a soft 404)".to_owned()
    })
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

    #[test]
    fn challenge_pages_served_with_200_are_walls() {
        let cloudflare = r#"<html><head><title>Just a moment...</title></head><body>
            <div id="challenge-body-text">example.com needs to review the security of your connection.</div>
            <script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script></body></html>"#;
        let datadome = r#"<html><body><script>var dd={'rt':'c','cid':'x','host':'geo.captcha-delivery.com'}</script>
            <script src="https://ct.captcha-delivery.com/c.js"></script></body></html>"#;
        let akamai = r#"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>
            You don't have permission to access "http://shop.example/" on this server.<P>
            Reference #18.2f3c1002.1700000000.1a2b3c<P>https://errors.edgesuite.net/18.2f3c1002</BODY></HTML>"#;
        let hcaptcha = r#"<html><body><form><div class="h-captcha" data-sitekey="x"></div></form>
            <script src="https://js.hcaptcha.com/1/api.js" async defer></script></body></html>"#;
        for (page, text, vendor) in [
            (
                cloudflare,
                "Just a moment... example.com needs to review",
                "Cloudflare",
            ),
            (datadome, "", "DataDome"),
            (akamai, "Access Denied You don't have permission", "Akamai"),
            (hcaptcha, "", "hCaptcha"),
        ] {
            let detail = bot_wall(page, text).unwrap_or_default();
            assert!(detail.contains(vendor), "{vendor}: {detail:?}");
        }
        assert!(bot_wall("<p>Verify you are human</p>", "Verify you are human").is_some());
    }

    #[test]
    fn a_long_page_that_loads_a_challenge_script_is_content() {
        let article = "Prices fell again this week. ".repeat(100);
        let page = format!(
            "<html><body><p>{article}</p><script src=\"/cdn-cgi/challenge-platform/scripts/jsd/main.js\"></script></body></html>"
        );
        assert_eq!(bot_wall(&page, &article), None);
    }

    #[test]
    fn soft_404s_are_told_from_pages_that_mention_one() {
        let heading = |text: &str| vec![text.to_owned()];
        assert!(soft_not_found(Some("Page not found – Shop"), &[], "lots of text").is_some());
        assert!(soft_not_found(Some("Shop"), &heading("404 - Not Found"), "").is_some());
        assert!(
            soft_not_found(Some("Shop"), &heading("Oops! We can't find that page."), "").is_some()
        );
        assert!(soft_not_found(None, &[], "Not Found").is_some());
        assert!(
            soft_not_found(
                Some("Shop"),
                &[],
                "Home\nSorry, this page no longer exists.\nFooter"
            )
            .is_some()
        );
        assert!(soft_not_found(Some("Seite nicht gefunden"), &[], "").is_some());
        // Content that only talks about such pages.
        assert!(
            soft_not_found(
                Some("Widget Pro – 99 EUR"),
                &heading("Widget Pro"),
                "In stock"
            )
            .is_none()
        );
        let article = format!(
            "{}\nHow to design a page not found screen",
            "Long read. ".repeat(200)
        );
        assert!(soft_not_found(Some("Design notes"), &heading("Design notes"), &article).is_none());
        assert!(soft_not_found(Some("The 404 best gadgets"), &[], "").is_none());
    }
}
