//! Check history as users read it, scoped by team.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::monitors::{Cursor, Page, PageRequest, split_cursor};
use crate::pool::Store;
use crate::stored_diff::diff_columns;

/// One recorded check of a monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub id: Uuid,
    pub monitor_id: Uuid,
    pub team_id: Uuid,
    /// What started it: `schedule`, `manual` or `hook`.
    pub reason: String,
    /// `ok` or the kind of failure (see the schema).
    pub status: String,
    pub http_status: Option<i32>,
    pub content_sha256: Option<String>,
    pub baseline: bool,
    pub changed: bool,
    pub triggered: bool,
    pub summary: Option<String>,
    pub reason_text: Option<String>,
    pub extracted_value: Option<String>,
    pub confidence: Option<f32>,
    pub judge: Option<String>,
    pub diff: Option<String>,
    pub error: Option<String>,
    pub fetch_ms: Option<i32>,
    pub judge_ms: Option<i32>,
    pub duration_ms: Option<i32>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// How many checks in a row this entry stands for: scheduled checks
    /// whose outcome repeated it were folded into it (see
    /// `migrations/0200_check_runs.sql`). The timings and statuses are the
    /// first check's.
    pub repeats: i32,
    /// When the latest of them finished (`finished_at` for one check).
    pub last_finished_at: DateTime<Utc>,
    pub verdict: VerdictDetails,
    /// `useful` or `noise` when someone rated this alert.
    pub rating: Option<String>,
    /// The blob key (SHA-256) of the screenshot this check kept.
    pub screenshot_sha256: Option<String>,
    /// The latest earlier check of the monitor that kept a screenshot: the
    /// "before" of this one.
    pub previous_screenshot_check_id: Option<Uuid>,
}

/// What the judge said beyond the verdict itself: how it read the condition, its evidence and
/// whether that held, and what the verdict cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerdictDetails {
    /// `state` or `event`.
    pub condition_kind: Option<String>,
    /// For a state condition: whether it held on this page.
    pub condition_holds: Option<bool>,
    /// The first check alerted because the state condition already held.
    pub first_alert: bool,
    pub evidence_excerpt: Option<String>,
    /// `verified`, `unverified` or `not_needed`.
    pub verification: Option<String>,
    /// Why the evidence did not hold.
    pub verification_problem: Option<String>,
    /// Answered from the verdict cache, without a model call.
    pub cached: bool,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    /// Why the change could not be judged: `model_unavailable`, `timeout`, `rate_limited` or
    /// `invalid_answer`. Set on a triggered check too when the monitor alerts anyway.
    pub unjudged_reason: Option<String>,
    /// This check tells the owner that judging is failing.
    pub unjudged_notice: bool,
}

impl VerdictDetails {
    pub(crate) fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            condition_kind: row.get("condition_kind"),
            condition_holds: row.get("condition_holds"),
            first_alert: row.get("first_alert"),
            evidence_excerpt: row.get("evidence_excerpt"),
            verification: row.get("verification"),
            verification_problem: row.get("verification_problem"),
            cached: row.get("judge_cached"),
            prompt_tokens: row.get("prompt_tokens"),
            completion_tokens: row.get("completion_tokens"),
            unjudged_reason: row.get("unjudged_reason"),
            unjudged_notice: row.get("unjudged_notice"),
        }
    }
}

/// When an entry's latest check finished, as every reader of the history
/// names it: `repeated_until` is set only once a check was folded into it.
/// A macro so that `concat!` can put it into the column lists.
macro_rules! last_finished_at {
    () => {
        "COALESCE(c.repeated_until, c.finished_at) AS last_finished_at"
    };
}

