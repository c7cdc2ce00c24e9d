//! The code that reads what users and pages send us, one function per fuzz
//! target. Each takes arbitrary bytes and panics only when an invariant
//! breaks, so a crash is a finding:
//!
//! - [`url_guard`]: the SSRF guard never lets through an address the
//!   standard library itself calls loopback, private, link-local or
//!   multicast, however the URL spells it.
//! - [`extract_html`]: HTML and XML to text, with CSS and XPath selectors.
//! - [`extract_json`]: JSON to text, with JSON pointer, JSONPath and jq.
//! - [`condition`]: the offline judge's condition parser and rules; its
//!   evidence is always a quote of the current text.
//!
//! `make fuzz` (scripts/fuzz.sh) runs them under libFuzzer from the
//! `fuzz_*` binaries; `make test` replays the committed corpus
//! (`corpus/<target>/`) through the same functions.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use browser::domain::{Extraction, Outcome};
use browser::extract::extract;
use browser::fetcher::ContentKind;
use llm::domain::Evaluation;
use netguard::Policy;
use selection::{Kind, Selector};
use url::Host;

/// jq filters run on fuzzed documents. The filter text itself is not fuzzed:
/// jq is Turing-complete, so an arbitrary filter may legitimately never end.
const JQ_FILTERS: &[&str] = &[
    ".",
    ".items[] | .price",
    "[.. | numbers] | add",
    "map(select(.in_stock)) | length",
    "keys",
    ".[0]",
    "to_entries | map(.key)",
    "[paths | tostring]",
];

pub fn url_guard(data: &[u8]) {
    if let Some(octets) = data
        .get(..16)
        .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
    {
        assert_classifier_refuses_internal(IpAddr::V6(Ipv6Addr::from(octets)));
    }
    if let Some(octets) = data
        .get(..4)
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
    {
        assert_classifier_refuses_internal(IpAddr::V4(Ipv4Addr::from(octets)));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(url) = netguard::parse_url(text) else {
        return;
    };
    if netguard::check_literal_host(&Policy::strict(), &url).is_err() {
        return;
    }
    let literal = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return,
    };
    assert!(
        !is_internal(literal),
        "{text:?} reached {literal}, an internal address"
    );
}

fn assert_classifier_refuses_internal(ip: IpAddr) {
    if netguard::classify(ip).is_ok() {
        assert!(!is_internal(ip), "the classifier allowed {ip}");
    }
}

/// Addresses the standard library (or an RFC it does not cover yet) calls
/// internal: a subset of what netguard refuses, stated independently.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [first, second, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || first == 0
                // Shared address space (RFC 6598), used by carrier-grade NAT and some clouds.
                || (first == 100 && (64..128).contains(&second))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local (fc00::/7) and link-local (fe80::/10).
                || first & 0xfe00 == 0xfc00
                || first & 0xffc0 == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// The first byte picks CSS or XPath and HTML or XML; then the expression,
/// a NUL, and the document (no NUL: the whole rest is the document).
pub fn extract_html(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (expression, document) = text.split_once('\0').unwrap_or(("", text));
    let kind = if choice & 1 == 0 {
        Kind::Css
    } else {
        Kind::XPath
    };
    let content = if choice & 2 == 0 {
        ContentKind::Html
    } else {
        ContentKind::Xml
    };
    let Some(selector) = optional_selector(kind, expression) else {
        return;
    };
    let extraction = Extraction {
        html: selector,
        json: None,
    };
    assert_well_formed(&extract(content, document, &extraction));
}

/// The first byte picks JSON pointer, JSONPath, one of [`JQ_FILTERS`] or no
/// selector; then the expression, a NUL, and the document.
pub fn extract_json(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (expression, document) = text.split_once('\0').unwrap_or(("", text));
    let selector = match choice % 4 {
        0 => optional_selector(Kind::JsonPointer, expression),
        1 => optional_selector(Kind::JsonPath, expression),
        2 => {
            let filter = JQ_FILTERS[usize::from(choice / 4) % JQ_FILTERS.len()];
            optional_selector(Kind::Jq, filter)
        }
        _ => Some(None),
    };
    let Some(selector) = selector else {
        return;
    };
    let extraction = Extraction {
        html: None,
        json: selector,
    };
    assert_well_formed(&extract(ContentKind::Json, document, &extraction));
}

/// `None` when the expression is refused (as the gateway would refuse it);
/// `Some(None)` for no selector at all.
fn optional_selector(kind: Kind, expression: &str) -> Option<Option<Selector>> {
    if expression.is_empty() {
        return Some(None);
    }
    Selector::parse(kind, expression).ok().map(Some)
}

fn assert_well_formed(extracted: &browser::extract::Extracted) {
    if extracted.outcome == Outcome::Ok {
        assert!(extracted.detail.is_empty(), "{extracted:?}");
    } else {
        // Text is never compared unless the page really answered.
        assert!(extracted.text.is_empty(), "{extracted:?}");
        assert!(!extracted.detail.is_empty(), "{extracted:?}");
    }
}

/// The condition, the previous text and the current text, separated by NULs
/// (no previous text: a first check).
pub fn condition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let condition = parts.next().unwrap_or_default();
    let previous = parts.next().unwrap_or_default();
    let current = parts.next().unwrap_or_default();
    let evaluation = Evaluation {
        condition: condition.to_owned(),
        previous_text: previous.to_owned(),
        current_text: current.to_owned(),
        first_check: previous.is_empty(),
        url: "https://example.com/".to_owned(),
        rated_examples: Vec::new(),
    };
    let verdict = llm::offline::judge_offline(&evaluation);
    assert!((0.0..=1.0).contains(&verdict.confidence), "{verdict:?}");
    if let Some(excerpt) = &verdict.evidence_excerpt {
        assert!(
            current.contains(excerpt.as_str()),
            "the evidence {excerpt:?} is not a quote of the current text"
        );
    }
    assert_eq!(
        llm::offline::judge_offline(&evaluation),
        verdict,
        "the same evaluation judged twice"
    );
}
