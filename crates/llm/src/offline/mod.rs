//! The offline judge: deterministic rules read from the condition, no network, no tokens.
//!
//! Semantics (also the contract the tests pin down):
//! - any change: triggers when the texts differ; never on a first check.
//! - contains / does not contain: judge the current state only, on every check.
//! - appears / disappears: the current state must hold and it must be new: it did not hold in the
//!   previous text, or this is the first check ("judge the current state as well as the diff").
//! - regex: triggers when the pattern matches now and, unless this is the first check, did not
//!   match before or matched different text.
//! - number above / below: triggers when the chosen number satisfies the threshold now and, unless
//!   this is the first check, the previous number did not (or there was none). While the price
//!   stays below 100 there is no second alert; it must go back above and cross again.
//! - anything unreadable: "any change", with a lower confidence and a reason saying so.

mod change;

pub use condition_rules::numbers::{FoundNumber, choose_number, find_numbers, parse_number};
pub use condition_rules::rule::{Direction, NumberRule, ParsedRule, Rule, parse};

use change::LineChanges;
use regex::Regex;

use crate::domain::{Evaluation, Judge, TokenUsage, Verdict, Verification, truncate_chars};
use crate::error::JudgeError;
use crate::evidence::excerpt_around;

/// How long quoted phrases and values may be inside a summary.
const QUOTE_CHARS: usize = 80;

/// Judges with rules parsed from the condition. Cheap and stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineJudge;

#[tonic::async_trait]
impl Judge for OfflineJudge {
    fn name(&self) -> &str {
        "offline"
    }

    async fn evaluate(&self, evaluation: &Evaluation) -> Result<Verdict, JudgeError> {
        Ok(judge_offline(evaluation))
    }
}

/// The offline verdict for one evaluation.
pub fn judge_offline(evaluation: &Evaluation) -> Verdict {
    let parsed = parse(&evaluation.condition);
    let changes = LineChanges::between(&evaluation.previous_text, &evaluation.current_text);
    let mut outcome = apply(&parsed.rule, evaluation);

    if let Some(why) = &parsed.fallback {
        outcome.reason = format!(
            "The condition was read as \"any change\" because {why}. {}",
            outcome.reason
        );
        outcome.confidence = 0.4;
    }
    let change_sentence = if evaluation.first_check {
        "First check of this page.".to_owned()
    } else {
        changes.describe()
    };
    let evidence_excerpt = outcome
        .evidence
        .map(|(start, end)| excerpt_around(&evaluation.current_text, start, end));
    Verdict {
        triggered: outcome.triggered,
        kind: parsed.rule.condition_kind(),
        holds: outcome.holds,
        evidence_excerpt,
        // The rule read the page itself: what it claims is true by construction.
        verification: if outcome.triggered || outcome.holds {
            Verification::Verified
        } else {
            Verification::NotNeeded
        },
        cached: false,
        summary: truncate_chars(&format!("{} {change_sentence}", outcome.headline), 500),
        reason: outcome.reason,
        extracted_value: outcome.extracted_value,
        confidence: outcome.confidence,
        judge: format!("offline:{}", parsed.rule.kind()),
        tokens: TokenUsage::default(),
    }
}

struct Outcome {
    triggered: bool,
    /// Whether the rule's state holds on the current page (for "any change": whether it changed).
    holds: bool,
    /// Where in the current text the evidence is, as a byte range.
    evidence: Option<(usize, usize)>,
    headline: String,
    reason: String,
    extracted_value: Option<String>,
    confidence: f32,
}

fn apply(rule: &Rule, evaluation: &Evaluation) -> Outcome {
    let previous = evaluation.previous_text.as_str();
    let current = evaluation.current_text.as_str();
    let first = evaluation.first_check;
    match rule {
        Rule::AnyChange => any_change(previous, current, first),
        Rule::Contains { phrase } => contains_phrase(phrase, current),
        Rule::NotContains { phrase } => lacks_phrase(phrase, current),
        Rule::Appears { phrase } => appears(phrase, previous, current, first),
        Rule::Disappears { phrase } => disappears(phrase, previous, current, first),
        Rule::Matches { pattern } => matches_pattern(pattern, previous, current, first),
        Rule::Number(rule) => number(rule, previous, current, first),
    }
}