const CHECK_COLUMNS: &str = concat!(
    "c.id, c.monitor_id, c.team_id, c.reason, c.status, c.http_status, \
     encode(c.content_sha256, 'hex') AS content_sha256, c.baseline, c.changed, c.triggered, \
     c.summary, c.reason_text, \
     c.extracted_value, c.confidence, c.judge, c.error, c.fetch_ms, c.judge_ms, \
     c.duration_ms, c.started_at, c.finished_at, c.repeats, ",
    diff_columns!(),
    ", ",
    last_finished_at!(),
    ", c.condition_kind, c.condition_holds, c.first_alert, c.evidence_excerpt, \
     c.verification, c.verification_problem, c.judge_cached, c.prompt_tokens, \
     c.completion_tokens, c.unjudged_reason, c.unjudged_notice, \
     (SELECT r.rating FROM check_ratings r WHERE r.check_id = c.id) AS rating, \
     c.screenshot_sha256, \
     (SELECT p.id FROM checks p WHERE p.monitor_id = c.monitor_id \
         AND p.screenshot_sha256 IS NOT NULL AND (p.started_at, p.id) < (c.started_at, c.id) \
       ORDER BY p.started_at DESC, p.id DESC LIMIT 1) AS previous_screenshot_check_id"
);

/// Checks are scoped through their monitor's team: the caller ($1) is a
/// member of it.
const FROM_VISIBLE_CHECKS: &str = "FROM checks c JOIN monitors m ON m.id = c.monitor_id
     WHERE EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = m.team_id AND ms.user_id = $1)";

impl Check {
    fn from_row(row: &tokio_postgres::Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.get("id"),
            monitor_id: row.get("monitor_id"),
            team_id: row.get("team_id"),
            reason: row.get("reason"),
            status: row.get("status"),
            http_status: row.get("http_status"),
            content_sha256: row.get("content_sha256"),
            baseline: row.get("baseline"),
            changed: row.get("changed"),
            triggered: row.get("triggered"),
            summary: row.get("summary"),
            reason_text: row.get("reason_text"),
            extracted_value: row.get("extracted_value"),
            confidence: row.get("confidence"),
            judge: row.get("judge"),
            diff: crate::stored_diff::read(row)?,
            error: row.get("error"),
            fetch_ms: row.get("fetch_ms"),
            judge_ms: row.get("judge_ms"),
            duration_ms: row.get("duration_ms"),
            started_at: row.get("started_at"),
            finished_at: row.get("finished_at"),
            repeats: row.get("repeats"),
            last_finished_at: row.get("last_finished_at"),
            verdict: VerdictDetails::from_row(row),
            rating: row.get("rating"),
            screenshot_sha256: row.get("screenshot_sha256"),
            previous_screenshot_check_id: row.get("previous_screenshot_check_id"),
        })
    }
}

impl Store {
    /// The monitor's checks, newest first; `None` when the monitor is not
    /// visible to the caller (as opposed to an empty history).
    pub async fn list_checks(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
        page: PageRequest,
    ) -> Result<Option<Page<Check>>, StoreError> {
        let client = self.client().await?;
        let visible = client
            .query_opt(
                "SELECT 1 FROM monitors m WHERE m.id = $2 AND EXISTS
                   (SELECT 1 FROM memberships ms WHERE ms.team_id = m.team_id AND ms.user_id = $1)",
                &[&user_id, &monitor_id],
            )
            .await
            .context("checking a monitor's visibility")?
            .is_some();
        if !visible {
            return Ok(None);
        }
        let (after_at, after_id) = split_cursor(page.after);
        let rows = client
            .query(
                &format!(
                    "SELECT {CHECK_COLUMNS} {FROM_VISIBLE_CHECKS}
                        AND c.monitor_id = $2
                        AND ($3::timestamptz IS NULL OR (c.started_at, c.id) < ($3, $4::uuid))
                      ORDER BY c.started_at DESC, c.id DESC
                      LIMIT $5"
                ),
                &[
                    &user_id,
                    &monitor_id,
                    &after_at,
                    &after_id,
                    &(page.limit + 1),
                ],
            )
            .await
            .context("listing checks")?;
        let items = rows
            .iter()
            .map(Check::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Page::from_overfetch(items, page.limit, |check| {
            Cursor {
                at: check.started_at,
                id: check.id,
            }
        })))
    }

    /// One check of one of the caller's monitors.
    pub async fn get_check(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
        check_id: Uuid,
    ) -> Result<Option<Check>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {CHECK_COLUMNS} {FROM_VISIBLE_CHECKS}
                        AND c.monitor_id = $2 AND c.id = $3"
                ),
                &[&user_id, &monitor_id, &check_id],
            )
            .await
            .context("reading a check")?;
        row.as_ref().map(Check::from_row).transpose()
    }
}

