//! A monitor's check history as a file to download, CSV or JSON.
//!
//! The export is streamed: the store is read in keyset batches of
//! [`BATCH_SIZE`] checks, oldest first, and each batch is encoded and sent
//! before the next one is read, so a history of any length costs one batch
//! of memory and one pooled connection per batch (never one held for the
//! whole download). The `200` and its headers leave before the last batch is
//! read: a failure part-way cannot become an error body any more, so it is
//! logged and the response is cut short (a client sees an incomplete
//! transfer, never a file that looks complete).
//!
//! CSV cells that a spreadsheet would run as a formula (starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return) are prefixed with `'`, as
//! OWASP recommends against CSV injection: page text and judge answers end
//! up in these cells.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::Stream;
use serde::{Deserialize, Serialize};
use store::Store;
use store::checks::ExportedCheck;
use store::monitors::Cursor;
use tracing::Instrument;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

/// Checks read per query: few round trips for a long history, and a batch
/// (a stored diff is at most 60 lines) stays around a megabyte at worst.
const BATCH_SIZE: i64 = 500;

/// Longest file name stem taken from a monitor's name.
const MAX_STEM_CHARS: usize = 60;

/// The columns of a CSV export, in order; the JSON export has the same
/// fields and the diff besides.
const CSV_COLUMNS: [&str; 16] = [
    "id",
    "started_at",
    "finished_at",
    "reason",
    "status",
    "http_status",
    "baseline",
    "changed",
    "triggered",
    "summary",
    "extracted_value",
    "judge_reason",
    "error",
    "content_sha256",
    "repeats",
    "last_finished_at",
];

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ExportFormat {
    Json,
    Csv,
}

