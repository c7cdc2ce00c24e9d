//! Cursor pagination for newest-first lists. A cursor is opaque to clients:
//! base64url of the last item's timestamp (microseconds) and id.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use serde::Deserialize;
use store::monitors::{Cursor, PageRequest};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = self
            .cursor
            .as_deref()
            .filter(|cursor| !cursor.is_empty())
            .map(|cursor| {
                decode(cursor).ok_or_else(|| {
                    ApiError::field("cursor", "is not a cursor returned by this API")
                })
            })
            .transpose()?;
        Ok(PageRequest { limit, after })
    }
}

pub fn encode(cursor: Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}.{}",
        cursor.at.timestamp_micros(),
        cursor.id.simple()
    ))
}

fn decode(cursor: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, id) = text.split_once('.')?;
    Some(Cursor {
        at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id: Uuid::parse_str(id).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor {
            at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(decode(&encode(cursor)), Some(cursor));
        assert_eq!(decode("not-a-cursor"), None);
    }
}
