//! Parsing a user-supplied URL into something safe to hand to a client.
//!
//! The `url` crate follows the WHATWG URL standard, which already turns every
//! IPv4 spelling of a special scheme (`2130706433`, `0177.0.0.1`, `0x7f.1`,
//! `127.1`) into a canonical `Host::Ipv4`; the tests pin that behaviour so a
//! dependency update cannot quietly reopen those bypasses.

use url::Url;

use crate::error::UrlError;

/// Longer URLs are refused before parsing; real pages stay far below this and
/// it bounds what we store and log.
pub const MAX_URL_LENGTH: usize = 4096;

/// Parses an absolute http(s) URL with a host and without credentials.
/// It does not look at the destination address: see [`crate::check_url`].
pub fn parse_url(input: &str) -> Result<Url, UrlError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(UrlError::Empty);
    }
    if input.len() > MAX_URL_LENGTH {
        return Err(UrlError::TooLong {
            max: MAX_URL_LENGTH,
        });
    }
    let url = Url::parse(input)?;
    check_parsed(&url)?;
    Ok(url)
}

/// The same rules for a URL that was already parsed, such as a redirect target.
pub fn check_parsed(url: &Url) -> Result<(), UrlError> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(UrlError::UnsupportedScheme(other.to_owned())),
    }
    match url.host_str() {
        None | Some("") => return Err(UrlError::MissingHost),
        Some(_) => {}
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    if url.as_str().len() > MAX_URL_LENGTH {
        return Err(UrlError::TooLong {
            max: MAX_URL_LENGTH,
        });
    }
    Ok(())
}
