//! Reading a condition into a rule the offline judge can apply.
//!
//! Two forms are accepted: a short English sentence ("tell me when 'In stock' appears",
//! "price drops below 100 EUR", "matches /\d+ EUR/") and, for scripts, a JSON object whose
//! `rule` field names the kind (`{"rule":"number_below","value":100,"keyword":"price"}`).
//! A condition that fits neither is read as "any change" and says so in its reason.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::ConditionKind;
use crate::numbers::{NumberHint, mentions_currency, parse_number};

/// What the offline judge checks.
#[derive(Debug, Clone)]
pub enum Rule {
    /// Triggers when the text changed; never on a first check (there is nothing to compare).
    AnyChange,
    /// Triggers whenever the current text contains the phrase.
    Contains { phrase: String },
    /// Triggers when the phrase is present now and was absent before (or this is the first check).
    Appears { phrase: String },
    /// Triggers whenever the current text does not contain the phrase.
    NotContains { phrase: String },
    /// Triggers when the phrase is absent now and was present before (or this is the first check).
    Disappears { phrase: String },
    /// Triggers when the pattern matches now and did not match, or matched different text, before
    /// (or this is the first check).
    Matches { pattern: Regex },
    /// Triggers when the chosen number crosses the threshold: it satisfies it now and did not
    /// before, or there was no number before, or this is the first check. No repeated alerts
    /// while the value stays on the same side.
    Number(NumberRule),
}

/// A threshold on a number found in the page.
#[derive(Debug, Clone)]
pub struct NumberRule {
    pub direction: Direction,
    pub threshold: f64,
    /// The threshold as the user wrote it, so summaries say "below 100" rather than "below 100.0".
    pub threshold_text: String,
    /// `<=` and `>=` rather than `<` and `>`.
    pub inclusive: bool,
    pub hint: NumberHint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Below,
    Above,
}

impl NumberRule {
    pub fn is_satisfied_by(&self, value: f64) -> bool {
        match (self.direction, self.inclusive) {
            (Direction::Below, false) => value < self.threshold,
            (Direction::Below, true) => value <= self.threshold,
            (Direction::Above, false) => value > self.threshold,
            (Direction::Above, true) => value >= self.threshold,
        }
    }

    /// "below 100", "at most 100", "above 50", "at least 10".
    pub fn describe(&self) -> String {
        let relation = match (self.direction, self.inclusive) {
            (Direction::Below, false) => "below",
            (Direction::Below, true) => "at most",
            (Direction::Above, false) => "above",
            (Direction::Above, true) => "at least",
        };
        format!("{relation} {}", self.threshold_text)
    }
}

impl Rule {
    /// Whether the rule describes a state or an event. Only "any change" is an event: every other
    /// rule reads the current page (a phrase, a pattern, a number) and can hold on a first check.
    pub fn condition_kind(&self) -> ConditionKind {
        match self {
            Self::AnyChange => ConditionKind::Event,
            Self::Contains { .. }
            | Self::Appears { .. }
            | Self::NotContains { .. }
            | Self::Disappears { .. }
            | Self::Matches { .. }
            | Self::Number(_) => ConditionKind::State,
        }
    }

    /// The judge name suffix, e.g. "number-below" in "offline:number-below".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AnyChange => "any-change",
            Self::Contains { .. } => "contains",
            Self::Appears { .. } => "appears",
            Self::NotContains { .. } => "not-contains",
            Self::Disappears { .. } => "disappears",
            Self::Matches { .. } => "regex",
            Self::Number(rule) => match rule.direction {
                Direction::Below => "number-below",
                Direction::Above => "number-above",
            },
        }
    }
}

/// A rule and whether the condition was actually understood.
#[derive(Debug, Clone)]
pub struct ParsedRule {
    pub rule: Rule,
    /// Set when the condition could not be read and the judge fell back to "any change".
    pub fallback: Option<String>,
}

impl ParsedRule {
    fn understood(rule: Rule) -> Self {
        Self {
            rule,
            fallback: None,
        }
    }

    fn not_understood(why: impl Into<String>) -> Self {
        Self {
            rule: Rule::AnyChange,
            fallback: Some(why.into()),
        }
    }
}

/// Reads a condition into a rule. Never fails: unreadable conditions become "any change".
pub fn parse(condition: &str) -> ParsedRule {
    let condition = condition.trim();
    if condition.is_empty() {
        return ParsedRule::understood(Rule::AnyChange);
    }
    if condition.starts_with('{') {
        return parse_json(condition);
    }
    parse_sentence(condition)
}

