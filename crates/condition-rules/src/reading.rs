//! What a chart of a monitor needs from its condition and its verdicts: the value each verdict
//! extracted, read as a number with its unit ("89.90 €" → 89.9, "€"), and the threshold the
//! condition draws ("price drops below 100 EUR" → below 100, "EUR").
//!
//! A reading is strict: the extracted value must be one number, with at most a currency or a
//! short unit around it. A version ("1.2.3"), a phrase ("In stock") or a sentence with several
//! numbers is not a reading, so a chart never plots a number the judge did not mean.

use std::sync::LazyLock;

use regex::Regex;

use crate::numbers::{CURRENCY_MARKS, NUMBER_PATTERN, parse_number};
use crate::rule::{self, Direction, Rule};

/// A number a verdict extracted, with the unit written next to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub value: f64,
    /// "€", "EUR", "%", "items"; currency words in upper case. `None` for a bare number.
    pub unit: Option<String>,
}

/// Where a condition's alert line lies.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub value: f64,
    pub direction: Direction,
    /// `<=` / `>=` rather than `<` / `>`.
    pub inclusive: bool,
    /// The currency or unit the condition names next to its number, if any.
    pub unit: Option<String>,
    /// In the judge's words: "below 100", "at least 10".
    pub label: String,
}

/// The longest extracted value read as a number: a value is a word or two, not a page.
const MAX_VALUE_CHARS: usize = 60;

static VALUE: LazyLock<Regex> = LazyLock::new(|| {
    // An optional currency before, an optional sign, one number, an optional unit after:
    // a currency sign, a percent sign, or up to three words of letters ("EUR", "items left").
    let pattern = format!(
        r"^(?P<pre>[$€£¥₹]|[A-Z]{{3}})?\s*(?P<sign>[-−])?\s*(?P<number>{NUMBER_PATTERN})\s*(?P<post>[%$€£¥₹]|\p{{L}}+(?:[ .]\p{{L}}+){{0,2}}\.?)?$"
    );
    #[allow(clippy::expect_used)] // A constant pattern; covered by the reading tests.
    Regex::new(&pattern).expect("value pattern is valid")
});

/// One number as pages write it, nothing around it.
static NUMBER_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // A constant pattern; covered by the reading tests.
    Regex::new(&format!("^(?:{NUMBER_PATTERN})$")).expect("number pattern is valid")
});

/// The number `text` holds and its unit; `None` when it is not exactly one number.
pub fn read_value(text: &str) -> Option<Reading> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_VALUE_CHARS {
        return None;
    }
    // The offline judge extracts a number exactly as the page wrote it
    // ("89.90", "1,299"): read it without running the pattern, which a page
    // of the monitor list would otherwise run for each of its checks.
    if text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'\''))
        && text.starts_with(|c: char| c.is_ascii_digit())
        && let Some(value) = parse_number(text)
        && NUMBER_ONLY.is_match(text)
    {
        return Some(Reading { value, unit: None });
    }
    let captures = VALUE.captures(text)?;
    let magnitude = parse_number(captures.name("number")?.as_str())?;
    let value = if captures.name("sign").is_some() {
        -magnitude
    } else {
        magnitude
    };
    if !value.is_finite() {
        return None;
    }
    let unit = captures
        .name("pre")
        .or_else(|| captures.name("post"))
        .map(|unit| normalise_unit(unit.as_str()));
    Some(Reading { value, unit })
}

/// The threshold of a number condition; `None` for any other rule.
pub fn threshold(condition: &str) -> Option<Threshold> {
    let Rule::Number(number) = rule::parse(condition).rule else {
        return None;
    };
    if !number.threshold.is_finite() {
        return None;
    }
    Some(Threshold {
        value: number.threshold,
        direction: number.direction,
        inclusive: number.inclusive,
        unit: condition_unit(condition),
        label: number.describe(),
    })
}

