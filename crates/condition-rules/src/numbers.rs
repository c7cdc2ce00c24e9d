//! Finding numbers in page text written in the usual ways ("1,299.00", "1.299,00 €", "89.90",
//! "$ 12", "1'299.50") and choosing the one a condition is about.

use std::sync::LazyLock;

use regex::Regex;

/// A number found in a text, with where it was and how it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundNumber {
    pub value: f64,
    /// The number exactly as written, shown back to the user as the extracted value.
    pub raw: String,
    pub start: usize,
    pub end: usize,
}

/// Digits with optional grouping (`,` `.` `'` or non-breaking spaces between groups of three)
/// and an optional decimal part. Plain spaces are deliberately not grouping: in scraped text
/// they separate unrelated numbers ("size 3 100 EUR") far more often than they group thousands.
pub(crate) const NUMBER_PATTERN: &str =
    r"\d{1,3}(?:[.,'\u{a0}\u{202f}]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?";

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // A constant pattern; covered by every test.
    Regex::new(NUMBER_PATTERN).expect("number pattern is valid")
});

/// Currency marks that make a number more likely to be a price.
pub(crate) const CURRENCY_MARKS: [&str; 10] =
    ["€", "$", "£", "¥", "₹", "eur", "usd", "gbp", "chf", "kr"];

/// All numbers in `text`, in order.
pub fn find_numbers(text: &str) -> Vec<FoundNumber> {
    NUMBER
        .find_iter(text)
        .filter(|found| !touches_letters_or_digits(text, found.start(), found.end()))
        .filter_map(|found| {
            let raw = found.as_str();
            parse_number(raw).map(|value| FoundNumber {
                value,
                raw: raw.to_owned(),
                start: found.start(),
                end: found.end(),
            })
        })
        .collect()
}

/// Skips digits glued to letters such as "A4" or "mp3": they are names, not quantities.
fn touches_letters_or_digits(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    before.is_some_and(char::is_alphabetic) || after.is_some_and(char::is_alphabetic)
}

/// Reads one written number, deciding which separator is the decimal point.
///
/// With two different separators the last one is decimal ("1,299.00", "1.299,00"). With one
/// kind, repeated, it groups ("1,299,000"). A single `,` or `.` followed by exactly three digits
/// after a non-zero integer part groups thousands ("1,299", "1.299"); otherwise it is decimal
/// ("89.90", "89,9", "0.125").
pub fn parse_number(raw: &str) -> Option<f64> {
    let raw: String = raw
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{a0}' | '\u{202f}'))
        .collect();
    let last_dot = raw.rfind('.');
    let last_comma = raw.rfind(',');
    let decimal = match (last_dot, last_comma) {
        (Some(dot), Some(comma)) => Some(dot.max(comma)),
        (Some(position), None) | (None, Some(position)) => {
            let separator = raw.as_bytes()[position];
            let repeated = raw.bytes().filter(|&b| b == separator).count() > 1;
            let integer_part = &raw[..position];
            let fraction_digits = raw.len() - position - 1;
            let groups_thousands = repeated
                || (fraction_digits == 3
                    && integer_part.len() <= 3
                    && !integer_part.starts_with('0'));
            (!groups_thousands).then_some(position)
        }
        (None, None) => None,
    };
    let normalised: String = raw
        .char_indices()
        .filter_map(|(index, c)| match c {
            '0'..='9' => Some(c),
            _ if Some(index) == decimal => Some('.'),
            _ => None,
        })
        .collect();
    normalised.parse().ok()
}

/// How a condition points at the number it is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberHint {
    /// A word from the condition such as "price"; the nearest number after it wins.
    pub keyword: Option<String>,
    /// The condition names a currency, so numbers written next to one are preferred.
    pub currency: bool,
}

/// How far from a keyword a number may be and still belong to it, in bytes.
const KEYWORD_REACH: usize = 200;

/// Chooses the number `hint` is about; `None` when the text holds no number.
///
/// Returns whether the choice was anchored by the keyword, which makes the verdict more certain.
pub fn choose_number(text: &str, hint: &NumberHint) -> Option<(FoundNumber, bool)> {
    let numbers = find_numbers(text);
    if let Some(keyword) = hint.keyword.as_deref()
        && let Some(found) = nearest_to_keyword(text, &numbers, keyword)
    {
        return Some((found, true));
    }
    let with_currency = numbers
        .iter()
        .find(|number| hint.currency && next_to_currency(text, number));
    with_currency
        .or_else(|| numbers.first())
        .cloned()
        .map(|found| (found, false))
}

