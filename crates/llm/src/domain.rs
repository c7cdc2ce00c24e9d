//! What a judge is asked and what it answers, independent of gRPC and of any provider.

use crate::error::JudgeError;

/// The longest condition a user may write. Conditions are a sentence or a small JSON rule;
/// anything longer is almost certainly a mistake or an attempt to smuggle a prompt.
pub const MAX_CONDITION_CHARS: usize = 2_000;
/// The largest page text accepted. Pages are truncated long before they reach a model; this
/// bound only protects the service's memory.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// A request to judge one check of a monitor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// The user's condition in natural language or as a JSON rule.
    pub condition: String,
    /// Text of the previous snapshot; empty on the first check.
    pub previous_text: String,
    /// Text of the current snapshot.
    pub current_text: String,
    /// True when there is no previous snapshot, so the current state alone is judged.
    pub first_check: bool,
    /// The page URL, only as context.
    pub url: String,
    /// The monitor's last alerts its users rated, newest first: labelled examples of what they
    /// want. Untrusted like the page, since their text came from it.
    pub rated_examples: Vec<RatedExample>,
}

/// The most rated examples one evaluation accepts.
pub const MAX_RATED_EXAMPLES: usize = 10;

/// What a user said of an alert: the same words the rating links carry.
pub use rating_link::Rating;

/// An earlier alert of the monitor and how its users rated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatedExample {
    pub rating: Rating,
    pub summary: String,
    /// The short diff of the change that alerted.
    pub diff: String,
    pub extracted_value: String,
}

/// Tokens spent by a provider, for budgets. Zero for the offline judge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub prompt: u32,
    pub completion: u32,
}

/// Whether a condition is about how the page *is* or about something that *happens*; read by
/// the offline rules (crate `condition-rules`), which own it.
pub use condition_rules::ConditionKind;

/// Whether the evidence a verdict quotes was found in the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Nothing was claimed (not triggered, condition does not hold), so nothing needed proof.
    NotNeeded,
    /// The excerpt is in the current text and, for numbers, the offline parser agrees.
    Verified,
    /// The evidence did not hold; the verdict was turned into "not triggered" for this reason.
    Unverified(String),
}

/// A judge's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub triggered: bool,
    /// State or event; see [`ConditionKind`].
    pub kind: ConditionKind,
    /// For a state condition: whether it holds on the current page, whatever it was before.
    pub holds: bool,
    /// A short excerpt of the current text that shows what was judged.
    pub evidence_excerpt: Option<String>,
    pub verification: Verification,
    /// The verdict was answered from the verdict cache, without a model call.
    pub cached: bool,
    /// One or two plain sentences for the user.
    pub summary: String,
    /// Why the judge decided this way.
    pub reason: String,
    /// The value the condition is about, when there is one (e.g. "89.90").
    pub extracted_value: Option<String>,
    /// 0.0 to 1.0.
    pub confidence: f32,
    /// Which judge decided, e.g. "offline:number-below" or "openai:gpt-4o-mini".
    pub judge: String,
    pub tokens: TokenUsage,
}

/// Anything that can decide whether a change satisfies a condition.
///
/// A trait object so the service does not care which provider configuration chose, and tests can
/// substitute their own.
#[tonic::async_trait]
pub trait Judge: Send + Sync {
    /// A short name for logs, e.g. "offline" or "openai:gpt-4o-mini".
    fn name(&self) -> &str;

    async fn evaluate(&self, evaluation: &Evaluation) -> Result<Verdict, JudgeError>;
}

/// Cuts `text` to at most `max_chars` characters, never inside a character.
pub(crate) fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => {
            let mut cut: String = text[..end].trim_end().to_owned();
            cut.push('…');
            cut
        }
        None => text.to_owned(),
    }
}