/// The structured form for scripts.
#[derive(Debug, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
enum JsonRule {
    AnyChange,
    Contains {
        text: String,
    },
    Appears {
        text: String,
    },
    NotContains {
        text: String,
    },
    Disappears {
        text: String,
    },
    Regex {
        pattern: String,
    },
    NumberBelow {
        value: f64,
        #[serde(default)]
        inclusive: bool,
        keyword: Option<String>,
    },
    NumberAbove {
        value: f64,
        #[serde(default)]
        inclusive: bool,
        keyword: Option<String>,
    },
}

fn parse_json(condition: &str) -> ParsedRule {
    let json: JsonRule = match serde_json::from_str(condition) {
        Ok(json) => json,
        Err(error) => {
            return ParsedRule::not_understood(format!("the JSON rule could not be read: {error}"));
        }
    };
    let rule = match json {
        JsonRule::AnyChange => Rule::AnyChange,
        JsonRule::Contains { text } => Rule::Contains { phrase: text },
        JsonRule::Appears { text } => Rule::Appears { phrase: text },
        JsonRule::NotContains { text } => Rule::NotContains { phrase: text },
        JsonRule::Disappears { text } => Rule::Disappears { phrase: text },
        JsonRule::Regex { pattern } => match build_regex(&pattern) {
            Some(pattern) => Rule::Matches { pattern },
            None => return ParsedRule::not_understood("the regular expression is not valid"),
        },
        JsonRule::NumberBelow {
            value,
            inclusive,
            keyword,
        } => json_number_rule(Direction::Below, value, inclusive, keyword),
        JsonRule::NumberAbove {
            value,
            inclusive,
            keyword,
        } => json_number_rule(Direction::Above, value, inclusive, keyword),
    };
    match &rule {
        Rule::Contains { phrase }
        | Rule::Appears { phrase }
        | Rule::NotContains { phrase }
        | Rule::Disappears { phrase }
            if phrase.trim().is_empty() =>
        {
            ParsedRule::not_understood("the rule's text is empty")
        }
        Rule::Number(number) if !number.threshold.is_finite() => {
            ParsedRule::not_understood("the rule's value is not a finite number")
        }
        _ => ParsedRule::understood(rule),
    }
}

fn json_number_rule(
    direction: Direction,
    value: f64,
    inclusive: bool,
    keyword: Option<String>,
) -> Rule {
    Rule::Number(NumberRule {
        direction,
        threshold: value,
        threshold_text: value.to_string(),
        inclusive,
        hint: NumberHint {
            keyword: keyword.filter(|keyword| !keyword.trim().is_empty()),
            currency: false,
        },
    })
}

/// Case-insensitive, bounded in size so a hostile pattern cannot exhaust memory.
fn build_regex(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .ok()
}

macro_rules! pattern {
    ($name:ident, $pattern:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| {
            #[allow(clippy::expect_used)] // A constant pattern; covered by the rule tests.
            Regex::new($pattern).expect("constant pattern is valid")
        });
    };
}

// `matches /\d+ EUR/` — the only way to write a regular expression in a sentence.
pattern!(SLASHED_REGEX, r"/(.+)/");
// 'In stock', "In stock", “In stock”, ‘In stock’, «In stock».
pattern!(
    QUOTED,
    r#"'([^']+)'|"([^"]+)"|“([^”]+)”|‘([^’]+)’|«([^»]+)»"#
);
// A comparison followed by a number, optionally with a currency in between.
pattern!(
    COMPARISON,
    r"(?i)(<=|>=|=<|=>|≤|≥|<|>|\bat most\b|\bat least\b|\bno more than\b|\bno less than\b|\bnot more than\b|\bnot less than\b|\bbelow\b|\bunder\b|\bless than\b|\blower than\b|\bcheaper than\b|\bfewer than\b|\babove\b|\bover\b|\bmore than\b|\bgreater than\b|\bhigher than\b|\bbigger than\b|\blarger than\b|\bexceeds?\b|\bexceeding\b)\s*(?:[$€£¥₹]\s*)?(-?\d[\d.,'\u{a0}]*)"
);
// "contains Rust", "any new job posting that mentions Rust".
pattern!(
    CONTAINS_WORDS,
    r"(?i)\b(?:contains?|containing|mentions?|mentioning|includes?|including)\s+(.+)$"
);
// "when In stock appears", "if Sold out disappears".
pattern!(
    PHRASE_THEN_VERB,
    r"(?i)\b(?:when|if|once)\s+(?:the\s+(?:text|word|phrase)\s+)?(.+?)\s+(appears?|shows? up|is added|disappears?|is gone|goes away|is removed|vanishes)\b"
);
pattern!(
    ANY_CHANGE,
    r"(?i)\b(?:any(?:thing)?\s+(?:change|changes|update|updates|difference)|(?:anything|something)\s+(?:changes|is updated)|changes?|updated?)\b"
);

