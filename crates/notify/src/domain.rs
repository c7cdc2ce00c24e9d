//! Validated delivery requests: "parse, don't validate". Everything past the
//! gRPC edge works on these types, so the senders never see an unchecked
//! address, key or secret.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretSlice, SecretString};

use crate::error::InvalidField;

/// Why the alert is sent; each kind has its own subject and webhook event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    Triggered,
    Failing,
    Recovered,
    Test,
    /// To a team's owners: Lookout turned a channel off. The alert's
    /// `monitor_name` is the channel's name and `summary` the reason.
    ChannelDisabled,
    /// To a new email channel's address: asks its recipient to confirm.
    /// `monitor_name` is the channel's name, `summary` who asked.
    ConfirmChannel,
}

impl AlertKind {
    /// The Standard Webhooks `type` of the event.
    pub fn event_type(self) -> &'static str {
        match self {
            AlertKind::Triggered => "monitor.triggered",
            AlertKind::Failing => "monitor.failing",
            AlertKind::Recovered => "monitor.recovered",
            AlertKind::Test => "monitor.test",
            AlertKind::ChannelDisabled => "channel.disabled",
            AlertKind::ConfirmChannel => "channel.confirm",
        }
    }
}

/// What happened to a monitor, as the scheduler (or the channel test page) saw it.
/// All text fields are untrusted: they come from users and from watched pages.
#[derive(Debug, Clone)]
pub struct Alert {
    pub kind: AlertKind,
    pub monitor_id: String,
    pub monitor_name: String,
    pub url: String,
    pub condition: String,
    pub summary: String,
    pub reason: String,
    pub diff: String,
    pub check_id: String,
    pub link: String,
    pub checked_at: Option<DateTime<Utc>>,
    pub extracted_value: String,
    /// One-click links rating the alert, when it can be rated.
    pub rate_links: Option<RateLinks>,
}

/// Signed links (absolute http(s) URLs) that rate an alert without signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLinks {
    pub useful: String,
    pub noise: String,
}

