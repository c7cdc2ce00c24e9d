//! Lookout's own email headers. Values are reduced to a safe alphabet before
//! they reach lettre, so no caller-supplied id can fold into a new header.

use lettre::message::header::{Header, HeaderName, HeaderValue};

macro_rules! text_header {
    ($(#[$doc:meta])* $type:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $type(String);

        impl $type {
            pub fn new(value: &str) -> Self {
                Self(header_safe(value))
            }
        }

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self::new(s))
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(
    /// Lets mail rules and support staff find the monitor an email is about.
    XLookoutMonitor,
    "X-Lookout-Monitor"
);
text_header!(
    /// The check that produced the alert.
    XLookoutCheck,
    "X-Lookout-Check"
);
text_header!(
    /// RFC 3834: tells autoresponders (vacation replies) not to answer.
    AutoSubmitted,
    "Auto-Submitted"
);

/// RFC 2369 / RFC 8058: the channel's one-click unsubscribe link. The value
/// is a parsed URL, whose serialization percent-encodes spaces and line
/// breaks, so it cannot fold into another header.
#[derive(Debug, Clone)]
pub struct ListUnsubscribe(String);

impl ListUnsubscribe {
    pub fn new(url: &url::Url) -> Self {
        Self(format!("<{url}>"))
    }
}

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let url = s.trim().trim_start_matches('<').trim_end_matches('>');
        Ok(Self::new(&url::Url::parse(url)?))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// RFC 8058: a mail client may unsubscribe with one POST, no page visit.
#[derive(Debug, Clone)]
pub struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// Ids are UUIDs in practice; anything else is cut down to what cannot be
/// mistaken for header syntax.
fn header_safe(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        .take(100)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unsubscribe_link_cannot_break_out_of_its_header() {
        let url = url::Url::parse("https://lookout.test/unsubscribe/a b\r\nBcc: x").unwrap();
        let header = ListUnsubscribe::new(&url);
        assert!(
            !header.0.contains('\n') && !header.0.contains(' '),
            "{}",
            header.0
        );
        assert!(header.0.starts_with("<https://lookout.test/unsubscribe/"));
    }

    #[test]
    fn header_values_lose_line_breaks_and_spaces() {
        assert_eq!(header_safe("abc\r\nBcc: x@y"), "abcBcc:xy");
    }
}