/// Words that name how a value moves rather than which value it is.
const FILLER_WORDS: [&str; 33] = [
    "tell", "me", "notify", "alert", "when", "if", "once", "the", "a", "an", "is", "are", "gets",
    "get", "goes", "go", "drops", "drop", "falls", "fall", "rises", "rise", "becomes", "become",
    "climbs", "price's", "number", "of", "it", "value", "still", "stays", "to",
];

fn parse_sentence(condition: &str) -> ParsedRule {
    let lower = condition.to_lowercase();

    if (lower.contains("match") || lower.contains("regex") || lower.contains("pattern"))
        && let Some(captures) = SLASHED_REGEX.captures(condition)
    {
        return match captures.get(1).and_then(|m| build_regex(m.as_str())) {
            Some(pattern) => ParsedRule::understood(Rule::Matches { pattern }),
            None => ParsedRule::not_understood("the regular expression is not valid"),
        };
    }

    let quoted = quoted_phrase(condition);
    // Quoted text is what to look for, never the wording of the rule: "contains 'under 18'" is
    // not a threshold and "contains 'new arrivals'" is not "appears".
    let unquoted = QUOTED.replace_all(condition, " ");

    if let Some(mut rule) = number_rule(&unquoted) {
        // "'Pro plan' below 30": the quoted phrase labels the number.
        if rule.hint.keyword.is_none() {
            rule.hint.keyword = quoted.map(|phrase| phrase.to_lowercase());
        }
        return ParsedRule::understood(Rule::Number(rule));
    }

    if let Some(phrase) = quoted {
        return ParsedRule::understood(phrase_rule(&unquoted.to_lowercase(), phrase));
    }

    if let Some(captures) = PHRASE_THEN_VERB.captures(condition)
        && let (Some(phrase), Some(verb)) = (captures.get(1), captures.get(2))
    {
        let phrase = clean_phrase(phrase.as_str());
        if !phrase.is_empty() {
            return ParsedRule::understood(phrase_rule(&verb.as_str().to_lowercase(), phrase));
        }
    }

    if let Some(phrase) = CONTAINS_WORDS.captures(condition).and_then(|c| c.get(1)) {
        let phrase = clean_phrase(phrase.as_str());
        if !phrase.is_empty() {
            let negated = lower.contains("not contain")
                || lower.contains("n't contain")
                || lower.contains("not mention")
                || lower.contains("n't mention");
            return ParsedRule::understood(if negated {
                Rule::NotContains { phrase }
            } else {
                Rule::Contains { phrase }
            });
        }
    }

    if ANY_CHANGE.is_match(condition) {
        return ParsedRule::understood(Rule::AnyChange);
    }

    ParsedRule::not_understood("the condition is not one of the offline rules")
}

fn quoted_phrase(condition: &str) -> Option<String> {
    let captures = QUOTED.captures(condition)?;
    let phrase = captures.iter().skip(1).flatten().next()?.as_str().trim();
    (!phrase.is_empty()).then(|| phrase.to_owned())
}

/// Picks the kind of phrase rule from the words around the phrase.
fn phrase_rule(words: &str, phrase: String) -> Rule {
    let has = |needles: &[&str]| needles.iter().any(|needle| words.contains(needle));
    if has(&[
        "disappear",
        "is gone",
        "goes away",
        "removed",
        "no longer",
        "vanish",
    ]) {
        Rule::Disappears { phrase }
    } else if has(&[
        "not contain",
        "n't contain",
        "does not",
        "doesn't",
        "without",
        "missing",
        "absent",
        "not appear",
        "not present",
        "not mention",
    ]) {
        Rule::NotContains { phrase }
    } else if has(&[
        "appear",
        "show up",
        "shows up",
        "is added",
        "becomes available",
        "new",
    ]) {
        Rule::Appears { phrase }
    } else {
        Rule::Contains { phrase }
    }
}

/// Strips trailing punctuation and surrounding filler from an unquoted phrase.
fn clean_phrase(phrase: &str) -> String {
    phrase
        .trim()
        .trim_end_matches(['.', '!', '?', ',', ';'])
        .trim()
        .to_owned()
}

