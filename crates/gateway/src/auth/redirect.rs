//! `redirect_to` after sign-in: only a path of our own origin, so the
//! sign-in flow cannot be used as an open redirect.

use url::Url;

const MAX_LENGTH: usize = 2048;

/// Returns the path to redirect to, or `None` when `raw` could lead
/// anywhere but our own origin. `raw` is the query value as received
/// (already percent-decoded once).
pub fn safe_redirect(raw: &str) -> Option<String> {
    if raw.len() > MAX_LENGTH || !looks_local(raw) {
        return None;
    }
    // Decode once more: a value decoded again by a proxy, a browser or the
    // UI must still be local.
    let decoded = percent_decode(raw)?;
    if !looks_local(&decoded) {
        return None;
    }
    // Finally let a URL parser resolve it against a placeholder origin, the
    // way a browser would: anything that leaves it is refused.
    let base = Url::parse("https://lookout.invalid/").ok()?;
    let joined = base.join(raw).ok()?;
    if joined.origin() != base.origin() || joined.username() != "" || joined.password().is_some() {
        return None;
    }
    Some(raw.to_owned())
}

fn looks_local(value: &str) -> bool {
    value.starts_with('/')
        && !value.starts_with("//")
        && !value.starts_with("/\\")
        && !value
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = value.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_and_the_uis_hash_routes_are_accepted() {
        for ok in ["/", "/#/monitors/1", "/settings?tab=keys", "/%23/monitors"] {
            assert_eq!(safe_redirect(ok).as_deref(), Some(ok), "{ok}");
        }
    }

    #[test]
    fn anything_that_can_leave_the_origin_is_refused() {
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https:evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "%2F%2Fevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            "/%0d%0aSet-Cookie:x=y",
            "/ /evil.example",
            "",
            "/%zz",
        ] {
            assert_eq!(safe_redirect(bad), None, "{bad:?}");
        }
    }
}
