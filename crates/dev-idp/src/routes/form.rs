//! `application/x-www-form-urlencoded` parameters, parsed by hand so that a
//! repeated parameter (forbidden by RFC 6749 §3.1) is noticed instead of
//! silently resolved, and so that errors keep the protocol's own format.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, String>,
    pub repeated: Option<String>,
}

impl Params {
    pub fn parse(raw: &[u8]) -> Self {
        let mut params = Self::default();
        for (name, value) in url::form_urlencoded::parse(raw) {
            if params.values.contains_key(name.as_ref()) {
                params.repeated.get_or_insert_with(|| name.to_string());
            } else {
                params.values.insert(name.into_owned(), value.into_owned());
            }
        }
        params
    }

    /// The value, with empty treated as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    pub fn is_set(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "on" | "1"))
    }
}

/// Decodes one `application/x-www-form-urlencoded` component; RFC 6749
/// §2.3.1 encodes client credentials this way before Basic authentication.
pub fn decode_component(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => decoded.push(b' '),
            b'%' => {
                let hex = bytes.get(index + 1..index + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                index += 2;
            }
            other => decoded.push(other),
        }
        index += 1;
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_reported() {
        let params = Params::parse(b"state=a&nonce=b&state=c");
        assert_eq!(params.get("state"), Some("a"));
        assert_eq!(params.repeated.as_deref(), Some("state"));
    }

    #[test]
    fn empty_values_count_as_missing() {
        assert_eq!(Params::parse(b"state=").get("state"), None);
    }

    #[test]
    fn credentials_are_form_decoded() {
        assert_eq!(decode_component("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(
            decode_component("plain-secret").as_deref(),
            Some("plain-secret")
        );
        assert_eq!(decode_component("bad%4"), None);
    }
}