fn contains_phrase(phrase: &str, current: &str) -> Outcome {
    let present = contains(current, phrase);
    let quoted = quote(phrase);
    Outcome {
        triggered: present,
        holds: present,
        evidence: find_ignoring_case(current, phrase),
        headline: if present {
            format!("The page contains {quoted}.")
        } else {
            format!("The page does not contain {quoted}.")
        },
        reason: format!(
            "Triggers whenever the page contains {quoted}; it is {}.",
            if present { "there" } else { "not there" }
        ),
        extracted_value: present.then(|| phrase.to_owned()),
        confidence: 0.95,
    }
}

fn lacks_phrase(phrase: &str, current: &str) -> Outcome {
    let absent = !contains(current, phrase);
    let quoted = quote(phrase);
    Outcome {
        triggered: absent,
        holds: absent,
        evidence: None,
        headline: if absent {
            format!("The page does not contain {quoted}.")
        } else {
            format!("The page still contains {quoted}.")
        },
        reason: format!(
            "Triggers whenever the page does not contain {quoted}; it is {}.",
            if absent { "absent" } else { "present" }
        ),
        extracted_value: None,
        confidence: 0.95,
    }
}

fn appears(phrase: &str, previous: &str, current: &str, first: bool) -> Outcome {
    let now = contains(current, phrase);
    let before = !first && contains(previous, phrase);
    let quoted = quote(phrase);
    let (triggered, headline, reason) = match (now, before) {
        (true, false) if first => (
            true,
            format!("{} is on the page.", quoted),
            format!("First check and {quoted} is present."),
        ),
        (true, false) => (
            true,
            format!("{} appeared on the page.", quoted),
            format!("{quoted} is present now and was absent before."),
        ),
        (true, true) => (
            false,
            format!("{} is still on the page.", quoted),
            format!("{quoted} was already present before, so it did not newly appear."),
        ),
        (false, _) => (
            false,
            format!("{} is not on the page.", quoted),
            format!("{quoted} is not present."),
        ),
    };
    Outcome {
        triggered,
        holds: now,
        evidence: find_ignoring_case(current, phrase),
        headline,
        reason,
        extracted_value: now.then(|| phrase.to_owned()),
        confidence: 0.95,
    }
}

fn disappears(phrase: &str, previous: &str, current: &str, first: bool) -> Outcome {
    let gone = !contains(current, phrase);
    let before = first || contains(previous, phrase);
    let quoted = quote(phrase);
    let (triggered, headline, reason) = match (gone, before) {
        (true, true) if first => (
            true,
            format!("{} is not on the page.", quoted),
            format!("First check and {quoted} is absent."),
        ),
        (true, true) => (
            true,
            format!("{} disappeared from the page.", quoted),
            format!("{quoted} was present before and is absent now."),
        ),
        (true, false) => (
            false,
            format!("{} is still absent.", quoted),
            format!("{quoted} was already absent before, so it did not newly disappear."),
        ),
        (false, _) => (
            false,
            format!("{} is still on the page.", quoted),
            format!("{quoted} is still present."),
        ),
    };
    Outcome {
        triggered,
        holds: gone,
        evidence: None,
        headline,
        reason,
        extracted_value: None,
        confidence: 0.95,
    }
}

fn matches_pattern(pattern: &Regex, previous: &str, current: &str, first: bool) -> Outcome {
    let span = pattern
        .find(current)
        .map(|found| (found.start(), found.end()));
    let now = pattern.find(current).map(|found| found.as_str().to_owned());
    let before = pattern
        .find(previous)
        .map(|found| found.as_str().to_owned());
    let is_new = first || before.as_ref() != now.as_ref();
    let shown_pattern = quote(pattern.as_str());
    match now {
        Some(found) => {
            let quoted = quote(&found);
            Outcome {
                triggered: is_new,
                holds: true,
                evidence: span,
                headline: format!("The page now shows {quoted}."),
                reason: if is_new {
                    format!("The pattern {shown_pattern} matches {quoted}, which is new.")
                } else {
                    format!("The pattern {shown_pattern} matches {quoted}, as it did before.")
                },
                extracted_value: Some(found),
                confidence: 0.95,
            }
        }
        None => Outcome {
            triggered: false,
            holds: false,
            evidence: None,
            headline: format!("Nothing on the page matches {shown_pattern}."),
            reason: format!("The pattern {shown_pattern} does not match the current text."),
            extracted_value: None,
            confidence: 0.95,
        },
    }
}

