//! Readable text from HTML and JSON.
//!
//! The text is what the scheduler diffs and the judge reads, so it must be
//! stable across irrelevant markup changes: scripts, styles and inline SVG are
//! dropped, block elements become line breaks and whitespace is collapsed.

use scraper::{ElementRef, Html, Selector};

/// Elements whose content is never readable text.
const SKIPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas",
    "select", "button",
];

/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
];

/// Table cells stay on their row's line, separated.
const CELLS: &[&str] = &["td", "th"];

/// Text extracted from an HTML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlText {
    pub title: Option<String>,
    pub text: String,
}

/// The CSS selector matched nothing; the title is still worth reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorMiss {
    pub title: Option<String>,
}

/// Parses a user's CSS selector, with a message that says what is wrong.
pub fn parse_selector(selector: &str) -> Result<Selector, String> {
    Selector::parse(selector).map_err(|error| format!("not a valid CSS selector: {error}"))
}

/// The page's text, or only the text of the elements matching `selector`
/// (one match per line block, in document order).
pub fn html_text(html: &str, selector: Option<&Selector>) -> Result<HtmlText, SelectorMiss> {
    let document = Html::parse_document(html);
    let title = title(&document);
    let text = match selector {
        None => element_text(document.root_element()),
        Some(selector) => {
            let matches: Vec<String> = document
                .select(selector)
                .map(element_text)
                .filter(|text| !text.is_empty())
                .collect();
            if matches.is_empty() {
                return Err(SelectorMiss { title });
            }
            matches.join("\n")
        }
    };
    Ok(HtmlText { title, text })
}

fn title(document: &Html) -> Option<String> {
    document
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|element| element.value().name() == "title")
        .map(|element| collapse(&element.text().collect::<String>()))
        .filter(|title| !title.is_empty())
}

fn element_text(element: ElementRef<'_>) -> String {
    let mut raw = String::new();
    walk(element, &mut raw, true);
    raw.lines()
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn walk(element: ElementRef<'_>, out: &mut String, is_root: bool) {
    let name = element.value().name();
    // The root of a selector match is read even if it is, say, a <button>.
    if !is_root && SKIPPED.contains(&name) {
        return;
    }
    if name == "br" {
        out.push('\n');
        return;
    }
    let block = BLOCKS.contains(&name);
    if block {
        out.push('\n');
    }
    for child in element.children() {
        if let Some(text) = child.value().as_text() {
            out.extend(
                text.chars()
                    .map(|c| if c.is_whitespace() { ' ' } else { c }),
            );
        } else if let Some(child) = ElementRef::wrap(child) {
            walk(child, out, false);
        }
    }
    if block {
        out.push('\n');
    } else if CELLS.contains(&name) {
        out.push_str(" \t ");
    }
}

fn collapse(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why a JSON body yielded no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonMiss {
    #[error("the response says it is JSON but does not parse: {0}")]
    Invalid(String),
    #[error("the JSON pointer {0:?} matches nothing in the response")]
    PointerNotFound(String),
}

/// Pretty-printed JSON, or the value at `pointer`. A string value is returned
/// bare (without quotes) because that is what a person reads.
pub fn json_text(body: &str, pointer: Option<&str>) -> Result<String, JsonMiss> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|error| JsonMiss::Invalid(error.to_string()))?;
    let value = match pointer {
        None => &value,
        Some(pointer) => value
            .pointer(pointer)
            .ok_or_else(|| JsonMiss::PointerNotFound(pointer.to_owned()))?,
    };
    Ok(match value {
        serde_json::Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head><title> Shop  — Widgets </title>
        <style>body{color:red}</style><script>var x = "hidden";</script></head>
        <body><nav>Home | About</nav>
        <h1>Widget   Pro</h1><p>Price: <b>99</b> EUR</p>
        <noscript>enable js</noscript><template><p>tpl</p></template>
        <svg><text>svg text</text></svg>
        <ul><li>one</li><li>two</li></ul>
        <div class="price">  99 EUR </div><div class="price">120 EUR</div>
        line<br>break
        <table><tr><td>a</td><td>b</td></tr></table>
        </body></html>"#;

    #[test]
    fn html_becomes_lines_of_readable_text() {
        let page = html_text(PAGE, None).unwrap();
        assert_eq!(page.title.as_deref(), Some("Shop — Widgets"));
        assert_eq!(
            page.text,
            "Home | About\nWidget Pro\nPrice: 99 EUR\none\ntwo\n99 EUR\n120 EUR\nline\nbreak\na b"
        );
    }

    #[test]
    fn a_selector_keeps_only_its_matches() {
        let selector = parse_selector(".price").unwrap();
        let page = html_text(PAGE, Some(&selector)).unwrap();
        assert_eq!(page.text, "99 EUR\n120 EUR");
    }

    #[test]
    fn a_selector_without_matches_is_a_miss_with_the_title() {
        let selector = parse_selector("#nope").unwrap();
        let miss = html_text(PAGE, Some(&selector)).unwrap_err();
        assert_eq!(miss.title.as_deref(), Some("Shop — Widgets"));
    }

    #[test]
    fn invalid_selectors_are_explained() {
        assert!(
            parse_selector("div[")
                .unwrap_err()
                .starts_with("not a valid CSS selector")
        );
    }

    #[test]
    fn json_is_pretty_printed_or_pointed_into() {
        let body = r#"{"price": {"amount": 99, "currency": "EUR"}, "items": ["a", "b"]}"#;
        assert_eq!(json_text(body, Some("/price/amount")).unwrap(), "99");
        assert_eq!(json_text(body, Some("/items/1")).unwrap(), "b");
        assert!(json_text(body, None).unwrap().contains("\n  \"items\": ["));
        assert_eq!(
            json_text(body, Some("/price/nope")),
            Err(JsonMiss::PointerNotFound("/price/nope".into()))
        );
        assert!(matches!(
            json_text("{oops", None),
            Err(JsonMiss::Invalid(_))
        ));
    }
}
