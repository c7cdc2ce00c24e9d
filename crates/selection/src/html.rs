//! CSS and XPath over an HTML document.
//!
//! XPath runs on a copy of the tree `scraper` already parsed (html5ever, the
//! same parser whatever the selector kind), so both kinds see the same
//! elements. Element names carry no namespace, so `//div` matches as users
//! expect from browser developer tools.

use std::collections::HashMap;

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};
use sxd_document::Package;
use sxd_document::dom::{self, Document};
use sxd_xpath::nodeset::Node as XNode;
use sxd_xpath::{Context, Factory, Value};

use crate::Selector;

/// One thing a selector picked out of a page.
#[derive(Debug, Clone)]
pub enum HtmlMatch<'a> {
    /// An element, read as readable text by the caller.
    Element(ElementRef<'a>),
    /// Text, an attribute's value, or what an XPath function computed.
    Value(String),
}

/// The selector could not run on this page (an XPath function used wrongly).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the XPath expression failed on this page: {0}")]
pub struct XPathFailure(String);

/// A page small enough to evaluate an expression on at validation time:
/// sxd-xpath resolves function names only when it calls them.
const PROBE_PAGE: &str = concat!(
    "<html><head><title>t</title><meta name=\"m\" content=\"c\"></head><body>",
    "<header><nav><a href=\"/\">a</a></nav></header><main><article><section>",
    "<h1 id=\"h\">h</h1><h2>h</h2><div id=\"d\" class=\"c\"><p>1</p><span class=\"c\">2</span>",
    "<img src=\"i\" alt=\"i\"><ul><li class=\"c\">3</li></ul><ol><li>4</li></ol>",
    "<table><tr><th>5</th><td>6</td></tr></table><dl><dt>7</dt><dd>8</dd></dl>",
    "<form><input name=\"n\" value=\"v\"><button>b</button></form></div>",
    "</section></article></main><footer>f</footer></body></html>"
);

/// Parses an XPath 1.0 expression and calls its functions once, so unknown
/// functions and wrong argument counts are refused up front. An expression
/// refused for a construct of XPath 2.0 or later is told so by name.
pub fn check_xpath(expression: &str) -> Result<(), String> {
    check_xpath_1(expression).map_err(|refusal| match crate::xpath2::newer_construct(expression) {
        Some(construct) => {
            format!("not a valid XPath 1.0 expression: {construct}, and Lookout runs XPath 1.0")
        }
        None => refusal,
    })
}

fn check_xpath_1(expression: &str) -> Result<(), String> {
    let xpath = compile(expression)?;
    let document = Html::parse_document(PROBE_PAGE);
    let package = Package::new();
    let copy = package.as_document();
    copy_tree(&document, &copy);
    match xpath.evaluate(&Context::new(), copy.root()) {
        Ok(_) => Ok(()),
        Err(error) => Err(format!(
            "the XPath expression cannot run: {}",
            reason(&error)
        )),
    }
}

pub(crate) fn compile(expression: &str) -> Result<sxd_xpath::XPath, String> {
    // sxd-xpath panics when it meets a prefix no context declares (found by
    // `make fuzz`), and pages are read without namespaces anyway.
    if let Some(prefix) = namespace_prefix(expression) {
        return Err(format!(
            "not a valid XPath expression here: the namespace prefix `{prefix}:` is not declared; \
             pages are read without namespaces, so match by name (e.g. *[local-name()='item'])"
        ));
    }
    Factory::new()
        .build(expression)
        .map_err(|error| format!("not a valid XPath 1.0 expression: {}", reason(&error)))?
        .ok_or_else(|| "not a valid XPath 1.0 expression: it is empty".to_owned())
}

/// The first namespace prefix of a qualified name in the expression
/// (`ns:item`, `ns:*`), outside string literals; `child::` is an axis, not a
/// prefix.
fn namespace_prefix(expression: &str) -> Option<&str> {
    let is_name_start = |c: char| c.is_alphabetic() || c == '_';
    let is_name = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut quote = None;
    let mut name_start = None;
    for (index, c) in expression.char_indices() {
        if let Some(open) = quote {
            if c == open {
                quote = None;
            }
            continue;
        }
        match (name_start, c) {
            (_, '\'' | '"') => {
                quote = Some(c);
                name_start = None;
            }
            (Some(start), ':') => {
                let rest = &expression[index + 1..];
                if rest.starts_with(|next: char| is_name_start(next) || next == '*') {
                    return Some(&expression[start..index]);
                }
                name_start = None;
            }
            (Some(_), c) if is_name(c) => {}
            (None, c) if is_name_start(c) => {
                let after_name = expression[..index].ends_with(is_name);
                if !after_name {
                    name_start = Some(index);
                }
            }
            _ => name_start = None,
        }
    }
    None
}

/// sxd-xpath wraps the useful message ("unknown function ...") in a generic one.
pub(crate) fn reason(error: &dyn std::error::Error) -> String {
    error
        .source()
        .map(ToString::to_string)
        .unwrap_or_else(|| error.to_string())
}

/// What an HTML selector matches, in document order. A JSON selector
/// matches the whole document (it is meant for JSON responses).
pub fn select<'a>(
    selector: &Selector,
    document: &'a Html,
) -> Result<Vec<HtmlMatch<'a>>, XPathFailure> {
    match selector {
        Selector::Css { parsed, .. } => {
            Ok(document.select(parsed).map(HtmlMatch::Element).collect())
        }
        Selector::XPath(expression) => select_xpath(expression, document),
        _ => Ok(vec![HtmlMatch::Element(document.root_element())]),
    }
}

