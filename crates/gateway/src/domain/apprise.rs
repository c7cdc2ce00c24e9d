//! Apprise-style channel URLs, so people moving from other tools paste what
//! they have: `slack://`, `discord://`, `tgram://`, `msteams://`, `ntfy://`
//! (`ntfys://`), `json://` (`jsons://`) and `mailto://`. Each is turned into
//! the structured channel it stands for; nothing here touches the network
//! (the destination checks run afterwards, as for any channel).

use super::channel::ChannelInput;

/// Parses one Apprise URL. Messages never repeat the URL: it holds secrets.
pub fn parse(input: &str) -> Result<ChannelInput, String> {
    let input = input.trim();
    let (scheme, rest) = input
        .split_once("://")
        .or_else(|| input.strip_prefix("mailto:").map(|rest| ("mailto", rest)))
        .ok_or_else(|| "must look like slack://…, discord://…, tgram://…, msteams://…, ntfy://…, json://… or mailto://…".to_owned())?;
    // Apprise options come after `?`; a `#channel` fragment is not one.
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query = parse_query(query);
    match scheme.to_ascii_lowercase().as_str() {
        "slack" => slack(path),
        "discord" => discord(path),
        "tgram" => telegram(path),
        "msteams" => teams(path),
        "ntfy" => ntfy(path, &query, false),
        "ntfys" => ntfy(path, &query, true),
        "json" => json(path, "http"),
        "jsons" => json(path, "https"),
        "mailto" | "mailtos" => mailto(path, &query),
        other => Err(format!(
            "{other}:// is not supported; use slack, discord, tgram, msteams, ntfy, json or mailto"
        )),
    }
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(key, value)| (key.to_ascii_lowercase(), value.into_owned()))
        .collect()
}

fn param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

/// The non-empty path segments, before any `#channel` part.
fn segments(path: &str) -> Vec<&str> {
    let path = path.split('#').next().unwrap_or_default();
    path.split('/').filter(|part| !part.is_empty()).collect()
}

/// Drops an Apprise `botname@` or `avatar@` prefix.
fn without_user(path: &str) -> &str {
    let first_end = path.find('/').unwrap_or(path.len());
    match path[..first_end].rfind('@') {
        Some(at) => &path[at + 1..],
        None => path,
    }
}

fn token(part: &str, what: &str) -> Result<String, String> {
    let ok = !part.is_empty()
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '@'));
    if ok {
        Ok(part.to_owned())
    } else {
        Err(format!("has an invalid {what}"))
    }
}

/// `slack://[botname@]TokenA/TokenB/TokenC` → the incoming webhook
/// `https://hooks.slack.com/services/TokenA/TokenB/TokenC`.
fn slack(path: &str) -> Result<ChannelInput, String> {
    const NAMES_A_CHANNEL: &str = "names a channel, but an incoming webhook posts to the channel it was created for; remove it";
    let parts = segments(without_user(path));
    if parts.first().is_some_and(|part| part.starts_with("xox")) {
        return Err("uses a Slack bot token; create an incoming webhook instead".to_owned());
    }
    match parts.as_slice() {
        [_, _, _] if path.contains('#') => Err(NAMES_A_CHANNEL.to_owned()),
        [a, b, c] => Ok(ChannelInput::Slack {
            url: format!(
                "https://hooks.slack.com/services/{}/{}/{}",
                token(a, "first token")?,
                token(b, "second token")?,
                token(c, "third token")?
            ),
        }),
        [_, _, _, ..] => Err(NAMES_A_CHANNEL.to_owned()),
        _ => Err("must be slack://TokenA/TokenB/TokenC".to_owned()),
    }
}

/// `discord://[avatar@]WebhookID/WebhookToken` →
/// `https://discord.com/api/webhooks/WebhookID/WebhookToken`.
fn discord(path: &str) -> Result<ChannelInput, String> {
    match segments(without_user(path)).as_slice() {
        [id, secret] if id.chars().all(|c| c.is_ascii_digit()) => Ok(ChannelInput::Discord {
            url: format!(
                "https://discord.com/api/webhooks/{id}/{}",
                token(secret, "webhook token")?
            ),
        }),
        _ => Err("must be discord://WebhookID/WebhookToken".to_owned()),
    }
}