impl ExportFormat {
    /// JSON unless the caller asks for CSV; anything else is refused.
    fn parse(format: Option<&str>) -> Result<Self, ApiError> {
        match format {
            None | Some("json") => Ok(Self::Json),
            Some("csv") => Ok(Self::Csv),
            Some(_) => Err(ApiError::field("format", "must be csv or json")),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the default) or `csv`.
    #[param(value_type = Option<ExportFormat>, inline)]
    format: Option<String>,
}

/// One check of a JSON history export.
#[derive(Serialize, ToSchema)]
pub struct ExportedCheckResponse {
    id: Uuid,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    /// What started the check: `schedule`, `manual` or `hook`.
    reason: String,
    /// `ok` or the kind of failure.
    status: String,
    http_status: Option<i32>,
    baseline: bool,
    changed: bool,
    triggered: bool,
    summary: Option<String>,
    extracted_value: Option<String>,
    /// Why the judge decided as it did.
    judge_reason: Option<String>,
    error: Option<String>,
    content_sha256: Option<String>,
    /// How many scheduled checks in a row this entry stands for: a check whose outcome
    /// repeats the monitor's latest entry (the same page, status, HTTP status and error;
    /// nothing changed, judged, alerted or kept) is counted here instead of written again.
    /// 1 for a single check.
    repeats: i32,
    /// When the latest of those checks finished (`finished_at` for a single check).
    last_finished_at: DateTime<Utc>,
    /// The text difference to the check before (JSON only).
    diff: Option<String>,
}

impl From<ExportedCheck> for ExportedCheckResponse {
    fn from(check: ExportedCheck) -> Self {
        Self {
            id: check.id,
            started_at: check.started_at,
            finished_at: check.finished_at,
            reason: check.reason,
            status: check.status,
            http_status: check.http_status,
            baseline: check.baseline,
            changed: check.changed,
            triggered: check.triggered,
            summary: check.summary,
            extracted_value: check.extracted_value,
            judge_reason: check.reason_text,
            error: check.error,
            content_sha256: check.content_sha256,
            repeats: check.repeats,
            last_finished_at: check.last_finished_at,
            diff: check.diff,
        }
    }
}

/// A monitor's whole check history as a file, oldest check first.
///
/// Streamed in batches, so there is no cap on its length. CSV (RFC 4180,
/// CRLF line ends, a header row) has the columns `id`, `started_at`,
/// `finished_at` (RFC 3339, UTC), `reason`, `status`, `http_status`,
/// `baseline`, `changed`, `triggered`, `summary`, `extracted_value`,
/// `judge_reason`, `error`, `content_sha256`, `repeats` (how many scheduled
/// checks in a row with the same outcome the entry stands for) and
/// `last_finished_at` (when the latest of them finished); an empty cell is a null, and a
/// text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
/// prefixed with `'` so that a spreadsheet shows it instead of running it.
/// JSON is an array of the same fields, with `diff` besides.
#[utoipa::path(get, path = "/api/v1/monitors/{id}/checks/export", tag = "monitors",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id"), ExportQuery),
    responses(
        (status = 200, description = "The history, as an attachment named after the monitor \
            (`<monitor-name>-checks.csv` or `.json`)",
            content(
                (Vec<ExportedCheckResponse> = "application/json"),
                (String = "text/csv")
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"))),
        (status = 404, description = "No such monitor in the caller's teams"),
        (status = 422, description = "A format other than `csv` or `json`")))]
async fn export(
    user: CurrentUser,
    State(store): State<Store>,
    Path(monitor_id): Path<Uuid>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let monitor = store
        .get_monitor(user.id, monitor_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let file_name = format!(
        "{}-checks.{}",
        file_stem(&monitor.monitor.name),
        format.extension()
    );
    let history = History {
        store,
        user_id: user.id,
        monitor_id,
        format,
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        Body::from_stream(history.into_stream()),
    )
        .into_response())
}

/// A monitor's name as a file name stem: lowercase ASCII letters and
/// digits, runs of anything else as one hyphen, none at either end, so it
/// needs no quoting in `Content-Disposition` and is valid on every file
/// system. `monitor` when nothing is left (a name in another script).
pub(crate) fn file_stem(name: &str) -> String {
    let mut stem = String::new();
    for character in name.chars() {
        if stem.len() >= MAX_STEM_CHARS {
            break;
        }
        let character = character.to_ascii_lowercase();
        if character.is_ascii_lowercase() || character.is_ascii_digit() {
            stem.push(character);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        "monitor".to_owned()
    } else {
        stem.to_owned()
    }
}

/// Why an export stopped part-way.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("encoding a batch as CSV: {0}")]
    Csv(String),
    #[error("encoding a check as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What an export reads: one monitor's checks, as its caller sees them.
#[derive(Clone)]
struct History {
    store: Store,
    user_id: Uuid,
    monitor_id: Uuid,
    format: ExportFormat,
}

/// Where an export stands between two chunks of the body.
enum Position {
    /// Nothing sent yet: the next chunk opens the file.
    Start,
    /// The checks up to this one are sent and more may follow.
    After(Cursor),
    /// Everything is sent, the closing bytes included.
    Done,
}

impl History {
    /// The body: one chunk per batch, the file's opening in the first and
    /// its closing in the last. Each read happens in the request's span, so
    /// a failure is logged with the request id.
    fn into_stream(self) -> impl Stream<Item = Result<Bytes, ExportError>> + Send + 'static {
        let span = tracing::Span::current();
        futures::stream::try_unfold(Position::Start, move |position| {
            let history = self.clone();
            async move {
                let chunk = history.next_chunk(position).await;
                if let Err(error) = &chunk {
                    tracing::error!(%error, "a history export stopped part-way");
                }
                chunk
            }
            .instrument(span.clone())
        })
    }

    async fn next_chunk(
        &self,
        position: Position,
    ) -> Result<Option<(Bytes, Position)>, ExportError> {
        let after = match position {
            Position::Done => return Ok(None),
            Position::Start => None,
            Position::After(cursor) => Some(cursor),
        };
        let batch = self
            .store
            .export_checks(self.user_id, self.monitor_id, after, BATCH_SIZE)
            .await?;
        // A full batch may have a successor; a short one is the last.
        let full = i64::try_from(batch.len()).is_ok_and(|length| length == BATCH_SIZE);
        let next = match batch.last() {
            Some(last) if full => Position::After(last.cursor()),
            _ => Position::Done,
        };
        let opening = after.is_none();
        let closing = matches!(next, Position::Done);
        let chunk = match self.format {
            ExportFormat::Csv => csv_chunk(batch, opening)?,
            ExportFormat::Json => json_chunk(batch, opening, closing)?,
        };
        Ok(Some((Bytes::from(chunk), next)))
    }
}

/// A batch as CSV rows, after the header row when `opening`.
fn csv_chunk(batch: Vec<ExportedCheck>, opening: bool) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::WriterBuilder::new()
        // RFC 4180 ends records with CRLF (the crate's default is LF).
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed = |error: csv::Error| ExportError::Csv(error.to_string());
    if opening {
        writer.write_record(CSV_COLUMNS).map_err(failed)?;
    }
    for check in batch {
        writer
            .write_record(csv_record(check).map(spreadsheet_safe))
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|error| ExportError::Csv(error.error().to_string()))
}

