//! Turning an alert into the words of an email: subject, plain text and HTML.
//! Everything in an alert is untrusted (page text, user-chosen names), so the
//! HTML comes from a template engine that escapes every value, and links are
//! only made from http(s) URLs.

use std::fmt::Write as _;

use crate::domain::{Alert, AlertKind, Digest, RateLinks};
use crate::text::{absolute_link, diff_link, one_line, truncate_chars};

const MAX_SUBJECT_NAME_CHARS: usize = 80;
const MAX_SUBJECT_SUMMARY_CHARS: usize = 100;
const MAX_FIELD_CHARS: usize = 2_000;
/// Long enough to show the change, short enough that the email stays readable;
/// the full diff is one click away in the UI.
const MAX_DIFF_LINES: usize = 60;
const MAX_DIFF_LINE_CHARS: usize = 300;

/// The rendered parts of one email.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Inputs that are not part of the alert.
pub struct Context<'a> {
    /// Absolute http(s) link to the check, already resolved against PUBLIC_BASE_URL.
    pub link: Option<&'a str>,
    /// The check's page at its diff, when the alert carries a diff.
    pub diff_link: Option<&'a str>,
    /// Where users manage their channels.
    pub channels_url: &'a str,
    /// The channel's one-click unsubscribe link, when it has one.
    pub unsubscribe_url: Option<&'a str>,
}

pub fn render(alert: &Alert, context: &Context<'_>) -> Rendered {
    let name = one_line(&alert.monitor_name);
    let name = if name.is_empty() {
        "Your monitor".to_owned()
    } else {
        name
    };
    let summary = one_line(&alert.summary);
    let short_name = truncate_chars(&name, MAX_SUBJECT_NAME_CHARS);
    let short_summary = truncate_chars(&summary, MAX_SUBJECT_SUMMARY_CHARS);

    let (subject, headline) = match alert.kind {
        AlertKind::Triggered => (
            with_summary(
                format!("[Lookout] {short_name}"),
                &short_summary,
                "condition met",
            ),
            format!("{name}: the condition was met."),
        ),
        AlertKind::Failing => (
            with_summary(
                format!("[Lookout] {short_name} is failing"),
                &short_summary,
                "checks keep failing",
            ),
            format!("{name} failed several checks in a row."),
        ),
        AlertKind::Recovered => (
            format!("[Lookout] {short_name} recovered"),
            format!("{name} works again."),
        ),
        AlertKind::Test => (
            if alert.monitor_name.trim().is_empty() {
                "[Lookout] Test notification".to_owned()
            } else {
                format!("[Lookout] Test notification for {short_name}")
            },
            "This is a test notification: this channel receives Lookout alerts.".to_owned(),
        ),
        AlertKind::ConfirmChannel => (
            "[Lookout] Please confirm: may Lookout send alerts to this address?".to_owned(),
            format!(
                "{} asked Lookout to send the alerts of the channel {name} to this address. \
                 Nothing more will be sent here unless you confirm.",
                if summary.is_empty() {
                    "Someone"
                } else {
                    summary.as_str()
                }
            ),
        ),
        AlertKind::ChannelDisabled => (
            format!("[Lookout] The channel {short_name} was turned off"),
            format!(
                "Lookout turned off the channel {name}: its alerts could not be delivered. \
                 Fix the destination, then turn the channel on again and requeue its failed deliveries."
            ),
        ),
    };

    let fields = fields(alert);
    let diff = short_diff(&alert.diff);
    let link_label = match alert.kind {
        AlertKind::ConfirmChannel => "Confirm these alerts",
        AlertKind::ChannelDisabled => "Open your channels in Lookout",
        AlertKind::Test => "Open Lookout",
        _ => "View this check in Lookout",
    };
    // The recipient of a confirmation is not a Lookout user (yet).
    let footer = if alert.kind == AlertKind::ConfirmChannel {
        Footer::Confirmation
    } else {
        Footer::Alert
    };
    let parts = Parts {
        link_label,
        footer,
        rate_links: alert.rate_links.as_ref(),
    };
    Rendered {
        text: text_body(&headline, &fields, diff.as_deref(), parts, context),
        html: html_body(
            &subject,
            &headline,
            &fields,
            diff.as_deref(),
            parts,
            context,
        ),
        subject,
    }
}