fn any_change(previous: &str, current: &str, first: bool) -> Outcome {
    let (triggered, headline, reason) = if first {
        (
            false,
            "Lookout will report the next change.".to_owned(),
            "Any change: the first check has nothing to compare with.".to_owned(),
        )
    } else if previous.trim() == current.trim() {
        (
            false,
            "Nothing changed.".to_owned(),
            "Any change: the text is the same as before.".to_owned(),
        )
    } else {
        (
            true,
            "The page changed.".to_owned(),
            "Any change: the text differs from the previous check.".to_owned(),
        )
    };
    Outcome {
        triggered,
        holds: triggered,
        evidence: None,
        headline,
        reason,
        extracted_value: None,
        confidence: 0.9,
    }
}

fn number(rule: &NumberRule, previous: &str, current: &str, first: bool) -> Outcome {
    let subject = rule.hint.keyword.as_deref().unwrap_or("value");
    let threshold = rule.describe();
    let Some((now, anchored)) = choose_number(current, &rule.hint) else {
        return Outcome {
            triggered: false,
            holds: false,
            evidence: None,
            headline: format!("No {subject} was found on the page."),
            reason: format!("The condition needs a number {threshold}, but the page has none."),
            extracted_value: None,
            confidence: 0.6,
        };
    };
    let satisfied = rule.is_satisfied_by(now.value);
    let before = (!first)
        .then(|| choose_number(previous, &rule.hint))
        .flatten()
        .map(|(found, _)| found);
    let satisfied_before = before
        .as_ref()
        .is_some_and(|found| rule.is_satisfied_by(found.value));
    let triggered = satisfied && !satisfied_before;
    let value = now.raw.clone();
    let headline = if satisfied {
        format!("The {subject} is now {value}, {threshold}.")
    } else {
        format!("The {subject} is now {value}, not {threshold}.")
    };
    let reason = match (&before, satisfied, satisfied_before) {
        (_, false, _) => format!("{value} is not {threshold}."),
        (_, true, true) => format!(
            "{value} is {threshold}, but so was the previous value {}, so this is not a new crossing.",
            before.as_ref().map_or("", |found| found.raw.as_str())
        ),
        (Some(found), true, false) => {
            format!(
                "{value} is {threshold} and the previous value {} was not.",
                found.raw
            )
        }
        (None, true, false) if first => format!("First check and {value} is {threshold}."),
        (None, true, false) => {
            format!("{value} is {threshold} and the previous page had no such number.")
        }
    };
    Outcome {
        triggered,
        holds: satisfied,
        evidence: Some((now.start, now.end)),
        headline,
        reason,
        extracted_value: Some(value),
        confidence: if anchored { 0.9 } else { 0.7 },
    }
}

/// Where `phrase` first occurs in `text`, ignoring case; `None` when lowercasing changes byte
/// lengths (a few scripts), since positions would then not match the original text.
/// The byte range of `phrase` in `text`, ignoring case. Lowercasing may
/// change a character's length (`İ` grows, `ẞ` shrinks), so each byte of the
/// lowercased text is mapped back to the character of `text` it came from
/// rather than assuming the offsets line up (found by `make fuzz`).
fn find_ignoring_case(text: &str, phrase: &str) -> Option<(usize, usize)> {
    let needle = phrase.to_lowercase();
    if needle.is_empty() {
        return None;
    }
    let mut haystack = String::with_capacity(text.len());
    let mut source_char = Vec::with_capacity(text.len());
    for (at, character) in text.char_indices() {
        haystack.extend(character.to_lowercase());
        source_char.resize(haystack.len(), (at, character.len_utf8()));
    }
    let start = haystack.find(&needle)?;
    let (first, _) = source_char[start];
    let (last, last_len) = source_char[start + needle.len() - 1];
    Some((first, last + last_len))
}

fn contains(text: &str, phrase: &str) -> bool {
    text.to_lowercase().contains(&phrase.to_lowercase())
}

fn quote(text: &str) -> String {
    format!("\"{}\"", truncate_chars(text, QUOTE_CHARS))
}
