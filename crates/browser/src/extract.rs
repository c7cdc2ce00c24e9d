//! Readable text from HTML and JSON, and what a monitor's selector picks.
//!
//! The text is what the scheduler diffs and the judge reads, so it must be
//! stable across irrelevant markup changes: scripts, styles and inline SVG are
//! dropped, block elements become line breaks and whitespace is collapsed.

use scraper::{ElementRef, Html};
use selection::Selector;
use selection::html::HtmlMatch;
use selection::json::{JsonMiss, json_text};
use selection::xml::XmlMiss;

use crate::classify;
use crate::domain::{Extraction, Outcome};
use crate::fetcher::ContentKind;

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

/// What extraction made of a downloaded (or rendered) body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// `Ok`, or why the text must not be compared with the last snapshot.
    pub outcome: Outcome,
    pub title: Option<String>,
    pub text: String,
    /// Plain words for any outcome other than `Ok`.
    pub detail: String,
}

impl Extracted {
    fn text(title: Option<String>, text: String) -> Self {
        Self {
            outcome: Outcome::Ok,
            title,
            text,
            detail: String::new(),
        }
    }

    fn refused(outcome: Outcome, title: Option<String>, detail: String) -> Self {
        Self {
            outcome,
            title,
            text: String::new(),
            detail,
        }
    }
}

/// The readable text of `source`, or of what the monitor's selector picks
/// out of it. Pages that are not the content (bot walls, soft 404s) and
/// selections that came out empty are outcomes, never text, so they are
/// never compared with the last snapshot as if the content had changed.
pub fn extract(kind: ContentKind, source: &str, extraction: &Extraction) -> Extracted {
    let extracted = match kind {
        ContentKind::Html => html(source, extraction.html.as_ref()),
        ContentKind::Json => json(source, extraction.json.as_ref()),
        ContentKind::Xml => match extraction.html.as_ref() {
            Some(Selector::XPath(expression)) => xml(source, expression),
            Some(css) => html(source, Some(css)),
            None => Extracted::text(None, collapse_lines(source)),
        },
        ContentKind::Text => match classify::soft_not_found(None, &[], source) {
            Some(detail) => Extracted::refused(Outcome::SoftNotFound, None, detail),
            None => Extracted::text(None, collapse_lines(source)),
        },
    };
    if extracted.outcome == Outcome::Ok && extracted.text.is_empty() {
        let detail = match kind {
            ContentKind::Html if extraction.html.is_none() => {
                "the page has no readable text (if it is built by JavaScript, turn on rendering)"
            }
            _ => "the response has no text",
        };
        return Extracted::refused(Outcome::Empty, extracted.title, detail.to_owned());
    }
    extracted
}

fn html(source: &str, selector: Option<&Selector>) -> Extracted {
    let document = Html::parse_document(source);
    let title = title(&document);
    let whole = element_text(document.root_element());
    if let Some(detail) = classify::bot_wall(source, &whole) {
        return Extracted::refused(Outcome::BlockedByBotWall, title, detail);
    }
    let headings = headings(&document);
    if let Some(detail) = classify::soft_not_found(title.as_deref(), &headings, &whole) {
        return Extracted::refused(Outcome::SoftNotFound, title, detail);
    }
    let Some(selector) = selector else {
        return Extracted::text(title, whole);
    };
    let described = || {
        format!(
            "the {} {:?}",
            selector.kind().label(),
            selector.expression()
        )
    };
    let matches = match selection::html::select(selector, &document) {
        Ok(matches) => matches,
        Err(failure) => {
            return Extracted::refused(Outcome::SelectorNotFound, title, failure.to_string());
        }
    };
    if matches.is_empty() {
        return Extracted::refused(
            Outcome::SelectorNotFound,
            title,
            format!("{} matches nothing on the page", described()),
        );
    }
    let text = matches
        .into_iter()
        .map(|found| match found {
            HtmlMatch::Element(element) => element_text(element),
            HtmlMatch::Value(value) => collapse_lines(&value),
        })
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if text.is_empty() {
        return Extracted::refused(
            Outcome::Empty,
            title,
            format!("{} matches, but what it matches has no text", described()),
        );
    }
    Extracted::text(title, text)
}

fn json(source: &str, selector: Option<&Selector>) -> Extracted {
    match json_text(source, selector) {
        Ok(text) => Extracted::text(None, text),
        Err(miss @ (JsonMiss::NotFound(_) | JsonMiss::Failed(_))) => {
            Extracted::refused(Outcome::SelectorNotFound, None, miss.to_string())
        }
        Err(miss @ JsonMiss::Invalid(_)) => {
            Extracted::refused(Outcome::UnsupportedContent, None, miss.to_string())
        }
    }
}