/// What the bodies say besides the alert's fields.
#[derive(Clone, Copy)]
struct Parts<'a> {
    /// The words of the main link.
    link_label: &'a str,
    footer: Footer,
    rate_links: Option<&'a RateLinks>,
}

/// What the bottom of an email says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Footer {
    /// Why the recipient gets it, and where channels are managed.
    Alert,
    /// That ignoring it is enough.
    Confirmation,
}

const CONFIRMATION_FOOTER: &str = "If you did not expect this, ignore it: Lookout sends nothing more to this address unless you confirm.";

fn with_summary(prefix: String, summary: &str, fallback: &str) -> String {
    let summary = if summary.is_empty() {
        fallback
    } else {
        summary
    };
    format!("{prefix}: {summary}")
}

/// Label/value pairs shown in both parts, in order; empty values are left out.
fn fields(alert: &Alert) -> Vec<(&'static str, String)> {
    if matches!(
        alert.kind,
        AlertKind::ChannelDisabled | AlertKind::ConfirmChannel
    ) {
        let second = if alert.kind == AlertKind::ConfirmChannel {
            "Asked by"
        } else {
            "Why"
        };
        return [("Channel", &alert.monitor_name), (second, &alert.summary)]
            .into_iter()
            .map(|(label, value)| (label, truncate_chars(value.trim(), MAX_FIELD_CHARS)))
            .filter(|(_, value)| !value.is_empty())
            .collect();
    }
    let checked_at = alert
        .checked_at
        .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    [
        ("Summary", alert.summary.as_str()),
        ("Why", alert.reason.as_str()),
        ("Value", alert.extracted_value.as_str()),
        ("Monitor", alert.monitor_name.as_str()),
        ("Page", alert.url.as_str()),
        ("Condition", alert.condition.as_str()),
        ("Checked at", checked_at.as_str()),
    ]
    .into_iter()
    .map(|(label, value)| (label, truncate_chars(value.trim(), MAX_FIELD_CHARS)))
    .filter(|(_, value)| !value.is_empty())
    .collect()
}

fn text_body(
    headline: &str,
    fields: &[(&'static str, String)],
    diff: Option<&str>,
    parts: Parts<'_>,
    context: &Context<'_>,
) -> String {
    let Parts {
        link_label,
        footer,
        rate_links,
    } = parts;
    let mut text = format!("{headline}\n\n");
    for (label, value) in fields {
        let _ = writeln!(text, "{label}: {value}");
    }
    if let Some(diff) = diff {
        let _ = write!(text, "\nChange:\n{diff}\n");
    }
    if let Some(link) = context.link {
        let _ = write!(text, "\n{link_label}: {link}\n");
    }
    if let Some(diff_link) = context.diff_link {
        let _ = writeln!(text, "See what changed: {diff_link}");
    }
    if footer == Footer::Confirmation {
        let _ = write!(text, "\n-- \n{CONFIRMATION_FOOTER}\n");
        return text;
    }
    if let Some(rate) = rate_links {
        let _ = write!(
            text,
            "\nWas this alert useful? Tell Lookout, no sign-in needed:\n  Useful: {}\n  Noise:  {}\n",
            rate.useful, rate.noise
        );
    }
    footer_text(&mut text, context.channels_url, context.unsubscribe_url);
    text
}

/// Why the recipient gets alerts, and how to stop them.
fn footer_text(text: &mut String, channels_url: &str, unsubscribe_url: Option<&str>) {
    let _ = write!(
        text,
        "\n-- \nYou receive this because a Lookout monitor sends alerts to this address.\nManage channels: {channels_url}\n",
    );
    if let Some(unsubscribe) = unsubscribe_url {
        let _ = writeln!(text, "Unsubscribe from this channel: {unsubscribe}");
    }
}

/// The HTML part, from `templates/alert.html`: askama escapes every value
/// it writes (page text and names are untrusted), so no code path can forget to.
#[derive(askama::Template)]
#[template(path = "alert.html")]
struct AlertHtml<'a> {
    title: &'a str,
    headline: &'a str,
    fields: Vec<HtmlField<'a>>,
    diff: Option<&'a str>,
    link: Option<&'a str>,
    link_label: &'a str,
    diff_link: Option<&'a str>,
    rate: Option<&'a RateLinks>,
    /// Set for a confirmation, whose recipient is not a Lookout user (yet).
    confirmation_notice: Option<&'a str>,
    channels_url: &'a str,
    unsubscribe_url: Option<&'a str>,
}

struct HtmlField<'a> {
    label: &'a str,
    value: &'a str,
    /// The page's address as a link: only http(s) URLs (never javascript:, data:).
    href: Option<String>,
}

