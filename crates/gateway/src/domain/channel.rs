//! Field rules of notification channels, and the one place that decides
//! what of a channel is secret (`ValidChannel::secret`) and what may be
//! shown (`ValidChannel::target`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use email_address::{EmailAddress, Options};
use serde_json::json;
use store::channels::ChannelKind;

use super::Rules;
use super::destination::checked_destination;

/// RFC 5321's limits on a path and a local part.
const MAX_ADDRESS: usize = 254;
const MAX_LOCAL_PART: usize = 64;

/// A plain `local@domain.tld` address: no display name, no quoted or
/// non-ASCII local part, no IP literal, a dotted domain. Stricter than the
/// RFC on purpose: these are what real mailboxes look like, and anything
/// exotic is more likely an injection attempt than a user.
pub fn email_address(input: &str) -> Result<String, String> {
    const INVALID: &str = "is not a valid email address";
    let address = input.trim();
    if address.is_empty() || address.len() > MAX_ADDRESS || !address.is_ascii() {
        return Err(INVALID.to_owned());
    }
    let (local, domain) = address.rsplit_once('@').ok_or(INVALID)?;
    let local_ok = !local.is_empty()
        && local.len() <= MAX_LOCAL_PART
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&byte));
    if !local_ok {
        return Err(INVALID.to_owned());
    }
    let options = Options::default()
        .with_required_tld()
        .without_domain_literal();
    let parsed = EmailAddress::parse_with_options(address, options).map_err(|_| INVALID)?;
    if parsed.email() != address || domain.starts_with('[') {
        return Err(INVALID.to_owned());
    }
    Ok(address.to_owned())
}

/// A webhook URL: https, or http in development or to an allow-listed
/// destination (a receiver on the local network), and never a forbidden
/// destination.
pub async fn webhook_url(rules: &Rules, input: &str) -> Result<String, String> {
    let (url, addrs) = checked_destination(&rules.destination_policy, input).await?;
    if url.scheme() == "http" && !rules.environment.is_production() {
        return Ok(url.into());
    }
    if url.scheme() == "http" {
        let networks = rules.destination_policy.allowed_networks();
        let allow_listed = addrs
            .iter()
            .all(|addr| networks.iter().any(|net| net.contains(&addr.ip())));
        if !allow_listed {
            return Err("must use https".to_owned());
        }
    }
    Ok(url.into())
}

/// A channel as the user described it (structured fields or an Apprise URL),
/// before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelInput {
    Email {
        address: String,
    },
    Webhook {
        url: String,
    },
    Slack {
        url: String,
    },
    Discord {
        url: String,
    },
    Teams {
        url: String,
    },
    Telegram {
        bot_token: String,
        chat_id: String,
    },
    Ntfy {
        topic_url: String,
        access_token: Option<String>,
        priority: Option<u8>,
        tags: Vec<String>,
    },
}

/// A checked channel, split into what may be shown and what is secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidChannel {
    pub kind: ChannelKind,
    pub target: String,
    /// The credential; encrypted at rest by whoever stores it, never shown
    /// after creation (a webhook's signing secret is shown once).
    pub secret: Option<String>,
    pub settings: serde_json::Value,
}