/// `tgram://BotToken/ChatID`: one chat per channel.
fn telegram(path: &str) -> Result<ChannelInput, String> {
    match segments(path).as_slice() {
        [bot_token, chat_id] => Ok(ChannelInput::Telegram {
            bot_token: (*bot_token).to_owned(),
            chat_id: (*chat_id).to_owned(),
        }),
        [_, _, _, ..] => Err("names several chats; create one channel per chat".to_owned()),
        _ => Err("must be tgram://BotToken/ChatID".to_owned()),
    }
}

/// `msteams://Team/TokenA/TokenB/TokenC[/TokenD]` → the incoming webhook
/// `https://Team.webhook.office.com/webhookb2/TokenA/IncomingWebhook/TokenB/TokenC[/TokenD]`.
fn teams(path: &str) -> Result<ChannelInput, String> {
    let parts = segments(path);
    let (team, tokens) = parts
        .split_first()
        .ok_or_else(|| "must be msteams://Team/TokenA/TokenB/TokenC".to_owned())?;
    let team_ok = team
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if !team_ok || !(3..=4).contains(&tokens.len()) {
        return Err("must be msteams://Team/TokenA/TokenB/TokenC".to_owned());
    }
    let mut url = format!(
        "https://{}.webhook.office.com/webhookb2/{}/IncomingWebhook/{}/{}",
        team.to_ascii_lowercase(),
        token(tokens[0], "first token")?,
        token(tokens[1], "second token")?,
        token(tokens[2], "third token")?
    );
    if let Some(fourth) = tokens.get(3) {
        url.push('/');
        url.push_str(&token(fourth, "fourth token")?);
    }
    Ok(ChannelInput::Teams { url })
}

/// `ntfy://topic` (ntfy.sh), `ntfy://host/topic` (http), `ntfys://host/topic`
/// (https), with `?priority=`, `?tags=` and `?token=`.
fn ntfy(path: &str, query: &[(String, String)], secure: bool) -> Result<ChannelInput, String> {
    if path
        .split('/')
        .next()
        .is_some_and(|host| host.contains('@'))
    {
        return Err("has a user name and password; use an access token (?token=tk_…)".to_owned());
    }
    let topic_url = match segments(path).as_slice() {
        [topic] => format!("https://ntfy.sh/{topic}"),
        [host, topic] => {
            let scheme = if secure { "https" } else { "http" };
            format!("{scheme}://{host}/{topic}")
        }
        _ => return Err("must be ntfy://topic or ntfy://host/topic".to_owned()),
    };
    let priority = param(query, "priority").map(ntfy_priority).transpose()?;
    let tags = param(query, "tags")
        .map(|tags| {
            tags.split(',')
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(ChannelInput::Ntfy {
        topic_url,
        access_token: param(query, "token").map(str::to_owned),
        priority,
        tags,
    })
}

/// ntfy's priority names (and numbers) as its documentation lists them.
fn ntfy_priority(value: &str) -> Result<u8, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "min" => Ok(1),
        "2" | "low" => Ok(2),
        "3" | "default" => Ok(3),
        "4" | "high" => Ok(4),
        "5" | "max" | "urgent" => Ok(5),
        _ => Err("has a priority that is not min, low, default, high or max".to_owned()),
    }
}

/// `json://host/path` → a signed webhook to `http://host/path` (`jsons`: https).
fn json(path: &str, scheme: &str) -> Result<ChannelInput, String> {
    if path.is_empty() {
        return Err("must be json://host/path".to_owned());
    }
    Ok(ChannelInput::Webhook {
        url: format!("{scheme}://{path}"),
    })
}

