//! A monitor's condition read as a rule, without a model: shared by the judge that applies it
//! and the gateway that charts what it is about.
//!
//! - [`numbers`] — numbers as pages write them ("1,299.00", "1.299,00 €") and which one a
//!   condition is about.
//! - [`rule`] — a condition ("price drops below 100 EUR", a JSON rule) read into a [`rule::Rule`].
//! - [`reading`] — the value a verdict extracted read as a number with its unit, and the
//!   threshold a condition draws.
//!
//! API Boundary: pure functions over text, no I/O. The llm service's offline judge applies these
//! rules; the gateway reads the same rules to say which value the verdicts extract and where the
//! alert threshold lies, so a chart's threshold line is the line the judge applies.

pub mod numbers;
pub mod reading;
pub mod rule;

/// Whether a condition is about how the page *is* or about something that *happens*.
///
/// A state condition ("price below 100") can already hold on the first check and alerts again
/// only after it stopped holding; an event condition ("a new job posting mentioning Rust") needs
/// a change to happen, so it never alerts on the first check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    State,
    Event,
}

impl ConditionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Event => "event",
        }
    }
}
