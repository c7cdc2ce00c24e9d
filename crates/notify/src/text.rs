//! Plain-text shaping shared by every renderer: one-line titles and cuts
//! that respect character boundaries and the receivers' length limits.

/// Collapses line breaks and other control characters: a subject is one line.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first `max` characters, with `…` appended when something was cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

/// At most `max` characters in all, the `…` included: for fields whose
/// limit the receiver enforces by refusing the whole message.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// At most `max` UTF-8 bytes, cut at a character boundary (ntfy counts bytes).
pub fn fit_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let ellipsis = '…'.len_utf8();
    let mut end = max.saturating_sub(ellipsis);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The link back to the check: absolute http(s) links are kept, paths are
/// resolved against `base`, anything else is dropped.
pub fn absolute_link(base: &url::Url, link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let url = match url::Url::parse(link) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base.join(link).ok()?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The id of the diff on a check's page in the UI (`…/checks/{id}#diff`).
pub const DIFF_FRAGMENT: &str = "diff";

/// The link to the change itself: the check's page scrolled to its diff.
/// `None` when the alert carries no diff or no usable link.
pub fn diff_link(base: &url::Url, link: &str, diff: &str) -> Option<String> {
    if diff.trim().is_empty() {
        return None;
    }
    let mut url = url::Url::parse(&absolute_link(base, link)?).ok()?;
    url.set_fragment(Some(DIFF_FRAGMENT));
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_never_exceeds_the_limit_even_with_multibyte_text() {
        let text = "ééééééééééé";
        assert_eq!(fit(text, 5).chars().count(), 5);
        assert_eq!(fit("short", 5), "short");
        assert!(fit_bytes(text, 7).len() <= 7);
        assert!(fit_bytes(text, 7).ends_with('…'));
    }

    #[test]
    fn relative_links_resolve_and_other_schemes_are_dropped() {
        let base: url::Url = "https://lookout.test/".parse().unwrap();
        assert_eq!(
            absolute_link(&base, "/monitors/1").as_deref(),
            Some("https://lookout.test/monitors/1")
        );
        assert_eq!(absolute_link(&base, "javascript:alert(1)"), None);
        assert_eq!(absolute_link(&base, " "), None);
    }

    #[test]
    fn the_diff_link_is_the_check_page_at_its_diff_and_only_when_there_is_a_diff() {
        let base: url::Url = "https://lookout.test/".parse().unwrap();
        assert_eq!(
            diff_link(&base, "/monitors/m/checks/c", "-a\n+b").as_deref(),
            Some("https://lookout.test/monitors/m/checks/c#diff")
        );
        assert_eq!(diff_link(&base, "/monitors/m/checks/c", "  "), None);
        assert_eq!(diff_link(&base, "", "-a\n+b"), None);
    }
}
