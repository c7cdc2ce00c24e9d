//! XPath over XML documents such as RSS and Atom feeds.
//!
//! Names are matched without their namespace: an Atom feed declares a
//! default namespace, and XPath 1.0 would then need a prefix bound to it for
//! every step (`//atom:entry`), which no one writes from a feed's source.

use sxd_document::Package;
use sxd_document::dom::{ChildOfElement, ChildOfRoot, Document, Element};
use sxd_xpath::{Context, Value};

use crate::html::{compile, number_text};

/// Why an XML document yielded no text for an XPath expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlMiss {
    #[error("the response says it is XML but does not parse: {0}")]
    Invalid(String),
    #[error("the XPath expression failed on this document: {0}")]
    Failed(String),
}

/// The text of each node `expression` selects in the XML `body`, in document
/// order, whitespace collapsed; empty when nothing matches.
pub fn select(expression: &str, body: &str) -> Result<Vec<String>, XmlMiss> {
    let xpath = compile(expression).map_err(XmlMiss::Failed)?;
    let parsed =
        sxd_document::parser::parse(body).map_err(|error| XmlMiss::Invalid(error.to_string()))?;
    let package = Package::new();
    let copy = package.as_document();
    copy_without_namespaces(&parsed.as_document(), &copy);
    let value = xpath
        .evaluate(&Context::new(), copy.root())
        .map_err(|error| XmlMiss::Failed(crate::html::reason(&error)))?;
    Ok(match value {
        Value::Nodeset(nodes) => nodes
            .document_order()
            .into_iter()
            .map(|node| collapse(&node.string_value()))
            .collect(),
        Value::String(text) => vec![collapse(&text)],
        Value::Number(number) => vec![number_text(number)],
        Value::Boolean(flag) => vec![flag.to_string()],
    })
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn copy_without_namespaces<'s, 'd>(source: &Document<'s>, copy: &Document<'d>) {
    // Each element is created where it belongs, then filled when popped; a
    // stack instead of recursion because feeds come from strangers.
    let mut pending: Vec<(Element<'s>, Element<'d>)> = Vec::new();
    for child in source.root().children() {
        if let ChildOfRoot::Element(element) = child {
            let copied = copy.create_element(element.name().local_part());
            copy.root().append_child(copied);
            pending.push((element, copied));
        }
    }
    while let Some((element, copied)) = pending.pop() {
        for attribute in element.attributes() {
            copied.set_attribute_value(attribute.name().local_part(), attribute.value());
        }
        for child in element.children() {
            match child {
                ChildOfElement::Element(child) => {
                    let placed = copy.create_element(child.name().local_part());
                    copied.append_child(placed);
                    pending.push((child, placed));
                }
                ChildOfElement::Text(text) => copied.append_child(copy.create_text(text.text())),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Release notes</title>
  <entry><title>v2.1.0</title><link href="https://example.com/v2.1.0"/><updated>2026-11-30T10:00:00Z</updated></entry>
  <entry><title>v2.0.0</title><link href="https://example.com/v2.0.0"/><updated>2026-10-01T10:00:00Z</updated></entry>
</feed>"#;

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Deals</title>
<item><title>Widget  -20%</title><link>https://shop.example/w</link></item>
<item><title>Gadget</title><link>https://shop.example/g</link></item></channel></rss>"#;

    #[test]
    fn feeds_are_selected_without_namespace_prefixes() {
        assert_eq!(select("/feed/entry[1]/title", ATOM).unwrap(), ["v2.1.0"]);
        assert_eq!(
            select("//entry/link/@href", ATOM).unwrap(),
            ["https://example.com/v2.1.0", "https://example.com/v2.0.0"]
        );
        assert_eq!(select("count(//entry)", ATOM).unwrap(), ["2"]);
        assert_eq!(
            select("//item/title", RSS).unwrap(),
            ["Widget -20%", "Gadget"]
        );
        assert_eq!(
            select("//item[2]/link", RSS).unwrap(),
            ["https://shop.example/g"]
        );
        assert!(select("//enclosure", RSS).unwrap().is_empty());
    }

    #[test]
    fn broken_xml_is_invalid_not_a_miss() {
        assert!(matches!(
            select("//item", "<rss><item>"),
            Err(XmlMiss::Invalid(_))
        ));
    }
}