/// `mailto://alice@example.com`, `mailto:alice@example.com`, or Apprise's
/// `mailto://user:password@example.com?to=bob@example.com`: Lookout sends
/// through its own mail server, so only the recipient is kept (`to`, else
/// the address itself) and any password is dropped unread.
fn mailto(path: &str, query: &[(String, String)]) -> Result<ChannelInput, String> {
    if let Some(to) = param(query, "to") {
        if to.contains(',') || to.contains(' ') {
            return Err("names several recipients; create one channel per address".to_owned());
        }
        return Ok(ChannelInput::Email {
            address: to.to_owned(),
        });
    }
    let address = path.split('/').next().unwrap_or_default();
    let (user, domain) = address
        .rsplit_once('@')
        .ok_or_else(|| "must be mailto://name@example.com".to_owned())?;
    let user = user.split(':').next().unwrap_or_default();
    let user = url::form_urlencoded::parse(user.as_bytes())
        .map(|(key, _)| key.into_owned())
        .next()
        .unwrap_or_default();
    Ok(ChannelInput::Email {
        address: format!("{user}@{domain}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_urls_become_incoming_webhooks() {
        for input in [
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
            "slack://lookout@T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
        ] {
            assert_eq!(
                parse(input).unwrap(),
                ChannelInput::Slack {
                    url: "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
                        .to_owned()
                }
            );
        }
        assert!(parse("slack://xoxb-1234-1234-abc/#general").is_err());
        assert!(parse("slack://T1/B1/C1/#general").is_err());
        assert!(parse("slack://T1/B1").is_err());
    }

    #[test]
    fn discord_urls_become_webhooks() {
        assert_eq!(
            parse("discord://avatar@4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js").unwrap(),
            ChannelInput::Discord {
                url: "https://discord.com/api/webhooks/4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"
                    .to_owned()
            }
        );
        assert!(parse("discord://notanid/token").is_err());
        assert!(parse("discord://123").is_err());
    }

    #[test]
    fn telegram_urls_give_the_bot_token_and_one_chat() {
        assert_eq!(
            parse("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890").unwrap(),
            ChannelInput::Telegram {
                bot_token: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw".to_owned(),
                chat_id: "-1001234567890".to_owned(),
            }
        );
        assert!(parse("tgram://123:abc/1/2").is_err());
        assert!(parse("tgram://123:abc").is_err());
    }

    #[test]
    fn teams_urls_become_incoming_webhooks_with_three_or_four_tokens() {
        assert_eq!(
            parse("msteams://contoso/abc-123@def-456/0123abcd/aaa-bbb/V2Xyz_9").unwrap(),
            ChannelInput::Teams {
                url: "https://contoso.webhook.office.com/webhookb2/abc-123@def-456/IncomingWebhook/0123abcd/aaa-bbb/V2Xyz_9"
                    .to_owned()
            }
        );
        assert!(parse("msteams://contoso/a/b").is_err());
        assert!(parse("msteams://con.toso/a/b/c").is_err());
    }

    #[test]
    fn ntfy_urls_name_the_server_topic_priority_tags_and_token() {
        assert_eq!(
            parse("ntfy://lookout-alerts").unwrap(),
            ChannelInput::Ntfy {
                topic_url: "https://ntfy.sh/lookout-alerts".to_owned(),
                access_token: None,
                priority: None,
                tags: vec![],
            }
        );
        assert_eq!(
            parse("ntfys://ntfy.example.com/alerts?priority=high&tags=warning,cart&token=tk_abc")
                .unwrap(),
            ChannelInput::Ntfy {
                topic_url: "https://ntfy.example.com/alerts".to_owned(),
                access_token: Some("tk_abc".to_owned()),
                priority: Some(4),
                tags: vec!["warning".to_owned(), "cart".to_owned()],
            }
        );
        assert!(parse("ntfy://user:pass@ntfy.example.com/alerts").is_err());
        assert!(parse("ntfy://host/alerts?priority=loud").is_err());
    }

    #[test]
    fn json_and_mailto_urls_become_webhooks_and_email() {
        assert_eq!(
            parse("jsons://hooks.example.com/lookout").unwrap(),
            ChannelInput::Webhook {
                url: "https://hooks.example.com/lookout".to_owned()
            }
        );
        for input in [
            "mailto://alice@example.com",
            "mailto:alice@example.com",
            "mailto://bob:hunter2@example.com?to=alice@example.com",
        ] {
            assert_eq!(
                parse(input).unwrap(),
                ChannelInput::Email {
                    address: "alice@example.com".to_owned()
                },
                "{input}"
            );
        }
        assert!(parse("mailto://a@example.com?to=b@example.com,c@example.com").is_err());
    }

    #[test]
    fn unknown_schemes_are_refused_without_repeating_the_url() {
        let message = parse("pover://user@SECRETTOKEN").unwrap_err();
        assert!(message.contains("pover://"), "{message}");
        assert!(!message.contains("SECRETTOKEN"), "{message}");
        assert!(parse("https://example.com").is_err());
    }
}