fn nearest_to_keyword(text: &str, numbers: &[FoundNumber], keyword: &str) -> Option<FoundNumber> {
    let haystack = text.to_lowercase();
    // Lowercasing can change byte lengths for a few scripts; positions are only used when it did not.
    if haystack.len() != text.len() {
        return None;
    }
    let keyword = keyword.to_lowercase();
    haystack
        .match_indices(&keyword)
        .flat_map(|(keyword_start, _)| {
            let keyword_end = keyword_start + keyword.len();
            numbers.iter().filter_map(move |number| {
                // A number after its label ("Price: 89.90") is the common case, so it costs half.
                let distance = if number.start >= keyword_end {
                    number.start - keyword_end
                } else {
                    keyword_start.checked_sub(number.end)? * 2
                };
                (distance <= KEYWORD_REACH).then_some((distance, number))
            })
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, number)| number.clone())
}

fn next_to_currency(text: &str, number: &FoundNumber) -> bool {
    let before = tail_chars(&text[..number.start], 5).to_lowercase();
    let after: String = text[number.end..]
        .chars()
        .take(5)
        .collect::<String>()
        .to_lowercase();
    CURRENCY_MARKS
        .iter()
        .any(|mark| before.contains(mark) || after.contains(mark))
}

fn tail_chars(text: &str, count: usize) -> &str {
    let start = text
        .char_indices()
        .rev()
        .nth(count.saturating_sub(1))
        .map_or(0, |(index, _)| index);
    &text[start..]
}

/// Whether a condition mentions a currency, so prices are preferred over other numbers.
pub fn mentions_currency(condition: &str) -> bool {
    let lower = condition.to_lowercase();
    CURRENCY_MARKS.iter().any(|mark| {
        if mark.is_ascii() {
            lower
                .split(|c: char| !c.is_alphanumeric())
                .any(|word| word == *mark)
        } else {
            lower.contains(mark)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_numbers_are_read_with_the_right_decimal_separator() {
        let cases = [
            ("1,299.00", 1299.0),
            ("1.299,00", 1299.0),
            ("89.90", 89.9),
            ("89,90", 89.9),
            ("1,299", 1299.0),
            ("1.299", 1299.0),
            ("0.125", 0.125),
            ("1,299,000", 1_299_000.0),
            ("1'299.50", 1299.5),
            ("1\u{a0}299,50", 1299.5),
            ("100", 100.0),
            ("12.5", 12.5),
        ];
        for (raw, expected) in cases {
            assert_eq!(parse_number(raw), Some(expected), "{raw}");
        }
    }

    #[test]
    fn numbers_are_found_with_currency_symbols_around_them() {
        let found = find_numbers("Now €89.90 (was 1.299,00 €), model A4, 3 left");
        let raws: Vec<&str> = found.iter().map(|n| n.raw.as_str()).collect();
        assert_eq!(raws, ["89.90", "1.299,00", "3"]);
    }

    #[test]
    fn the_number_after_the_keyword_wins() {
        let text = "Rating 4.5 of 5. Price: 89.90 EUR. Shipping 4.99";
        let hint = NumberHint {
            keyword: Some("price".into()),
            currency: true,
        };
        let (found, anchored) = choose_number(text, &hint).unwrap();
        assert_eq!(found.raw, "89.90");
        assert!(anchored);
    }

    #[test]
    fn without_a_keyword_a_number_next_to_a_currency_wins() {
        let text = "3 reviews. Only 89.90 € today";
        let hint = NumberHint {
            keyword: None,
            currency: true,
        };
        assert_eq!(choose_number(text, &hint).unwrap().0.raw, "89.90");
    }

    #[test]
    fn currency_words_are_recognised_only_as_words() {
        assert!(mentions_currency("price drops below 100 EUR"));
        assert!(mentions_currency("under 100€"));
        assert!(!mentions_currency("when the europe page changes"));
    }
}
