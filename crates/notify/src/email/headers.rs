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
    fn header_values_lose_line_breaks_and_spaces() {
        assert_eq!(header_safe("abc\r\nBcc: x@y"), "abcBcc:xy");
    }
}
