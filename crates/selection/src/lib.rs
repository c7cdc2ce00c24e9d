//! The part of a page a monitor watches.
//!
//! A selector has a [`Kind`] and an expression. The gateway parses it when a
//! monitor is created or previewed (so a typo is a 422 naming the problem,
//! not a failing check days later) and the browser applies it to each page.
//! Both use this crate, so what is accepted is exactly what can run.
//!
//! - [`html`]: CSS and XPath 1.0 over the tree `scraper` parsed.
//! - [`json`]: JSON pointer (RFC 6901) and JSONPath (RFC 9535).
//! - [`jq`]: jq filters, run by jaq.
//! - `meter`: the step and time budget of one jq run.
//! - [`xml`]: XPath over XML (RSS and Atom feeds).
//! - `xpath2`: names the XPath 2.0 construct in an expression 1.0 refused.

pub mod html;
pub mod jq;
pub mod json;
mod meter;
pub mod xml;
mod xpath2;

use std::fmt;
use std::str::FromStr;

/// A selector expression longer than this is refused: real ones are short,
/// and jq and XPath are compiled on every check.
pub const MAX_EXPRESSION_CHARS: usize = 1024;

/// The languages a selector can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Css,
    XPath,
    JsonPointer,
    JsonPath,
    Jq,
}

/// Which documents a kind applies to; a monitor may hold one of each, since
/// whether a URL answers HTML or JSON is known only when it is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Html,
    Json,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Css,
        Kind::XPath,
        Kind::JsonPointer,
        Kind::JsonPath,
        Kind::Jq,
    ];

    /// The name used in the API, the database and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Css => "css",
            Kind::XPath => "xpath",
            Kind::JsonPointer => "json_pointer",
            Kind::JsonPath => "json_path",
            Kind::Jq => "jq",
        }
    }

    /// How a person calls it, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Css => "CSS selector",
            Kind::XPath => "XPath expression",
            Kind::JsonPointer => "JSON pointer",
            Kind::JsonPath => "JSONPath query",
            Kind::Jq => "jq filter",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Kind::Css | Kind::XPath => Family::Html,
            Kind::JsonPointer | Kind::JsonPath | Kind::Jq => Family::Json,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or_else(|| {
                format!(
                    "unknown selector kind {value:?}; use css, xpath, json_pointer, json_path or jq"
                )
            })
    }
}

/// Why an expression was refused; the message is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SelectorError {
    pub kind: Kind,
    pub message: String,
}

impl SelectorError {
    fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// A parsed selector. XPath and jq keep their text: their compiled forms
/// borrow thread-local state, so they are compiled where they run.
#[derive(Debug, Clone)]
pub enum Selector {
    Css {
        expression: String,
        parsed: scraper::Selector,
    },
    XPath(String),
    JsonPointer(String),
    JsonPath {
        expression: String,
        parsed: serde_json_path::JsonPath,
    },
    Jq(String),
}

impl Selector {
    /// Parses `expression` as `kind`, with a message that says what is wrong.
    pub fn parse(kind: Kind, expression: &str) -> Result<Self, SelectorError> {
        let expression = expression.trim();
        if expression.is_empty() {
            return Err(SelectorError::new(
                kind,
                format!("the {} is empty", kind.label()),
            ));
        }
        if expression.chars().count() > MAX_EXPRESSION_CHARS {
            return Err(SelectorError::new(
                kind,
                format!(
                    "the {} is longer than {MAX_EXPRESSION_CHARS} characters",
                    kind.label()
                ),
            ));
        }
        let owned = expression.to_owned();
        match kind {
            Kind::Css => {
                let parsed = scraper::Selector::parse(expression).map_err(|error| {
                    SelectorError::new(kind, format!("not a valid CSS selector: {error}"))
                })?;
                Ok(Selector::Css {
                    expression: owned,
                    parsed,
                })
            }
            Kind::XPath => {
                html::check_xpath(expression)
                    .map_err(|message| SelectorError::new(kind, message))?;
                Ok(Selector::XPath(owned))
            }
            Kind::JsonPointer => {
                json::check_pointer(expression)
                    .map_err(|message| SelectorError::new(kind, message))?;
                Ok(Selector::JsonPointer(owned))
            }
            Kind::JsonPath => {
                let parsed = serde_json_path::JsonPath::parse(expression).map_err(|error| {
                    SelectorError::new(
                        kind,
                        format!("not a valid JSONPath query (RFC 9535): {error}"),
                    )
                })?;
                Ok(Selector::JsonPath {
                    expression: owned,
                    parsed,
                })
            }
            Kind::Jq => {
                jq::check(expression).map_err(|message| SelectorError::new(kind, message))?;
                Ok(Selector::Jq(owned))
            }
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Selector::Css { .. } => Kind::Css,
            Selector::XPath(_) => Kind::XPath,
            Selector::JsonPointer(_) => Kind::JsonPointer,
            Selector::JsonPath { .. } => Kind::JsonPath,
            Selector::Jq(_) => Kind::Jq,
        }
    }

    pub fn expression(&self) -> &str {
        match self {
            Selector::Css { expression, .. } | Selector::JsonPath { expression, .. } => expression,
            Selector::XPath(expression)
            | Selector::JsonPointer(expression)
            | Selector::Jq(expression) => expression,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    fn refusal(kind: Kind, expression: &str) -> String {
        Selector::parse(kind, expression).unwrap_err().message
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>().unwrap(), kind);
        }
        assert!("regex".parse::<Kind>().unwrap_err().contains("json_path"));
    }

    #[test]
    fn each_kind_refuses_a_broken_expression_with_a_precise_message() {
        assert!(refusal(Kind::Css, "div[").starts_with("not a valid CSS selector"));
        assert!(refusal(Kind::XPath, "//div[@class=").starts_with("not a valid XPath 1.0"));
        assert!(refusal(Kind::XPath, "//div[frobnicate()]").contains("frobnicate"));
        assert!(refusal(Kind::JsonPointer, "items/0").contains("starts with \"/\""));
        assert!(refusal(Kind::JsonPointer, "/items/~2").contains("followed by 0 or 1"));
        assert!(refusal(Kind::JsonPath, "$.items[").starts_with("not a valid JSONPath"));
        assert!(refusal(Kind::JsonPath, "items").starts_with("not a valid JSONPath"));
        assert!(refusal(Kind::Jq, ".items | map(").starts_with("not a valid jq filter"));
        assert!(refusal(Kind::Jq, ".items | frobnicate").contains("frobnicate"));
        assert!(refusal(Kind::Jq, "  ").contains("empty"));
        assert!(refusal(Kind::Css, &"a".repeat(MAX_EXPRESSION_CHARS + 1)).contains("longer"));
    }

    #[test]
    fn valid_expressions_parse_and_keep_their_trimmed_text() {
        let cases = [
            (Kind::Css, " ul.products > li .price "),
            (
                Kind::XPath,
                "//li[contains(@class, 'product')]/span[@class='price']",
            ),
            (Kind::XPath, "count(//li)"),
            (Kind::JsonPointer, "/data/0/price"),
            (Kind::JsonPath, "$.data[?@.stock > 0].name"),
            (
                Kind::Jq,
                "[.data[] | select(.stock > 0) | .name] | join(\", \")",
            ),
        ];
        for (kind, expression) in cases {
            let selector = Selector::parse(kind, expression).unwrap();
            assert_eq!(selector.kind(), kind);
            assert_eq!(selector.expression(), expression.trim());
        }
    }
}