/// The currency a condition names ("100 EUR", "€100"), else a percent sign after a number.
fn condition_unit(condition: &str) -> Option<String> {
    let lower = condition.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    let currency = CURRENCY_MARKS.iter().find(|mark| {
        // Words ("eur") must stand alone; signs ("$", "€") may touch the number.
        if mark.chars().all(char::is_alphabetic) {
            words.contains(mark)
        } else {
            lower.contains(*mark)
        }
    });
    if let Some(mark) = currency {
        return Some(normalise_unit(mark));
    }
    static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
        #[allow(clippy::expect_used)] // A constant pattern; covered by the reading tests.
        Regex::new(r"\d\s*%").expect("percent pattern is valid")
    });
    PERCENT.is_match(condition).then(|| "%".to_owned())
}

/// Currency codes in upper case ("eur" → "EUR"); anything else as written, trimmed.
fn normalise_unit(unit: &str) -> String {
    let unit = unit.trim().trim_end_matches('.');
    let lower = unit.to_lowercase();
    if CURRENCY_MARKS.contains(&lower.as_str()) && lower.len() == 3 && unit.is_ascii() {
        lower.to_uppercase()
    } else {
        unit.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(text: &str) -> Option<(f64, Option<String>)> {
        read_value(text).map(|reading| (reading.value, reading.unit))
    }

    #[test]
    fn single_numbers_are_read_with_the_unit_written_next_to_them() {
        let cases = [
            ("89.90", 89.9, None),
            ("€89.90", 89.9, Some("€")),
            ("89,90 €", 89.9, Some("€")),
            ("1.299,00 €", 1299.0, Some("€")),
            ("$ 1,299", 1299.0, Some("$")),
            ("12 eur", 12.0, Some("EUR")),
            ("USD 15", 15.0, Some("USD")),
            ("42 items", 42.0, Some("items")),
            ("3 jobs left", 3.0, Some("jobs left")),
            ("-4.5%", -4.5, Some("%")),
            ("  7  ", 7.0, None),
        ];
        for (text, value, unit) in cases {
            assert_eq!(
                reading(text),
                Some((value, unit.map(str::to_owned))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn versions_phrases_and_sentences_are_not_readings() {
        for text in [
            "",
            "In stock",
            "1.2.3",
            "v2.4",
            "2 for 10 EUR",
            "Now 89.90, was 99.90",
            "A4",
            "the price is 89.90 on the page today, see the banner for more",
        ] {
            assert_eq!(read_value(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_number_condition_draws_its_threshold_with_the_unit_it_names() {
        let drawn = threshold("tell me when the price drops below 100 EUR").unwrap();
        assert_eq!(drawn.value, 100.0);
        assert_eq!(drawn.direction, Direction::Below);
        assert!(!drawn.inclusive);
        assert_eq!(drawn.unit.as_deref(), Some("EUR"));
        assert_eq!(drawn.label, "below 100");

        let drawn = threshold("at least 1.299,00 €").unwrap();
        assert_eq!(drawn.value, 1299.0);
        assert_eq!(drawn.direction, Direction::Above);
        assert!(drawn.inclusive);
        assert_eq!(drawn.unit.as_deref(), Some("€"));

        let drawn = threshold("{\"rule\":\"number_above\",\"value\":50}").unwrap();
        assert_eq!((drawn.value, drawn.unit), (50.0, None));

        assert_eq!(
            threshold("discount above 20 %").unwrap().unit.as_deref(),
            Some("%")
        );
        assert_eq!(
            threshold("price at least 10 $").unwrap().unit.as_deref(),
            Some("$")
        );
        assert_eq!(threshold("under 5 kr").unwrap().unit.as_deref(), Some("kr"));
    }

    #[test]
    fn conditions_without_a_number_rule_draw_no_threshold() {
        for condition in ["", "any change", "contains Rust", "when 'In stock' appears"] {
            assert_eq!(threshold(condition), None, "{condition:?}");
        }
    }
}