// sxd-document's elements hash and compare by node identity, which their
// interior cells never change, so they are sound map keys.
#[allow(clippy::mutable_key_type)]
fn select_xpath<'a>(
    expression: &str,
    document: &'a Html,
) -> Result<Vec<HtmlMatch<'a>>, XPathFailure> {
    let xpath = compile(expression).map_err(XPathFailure)?;
    let package = Package::new();
    let copy = package.as_document();
    let originals = copy_tree(document, &copy);
    let value = xpath
        .evaluate(&Context::new(), copy.root())
        .map_err(|error| XPathFailure(reason(&error)))?;
    Ok(match value {
        Value::Nodeset(nodes) => nodes
            .document_order()
            .into_iter()
            .map(|node| match node {
                XNode::Element(element) => originals
                    .get(&element)
                    .map(|original| HtmlMatch::Element(*original))
                    .unwrap_or_else(|| HtmlMatch::Value(node.string_value())),
                XNode::Root(_) => HtmlMatch::Element(document.root_element()),
                other => HtmlMatch::Value(other.string_value()),
            })
            .collect(),
        Value::String(text) => vec![HtmlMatch::Value(text)],
        Value::Number(number) => vec![HtmlMatch::Value(number_text(number))],
        Value::Boolean(flag) => vec![HtmlMatch::Value(flag.to_string())],
    })
}

/// XPath numbers are doubles; counts and prices read better without `.0`.
pub(crate) fn number_text(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// Copies elements, attributes, text and comments into `copy` and returns
/// which original element each copied element stands for.
#[allow(clippy::mutable_key_type)] // Keys hash by node identity (see select_xpath).
fn copy_tree<'a, 'd>(
    document: &'a Html,
    copy: &Document<'d>,
) -> HashMap<dom::Element<'d>, ElementRef<'a>> {
    let mut originals = HashMap::new();
    // The open copied elements, innermost last; the document root is implied.
    let mut open: Vec<dom::Element<'d>> = Vec::new();
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    let copied = copy.create_element(element.name());
                    for (name, value) in element.attrs() {
                        copied.set_attribute_value(name, value);
                    }
                    match open.last() {
                        Some(parent) => parent.append_child(copied),
                        None => copy.root().append_child(copied),
                    }
                    if let Some(original) = ElementRef::wrap(node) {
                        originals.insert(copied, original);
                    }
                    open.push(copied);
                }
                Node::Text(text) => {
                    if let Some(parent) = open.last() {
                        parent.append_child(copy.create_text(text));
                    }
                }
                Node::Comment(comment) => {
                    let copied = copy.create_comment(comment);
                    match open.last() {
                        Some(parent) => parent.append_child(copied),
                        None => copy.root().append_child(copied),
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if node.value().is_element() {
                    open.pop();
                }
            }
        }
    }
    originals
}

#[cfg(test)]
mod tests {

    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;
    use crate::Kind;

    #[test]
    fn a_namespace_prefix_is_refused_by_name_instead_of_crashing() {
        // The input `make fuzz` found: sxd-xpath panicked on it.
        let error = check_xpath(".//ice:*").unwrap_err();
        assert!(error.contains("`ice:`"), "{error}");
        assert!(check_xpath("child::ns:item").unwrap_err().contains("`ns:`"));
        assert!(check_xpath("//a[@href='http://example.com']").is_ok());
        assert!(check_xpath("child::div/descendant::p").is_ok());
        assert!(check_xpath("//*[local-name()='item']").is_ok());
    }

    const LISTING: &str = r#"<!doctype html><html><head><title>Widgets</title></head><body>
        <ul class="products">
          <li class="product" data-sku="w1"><h2>Widget</h2><span class="price">€ 19.99</span></li>
          <li class="product sold-out" data-sku="w2"><h2>Gadget</h2><span class="price">€ 5</span></li>
        </ul><!-- rendered by shopkit --></body></html>"#;

    fn values(kind: Kind, expression: &str) -> Vec<String> {
        let document = Html::parse_document(LISTING);
        let selector = Selector::parse(kind, expression).unwrap();
        select(&selector, &document)
            .unwrap()
            .into_iter()
            .map(|found| match found {
                HtmlMatch::Element(element) => format!(
                    "<{}>{}",
                    element.value().name(),
                    element.text().collect::<String>()
                ),
                HtmlMatch::Value(value) => value,
            })
            .collect()
    }

    #[test]
    fn xpath_matches_elements_attributes_and_computed_values() {
        assert_eq!(
            values(
                Kind::XPath,
                "//li[contains(@class, 'product')]/span[@class='price']"
            ),
            ["<span>€ 19.99", "<span>€ 5"]
        );
        assert_eq!(values(Kind::XPath, "//li/@data-sku"), ["w1", "w2"]);
        assert_eq!(values(Kind::XPath, "count(//li)"), ["2"]);
        assert_eq!(values(Kind::XPath, "//li[2]/h2/text()"), ["Gadget"]);
        assert_eq!(
            values(Kind::XPath, "//comment()"),
            [" rendered by shopkit "]
        );
        assert!(values(Kind::XPath, "//table").is_empty());
    }

    #[test]
    fn css_and_xpath_see_the_same_elements() {
        assert_eq!(
            values(Kind::Css, "li.sold-out h2"),
            values(
                Kind::XPath,
                "//li[contains(concat(' ', @class, ' '), ' sold-out ')]/h2"
            )
        );
    }
}
