//! What every chat message says, before a service shapes it: the monitor,
//! the verdict summary and reason, the short diff and the link back.
//! All of it is untrusted text; each service escapes it its own way.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::{Alert, AlertKind, Digest, RateLinks};
use crate::text::{absolute_link, diff_link, fit, one_line};

/// A digest's list fits the smallest body of every service (Telegram's).
const MAX_DIGEST_LIST: usize = 1_400;
const MAX_DIGEST_SUMMARY: usize = 80;

#[derive(Debug, Clone)]
pub struct Message {
    pub kind: AlertKind,
    /// One line: "Espresso machine: condition met".
    pub title: String,
    pub monitor_name: String,
    pub summary: String,
    pub reason: String,
    pub extracted_value: String,
    /// The short unified diff as the scheduler stored it (≤ 60 lines).
    pub diff: String,
    /// The watched page.
    pub page: String,
    /// Absolute http(s) link to the check in the UI.
    pub link: Option<String>,
    /// The check's page at its diff, when there is a diff.
    pub diff_link: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    /// One-click links rating the alert, shown as a last line of the body.
    pub rate_links: Option<RateLinks>,
    /// A digest: `summary` is its list of alerts.
    pub is_digest: bool,
}

impl Message {
    pub fn new(alert: &Alert, public_base_url: &url::Url) -> Self {
        let name = one_line(&alert.monitor_name);
        let name = if name.is_empty() {
            "Your monitor".to_owned()
        } else {
            name
        };
        let title = match alert.kind {
            AlertKind::Triggered => format!("{name}: condition met"),
            AlertKind::Failing => format!("{name} is failing"),
            AlertKind::Recovered => format!("{name} recovered"),
            AlertKind::Test => "Test notification from Lookout".to_owned(),
            AlertKind::ChannelDisabled => format!("Lookout turned the channel {name} off"),
            AlertKind::ConfirmChannel => format!("Confirm the channel {name}"),
        };
        Self {
            kind: alert.kind,
            title,
            monitor_name: name,
            summary: alert.summary.trim().to_owned(),
            reason: alert.reason.trim().to_owned(),
            extracted_value: alert.extracted_value.trim().to_owned(),
            diff: alert.diff.trim_end().to_owned(),
            page: alert.url.trim().to_owned(),
            link: absolute_link(public_base_url, &alert.link),
            diff_link: diff_link(public_base_url, &alert.link, &alert.diff),
            checked_at: alert.checked_at,
            rate_links: alert.rate_links.clone(),
            is_digest: false,
        }
    }

    /// A digest as one message: a title with the count, and a compact list
    /// (one line per alert, with its link) cut to fit every service, the
    /// rest counted on a last line that links to Lookout.
    pub fn digest(digest: &Digest, public_base_url: &url::Url) -> Self {
        let total = digest.total();
        let link = absolute_link(public_base_url, &digest.link);
        let mut list = String::new();
        let mut listed = 0;
        for alert in &digest.alerts {
            let line = digest_line(alert, public_base_url);
            // Room is kept for the closing "and N more" line.
            if list.chars().count() + line.chars().count() + 60 > MAX_DIGEST_LIST {
                break;
            }
            list.push_str(&line);
            list.push('\n');
            listed += 1;
        }
        if listed < total {
            list.push_str(&format!("…and {} more in Lookout", total - listed));
        }
        Self {
            kind: AlertKind::Triggered,
            title: format!(
                "Lookout {} digest: {total} alert{}",
                digest.period.as_str(),
                if total == 1 { "" } else { "s" }
            ),
            monitor_name: String::new(),
            summary: list.trim_end().to_owned(),
            reason: String::new(),
            extracted_value: String::new(),
            diff: String::new(),
            page: String::new(),
            link,
            diff_link: None,
            checked_at: Some(digest.end),
            rate_links: None,
            is_digest: true,
        }
    }

