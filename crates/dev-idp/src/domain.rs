//! Who signs in, and the small cryptographic rules of the protocol
//! (PKCE, token randomness, subject derivation).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

/// RFC 5321 limits.
const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;
const MAX_NAME_CHARS: usize = 100;

/// What the person typed into the form, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub email: Email,
    /// `None` leaves the claim out, so relying parties can be tested against its absence.
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub hosted_domain: Option<String>,
}

impl Identity {
    /// Stable per email, like Google's numeric `sub`, without revealing the email.
    pub fn subject(&self) -> String {
        let digest = Sha256::digest(self.email.as_str().as_bytes());
        hex::encode(&digest[..16])
    }
}

/// An email address in a strict, common subset of RFC 5322 (dot-atom local
/// part, DNS host name), lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("Enter an email address like name@example.com.")]
    InvalidEmail,
    #[error("The name may have at most {MAX_NAME_CHARS} characters and no control characters.")]
    InvalidName,
    #[error("The hosted domain must be a domain name like example.com.")]
    InvalidHostedDomain,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, IdentityError> {
        let email = raw.trim().to_ascii_lowercase();
        if email.len() > MAX_EMAIL_LEN || !email.is_ascii() {
            return Err(IdentityError::InvalidEmail);
        }
        let (local, domain) = email.split_once('@').ok_or(IdentityError::InvalidEmail)?;
        if !is_dot_atom(local) || local.len() > MAX_LOCAL_LEN || !is_domain(domain) {
            return Err(IdentityError::InvalidEmail);
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_dot_atom(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

/// A DNS host name with at least two labels and an alphabetic top-level label.
pub fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(top) = labels.last() else {
        return false;
    };
    labels.len() >= 2
        && domain.len() <= 253
        && top.len() >= 2
        && top.chars().all(|c| c.is_ascii_alphabetic())
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub fn parse_name(raw: &str) -> Result<Option<String>, IdentityError> {
    let name = raw.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(IdentityError::InvalidName);
    }
    Ok(Some(name.to_owned()))
}

pub fn parse_hosted_domain(raw: &str) -> Result<Option<String>, IdentityError> {
    let domain = raw.trim().to_ascii_lowercase();
    if domain.is_empty() {
        return Ok(None);
    }
    if !is_domain(&domain) {
        return Err(IdentityError::InvalidHostedDomain);
    }
    Ok(Some(domain))
}

/// 256 bits from the operating system, base64url: codes, access tokens, form tokens.
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Maps are keyed by the hash so a memory dump or a debug print never shows a usable token.
pub fn token_key(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.ct_eq(right).into()
}

/// A `code_challenge` for method S256 is the base64url SHA-256 of the verifier: exactly 43 characters.
pub fn is_valid_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier(verifier) && constant_time_eq(s256(verifier).as_bytes(), challenge.as_bytes())
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted_and_lowercased() {
        for raw in [
            "ada@example.com",
            "Ada.Lovelace+lookout@Mail.Example.co.uk",
            "o'brien@example.ie",
            "x@a-b.io",
        ] {
            let email = Email::parse(raw).unwrap();
            assert_eq!(email.as_str(), raw.to_ascii_lowercase());
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for raw in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@@example.com",
            "a@b@example.com",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@example..com",
            "ada@example.c0m",
            "ada@example.c",
            "ada lovelace@example.com",
            "\"ada\"@example.com",
            "ada@exa_mple.com",
            "ada@[127.0.0.1]",
            "ada@example.com\r\nbcc: x@y.com",
            "ädä@example.com",
            "<ada@example.com>",
        ] {
            assert_eq!(
                Email::parse(raw),
                Err(IdentityError::InvalidEmail),
                "{raw:?}"
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&long_local).is_err());
        let long_domain = format!("a@{}.com", "b".repeat(64));
        assert!(Email::parse(&long_domain).is_err());
    }

    #[test]
    fn the_subject_is_stable_per_address_and_ignores_case() {
        let identity = |raw: &str| Identity {
            email: Email::parse(raw).unwrap(),
            email_verified: Some(true),
            name: None,
            hosted_domain: None,
        };
        assert_eq!(
            identity("Ada@Example.com").subject(),
            identity("ada@example.com").subject()
        );
        assert_ne!(
            identity("ada@example.com").subject(),
            identity("bob@example.com").subject()
        );
        assert_eq!(identity("ada@example.com").subject().len(), 32);
    }

    #[test]
    fn pkce_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(s256(verifier), challenge);
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            challenge
        ));
        assert!(!pkce_matches("short", &s256("short")));
        assert!(is_valid_s256_challenge(challenge));
        assert!(!is_valid_s256_challenge("plain-verifier"));
    }

    #[test]
    fn names_and_hosted_domains_are_optional_but_checked() {
        assert_eq!(parse_name("  "), Ok(None));
        assert_eq!(parse_name(" Ada "), Ok(Some("Ada".to_owned())));
        assert!(parse_name("a\u{0}b").is_err());
        assert_eq!(parse_hosted_domain(""), Ok(None));
        assert_eq!(
            parse_hosted_domain("Example.COM"),
            Ok(Some("example.com".to_owned()))
        );
        assert!(parse_hosted_domain("not a domain").is_err());
    }

    #[test]
    fn random_tokens_differ_and_carry_256_bits() {
        let first = random_token();
        assert_eq!(first.len(), 43);
        assert_ne!(first, random_token());
    }
}
