//! JSON pointer, JSONPath and jq over a JSON response.

use serde_json::Value;

use crate::{Selector, jq};

/// Why a JSON body yielded no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonMiss {
    #[error("the response says it is JSON but does not parse: {0}")]
    Invalid(String),
    #[error("the {0} matches nothing in the response")]
    NotFound(String),
    #[error("the jq filter failed on this response: {0}")]
    Failed(String),
}

/// Pretty-printed JSON, or what `selector` picks out of it: one value per
/// line block. A string value is returned bare (without quotes) because that
/// is what a person reads. A CSS or XPath selector leaves JSON whole.
pub fn json_text(body: &str, selector: Option<&Selector>) -> Result<String, JsonMiss> {
    let miss = |selector: &Selector| {
        JsonMiss::NotFound(format!(
            "{} {:?}",
            selector.kind().label(),
            selector.expression()
        ))
    };
    if let Some(selector @ Selector::Jq(filter)) = selector {
        let outputs = jq::run(filter, body)?;
        return if outputs.is_empty() {
            Err(miss(selector))
        } else {
            Ok(outputs.join("\n"))
        };
    }
    let value: Value =
        serde_json::from_str(body).map_err(|error| JsonMiss::Invalid(error.to_string()))?;
    let picked: Vec<&Value> = match selector {
        Some(Selector::JsonPointer(pointer)) => value.pointer(pointer).into_iter().collect(),
        Some(Selector::JsonPath { parsed, .. }) => parsed.query(&value).all(),
        _ => vec![&value],
    };
    let texts: Vec<String> = picked
        .into_iter()
        .filter(|value| !value.is_null())
        .map(value_text)
        .collect();
    match selector {
        Some(selector) if texts.is_empty() => Err(miss(selector)),
        _ => Ok(texts.join("\n")),
    }
}

pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

/// RFC 6901: empty (the whole document) is not a selection, so a pointer
/// starts with `/`, and `~` only escapes `~0` and `~1`.
pub fn check_pointer(pointer: &str) -> Result<(), String> {
    if !pointer.starts_with('/') {
        return Err(
            "a JSON pointer starts with \"/\" (RFC 6901), for example /items/0/price".to_owned(),
        );
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(
                "in a JSON pointer \"~\" must be followed by 0 or 1 (~0 is \"~\", ~1 is \"/\")"
                    .to_owned(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;
    use crate::Kind;

    /// Shaped like a real storefront API answer.
    const API: &str = r#"{
      "data": [
        {"id": 1, "name": "Widget", "price": {"amount": 1999, "currency": "EUR"}, "stock": 3},
        {"id": 2, "name": "Gadget", "price": {"amount": 500, "currency": "EUR"}, "stock": 0},
        {"id": 3, "name": "Gizmo", "price": {"amount": 2500, "currency": "EUR"}, "stock": 12}
      ],
      "meta": {"page": 1, "total": 3, "next": null}
    }"#;

    fn text(kind: Kind, expression: &str) -> Result<String, JsonMiss> {
        json_text(API, Some(&Selector::parse(kind, expression).unwrap()))
    }

    #[test]
    fn a_pointer_picks_one_value() {
        assert_eq!(text(Kind::JsonPointer, "/data/1/name").unwrap(), "Gadget");
        assert_eq!(text(Kind::JsonPointer, "/meta/total").unwrap(), "3");
        assert_eq!(
            text(Kind::JsonPointer, "/data/9"),
            Err(JsonMiss::NotFound("JSON pointer \"/data/9\"".into()))
        );
    }

    #[test]
    fn json_path_picks_every_match_with_filters() {
        assert_eq!(
            text(Kind::JsonPath, "$.data[?@.stock > 0].name").unwrap(),
            "Widget\nGizmo"
        );
        assert_eq!(
            text(Kind::JsonPath, "$..amount").unwrap(),
            "1999\n500\n2500"
        );
        assert!(
            text(Kind::JsonPath, "$.data[0].price")
                .unwrap()
                .contains("\"currency\": \"EUR\"")
        );
        assert!(matches!(
            text(Kind::JsonPath, "$.missing"),
            Err(JsonMiss::NotFound(_))
        ));
        // A null is what an API answers for "nothing here".
        assert!(matches!(
            text(Kind::JsonPath, "$.meta.next"),
            Err(JsonMiss::NotFound(_))
        ));
    }

    #[test]
    fn jq_transforms_and_joins() {
        assert_eq!(
            text(
                Kind::Jq,
                "[.data[] | select(.stock > 0) | .name] | join(\", \")"
            )
            .unwrap(),
            "Widget, Gizmo"
        );
        assert_eq!(
            text(Kind::Jq, ".data | map(.price.amount) | add").unwrap(),
            "4999"
        );
        assert_eq!(text(Kind::Jq, ".data[] | .id").unwrap(), "1\n2\n3");
        assert!(matches!(
            text(Kind::Jq, ".meta.next"),
            Err(JsonMiss::NotFound(_))
        ));
        assert!(matches!(
            text(Kind::Jq, ".data[] | select(.stock > 99)"),
            Err(JsonMiss::NotFound(_))
        ));
        assert!(matches!(
            text(Kind::Jq, ".meta.page | ascii_downcase"),
            Err(JsonMiss::Failed(_))
        ));
    }

    #[test]
    fn without_a_selector_json_is_pretty_printed_and_garbage_is_invalid() {
        assert!(json_text(API, None).unwrap().contains("\n  \"meta\": {"));
        assert!(matches!(
            json_text("{oops", None),
            Err(JsonMiss::Invalid(_))
        ));
        let jq = Selector::parse(Kind::Jq, ".").unwrap();
        assert!(matches!(
            json_text("{oops", Some(&jq)),
            Err(JsonMiss::Invalid(_))
        ));
    }

    #[test]
    fn pointers_follow_rfc_6901() {
        assert!(check_pointer("/a~1b/~0c").is_ok());
        assert!(check_pointer("a").is_err());
        assert!(check_pointer("/a~").is_err());
    }
}