fn html_body(
    title: &str,
    headline: &str,
    fields: &[(&'static str, String)],
    diff: Option<&str>,
    parts: Parts<'_>,
    context: &Context<'_>,
) -> String {
    let fields = fields
        .iter()
        .map(|(label, value)| HtmlField {
            label,
            value,
            href: (*label == "Page").then(|| http_url(value)).flatten(),
        })
        .collect();
    let page = AlertHtml {
        title,
        headline,
        fields,
        diff,
        link: context.link,
        link_label: parts.link_label,
        diff_link: context.diff_link,
        rate: parts.rate_links,
        confirmation_notice: (parts.footer == Footer::Confirmation).then_some(CONFIRMATION_FOOTER),
        channels_url: context.channels_url,
        unsubscribe_url: context.unsubscribe_url,
    };
    html(&page)
}

/// Rendering writes only strings into a String, which cannot fail; were it
/// to, the plain-text part still carries the whole message.
fn html(page: &impl askama::Template) -> String {
    page.render().unwrap_or_else(|error| {
        tracing::error!(%error, "the email's HTML part could not be rendered");
        String::new()
    })
}

/// The HTML part of a digest, from `templates/digest.html`.
#[derive(askama::Template)]
#[template(path = "digest.html")]
struct DigestHtml<'a> {
    title: &'a str,
    headline: &'a str,
    items: &'a [DigestEntry],
    omitted: usize,
    link: Option<&'a str>,
    channels_url: &'a str,
    unsubscribe_url: Option<&'a str>,
}

/// One alert of a digest as both parts list it.
struct DigestEntry {
    /// "Espresso machine: condition met".
    title: String,
    summary: String,
    checked_at: String,
    link: Option<String>,
    diff_link: Option<String>,
}

/// A digest: every alert of the period, one short entry each with its links.
pub fn render_digest(
    digest: &Digest,
    public_base_url: &url::Url,
    channels_url: &str,
    unsubscribe_url: Option<&str>,
) -> Rendered {
    let total = digest.total();
    let plural = if total == 1 { "" } else { "s" };
    let subject = format!(
        "[Lookout] {} digest: {total} alert{plural}",
        match digest.period {
            crate::domain::DigestPeriod::Hourly => "Hourly",
            crate::domain::DigestPeriod::Daily => "Daily",
        }
    );
    let headline = format!(
        "{total} alert{plural} from {} to {} UTC.",
        digest.start.format("%Y-%m-%d %H:%M"),
        digest.end.format("%Y-%m-%d %H:%M"),
    );
    let items: Vec<DigestEntry> = digest
        .alerts
        .iter()
        .map(|alert| {
            let name = truncate_chars(&one_line(&alert.monitor_name), MAX_SUBJECT_NAME_CHARS);
            let name = if name.is_empty() {
                "Your monitor".to_owned()
            } else {
                name
            };
            DigestEntry {
                title: match alert.kind {
                    AlertKind::Failing => format!("{name} is failing"),
                    AlertKind::Recovered => format!("{name} recovered"),
                    _ => format!("{name}: condition met"),
                },
                summary: truncate_chars(&one_line(&alert.summary), MAX_FIELD_CHARS / 4),
                checked_at: alert
                    .checked_at
                    .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default(),
                link: absolute_link(public_base_url, &alert.link),
                diff_link: diff_link(public_base_url, &alert.link, &alert.diff),
            }
        })
        .collect();
    let link = absolute_link(public_base_url, &digest.link);
    let omitted = usize::try_from(digest.omitted).unwrap_or(0);

    let mut text = format!("{headline}\n");
    for item in &items {
        let _ = write!(text, "\n* {}", item.title);
        if !item.checked_at.is_empty() {
            let _ = write!(text, " ({})", item.checked_at);
        }
        text.push('\n');
        if !item.summary.is_empty() {
            let _ = writeln!(text, "  {}", item.summary);
        }
        if let Some(link) = &item.link {
            let _ = writeln!(text, "  View this check: {link}");
        }
        if let Some(diff_link) = &item.diff_link {
            let _ = writeln!(text, "  See what changed: {diff_link}");
        }
    }
    if omitted > 0 {
        let _ = writeln!(text, "\n…and {omitted} more alerts in Lookout.");
    }
    if let Some(link) = &link {
        let _ = write!(text, "\nOpen Lookout: {link}\n");
    }
    footer_text(&mut text, channels_url, unsubscribe_url);
    let html = html(&DigestHtml {
        title: &subject,
        headline: &headline,
        items: &items,
        omitted,
        link: link.as_deref(),
        channels_url,
        unsubscribe_url,
    });
    Rendered {
        subject,
        text,
        html,
    }
}

fn http_url(value: &str) -> Option<String> {
    url::Url::parse(value)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(String::from)
}

fn short_diff(diff: &str) -> Option<String> {
    if diff.trim().is_empty() {
        return None;
    }
    let lines: Vec<&str> = diff.lines().collect();
    let mut short: Vec<String> = lines
        .iter()
        .take(MAX_DIFF_LINES)
        .map(|line| truncate_chars(line, MAX_DIFF_LINE_CHARS))
        .collect();
    if lines.len() > MAX_DIFF_LINES {
        short.push(format!("… ({} more lines)", lines.len() - MAX_DIFF_LINES));
    }
    Some(short.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: AlertKind) -> Alert {
        Alert {
            kind,
            monitor_id: "m1".into(),
            monitor_name: "Shop <script>".into(),
            url: "javascript:alert(1)".into(),
            condition: "price < 100".into(),
            summary: "Price dropped\r\nBcc: x@example.com".into(),
            reason: "It is 99 & falling".into(),
            diff: (0..100).map(|i| format!("+line {i}\n")).collect(),
            check_id: "c1".into(),
            link: String::new(),
            checked_at: None,
            extracted_value: String::new(),
            rate_links: None,
        }
    }

    fn context() -> Context<'static> {
        Context {
            link: Some("https://lookout.example/checks/1"),
            diff_link: Some("https://lookout.example/checks/1#diff"),
            channels_url: "https://lookout.example/channels",
            unsubscribe_url: Some("https://lookout.example/unsubscribe/t0k"),
        }
    }

    #[test]
    fn a_digest_lists_every_alert_with_its_links_in_both_parts() {
        let mut first = alert(AlertKind::Triggered);
        first.link = "/monitors/m1/checks/c1".into();
        let mut second = alert(AlertKind::Failing);
        second.monitor_name = "Blog".into();
        second.link = "/monitors/m2/checks/c2".into();
        second.diff = String::new();
        let digest = Digest {
            period: crate::domain::DigestPeriod::Daily,
            start: chrono::DateTime::from_timestamp(1_767_139_200, 0).unwrap(),
            end: chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
            alerts: vec![first, second],
            link: "/monitors".into(),
            omitted: 0,
        };
        let base: url::Url = "https://lookout.example/".parse().unwrap();
        let rendered = render_digest(
            &digest,
            &base,
            "https://lookout.example/channels",
            Some("https://lookout.example/unsubscribe/t0k"),
        );
        assert_eq!(rendered.subject, "[Lookout] Daily digest: 2 alerts");
        assert!(rendered.text.contains("* Shop <script>: condition met"));
        assert!(rendered.text.contains("* Blog is failing"));
        assert!(
            rendered
                .text
                .contains("View this check: https://lookout.example/monitors/m2/checks/c2")
        );
        assert!(
            rendered
                .text
                .contains("See what changed: https://lookout.example/monitors/m1/checks/c1#diff")
        );
        assert!(
            rendered
                .text
                .contains("Unsubscribe from this channel: https://lookout.example/unsubscribe/t0k")
        );
        assert!(rendered.html.contains("<html lang=\"en\">"));
        assert!(
            rendered
                .html
                .contains("<title>[Lookout] Daily digest: 2 alerts</title>")
        );
        assert!(
            rendered
                .html
                .contains("Shop &#60;script&#62;: condition met")
        );
        assert!(
            rendered
                .html
                .contains("href=\"https://lookout.example/monitors/m2/checks/c2\"")
        );
        assert!(
            rendered
                .html
                .contains("href=\"https://lookout.example/unsubscribe/t0k\"")
        );
    }

    #[test]
    fn subjects_are_one_line_and_name_the_kind() {
        let subject = |kind| render(&alert(kind), &context()).subject;
        assert_eq!(
            subject(AlertKind::Triggered),
            "[Lookout] Shop <script>: Price dropped Bcc: x@example.com"
        );
        assert!(subject(AlertKind::Failing).starts_with("[Lookout] Shop <script> is failing: "));
        assert_eq!(
            subject(AlertKind::Recovered),
            "[Lookout] Shop <script> recovered"
        );
        assert_eq!(
            subject(AlertKind::Test),
            "[Lookout] Test notification for Shop <script>"
        );
    }

    #[test]
    fn html_has_a_language_and_a_title_and_a_confirmation_only_asks() {
        let html = render(&alert(AlertKind::Triggered), &context()).html;
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("<title>[Lookout] Shop &#60;script&#62;: Price dropped"));
        let mut confirm = alert(AlertKind::ConfirmChannel);
        confirm.monitor_name = "Ops inbox".into();
        confirm.summary = "ada@example.com".into();
        confirm.diff = String::new();
        let rendered = render(&confirm, &context());
        assert!(rendered.text.contains(
            "ada@example.com asked Lookout to send the alerts of the channel Ops inbox to this address"
        ));
        assert!(
            rendered
                .text
                .contains("Confirm these alerts: https://lookout.example/checks/1")
        );
        assert!(!rendered.text.contains("Manage channels"));
        assert!(rendered.html.contains(">Confirm these alerts</a>"));
    }

    #[test]
    fn html_escapes_untrusted_values_and_never_links_non_http_urls() {
        let html = render(&alert(AlertKind::Triggered), &context()).html;
        assert!(html.contains("Shop &#60;script&#62;"), "{html}");
        assert!(html.contains("99 &#38; falling"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("href=\"javascript:"));
    }

    #[test]
    fn long_diffs_are_cut_to_sixty_lines() {
        let text = render(&alert(AlertKind::Triggered), &context()).text;
        assert!(text.contains("+line 59\n"));
        assert!(!text.contains("+line 60\n"));
        assert!(text.contains("(40 more lines)"));
    }

    #[test]
    fn long_summaries_are_truncated_in_the_subject() {
        let mut long = alert(AlertKind::Triggered);
        long.summary = "x".repeat(500);
        let subject = render(&long, &context()).subject;
        assert!(subject.chars().count() < 200);
        assert!(subject.ends_with('…'));
    }
}