/// A check as the history export writes it: what a spreadsheet or an
/// archive wants of it. Not a [`Check`], whose rating and previous
/// screenshot are looked up row by row: over a whole history those
/// look-ups would cost more than the export itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedCheck {
    pub id: Uuid,
    /// What started it: `schedule`, `manual` or `hook`.
    pub reason: String,
    /// `ok` or the kind of failure (see the schema).
    pub status: String,
    pub http_status: Option<i32>,
    pub content_sha256: Option<String>,
    pub baseline: bool,
    pub changed: bool,
    pub triggered: bool,
    pub summary: Option<String>,
    /// Why the judge decided as it did.
    pub reason_text: Option<String>,
    pub extracted_value: Option<String>,
    pub diff: Option<String>,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// How many checks in a row the entry stands for (see [`Check::repeats`]).
    pub repeats: i32,
    /// When the latest of them finished.
    pub last_finished_at: DateTime<Utc>,
}

impl ExportedCheck {
    fn from_row(row: &tokio_postgres::Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.get("id"),
            reason: row.get("reason"),
            status: row.get("status"),
            http_status: row.get("http_status"),
            content_sha256: row.get("content_sha256"),
            baseline: row.get("baseline"),
            changed: row.get("changed"),
            triggered: row.get("triggered"),
            summary: row.get("summary"),
            reason_text: row.get("reason_text"),
            extracted_value: row.get("extracted_value"),
            diff: crate::stored_diff::read(row)?,
            error: row.get("error"),
            started_at: row.get("started_at"),
            finished_at: row.get("finished_at"),
            repeats: row.get("repeats"),
            last_finished_at: row.get("last_finished_at"),
        })
    }

    /// Where the next batch of an export starts.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at: self.started_at,
            id: self.id,
        }
    }
}

const EXPORTED_CHECK_COLUMNS: &str = concat!(
    "c.id, c.reason, c.status, c.http_status, \
     encode(c.content_sha256, 'hex') AS content_sha256, c.baseline, c.changed, c.triggered, \
     c.summary, c.reason_text, \
     c.extracted_value, c.error, c.started_at, c.finished_at, c.repeats, ",
    diff_columns!(),
    ", ",
    last_finished_at!()
);

impl Store {
    /// One batch of a history export: up to `limit` of the monitor's
    /// checks after `after`, oldest first (by start, then id). Scoped by
    /// team like [`Store::list_checks`]: a monitor the caller cannot see has
    /// no checks here.
    pub async fn export_checks(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<Vec<ExportedCheck>, StoreError> {
        let client = self.client().await?;
        let (after_at, after_id) = split_cursor(after);
        // `started_at >= $3` repeats what the row comparison implies so that
        // the (monitor_id, started_at) index bounds the scan: the row
        // comparison alone would make each batch read the history from its
        // start.
        let rows = client
            .query(
                &format!(
                    "SELECT {EXPORTED_CHECK_COLUMNS} {FROM_VISIBLE_CHECKS}
                        AND c.monitor_id = $2
                        AND ($3::timestamptz IS NULL
                             OR (c.started_at >= $3 AND (c.started_at, c.id) > ($3, $4::uuid)))
                      ORDER BY c.started_at, c.id
                      LIMIT $5"
                ),
                &[&user_id, &monitor_id, &after_at, &after_id, &limit],
            )
            .await
            .context("reading a batch of a history export")?;
        rows.iter().map(ExportedCheck::from_row).collect()
    }
}

/// Of `keys` (screenshot blob keys), those no check references. Called
/// where checks are deleted, after the delete and in its transaction, so
/// the caller deletes exactly the blobs that lost their last check.
pub(crate) async fn unreferenced_screenshots(
    transaction: &deadpool_postgres::Transaction<'_>,
    keys: &[String],
) -> Result<Vec<String>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let rows = transaction
        .query(
            "SELECT key FROM unnest($1::text[]) AS key
              WHERE NOT EXISTS (SELECT 1 FROM checks c WHERE c.screenshot_sha256 = key)",
            &[&keys],
        )
        .await
        .context("finding screenshots no check references")?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}
