//! Field rules of notification channels.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use email_address::{EmailAddress, Options};

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
    fn webhook_secrets_carry_32_random_bytes() {
        let secret = new_webhook_secret();
        let encoded = secret.strip_prefix("whsec_").unwrap();
        assert_eq!(STANDARD.decode(encoded).unwrap().len(), 32);
        assert_ne!(secret, new_webhook_secret());
    }
}