impl std::fmt::Debug for ValidChannel {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ValidChannel")
            .field("kind", &self.kind)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// The field a problem is reported under, and the problem.
pub type FieldProblem = (&'static str, String);

/// Checks a channel: syntax, and for every URL the SSRF policy (the notify
/// service checks again at every send). A webhook gets a new signing secret.
pub async fn validate(rules: &Rules, input: ChannelInput) -> Result<ValidChannel, FieldProblem> {
    let plain = |kind, target| ValidChannel {
        kind,
        target,
        secret: None,
        settings: json!({}),
    };
    match input {
        ChannelInput::Email { address } => email_address(&address)
            .map(|address| plain(ChannelKind::Email, address))
            .map_err(|message| ("address", message)),
        ChannelInput::Webhook { url } => {
            let url = webhook_url(rules, &url)
                .await
                .map_err(|message| ("url", message))?;
            Ok(ValidChannel {
                secret: Some(new_webhook_secret()),
                ..plain(ChannelKind::Webhook, url)
            })
        }
        ChannelInput::Slack { url } => secret_url(rules, ChannelKind::Slack, &url).await,
        ChannelInput::Discord { url } => secret_url(rules, ChannelKind::Discord, &url).await,
        ChannelInput::Teams { url } => secret_url(rules, ChannelKind::Teams, &url).await,
        ChannelInput::Telegram { bot_token, chat_id } => Ok(ValidChannel {
            secret: Some(telegram_bot_token(&bot_token).map_err(|message| ("bot_token", message))?),
            ..plain(
                ChannelKind::Telegram,
                telegram_chat_id(&chat_id).map_err(|message| ("chat_id", message))?,
            )
        }),
        ChannelInput::Ntfy {
            topic_url,
            access_token,
            priority,
            tags,
        } => {
            let topic_url = ntfy_topic_url(rules, &topic_url)
                .await
                .map_err(|message| ("url", message))?;
            if priority.is_some_and(|level| !(1..=5).contains(&level)) {
                return Err(("priority", "must be between 1 and 5".to_owned()));
            }
            let tags = ntfy_tags(&tags).map_err(|message| ("tags", message))?;
            let access_token = access_token
                .map(|token| ntfy_access_token(&token))
                .transpose()
                .map_err(|message| ("access_token", message))?;
            Ok(ValidChannel {
                secret: access_token,
                settings: json!({"priority": priority, "tags": tags}),
                ..plain(ChannelKind::Ntfy, topic_url)
            })
        }
    }
}

/// Slack, Discord and Teams webhooks: the URL is the credential, so it is
/// the secret and only a masked form is kept to show.
async fn secret_url(
    rules: &Rules,
    kind: ChannelKind,
    input: &str,
) -> Result<ValidChannel, FieldProblem> {
    let url = webhook_url(rules, input)
        .await
        .map_err(|message| ("url", message))?;
    Ok(ValidChannel {
        kind,
        target: mask_url(&url),
        secret: Some(url),
        settings: json!({}),
    })
}

/// `https://hooks.slack.com/services/…wxyz`: the host, the first path
/// segment and the last four characters, enough to tell two apart.
pub fn mask_url(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "…".to_owned();
    };
    let mut shown = format!(
        "{}://{}",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default()
    );
    if let Some(port) = parsed.port() {
        shown.push_str(&format!(":{port}"));
    }
    if let Some(first) = parsed
        .path_segments()
        .and_then(|mut segments| segments.next())
        && !first.is_empty()
    {
        shown.push('/');
        shown.push_str(first);
    }
    let tail: String = {
        let chars: Vec<char> = url.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    format!("{shown}/…{tail}")
}

/// A bot token as @BotFather hands it out: `<digits>:<letters, digits, - and _>`.
pub fn telegram_bot_token(input: &str) -> Result<String, String> {
    const INVALID: &str = "must look like 123456789:AAH… (the token @BotFather gave you)";
    let token = input.trim();
    let (bot_id, secret) = token.split_once(':').ok_or(INVALID)?;
    let ok = !bot_id.is_empty()
        && bot_id.bytes().all(|byte| byte.is_ascii_digit())
        && (20..=100).contains(&secret.len())
        && secret
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if ok {
        Ok(token.to_owned())
    } else {
        Err(INVALID.to_owned())
    }
}

/// A numeric chat id (negative for groups and channels) or `@channelname`.
pub fn telegram_chat_id(input: &str) -> Result<String, String> {
    let chat = input.trim();
    let digits = chat.strip_prefix('-').unwrap_or(chat);
    let numeric =
        !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit());
    let username = chat.strip_prefix('@').is_some_and(|name| {
        (5..=32).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    if numeric || username {
        Ok(chat.to_owned())
    } else {
        Err("must be a numeric chat id or an @channelname".to_owned())
    }
}

/// An ntfy topic URL: a checked destination whose last path segment is a
/// topic name as ntfy allows them (letters, digits, `-`, `_`; up to 64).
async fn ntfy_topic_url(rules: &Rules, input: &str) -> Result<String, String> {
    let url = webhook_url(rules, input).await?;
    let parsed = url::Url::parse(&url).map_err(|error| error.to_string())?;
    let topic = parsed
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default();
    let topic_ok = (1..=64).contains(&topic.len())
        && topic
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if !topic_ok || parsed.query().is_some() {
        return Err("must end in the topic, as in https://ntfy.sh/my-alerts".to_owned());
    }
    Ok(url)
}

fn ntfy_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let tags: Vec<String> = tags
        .iter()
        .map(|tag| tag.trim().to_owned())
        .filter(|tag| !tag.is_empty())
        .collect();
    let ok = tags.len() <= 10
        && tags
            .iter()
            .all(|tag| tag.len() <= 64 && !tag.contains(',') && !tag.chars().any(char::is_control));
    if ok {
        Ok(tags)
    } else {
        Err("at most 10 tags of at most 64 characters, without commas".to_owned())
    }
}

fn ntfy_access_token(input: &str) -> Result<String, String> {
    let token = input.trim();
    let ok = (1..=128).contains(&token.len())
        && token
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
    if ok {
        Ok(token.to_owned())
    } else {
        Err("must be an ntfy access token such as tk_…".to_owned())
    }
}

/// A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in
/// base64.
pub fn new_webhook_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_are_accepted() {
        assert_eq!(
            email_address(" alice@example.com ").unwrap(),
            "alice@example.com"
        );
        assert!(email_address("a.b+tag@mail.example.org").is_ok());
    }

    #[test]
    fn exotic_or_broken_addresses_are_refused() {
        for address in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "alice@localhost",
            "Alice <alice@example.com>",
            "\"a b\"@example.com",
            "alice@[127.0.0.1]",
            "a..b@example.com",
            "alice@example.com\r\nBcc: x@y.z",
            "ålice@example.com",
        ] {
            assert!(email_address(address).is_err(), "{address:?} was accepted");
        }
    }

    #[test]
    fn masked_urls_keep_the_host_and_hide_the_credential() {
        let masked = mask_url(
            "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        );
        assert_eq!(masked, "https://hooks.slack.com/services/…i7FQ");
        let masked = mask_url(
            "https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=SIGSECRETvalue",
        );
        assert!(!masked.contains("SIGSECRET"), "{masked}");
        assert!(
            masked.starts_with("https://prod-01.westus.logic.azure.com/workflows/…"),
            "{masked}"
        );
    }

    #[test]
    fn telegram_tokens_and_chats_are_checked() {
        assert!(telegram_bot_token("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw").is_ok());
        for bad in [
            "",
            "123456789",
            "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "1:short",
            "1:AAHdqTcvCH1vGWJxfSeofSAs0K5PAL/saw",
        ] {
            assert!(telegram_bot_token(bad).is_err(), "{bad:?}");
        }
        assert!(telegram_chat_id("-1001234567890").is_ok());
        assert!(telegram_chat_id("@lookout_alerts").is_ok());
        for bad in ["", "-", "@abc", "chat", "1 2"] {
            assert!(telegram_chat_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn webhook_secrets_carry_32_random_bytes() {
        let secret = new_webhook_secret();
        let encoded = secret.strip_prefix("whsec_").unwrap();
        assert_eq!(STANDARD.decode(encoded).unwrap().len(), 32);
        assert_ne!(secret, new_webhook_secret());
    }
}
