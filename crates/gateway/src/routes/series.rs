//! A monitor at a glance: its latest checks as a compact series (what each came to and the
//! value its verdict extracted) and the threshold its condition draws. The monitor page charts
//! it; the monitor list shows the last [`RECENT_PER_MONITOR`] of each row ([`RecentChecks`]).
//!
//! Values and thresholds are read by `condition-rules`, the rules the offline judge applies, so
//! the threshold line a chart draws is the line the judge compares with.

use axum::extract::State;
use chrono::{DateTime, Utc};
use condition_rules::reading::{self, Reading, Threshold};
use condition_rules::rule::Direction;
use serde::{Deserialize, Serialize};
use store::Store;
use store::series::{Outcome, SeriesCheck};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(series))
}

/// Points a series answers by default and at most.
pub const DEFAULT_POINTS: i64 = 100;
pub const MAX_POINTS: i64 = 500;
/// Outcomes each row of the monitor list carries: enough to see a monitor flap.
pub const RECENT_PER_MONITOR: i64 = 20;

/// What a check came to.
///
/// - `ok`: the page was read and nothing changed.
/// - `changed`: the page changed and the change did not alert.
/// - `alerted`: the check sent an alert.
/// - `failed`: the page could not be read or the change could not be judged.
/// - `skipped`: not fetched, the team's renders of the hour were spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeBody {
    Ok,
    Changed,
    Alerted,
    Failed,
    Skipped,
}

impl From<Outcome> for OutcomeBody {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Ok => Self::Ok,
            Outcome::Changed => Self::Changed,
            Outcome::Alerted => Self::Alerted,
            Outcome::Failed => Self::Failed,
            Outcome::Skipped => Self::Skipped,
        }
    }
}

/// What a verdict extracted: `number` (one number, with at most a unit, so it is charted) or
/// `text` (a phrase or a version, shown as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Number,
    Text,
}

/// One check of the series.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    check_id: Uuid,
    /// When the check started.
    at: DateTime<Utc>,
    outcome: OutcomeBody,
    /// The number the verdict extracted; `null` when it extracted none or text.
    value: Option<f64>,
    /// The unit written next to that number ("€", "EUR", "%", "items").
    unit: Option<String>,
    /// `null` when the verdict extracted nothing.
    value_kind: Option<ValueKind>,
    /// The extracted value as the judge wrote it.
    extracted_value: Option<String>,
}

/// Which side of the threshold alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionBody {
    Below,
    Above,
}

/// The line a number condition alerts at ("price drops below 100 EUR").
#[derive(Debug, Serialize, ToSchema)]
pub struct ThresholdBody {
    value: f64,
    /// The condition holds `below` or `above` the value.
    direction: DirectionBody,
    /// Whether the value itself satisfies it (`at most`, `at least`, `<=`, `>=`).
    inclusive: bool,
    /// The currency or unit the condition names.
    unit: Option<String>,
    /// In the judge's words, e.g. "below 100".
    label: String,
}

impl From<Threshold> for ThresholdBody {
    fn from(threshold: Threshold) -> Self {
        Self {
            value: threshold.value,
            direction: match threshold.direction {
                Direction::Below => DirectionBody::Below,
                Direction::Above => DirectionBody::Above,
            },
            inclusive: threshold.inclusive,
            unit: threshold.unit,
            label: threshold.label,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesResponse {
    monitor_id: Uuid,
    /// The unit of the series' values: the latest unit a value was written with, else the
    /// threshold's.
    unit: Option<String>,
    /// Present when the condition is a number threshold.
    threshold: Option<ThresholdBody>,
    /// The latest checks, oldest first.
    points: Vec<SeriesPoint>,
}

/// A check in a row of the monitor list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecentPoint {
    /// When the check started.
    at: DateTime<Utc>,
    outcome: OutcomeBody,
    /// The number the verdict extracted, if it extracted one.
    value: Option<f64>,
}

/// The last checks of a monitor, for the list's strip of outcomes and sparkline.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecentChecks {
    /// The unit of `value`, as in the series.
    unit: Option<String>,
    /// Present when the condition is a number threshold.
    threshold: Option<ThresholdBody>,
    /// Up to 20 checks, oldest first.
    points: Vec<RecentPoint>,
}

/// A check's extracted value, read.
fn read(check: &SeriesCheck) -> (Option<Reading>, Option<ValueKind>) {
    match check.extracted_value.as_deref().map(str::trim) {
        None | Some("") => (None, None),
        Some(text) => match reading::read_value(text) {
            Some(reading) => (Some(reading), Some(ValueKind::Number)),
            None => (None, Some(ValueKind::Text)),
        },
    }
}

/// The latest unit a value was written with, else the threshold's.
fn series_unit(readings: &[Option<Reading>], threshold: Option<&Threshold>) -> Option<String> {
    readings
        .iter()
        .rev()
        .flatten()
        .find_map(|reading| reading.unit.clone())
        .or_else(|| threshold.and_then(|threshold| threshold.unit.clone()))
}

/// A list row's recent checks, from the monitor's condition and its checks (oldest first).
pub(crate) fn recent_checks(condition: &str, checks: Vec<SeriesCheck>) -> RecentChecks {
    let threshold = reading::threshold(condition);
    let readings: Vec<Option<Reading>> = checks.iter().map(|check| read(check).0).collect();
    let unit = series_unit(&readings, threshold.as_ref());
    RecentChecks {
        unit,
        threshold: threshold.map(ThresholdBody::from),
        points: checks
            .into_iter()
            .zip(readings)
            .map(|(check, reading)| RecentPoint {
                at: check.started_at,
                outcome: check.outcome.into(),
                value: reading.map(|reading| reading.value),
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    /// How many of the latest checks, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The monitor's latest checks as a series, oldest first: each check's outcome and the value
/// its verdict extracted (a number with its unit when it is one), with the threshold of a
/// number condition. What the monitor page charts.
#[utoipa::path(get, path = "/api/v1/monitors/{id}/series", tag = "monitors", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Monitor id"), SeriesQuery),
    responses((status = 200, body = SeriesResponse),
        (status = 404, description = "No such monitor among the caller's teams"),
        (status = 422, description = "`limit` is not between 1 and 500")))]
async fn series(
    user: CurrentUser,
    State(store): State<Store>,
    Path(id): Path<Uuid>,
    Query(query): Query<SeriesQuery>,
) -> Result<Json<SeriesResponse>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_POINTS);
    if !(1..=MAX_POINTS).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_POINTS}"),
        ));
    }
    let series = store
        .check_series(user.id, id, limit)
        .await?
        .ok_or(ApiError::NotFound)?;
    let threshold = reading::threshold(&series.condition);
    let read: Vec<(Option<Reading>, Option<ValueKind>)> = series.checks.iter().map(read).collect();
    let readings: Vec<Option<Reading>> = read.iter().map(|(reading, _)| reading.clone()).collect();
    let unit = series_unit(&readings, threshold.as_ref());
    let points = series
        .checks
        .into_iter()
        .zip(read)
        .map(|(check, (reading, value_kind))| SeriesPoint {
            check_id: check.check_id,
            at: check.started_at,
            outcome: check.outcome.into(),
            value: reading.as_ref().map(|reading| reading.value),
            unit: reading.and_then(|reading| reading.unit),
            value_kind,
            extracted_value: check.extracted_value,
        })
        .collect();
    Ok(Json(SeriesResponse {
        monitor_id: id,
        unit,
        threshold: threshold.map(ThresholdBody::from),
        points,
    }))
}