fn xml(source: &str, expression: &str) -> Extracted {
    match selection::xml::select(expression, source) {
        Ok(texts) if texts.is_empty() => Extracted::refused(
            Outcome::SelectorNotFound,
            None,
            format!("the XPath expression {expression:?} matches nothing in the document"),
        ),
        Ok(texts) => Extracted::text(
            None,
            texts
                .into_iter()
                .filter(|text| !text.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Err(miss @ XmlMiss::Invalid(_)) => {
            Extracted::refused(Outcome::UnsupportedContent, None, miss.to_string())
        }
        Err(miss @ XmlMiss::Failed(_)) => {
            Extracted::refused(Outcome::SelectorNotFound, None, miss.to_string())
        }
    }
}

/// The text of the page's top-level headings, where error pages say what they are.
fn headings(document: &Html) -> Vec<String> {
    document
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|element| element.value().name() == "h1")
        .map(element_text)
        .take(3)
        .collect()
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

/// The element's readable text: lines of words separated by one space, no
/// empty line. Written in one pass over the tree, as the words come, so a
/// page's text is built once instead of once raw and once collapsed.
fn element_text(element: ElementRef<'_>) -> String {
    let mut text = Lines::default();
    walk(element, &mut text, true);
    text.out
}

fn walk(element: ElementRef<'_>, text: &mut Lines, is_root: bool) {
    let name = element.value().name();
    // The root of a selector match is read even if it is, say, a <button>.
    if !is_root && SKIPPED.contains(&name) {
        return;
    }
    if name == "br" {
        text.end_line();
        return;
    }
    let block = BLOCKS.contains(&name);
    if block {
        text.end_line();
    }
    for child in element.children() {
        if let Some(chunk) = child.value().as_text() {
            text.push(chunk);
        } else if let Some(child) = ElementRef::wrap(child) {
            walk(child, text, false);
        }
    }
    if block {
        text.end_line();
    } else if CELLS.contains(&name) {
        text.space();
    }
}

/// Text written as lines of words: any run of whitespace within a line is
/// one space, a line starts and ends with a word, and an empty line is
/// dropped. The same text [`collapse_lines`] makes of the raw text, with
/// the line breaks given apart ([`Lines::end_line`]).
#[derive(Default)]
struct Lines {
    out: String,
    /// The current line has a word.
    in_line: bool,
    /// Whitespace came after the current line's last word.
    pending_space: bool,
}

impl Lines {
    fn end_line(&mut self) {
        self.in_line = false;
        self.pending_space = false;
    }

    fn space(&mut self) {
        self.pending_space = self.in_line;
    }

    /// Text within the line: its line breaks are whitespace like any other.
    fn push(&mut self, chunk: &str) {
        let mut words = chunk.split(char::is_whitespace);
        // The first piece continues whatever came before it (`<b>9</b>9`).
        if let Some(first) = words.next() {
            self.word(first);
        }
        for word in words {
            self.space();
            self.word(word);
        }
    }

    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.in_line {
            if self.pending_space {
                self.out.push(' ');
            }
        } else if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out.push_str(word);
        self.in_line = true;
        self.pending_space = false;
    }
}

fn collapse(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collapse_lines(text: &str) -> String {
    text.lines()
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use selection::Kind;

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
        <span class="badge"> </span>
        </body></html>"#;

    fn with(kind: Kind, expression: &str) -> Extraction {
        let selector = selection::Selector::parse(kind, expression).unwrap();
        match kind.family() {
            selection::Family::Html => Extraction {
                html: Some(selector),
                json: None,
            },
            selection::Family::Json => Extraction {
                html: None,
                json: Some(selector),
            },
        }
    }

    #[test]
    fn html_becomes_lines_of_readable_text() {
        let page = extract(ContentKind::Html, PAGE, &Extraction::default());
        assert_eq!(page.outcome, Outcome::Ok);
        assert_eq!(page.title.as_deref(), Some("Shop — Widgets"));
        assert_eq!(
            page.text,
            "Home | About\nWidget Pro\nPrice: 99 EUR\none\ntwo\n99 EUR\n120 EUR\nline\nbreak\na b"
        );
    }

    /// The two-pass text [`element_text`] replaced: the raw text with
    /// whitespace as spaces and line breaks at blocks, then collapsed.
    fn two_pass_text(element: ElementRef<'_>) -> String {
        fn raw(element: ElementRef<'_>, out: &mut String, is_root: bool) {
            let name = element.value().name();
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
                    raw(child, out, false);
                }
            }
            if block {
                out.push('\n');
            } else if CELLS.contains(&name) {
                out.push_str(" \t ");
            }
        }
        let mut out = String::new();
        raw(element, &mut out, true);
        collapse_lines(&out)
    }

    #[test]
    fn the_one_pass_text_is_the_two_pass_text_byte_for_byte() {
        use rand::rngs::StdRng;
        use rand::{Rng as _, SeedableRng as _};
        const PIECES: &[&str] = &[
            "<div>",
            "</div>",
            "<p>",
            "</p>",
            "<span>",
            "</span>",
            "<b>",
            "</b>",
            "<br>",
            "<table><tr><td>",
            "</td><td>",
            "</td></tr></table>",
            "<th>",
            "</th>",
            "<ul><li>",
            "</li></ul>",
            "<script>x = 1;</script>",
            "<button>Buy</button>",
            "<h1>",
            "</h1>",
            "<pre>",
            "</pre>",
            "<a href=/>",
            "</a>",
            "word",
            "9",
            ".00 EUR",
            "Ünïcödé",
            " ",
            "  ",
            "\n",
            "\r\n",
            "\t",
            "\u{a0}",
            "&nbsp;",
            "\u{2003}",
            "\u{3000}",
            "\u{200b}",
            "<!-- note -->",
            "<svg><text>drawn</text></svg>",
        ];
        let mut rng = StdRng::seed_from_u64(19);
        for _ in 0..2_000 {
            let length = rng.random_range(0..40);
            let body: String = (0..length)
                .map(|_| PIECES[rng.random_range(0..PIECES.len())])
                .collect();
            let document = Html::parse_document(&format!("<html><body>{body}</body></html>"));
            let root = document.root_element();
            assert_eq!(element_text(root), two_pass_text(root), "{body:?}");
        }
        let document = Html::parse_document(PAGE);
        let root = document.root_element();
        assert_eq!(element_text(root), two_pass_text(root));
    }

    #[test]
    fn a_css_selector_and_an_xpath_keep_only_their_matches() {
        let css = extract(ContentKind::Html, PAGE, &with(Kind::Css, ".price"));
        assert_eq!(css.text, "99 EUR\n120 EUR");
        let xpath = extract(
            ContentKind::Html,
            PAGE,
            &with(Kind::XPath, "//div[@class='price'][2] | //li/text()"),
        );
        assert_eq!(xpath.text, "one\ntwo\n120 EUR");
    }

    #[test]
    fn a_selector_without_matches_is_a_miss_that_names_it() {
        let miss = extract(
            ContentKind::Html,
            PAGE,
            &with(Kind::XPath, "//table[@id='specs']"),
        );
        assert_eq!(miss.outcome, Outcome::SelectorNotFound);
        assert_eq!(miss.title.as_deref(), Some("Shop — Widgets"));
        assert_eq!(
            miss.detail,
            "the XPath expression \"//table[@id='specs']\" matches nothing on the page"
        );
    }

    #[test]
    fn a_selector_that_matches_only_blank_elements_is_an_empty_result() {
        let blank = extract(ContentKind::Html, PAGE, &with(Kind::Css, ".badge"));
        assert_eq!(blank.outcome, Outcome::Empty);
        assert!(blank.detail.contains("has no text"), "{}", blank.detail);
    }

    #[test]
    fn a_page_without_readable_text_is_an_empty_result() {
        let shell = r#"<html><head><title>App</title><script src="/app.js"></script></head><body><div id="root"></div></body></html>"#;
        let empty = extract(ContentKind::Html, shell, &Extraction::default());
        assert_eq!(empty.outcome, Outcome::Empty);
        assert!(empty.detail.contains("turn on rendering"));
    }

    #[test]
    fn json_kinds_apply_to_json_and_html_kinds_leave_it_whole() {
        let body = r#"{"price": {"amount": 99, "currency": "EUR"}, "items": ["a", "b"]}"#;
        let pick = |extraction: &Extraction| extract(ContentKind::Json, body, extraction);
        assert_eq!(pick(&with(Kind::JsonPointer, "/price/amount")).text, "99");
        assert_eq!(pick(&with(Kind::JsonPath, "$.items[*]")).text, "a\nb");
        assert_eq!(pick(&with(Kind::Jq, ".items | length")).text, "2");
        assert!(
            pick(&with(Kind::Css, ".price"))
                .text
                .contains("\"currency\": \"EUR\"")
        );
        let miss = pick(&with(Kind::JsonPointer, "/price/nope"));
        assert_eq!(miss.outcome, Outcome::SelectorNotFound);
        assert_eq!(
            miss.detail,
            "the JSON pointer \"/price/nope\" matches nothing in the response"
        );
        assert_eq!(
            extract(ContentKind::Json, "{oops", &Extraction::default()).outcome,
            Outcome::UnsupportedContent
        );
        assert_eq!(pick(&with(Kind::Jq, "\"\"")).outcome, Outcome::Empty);
    }
}