/// The key under which a delivery happens at most once. It ends up in a Redis
/// key, an email header and an HTTP header, hence the narrow alphabet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    const MAX_LEN: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, InvalidField> {
        let field = "idempotency_key";
        if raw.is_empty() {
            return Err(InvalidField::new(field, "must not be empty"));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(InvalidField::new(field, "must be at most 200 characters"));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
        if !raw.chars().all(allowed) {
            return Err(InvalidField::new(
                field,
                "may only contain letters, digits, '-', '_', '.' and ':'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bare mailbox address (`user@example.com`), never a display name: the
/// address comes from a user and must not smuggle extra recipients or headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(lettre::Address);

impl EmailAddress {
    /// RFC 5321 limits a forward path to 256 octets including the angle brackets.
    const MAX_LEN: usize = 254;

    pub fn parse(raw: &str, field: &'static str) -> Result<Self, InvalidField> {
        if raw.is_empty() {
            return Err(InvalidField::new(field, "must not be empty"));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(InvalidField::new(field, "must be at most 254 characters"));
        }
        // lettre accepts some characters that are legal in quoted local parts but
        // are how header and recipient injection starts; a notification address
        // never needs them.
        let suspicious = |c: char| {
            c.is_control()
                || c.is_whitespace()
                || matches!(
                    c,
                    '<' | '>' | ',' | ';' | '"' | '(' | ')' | '[' | ']' | '\\'
                )
        };
        if raw.chars().any(suspicious) {
            return Err(InvalidField::new(field, "is not a plain email address"));
        }
        let address: lettre::Address = raw
            .parse()
            .map_err(|_| InvalidField::new(field, "is not a valid email address"))?;
        if !address.domain().contains('.') && address.domain() != "localhost" {
            return Err(InvalidField::new(field, "needs a fully qualified domain"));
        }
        Ok(Self(address))
    }

    pub fn address(&self) -> &lettre::Address {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A Standard Webhooks signing secret: `whsec_` followed by base64 key bytes.
#[derive(Clone)]
pub struct WebhookSecret(SecretSlice<u8>);

impl WebhookSecret {
    pub const PREFIX: &'static str = "whsec_";
    /// Shorter keys make the HMAC guessable; Standard Webhooks uses 24 to 64 bytes.
    const MIN_KEY_BYTES: usize = 16;
    const MAX_KEY_BYTES: usize = 256;

    pub fn parse(raw: &str, field: &'static str) -> Result<Self, InvalidField> {
        let encoded = raw
            .strip_prefix(Self::PREFIX)
            .ok_or_else(|| InvalidField::new(field, "must start with \"whsec_\""))?;
        let bytes = BASE64
            .decode(encoded.trim())
            .map_err(|_| InvalidField::new(field, "is not valid base64 after \"whsec_\""))?;
        if bytes.len() < Self::MIN_KEY_BYTES || bytes.len() > Self::MAX_KEY_BYTES {
            return Err(InvalidField::new(
                field,
                "must decode to between 16 and 256 bytes",
            ));
        }
        Ok(Self(bytes.into()))
    }

    pub fn key_bytes(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

/// A webhook endpoint. The URL is only syntactically checked here; whether
/// its address may be contacted is decided at send time, after DNS.
#[derive(Debug, Clone)]
pub struct WebhookDestination {
    pub url: url::Url,
    pub secret: WebhookSecret,
}

/// A URL whose path or query is itself the credential (Slack, Discord and
/// Teams webhooks): `Debug` shows the host only, so it never reaches a log.
#[derive(Clone)]
pub struct SecretUrl(url::Url);

impl SecretUrl {
    pub fn new(url: url::Url) -> Self {
        Self(url)
    }

    pub fn expose(&self) -> &url::Url {
        &self.0
    }

    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecretUrl({}://{}/[REDACTED])",
            self.0.scheme(),
            self.host()
        )
    }
}

/// A Telegram bot and the chat it writes to.
#[derive(Debug, Clone)]
pub struct TelegramDestination {
    pub bot_token: TelegramToken,
    pub chat_id: String,
}

/// A bot token as @BotFather hands it out: `<bot id>:<secret>`. It becomes a
/// path segment of the Bot API URL, hence the narrow alphabet.
#[derive(Clone)]
pub struct TelegramToken(SecretString);

impl TelegramToken {
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, InvalidField> {
        let raw = raw.trim();
        let (bot_id, secret) = raw
            .split_once(':')
            .ok_or_else(|| InvalidField::new(field, "must look like 123456:ABC-DEF..."))?;
        let secret_ok = !secret.is_empty()
            && secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if bot_id.is_empty() || !bot_id.chars().all(|c| c.is_ascii_digit()) || !secret_ok {
            return Err(InvalidField::new(field, "must look like 123456:ABC-DEF..."));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for TelegramToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TelegramToken([REDACTED])")
    }
}

/// A Telegram chat: a numeric id (negative for groups) or `@channelname`.
pub fn telegram_chat_id(raw: &str, field: &'static str) -> Result<String, InvalidField> {
    let raw = raw.trim();
    let numeric = raw
        .strip_prefix('-')
        .unwrap_or(raw)
        .chars()
        .all(|c| c.is_ascii_digit());
    let username = raw.strip_prefix('@').is_some_and(|name| {
        (5..=32).contains(&name.len())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if raw.is_empty() || raw == "-" || !(numeric || username) {
        return Err(InvalidField::new(
            field,
            "must be a numeric chat id or an @channelname",
        ));
    }
    Ok(raw.to_owned())
}

/// An ntfy topic on some server, with how loudly to notify.
#[derive(Clone)]
pub struct NtfyDestination {
    pub topic_url: url::Url,
    pub access_token: Option<SecretString>,
    /// 1 (min) to 5 (max); `None` leaves the server's default.
    pub priority: Option<u8>,
    pub tags: Vec<String>,
}

impl fmt::Debug for NtfyDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtfyDestination")
            .field("topic_url", &self.topic_url.as_str())
            .field("priority", &self.priority)
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub enum Channel {
    Email(EmailAddress),
    Webhook(WebhookDestination),
    Slack(SecretUrl),
    Discord(SecretUrl),
    Telegram(TelegramDestination),
    Teams(SecretUrl),
    Ntfy(NtfyDestination),
}

/// How often a digest channel hears from Lookout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestPeriod {
    Hourly,
    Daily,
}

impl DigestPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hourly => "hourly",
            Self::Daily => "daily",
        }
    }
}

/// Every alert of one period, sent as one message.
#[derive(Debug, Clone)]
pub struct Digest {
    pub period: DigestPeriod,
    pub start: DateTime<Utc>,
    /// Exclusive; the digest's own time, the same on every retry.
    pub end: DateTime<Utc>,
    /// Oldest first; never empty.
    pub alerts: Vec<Alert>,
    /// The monitors page of the UI.
    pub link: String,
    /// Alerts of the period left out to keep the message readable.
    pub omitted: u32,
}

impl Digest {
    /// Every alert of the period, those left out included.
    pub fn total(&self) -> usize {
        self.alerts.len() + usize::try_from(self.omitted).unwrap_or(0)
    }
}

/// What one delivery says: one alert, or a digest of several.
#[derive(Debug, Clone)]
pub enum Content {
    /// Boxed: an alert is far larger than a digest's own fields.
    Alert(Box<Alert>),
    Digest(Digest),
}

impl Content {
    /// For logs: the alert's kind, or `digest`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Alert(alert) => alert.kind.event_type(),
            Self::Digest(_) => "alert.digest",
        }
    }
}

/// One alert (or digest) to one channel, delivered at most once per key.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub key: IdempotencyKey,
    pub channel: Channel,
    pub content: Content,
    /// Email only: the channel's one-click unsubscribe link (an https URL).
    pub unsubscribe_url: Option<url::Url>,
}

/// What the caller learns about a delivery that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        message_id: String,
        http_status: Option<u16>,
    },
    /// Delivered earlier under the same key; nothing was sent now.
    Duplicate { message_id: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_with_display_names_or_line_breaks_are_refused() {
        for raw in [
            "Eve <eve@example.com>",
            "eve@example.com\r\nBcc: victim@example.com",
            "a@example.com, b@example.com",
            "\"eve\"@example.com",
            "eve@example.com ",
            "eve",
            "eve@intranet",
        ] {
            assert!(
                EmailAddress::parse(raw, "f").is_err(),
                "{raw:?} was accepted"
            );
        }
        assert!(EmailAddress::parse("ada.lovelace+alerts@example.co.uk", "f").is_ok());
    }

    #[test]
    fn webhook_secrets_need_the_prefix_and_enough_key_bytes() {
        assert!(WebhookSecret::parse("c2VjcmV0", "f").is_err());
        assert!(WebhookSecret::parse("whsec_c2VjcmV0", "f").is_err());
        assert!(WebhookSecret::parse("whsec_!!!", "f").is_err());
        let ok = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "f");
        assert!(ok.is_ok());
        assert_eq!(format!("{:?}", ok.unwrap()), "WebhookSecret([REDACTED])");
    }

    #[test]
    fn telegram_tokens_and_chats_have_the_shapes_telegram_hands_out() {
        assert!(TelegramToken::parse("123456:ABC-def_ghi", "f").is_ok());
        for bad in ["", "123456", "abc:def", "123:", "123:a/b", "123:a b"] {
            assert!(TelegramToken::parse(bad, "f").is_err(), "{bad:?}");
        }
        let token = TelegramToken::parse("123456:ABC", "f").unwrap();
        assert_eq!(format!("{token:?}"), "TelegramToken([REDACTED])");
        assert!(telegram_chat_id("-1001234567890", "f").is_ok());
        assert!(telegram_chat_id("@lookout_alerts", "f").is_ok());
        for bad in ["", "-", "@ab", "chat", "12 34"] {
            assert!(telegram_chat_id(bad, "f").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secret_urls_show_only_their_host() {
        let url = SecretUrl::new(
            "https://hooks.slack.com/services/T0/B0/XXXXSECRET"
                .parse()
                .unwrap(),
        );
        let shown = format!("{url:?}");
        assert!(!shown.contains("XXXXSECRET"), "{shown}");
        assert!(shown.contains("hooks.slack.com"), "{shown}");
    }

    #[test]
    fn idempotency_keys_are_non_empty_and_header_safe() {
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("a b").is_err());
        assert!(IdempotencyKey::parse("a\r\nb").is_err());
        assert!(IdempotencyKey::parse("check-1:channel_2.v1").is_ok());
    }
}