/// One check's cells, in the order of [`CSV_COLUMNS`]; a null is empty.
fn csv_record(check: ExportedCheck) -> [String; 16] {
    [
        check.id.to_string(),
        rfc3339(check.started_at),
        rfc3339(check.finished_at),
        check.reason,
        check.status,
        check
            .http_status
            .map(|status| status.to_string())
            .unwrap_or_default(),
        check.baseline.to_string(),
        check.changed.to_string(),
        check.triggered.to_string(),
        check.summary.unwrap_or_default(),
        check.extracted_value.unwrap_or_default(),
        check.reason_text.unwrap_or_default(),
        check.error.unwrap_or_default(),
        check.content_sha256.unwrap_or_default(),
        check.repeats.to_string(),
        rfc3339(check.last_finished_at),
    ]
}

/// As the JSON of the API writes a timestamp (chrono's serde format).
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A cell a spreadsheet would take for a formula, prefixed with `'` so it
/// is shown as text. Applied to every cell: ids, timestamps, numbers and
/// booleans never start with these characters, and a column added later is
/// safe without a thought.
fn spreadsheet_safe(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// A batch as part of one JSON array: `[` when `opening`, a comma before
/// every check but the file's first, `]` when `closing`.
fn json_chunk(
    batch: Vec<ExportedCheck>,
    opening: bool,
    closing: bool,
) -> Result<Vec<u8>, ExportError> {
    let mut chunk = Vec::new();
    if opening {
        chunk.push(b'[');
    }
    for (index, check) in batch.into_iter().enumerate() {
        if !(opening && index == 0) {
            chunk.push(b',');
        }
        serde_json::to_writer(&mut chunk, &ExportedCheckResponse::from(check))?;
    }
    if closing {
        chunk.push(b']');
    }
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_keep_lowercase_letters_digits_and_single_hyphens() {
        assert_eq!(
            file_stem("Widget price (EUR) — shop #2"),
            "widget-price-eur-shop-2"
        );
        assert_eq!(file_stem("  ../../etc/passwd  "), "etc-passwd");
        assert_eq!(
            file_stem("\"quoted\"; filename=evil"),
            "quoted-filename-evil"
        );
        assert_eq!(file_stem("Café"), "caf");
        assert_eq!(file_stem("日本語"), "monitor");
        assert_eq!(file_stem(""), "monitor");
        assert_eq!(file_stem(&"a".repeat(200)).len(), MAX_STEM_CHARS);
    }

    #[test]
    fn formula_cells_are_quoted_and_others_kept() {
        for cell in ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(cell.to_owned()), format!("'{cell}"));
        }
        for cell in ["Price is 899 EUR", "", "2026-01-01T00:00:00Z", "a=b"] {
            assert_eq!(spreadsheet_safe(cell.to_owned()), cell);
        }
    }

    #[test]
    fn only_csv_and_json_are_formats_and_json_is_the_default() {
        assert_eq!(ExportFormat::parse(None).unwrap(), ExportFormat::Json);
        assert_eq!(ExportFormat::parse(Some("csv")).unwrap(), ExportFormat::Csv);
        assert_eq!(
            ExportFormat::parse(Some("json")).unwrap(),
            ExportFormat::Json
        );
        for refused in ["xml", "CSV", ""] {
            assert!(ExportFormat::parse(Some(refused)).is_err(), "{refused}");
        }
    }
}