    /// Summary and reason as one paragraph each, leaving out empty ones, then the rating
    /// links as plain URLs, which every chat service makes clickable.
    pub fn body(&self) -> String {
        let rate = self.rate_links.as_ref().map(|links| {
            format!(
                "Rate this alert: useful {} · noise {}",
                links.useful, links.noise
            )
        });
        [self.summary.as_str(), self.reason.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .chain(rate)
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// A colour per kind (as 0xRRGGBB) for services that show one.
    pub fn color(&self) -> u32 {
        if self.is_digest {
            return 0x6B7280;
        }
        match self.kind {
            AlertKind::Triggered => 0x2563EB,
            AlertKind::Failing => 0xDC2626,
            AlertKind::Recovered => 0x16A34A,
            AlertKind::Test | AlertKind::ChannelDisabled | AlertKind::ConfirmChannel => 0x6B7280,
        }
    }

    pub fn checked_at_rfc3339(&self) -> Option<String> {
        self.checked_at
            .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

/// "• Espresso machine: condition met: Price dropped to 99 https://…" with
/// the alert's own words cut short.
fn digest_line(alert: &Alert, public_base_url: &url::Url) -> String {
    let message = Message::new(alert, public_base_url);
    let mut line = format!("• {}", message.title);
    let summary = one_line(&message.summary);
    if !summary.is_empty() {
        line.push_str(": ");
        line.push_str(&fit(&summary, MAX_DIGEST_SUMMARY));
    }
    if let Some(link) = message.link {
        line.push(' ');
        line.push_str(&link);
    }
    line
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// An alert with hostile text and a diff far beyond every service's limits.
    pub fn huge_alert() -> Alert {
        let diff: String = (0..60)
            .map(|n| format!("+{n} {}\n", "é<&>*_`".repeat(40)))
            .collect();
        Alert {
            kind: AlertKind::Triggered,
            monitor_id: "m1".into(),
            monitor_name: "Espresso <b>machine</b> & @everyone ".repeat(20),
            url: format!("https://shop.example/{}", "a".repeat(3000)),
            condition: "price below 100".into(),
            summary: "Price dropped to 99 EUR <@here> ".repeat(200),
            reason: "Because <script>".repeat(300),
            diff,
            check_id: "c1".into(),
            link: "/monitors/m1/checks/c1".into(),
            checked_at: DateTime::from_timestamp(1_767_225_600, 0),
            extracted_value: "99 EUR".into(),
            rate_links: None,
        }
    }

    pub fn base() -> url::Url {
        "https://lookout.test/".parse().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_lists_its_alerts_with_links_and_counts_what_did_not_fit() {
        let mut alert = fixtures::huge_alert();
        alert.monitor_name = "Espresso".into();
        alert.summary = "Price dropped".into();
        let digest = Digest {
            period: crate::domain::DigestPeriod::Hourly,
            start: DateTime::from_timestamp(1_767_222_000, 0).unwrap(),
            end: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
            alerts: vec![alert; 40],
            link: "/monitors".into(),
            omitted: 10,
        };
        let message = Message::digest(&digest, &fixtures::base());
        assert_eq!(message.title, "Lookout hourly digest: 50 alerts");
        assert!(message.summary.starts_with(
            "• Espresso: condition met: Price dropped https://lookout.test/monitors/m1/checks/c1\n"
        ));
        assert!(message.summary.chars().count() <= MAX_DIGEST_LIST);
        assert!(
            message.summary.ends_with("more in Lookout"),
            "{}",
            message.summary
        );
        assert_eq!(
            message.link.as_deref(),
            Some("https://lookout.test/monitors")
        );
    }

    #[test]
    fn the_rating_links_end_the_body_as_plain_urls() {
        let mut alert = fixtures::huge_alert();
        alert.summary = "Price dropped".into();
        alert.reason = "99 is below 100".into();
        alert.rate_links = Some(RateLinks {
            useful: "https://lookout.test/api/v1/ratings/u".into(),
            noise: "https://lookout.test/api/v1/ratings/n".into(),
        });
        let message = Message::new(&alert, &fixtures::base());
        assert_eq!(
            message.body(),
            "Price dropped\n\n99 is below 100\n\nRate this alert: useful \
             https://lookout.test/api/v1/ratings/u · noise https://lookout.test/api/v1/ratings/n"
        );
    }
}
