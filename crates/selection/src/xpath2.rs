//! Names the XPath 2.0 (or later) construct in an expression XPath 1.0
//! refused.
//!
//! sxd-xpath, the only maintained XPath engine in Rust that works on a tree
//! we build ourselves, implements XPath 1.0 alone. A user who pastes an
//! expression from an XPath 2.0 or 3.1 tutorial would otherwise read a
//! generic parse error ("unexpected token"); this says which construct is
//! newer than 1.0 and what to write instead where there is an equivalent.
//! It runs only after the 1.0 engine refused an expression, so it never
//! turns away anything that runs.

/// The first construct in `expression` that exists from XPath 2.0 on, with
/// a hint, or `None` when the expression looks like (broken) XPath 1.0.
pub fn newer_construct(expression: &str) -> Option<String> {
    let code = without_string_literals(expression);
    if code.contains("(:") {
        return Some("comments `(: … :)` are XPath 2.0".to_owned());
    }
    for operator in ["<<", ">>"] {
        if code.contains(operator) {
            return Some(format!("the node order operator `{operator}` is XPath 2.0"));
        }
    }
    for Word {
        word,
        after_operand,
        next,
    } in words(&code)
    {
        let next = next.as_str();
        let keyword = match (word.as_str(), next) {
            ("for" | "some" | "every", "$") => Some(format!("`{word} $… in …` expressions")),
            ("if", "(") => Some("`if (…) then … else …`".to_owned()),
            ("instance" | "treat" | "castable" | "cast", _) if after_operand => Some(format!(
                "`{word} {}`",
                if word == "instance" { "of" } else { "as" }
            )),
            ("eq" | "ne" | "lt" | "le" | "gt" | "ge", _) if after_operand => Some(format!(
                "the value comparison `{word}` (XPath 1.0 compares with = != < <= > >=)"
            )),
            ("to", _) if after_operand => Some("the range operator `to`".to_owned()),
            ("except" | "intersect", _) if after_operand => {
                Some(format!("the sequence operator `{word}`"))
            }
            _ => None,
        };
        if let Some(keyword) = keyword {
            return Some(format!("{keyword} are XPath 2.0"));
        }
        if next == "(" && NEWER_FUNCTIONS.contains(&word.as_str()) {
            let hint = match word.as_str() {
                "lower-case" | "upper-case" => " (XPath 1.0: translate(., 'ABC…', 'abc…'))",
                "ends-with" => {
                    " (XPath 1.0: substring(., string-length(.) - string-length('x') + 1) = 'x')"
                }
                "matches" => " (XPath 1.0: contains() or starts-with())",
                "exists" => " (XPath 1.0: boolean(…))",
                "empty" => " (XPath 1.0: not(…))",
                _ => "",
            };
            return Some(format!("the function {word}() is XPath 2.0{hint}"));
        }
    }
    None
}

/// Functions of XPath 2.0 and later that 1.0 does not have (the common ones).
const NEWER_FUNCTIONS: &[&str] = &[
    "abs",
    "avg",
    "base-uri",
    "codepoints-to-string",
    "compare",
    "current-date",
    "current-dateTime",
    "current-time",
    "data",
    "deep-equal",
    "distinct-values",
    "empty",
    "encode-for-uri",
    "ends-with",
    "exactly-one",
    "exists",
    "format-date",
    "format-dateTime",
    "index-of",
    "insert-before",
    "lower-case",
    "matches",
    "max",
    "min",
    "normalize-unicode",
    "one-or-more",
    "remove",
    "replace",
    "reverse",
    "root",
    "string-join",
    "string-to-codepoints",
    "subsequence",
    "tokenize",
    "upper-case",
    "year-from-date",
    "zero-or-one",
];

/// The expression with the contents of '…' and "…" literals blanked, so a
/// quoted `for $x` is not taken for syntax.
fn without_string_literals(expression: &str) -> String {
    let mut code = String::with_capacity(expression.len());
    let mut quote = None;
    for character in expression.chars() {
        match quote {
            Some(open) if character == open => {
                quote = None;
                code.push(character);
            }
            Some(_) => code.push(' '),
            None => {
                if character == '\'' || character == '"' {
                    quote = Some(character);
                }
                code.push(character);
            }
        }
    }
    code
}

/// A name in an expression and what surrounds it.
struct Word {
    word: String,
    /// The name follows an operand (a name, a literal, `)`, `]`, `.`, `*`),
    /// so it can be an operator; after `/`, `@` or `[` it is a name test.
    after_operand: bool,
    /// The first non-space character after the name, empty at the end.
    next: String,
}

fn words(code: &str) -> Vec<Word> {
    let is_name = |c: char| c.is_alphanumeric() || c == '-' || c == '_' || c == '.';
    let mut found = Vec::new();
    let mut offset = 0;
    while let Some(start) = code[offset..].find(|c: char| c.is_alphabetic() || c == '_') {
        let start = offset + start;
        let end = code[start..]
            .find(|c: char| !is_name(c))
            .map_or(code.len(), |length| start + length);
        let word = code[start..end].trim_end_matches(['.', '-']).to_owned();
        let before = code[..start].trim_end().chars().next_back();
        let after_operand = before.is_some_and(|c| {
            c.is_alphanumeric() || matches!(c, ')' | ']' | '\'' | '"' | '.' | '*')
        });
        let next = code[end..].trim_start().chars().next().map(String::from);
        found.push(Word {
            word,
            after_operand,
            next: next.unwrap_or_default(),
        });
        offset = end.max(start + 1);
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    #[test]
    fn names_the_newer_construct() {
        let cases = [
            ("for $li in //li return $li/@id", "for $"),
            ("some $p in //p satisfies $p = 'x'", "some $"),
            ("if (//h1) then //h1 else //h2", "if (…)"),
            ("//li[. eq 'Widget']", "`eq`"),
            ("(1 to 5)", "`to`"),
            ("//li except //li[1]", "`except`"),
            ("//a (: the links :)", "comments"),
            ("//price instance of xs:decimal", "`instance of`"),
            ("lower-case(//h1)", "lower-case()"),
            ("//a[matches(@href, '^https')]", "matches()"),
            ("string-join(//li, ', ')", "string-join()"),
            ("//li[1] << //li[2]", "`<<`"),
        ];
        for (expression, expected) in cases {
            let found = newer_construct(expression).unwrap_or_default();
            assert!(found.contains(expected), "{expression}: {found}");
        }
    }

    #[test]
    fn quoted_text_and_xpath_1_names_are_not_syntax() {
        assert_eq!(newer_construct("//a[@title = 'for $x in y']"), None);
        assert_eq!(newer_construct("//div[@class = 'if (x)']"), None);
        assert_eq!(newer_construct("//to[@eq]"), None);
        assert_eq!(newer_construct("//li[contains(., 'x')"), None);
    }
}