fn number_rule(condition: &str) -> Option<NumberRule> {
    let captures = COMPARISON.captures(condition)?;
    let operator = captures.get(1)?;
    let number = captures.get(2)?;
    let threshold_text = number.as_str().trim_end_matches(['.', ',']).to_owned();
    let threshold = parse_number(threshold_text.trim_start_matches('-'))?
        * if threshold_text.starts_with('-') {
            -1.0
        } else {
            1.0
        };
    let (direction, inclusive) = match operator.as_str().to_lowercase().as_str() {
        "<" => (Direction::Below, false),
        "<=" | "=<" | "≤" | "at most" | "no more than" | "not more than" => {
            (Direction::Below, true)
        }
        ">" => (Direction::Above, false),
        ">=" | "=>" | "≥" | "at least" | "no less than" | "not less than" => {
            (Direction::Above, true)
        }
        "below" | "under" | "less than" | "lower than" | "cheaper than" | "fewer than" => {
            (Direction::Below, false)
        }
        _ => (Direction::Above, false),
    };
    Some(NumberRule {
        direction,
        threshold,
        threshold_text,
        inclusive,
        hint: NumberHint {
            keyword: keyword_before(&condition[..operator.start()]),
            currency: mentions_currency(condition),
        },
    })
}

/// Words that almost always name the value a threshold is about.
const PRICE_WORDS: [&str; 6] = ["price", "prices", "cost", "costs", "preis", "prix"];

/// The word before the comparison that names the value: a price word when there is one ("price"
/// in "the price of the iPhone 15 drops below"), otherwise the last meaningful word ("results" in
/// "the number of results is above").
fn keyword_before(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if let Some(price) = words
        .iter()
        .find(|word| PRICE_WORDS.contains(&word.as_str()))
    {
        return Some(price.clone());
    }
    words.into_iter().rev().find(|word| {
        !FILLER_WORDS.contains(&word.as_str()) && word.chars().all(char::is_alphabetic)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(condition: &str) -> &'static str {
        parse(condition).rule.kind()
    }

    #[test]
    fn sentences_are_read_as_the_rule_they_describe() {
        let cases = [
            ("", "any-change"),
            ("any change", "any-change"),
            ("Tell me when anything changes", "any-change"),
            ("tell me when 'In stock' appears", "appears"),
            ("contains Rust", "contains"),
            ("any new job posting that mentions Rust", "contains"),
            ("page contains \"Rust\"", "contains"),
            ("when 'Sold out' disappears", "disappears"),
            ("when In stock appears", "appears"),
            ("does not contain 'error'", "not-contains"),
            ("matches /\\d+ EUR/", "regex"),
            ("price drops below 100 EUR", "number-below"),
            ("price under 100", "number-below"),
            ("above 50", "number-above"),
            ("more than 3", "number-above"),
            ("less than 7", "number-below"),
            (">= 10", "number-above"),
            ("{\"rule\":\"number_below\",\"value\":100}", "number-below"),
            ("{\"rule\":\"appears\",\"text\":\"In stock\"}", "appears"),
            ("contains 'under 18'", "contains"),
            ("tell me when 'new arrivals' is on the page", "contains"),
            ("'Pro plan' below 30", "number-below"),
        ];
        for (condition, expected) in cases {
            assert_eq!(kind(condition), expected, "{condition:?}");
        }
    }

    #[test]
    fn the_keyword_before_the_comparison_is_remembered() {
        let Rule::Number(rule) = parse("tell me when the price drops below 100 EUR").rule else {
            panic!("not a number rule");
        };
        assert_eq!(rule.hint.keyword.as_deref(), Some("price"));
        assert!(rule.hint.currency);
        assert_eq!(rule.threshold, 100.0);
        assert_eq!(rule.describe(), "below 100");
    }

    #[test]
    fn a_quoted_phrase_labels_a_threshold_without_a_keyword() {
        let Rule::Number(rule) = parse("'Pro plan' below 30 $").rule else {
            panic!("not a number rule");
        };
        assert_eq!(rule.hint.keyword.as_deref(), Some("pro plan"));
    }

    #[test]
    fn inclusive_operators_are_inclusive() {
        let Rule::Number(rule) = parse(">= 10").rule else {
            panic!("not a number rule")
        };
        assert!(rule.inclusive);
        assert!(rule.is_satisfied_by(10.0));
        let Rule::Number(rule) = parse("at most 1.299,00 €").rule else {
            panic!("not a number rule")
        };
        assert_eq!(rule.threshold, 1299.0);
        assert!(rule.is_satisfied_by(1299.0));
    }

    #[test]
    fn unreadable_conditions_fall_back_to_any_change_and_say_why() {
        for condition in [
            "the vibe feels off",
            "{\"rule\":\"telepathy\"}",
            "matches /(/",
        ] {
            let parsed = parse(condition);
            assert_eq!(parsed.rule.kind(), "any-change", "{condition}");
            assert!(parsed.fallback.is_some(), "{condition}");
        }
    }
}
