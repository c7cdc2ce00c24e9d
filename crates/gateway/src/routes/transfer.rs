//! Moving monitors in and out of a team: `GET /api/v1/teams/{id}/export`
//! (versioned JSON, no secrets) and `POST /api/v1/teams/{id}/import` (a
//! list of URLs, changedetection.io, urlwatch/webchanges or Lookout's own
//! export, also changedetection.io's backup ZIP), previewed by default and
//! created in one transaction when confirmed. With `Accept:
//! application/x-ndjson` the import answers at once and streams its
//! progress, one JSON line per step, ending with the report or the error.
//!
//! An import decides each entry's fate as monitor creation would: the URL
//! goes through the same destination guard (each distinct host resolved
//! once, [`HOST_CHECKS_AT_ONCE`] at a time), selectors through the same
//! parsers, the count through the same team lock and `monitors` quota. An
//! interval below the deployment's minimum (or above 30 days) is clamped
//! to it and the entry says so; an invalid URL, a blocked destination, a
//! selector that does not parse or invalid headers refuse the entry; an
//! entry with the URL and selectors of a monitor of the team (or of an
//! earlier entry) is skipped. An entry's tags are linked to the team's tags
//! of the same name in any case; those the team lacks are created in the
//! same transaction.
//!
//! An import is the heaviest request the gateway serves: it keeps its own
//! deadline ([`IMPORT_DEADLINE`], not the edge's `REQUEST_TIMEOUT_SECONDS`)
//! and body limit ([`MAX_IMPORT_BYTES`]), and a replica runs at most
//! [`IMPORTS_AT_ONCE`] at a time (503 `busy` with `Retry-After` past them).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures::StreamExt;
use secret_box::SecretBox;
use selection::Kind;
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::channels::Channel;
use store::monitors::{FailPolicy, FirstCheck, MonitorDefinition, Screenshot};
use store::transfer::{ImportFate, ImportItem, ImportProgress, TagColours, TeamContents};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tracing::Instrument;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::domain::destination::checked_destination;
use crate::domain::{self, Rules, monitor, render_options};
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::routes::check_export::file_stem;
use crate::routes::monitors::sealed_headers;
use crate::routes::tags::{MAX_TAG_NAME, colour};
use crate::state::AppState;
use crate::transfer::archive::{self, ArchiveError};
use crate::transfer::lookout::{
    self, ExportedChannel, ExportedChannelRef, ExportedMonitor, ExportedSelector, ExportedStep,
    ExportedTag, ExportedTeam, NameOnly, TeamExport,
};
use crate::transfer::{self, Candidate, Format, ImportFile};

/// The largest import body: a changedetection.io backup ZIP carries every
/// watch's history besides its `url-watches.json`. nginx and the ingress
/// allow the same on this route only.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// The largest text file (or `url-watches.json` inflated from a ZIP):
/// 10,000 changedetection.io watches of about 1.5 KiB each, or 10,000 lines
/// of URLs up to 1.6 KiB long.
pub const MAX_IMPORT_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// How long an import may take, in place of the edge's request timeout:
/// 10,000 entries on as many hosts, resolved [`HOST_CHECKS_AT_ONCE`] at a
/// time, then inserted in one transaction. nginx and the ingress wait as
/// long on this route.
pub const IMPORT_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// Imports one replica runs at once: each holds its file (up to 64 MiB)
/// and a database connection for its transaction.
pub const IMPORTS_AT_ONCE: usize = 4;

/// What a client past [`IMPORTS_AT_ONCE`] is told to wait.
const BUSY_RETRY_AFTER_SECONDS: u64 = 30;

/// The media type of a streamed import.
pub const NDJSON: &str = "application/x-ndjson";

/// Progress lines per phase, at most (plus its first and last).
const PROGRESS_STEPS: usize = 50;

/// The replica's import slots ([`IMPORTS_AT_ONCE`]).
#[derive(Clone)]
pub struct ImportSlots(Arc<Semaphore>);

impl Default for ImportSlots {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(IMPORTS_AT_ONCE)))
    }
}

impl ImportSlots {
    /// A slot, held until the import ends; 503 `busy` when none is free.
    fn take(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        Arc::clone(&self.0)
            .try_acquire_owned()
            .map_err(|_| ApiError::Busy {
                message: format!(
                    "this server is running {IMPORTS_AT_ONCE} imports already; retry in {BUSY_RETRY_AFTER_SECONDS} s"
                ),
                retry_after_seconds: BUSY_RETRY_AFTER_SECONDS,
            })
    }
}

/// Distinct hosts resolved at once while checking destinations.
const HOST_CHECKS_AT_ONCE: usize = 32;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_team)).merge(
        OpenApiRouter::new()
            .routes(routes!(import_monitors))
            .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
    )
}

/// A team's monitors, tags and channel references as a versioned JSON file.
///
/// Every setting a user chose is there; no secret is: request headers and
/// cookies by name only, `fill` steps without their value, channels by id,
/// kind and name only. Tags with their colours; each monitor names its tags.
#[utoipa::path(get, path = "/api/v1/teams/{id}/export", tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses(
        (status = 200, description = "The export, as an attachment \
            (`lookout-<team-name>-<date>.json`)", body = TeamExport,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"))),
        (status = 404, description = "No such team among the caller's")))]
async fn export_team(
    user: CurrentUser,
    State(store): State<Store>,
    Path(team_id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let contents = store
        .team_contents(user.id, team_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let exported_at = Utc::now();
    let file_name = format!(
        "lookout-{}-{}.json",
        file_stem(&contents.team_name),
        exported_at.format("%Y-%m-%d")
    );
    let document = export_document(contents, exported_at);
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        )],
        Json(document),
    )
        .into_response())
}

fn export_document(contents: TeamContents, exported_at: chrono::DateTime<Utc>) -> TeamExport {
    let channel_names: HashMap<Uuid, String> = contents
        .channels
        .iter()
        .map(|channel| (channel.id, channel.name.clone()))
        .collect();
    let monitors = contents
        .monitors
        .into_iter()
        .map(|entry| {
            let monitor = entry.monitor;
            let selectors = [
                (Kind::Css, monitor.css_selector),
                (Kind::XPath, monitor.xpath),
                (Kind::JsonPointer, monitor.json_pointer),
                (Kind::JsonPath, monitor.json_path),
                (Kind::Jq, monitor.jq_filter),
            ]
            .into_iter()
            .filter_map(|(kind, expression)| {
                expression.map(|expression| ExportedSelector {
                    kind: kind.as_str().to_owned(),
                    expression,
                })
            })
            .collect();
            ExportedMonitor {
                id: monitor.id,
                name: monitor.name,
                url: monitor.url,
                selectors,
                condition: monitor.condition,
                interval_seconds: i64::from(monitor.interval_seconds),
                paused: monitor.paused,
                render: monitor.render,
                wait_for: monitor.wait_for,
                screenshot: monitor.screenshot.as_str().to_owned(),
                first_check: monitor.first_check.as_str().to_owned(),
                fail_policy: monitor.fail_policy.as_str().to_owned(),
                failure_alert_after: Some(i64::from(monitor.failure_alert_after)),
                headers: monitor
                    .headers
                    .into_iter()
                    .map(|header| NameOnly { name: header.name })
                    .collect(),
                cookies: monitor
                    .cookies
                    .into_iter()
                    .map(|cookie| NameOnly { name: cookie.name })
                    .collect(),
                // A fill step's value lives only in `secret`, never exported.
                steps: monitor
                    .steps
                    .into_iter()
                    .map(|step| ExportedStep {
                        action: step.action,
                        selector: step.selector,
                        value: step.text,
                        ms: step.ms.map(u64::from),
                    })
                    .collect(),
                channels: entry
                    .channel_ids
                    .into_iter()
                    .map(|id| ExportedChannelRef {
                        id: Some(id),
                        name: channel_names.get(&id).cloned(),
                    })
                    .collect(),
                tags: entry.tags.into_iter().map(|tag| tag.name).collect(),
            }
        })
        .collect();
    TeamExport {
        format: lookout::FORMAT_NAME.to_owned(),
        version: lookout::VERSION,
        exported_at,
        team: ExportedTeam {
            id: contents.team_id,
            name: contents.team_name,
        },
        monitors,
        channels: contents
            .channels
            .into_iter()
            .map(|channel| ExportedChannel {
                id: channel.id,
                kind: channel.kind.as_str().to_owned(),
                name: channel.name,
            })
            .collect(),
        tags: contents
            .tags
            .into_iter()
            .map(|(name, colour)| ExportedTag { name, colour })
            .collect(),
    }
}

/// The formats an import reads.
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ImportFormat {
    Urls,
    Changedetection,
    Urlwatch,
    Lookout,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `true` (the default): only report what would happen. `false`:
    /// create, in one transaction.
    dry_run: Option<bool>,
    /// The file's format; when absent, the `Content-Type` (`text/uri-list`,
    /// `application/yaml`) or else the content decides.
    #[param(value_type = Option<ImportFormat>, inline)]
    format: Option<String>,
}

/// What became of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// Created, or in a dry run would be.
    Created,
    /// The team already has a monitor with this URL and selectors, or an
    /// earlier entry of the file has them.
    Skipped,
    /// Cannot be imported; `reason` says why.
    Refused,
}

/// One entry of an import file and its fate.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportEntry {
    /// 0-based order of the entry in the file.
    index: usize,
    /// 1-based line, for a list of URLs.
    line: Option<usize>,
    /// The peer's id of the entry (changedetection.io's watch uuid, an
    /// exported monitor's id).
    source_id: Option<String>,
    outcome: ImportOutcome,
    /// Why it is skipped or refused.
    reason: Option<String>,
    /// The monitor's name as it would be created.
    name: Option<String>,
    url: String,
    selectors: Vec<ExportedSelector>,
    interval_seconds: Option<i32>,
    /// The monitor created (a confirmed run), or the existing one it
    /// duplicates.
    monitor_id: Option<Uuid>,
    /// What the import changed to fit (an interval clamped to the minimum).
    notes: Vec<String>,
    /// The team's tags it gets, by name (created when the team lacks them).
    tags: Vec<String>,
    /// The entry's fields Lookout does not import, by the peer's names.
    ignored_fields: Vec<String>,
}

/// The fate of every entry of an import file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    #[schema(value_type = ImportFormat)]
    format: &'static str,
    /// True when nothing was written.
    dry_run: bool,
    /// Entries created (in a dry run: that would be).
    created: usize,
    skipped: usize,
    refused: usize,
    /// Tags the team lacked, created (in a dry run: that would be) for
    /// the entries created, as the file spells them.
    tags_created: Vec<String>,
    /// Every field of the file ignored by at least one entry.
    ignored_fields: Vec<String>,
    /// What a ZIP archive holds besides `url-watches.json`, not imported.
    archive_ignored: Vec<String>,
    entries: Vec<ImportEntry>,
}

/// A step of a streamed import (`Accept: application/x-ndjson`), one JSON
/// object per line. Phases come in this order; a dry run has no
/// `creating`; the last line is `done` or `failed`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum ImportProgressLine {
    /// The distinct destinations (scheme, host, port) checked so far.
    CheckingDestinations { done: usize, total: usize },
    /// Entries validated so far.
    Validating { done: usize, total: usize },
    /// Monitors inserted so far (a confirmed run; committed only at the end).
    Creating { done: usize, total: usize },
    /// The import's report, as the plain JSON answer has it.
    Done { report: ImportReport },
    /// Nothing was imported: the error, as an error body has it.
    Failed { error: StreamedError },
}

/// A changedetection.io backup ZIP, as the request body of an import.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ArchiveFile(#[allow(dead_code, reason = "documentation only")] Vec<u8>);

/// An error ending a streamed import.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamedError {
    /// As the error's HTTP answer would have it (`internal_error`, …).
    code: &'static str,
    message: String,
    request_id: Option<String>,
}

/// Imports monitors into a team from a file: a list of URLs (one per
/// line, `#` comments), changedetection.io's `url-watches.json` or its
/// backup ZIP, urlwatch/webchanges `urls.yaml`, or Lookout's own export.
///
/// The body is the file itself: a text file of at most 16 MiB and 10,000
/// entries, or a changedetection.io backup ZIP of at most 64 MiB (its
/// `url-watches.json` read, at most 16 MiB inflated and 100,000 entries in
/// the archive; the rest named in `archive_ignored`). A dry run (the
/// default) reports, per entry, what would be created, skipped (a monitor
/// of the team, or an earlier entry, has the same URL and selectors) or
/// refused (an invalid URL, a blocked destination, a selector that does not
/// parse, over the team's `monitors` quota), with the fields of the file
/// that are not imported and the tags that would be created. An interval
/// below the deployment's minimum is raised to it (noted on the entry).
/// `dry_run=false` creates every entry reported `created`, its tags and
/// their links in one transaction, under the team lock monitor creation
/// takes, and answers the same report with the new ids.
///
/// With `Accept: application/x-ndjson` the answer is 200 at once and a
/// stream of [`ImportProgressLine`]s, one JSON object per line, ending with
/// `done` (the report) or `failed` (the error; nothing was imported).
/// An import may take up to 10 minutes; a replica runs 4 at once.
#[utoipa::path(post, path = "/api/v1/teams/{id}/import", tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ImportQuery,
        ("Accept" = Option<String>, Header,
            description = "`application/x-ndjson` streams the progress")),
    request_body(description = "The file", content(
        (String = "text/plain"),
        (String = "text/uri-list"),
        (String = "application/yaml"),
        (String = "application/json"),
        (ArchiveFile = "application/zip"))),
    responses(
        (status = 200, description = "The report; or, with `Accept: application/x-ndjson`, \
            one ImportProgressLine per line ending with `done` or `failed`", content(
            (ImportReport = "application/json"),
            (ImportProgressLine = "application/x-ndjson"))),
        (status = 404, description = "No such team among the caller's"),
        (status = 413, description = "Larger than 64 MiB; a text file (or the url-watches.json \
            of a ZIP) larger than 16 MiB; a ZIP of more than 100,000 entries"),
        (status = 422, description = "Not a file of the format, a ZIP without url-watches.json, \
            over 10,000 entries, or an unknown `format`"),
        (status = 503, description = "`busy`: this replica runs 4 imports already; \
            `Retry-After` says when to retry",
            headers(("Retry-After" = u64, description = "Seconds")))))]
#[allow(clippy::too_many_arguments, reason = "an axum handler's extractors")]
async fn import_monitors(
    user: CurrentUser,
    State(store): State<Store>,
    State(rules): State<Arc<Rules>>,
    State(secret_box): State<SecretBox>,
    State(slots): State<ImportSlots>,
    context: AuditContext,
    Path(team_id): Path<Uuid>,
    Query(query): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let dry_run = query.dry_run.unwrap_or(true);
    // Membership first: a stranger learns nothing about the file.
    store
        .caller_team(user.id, Some(team_id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let slot = slots.take()?;
    let (format, file, archive_ignored) = read_body(&query, &headers, &body)?;
    drop(body);
    let job = ImportJob {
        user,
        store,
        rules,
        secret_box,
        context,
        team_id,
        format,
        dry_run,
        file,
        archive_ignored,
    };
    if !wants_ndjson(&headers) {
        let report = tokio::time::timeout(IMPORT_DEADLINE, job.run(&|_| {}))
            .await
            .map_err(|_| ApiError::RequestTimeout)??;
        drop(slot);
        return Ok(Json(report).into_response());
    }
    let (sender, receiver) = mpsc::unbounded_channel::<ImportProgressLine>();
    let request_id = mesh::context::current_request_id();
    let task = {
        let request_id = request_id.clone();
        async move {
            // Held until the import ends, not until the answer's headers.
            let _slot = slot;
            let progress = |line: ImportProgressLine| {
                // A client that went away stops reading; the import still
                // commits or rolls back as one.
                let _ = sender.send(line);
            };
            let last = match tokio::time::timeout(IMPORT_DEADLINE, job.run(&progress)).await {
                Ok(Ok(report)) => ImportProgressLine::Done { report },
                Ok(Err(error)) => failed(&error, request_id),
                Err(_) => failed(&ApiError::RequestTimeout, request_id),
            };
            progress(last);
        }
    };
    let task = task.instrument(tracing::Span::current());
    tokio::spawn(async move {
        match request_id {
            Some(id) => mesh::context::with_request_id(id, task).await,
            None => task.await,
        }
    });
    let lines = futures::stream::unfold(receiver, |mut receiver| async move {
        let line = receiver.recv().await?;
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        Some((Ok::<_, Infallible>(Bytes::from(bytes)), receiver))
    });
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(NDJSON)),
            // nginx passes each line on as it comes.
            (
                header::HeaderName::from_static("x-accel-buffering"),
                HeaderValue::from_static("no"),
            ),
        ],
        Body::from_stream(lines),
    )
        .into_response())
}

/// Whether the client asked for the progress stream.
fn wants_ndjson(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(NDJSON))
        })
}

/// The last line of a failed stream; an internal error's detail is logged
/// here, as the request's log line would have it.
fn failed(error: &ApiError, request_id: Option<String>) -> ImportProgressLine {
    let message = match error {
        ApiError::Internal(detail) => {
            tracing::error!(%detail, "a streamed import failed");
            "an internal error occurred".to_owned()
        }
        other => {
            tracing::warn!(error = %other, "a streamed import failed");
            other.to_string()
        }
    };
    ImportProgressLine::Failed {
        error: StreamedError {
            code: error.code(),
            message,
            request_id,
        },
    }
}

/// The file of an import, its format and, for a ZIP, what else it held.
fn read_body(
    query: &ImportQuery,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Format, ImportFile, Vec<String>), ApiError> {
    let (text, archive_ignored, from_archive) = if archive::is_zip(body) {
        let backup = archive::read_backup(body).map_err(|error| match error {
            ArchiveError::TooLarge(message) => ApiError::TooLarge(message),
            ArchiveError::Unreadable(message) => ApiError::field("body", message),
        })?;
        (backup.watches, backup.ignored, true)
    } else {
        if body.len() > MAX_IMPORT_TEXT_BYTES {
            return Err(ApiError::TooLarge(format!(
                "a text file may be at most {} MiB (a ZIP archive {} MiB)",
                MAX_IMPORT_TEXT_BYTES / (1024 * 1024),
                MAX_IMPORT_BYTES / (1024 * 1024)
            )));
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::field("body", "the file must be UTF-8 text"))?;
        (text.to_owned(), Vec::new(), false)
    };
    let format = match query.format.as_deref() {
        Some(name) => Format::parse(name).ok_or_else(|| {
            ApiError::field(
                "format",
                "must be urls, changedetection, urlwatch or lookout",
            )
        })?,
        None if from_archive => Format::Changedetection,
        None => headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(Format::from_media_type)
            .unwrap_or_else(|| Format::detect(&text)),
    };
    if from_archive && format != Format::Changedetection {
        return Err(ApiError::field(
            "format",
            "a ZIP archive is read as a changedetection.io backup",
        ));
    }
    let file = transfer::read(format, &text).map_err(|error| ApiError::field("body", error.0))?;
    Ok((format, file, archive_ignored))
}

/// An import, once its file is read: everything [`ImportJob::run`] needs,
/// owned, so that a streamed import runs after its answer began.
struct ImportJob {
    user: CurrentUser,
    store: Store,
    rules: Arc<Rules>,
    secret_box: SecretBox,
    context: AuditContext,
    team_id: Uuid,
    format: Format,
    dry_run: bool,
    file: ImportFile,
    archive_ignored: Vec<String>,
}

/// Calls `progress` for the first and last step and about every
/// `total / PROGRESS_STEPS` in between.
fn worth_reporting(done: usize, total: usize) -> bool {
    let step = (total / PROGRESS_STEPS).max(1);
    done == 0 || done == total || done.is_multiple_of(step)
}

impl ImportJob {
    async fn run(
        self,
        progress: &(dyn Fn(ImportProgressLine) + Send + Sync),
    ) -> Result<ImportReport, ApiError> {
        let Self {
            user,
            store,
            rules,
            secret_box,
            context,
            team_id,
            format,
            dry_run,
            file,
            archive_ignored,
        } = self;
        let candidates = file.candidates;
        let channels = if candidates.iter().any(|c| !c.channels.is_empty()) {
            store.list_channels(user.id, Some(team_id)).await?
        } else {
            Vec::new()
        };
        let destinations = check_destinations(&rules, &candidates, &|done, total| {
            if worth_reporting(done, total) {
                progress(ImportProgressLine::CheckingDestinations { done, total });
            }
        })
        .await;
        let total = candidates.len();
        progress(ImportProgressLine::Validating { done: 0, total });
        let mut planned = Vec::with_capacity(total);
        for candidate in candidates {
            planned.push(plan(&rules, &secret_box, &destinations, &channels, candidate).await);
            let done = planned.len();
            if worth_reporting(done, total) {
                progress(ImportProgressLine::Validating { done, total });
            }
        }
        let items: Vec<ImportItem> = planned
            .iter_mut()
            .filter_map(|entry| entry.item.take())
            .collect();
        let colours = tag_colours(&file.tag_colours);
        let on_batch = |step: ImportProgress| {
            progress(ImportProgressLine::Creating {
                done: step.created,
                total: step.total,
            });
        };
        let result = store
            .import_monitors(user.id, team_id, &items, &colours, !dry_run, &on_batch)
            .await?
            .ok_or(ApiError::NotFound)?;
        let report = report(format, dry_run, planned, result, archive_ignored);
        if !dry_run && report.created > 0 {
            audit::record(
                &store,
                &context,
                (&user).into(),
                "monitors.imported",
                Some(&team_id.to_string()),
                json!({
                    "format": format.as_str(),
                    "created": report.created,
                    "skipped": report.skipped,
                    "refused": report.refused,
                    "tags_created": report.tags_created.len(),
                }),
            )
            .await;
        }
        Ok(report)
    }
}

/// The colours a file gives its tags, by name in lower case; a colour that
/// is not `#rrggbb` is left to the default.
fn tag_colours(given: &[(String, String)]) -> TagColours {
    given
        .iter()
        .filter_map(|(name, value)| Some((name.trim().to_lowercase(), colour(value).ok()?)))
        .collect()
}

/// An entry after validation: the monitor to create, or why not.
struct Planned {
    entry: ImportEntry,
    /// Taken for the store; `None` once taken or when refused.
    item: Option<ImportItem>,
    /// Whether the entry reached the store (not refused here).
    to_store: bool,
}

/// The destination verdict of every distinct scheme, host and port in the
/// file: `Err` with the guard's words when it is refused.
type Destinations = HashMap<String, Result<(), String>>;

fn destination_key(url: &url::Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// Checks every distinct destination once; `progress(done, total)` hears
/// of each verdict.
async fn check_destinations(
    rules: &Rules,
    candidates: &[Candidate],
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Destinations {
    let mut hosts: HashMap<String, String> = HashMap::new();
    for candidate in candidates {
        if let Ok(url) = netguard::parse_url(candidate.url.trim()) {
            hosts
                .entry(destination_key(&url))
                .or_insert_with(|| url.to_string());
        }
    }
    let total = hosts.len();
    progress(0, total);
    let mut verdicts = futures::stream::iter(hosts)
        .map(|(key, url)| async move {
            let verdict = checked_destination(&rules.destination_policy, &url)
                .await
                .map(|_| ());
            (key, verdict)
        })
        .buffer_unordered(HOST_CHECKS_AT_ONCE);
    let mut destinations = Destinations::with_capacity(total);
    while let Some((key, verdict)) = verdicts.next().await {
        destinations.insert(key, verdict);
        if destinations.len() < total {
            progress(destinations.len(), total);
        }
    }
    // The last step, also when there was nothing to check.
    if total > 0 {
        progress(total, total);
    }
    destinations
}

/// A name for an entry without one: the URL without its scheme.
fn name_from_url(url: &url::Url) -> String {
    let mut name = format!("{}{}", url.host_str().unwrap_or_default(), url.path());
    if name.ends_with('/') {
        name.pop();
    }
    name.chars().take(monitor::MAX_NAME).collect()
}

async fn plan(
    rules: &Rules,
    secret_box: &SecretBox,
    destinations: &Destinations,
    channels: &[Channel],
    mut candidate: Candidate,
) -> Planned {
    let mut entry = ImportEntry {
        index: candidate.position.index,
        line: candidate.position.line,
        source_id: candidate.position.source_id.clone(),
        outcome: ImportOutcome::Refused,
        reason: None,
        name: candidate.name.clone(),
        url: candidate.url.trim().to_owned(),
        selectors: candidate
            .selectors
            .iter()
            .map(|(kind, expression)| ExportedSelector {
                kind: kind.as_str().to_owned(),
                expression: expression.clone(),
            })
            .collect(),
        interval_seconds: None,
        monitor_id: None,
        notes: Vec::new(),
        tags: Vec::new(),
        ignored_fields: Vec::new(),
    };
    let result = definition(rules, secret_box, destinations, channels, &mut candidate).await;
    entry.ignored_fields = candidate.ignored;
    match result {
        Ok(Defined {
            definition,
            channel_ids,
            tag_names,
            notes,
        }) => {
            entry.name = Some(definition.name.clone());
            entry.url = definition.url.clone();
            entry.interval_seconds = Some(definition.interval_seconds);
            entry.notes = notes;
            entry.tags = tag_names.clone();
            entry.outcome = ImportOutcome::Created;
            Planned {
                entry,
                item: Some(ImportItem {
                    definition,
                    channel_ids,
                    tag_names,
                }),
                to_store: true,
            }
        }
        Err(reason) => {
            entry.reason = Some(reason);
            Planned {
                entry,
                item: None,
                to_store: false,
            }
        }
    }
}

/// A valid entry: the monitor it defines, its channels and tags, and what
/// was changed to fit.
struct Defined {
    definition: MonitorDefinition,
    channel_ids: Vec<Uuid>,
    tag_names: Vec<String>,
    notes: Vec<String>,
}

/// What an entry defines; `Err` with the reason it is refused.
async fn definition(
    rules: &Rules,
    secret_box: &SecretBox,
    destinations: &Destinations,
    channels: &[Channel],
    candidate: &mut Candidate,
) -> Result<Defined, String> {
    if let Some(problem) = candidate.problem.take() {
        return Err(problem);
    }
    let url = netguard::parse_url(candidate.url.trim())
        .map_err(|error| format!("invalid URL: {error}"))?;
    match destinations.get(&destination_key(&url)) {
        Some(Ok(())) => {}
        Some(Err(reason)) => return Err(format!("blocked destination: {reason}")),
        None => return Err("the destination was not checked".to_owned()),
    }
    let name = candidate
        .name
        .as_deref()
        .map(|name| name.chars().take(monitor::MAX_NAME).collect::<String>())
        .and_then(|name| domain::name(&name, monitor::MAX_NAME).ok())
        .unwrap_or_else(|| name_from_url(&url));
    let mut selectors: [Option<String>; 5] = Default::default();
    for (kind, expression) in &candidate.selectors {
        let checked = monitor::selector(*kind, Some(expression))
            .map_err(|error| format!("{} {expression:?}: {error}", kind.label()))?;
        let slot = Kind::ALL.iter().position(|k| k == kind).unwrap_or_default();
        selectors[slot] = checked;
    }
    let [css_selector, xpath, json_pointer, json_path, jq_filter] = selectors;
    let condition =
        monitor::condition(&candidate.condition).map_err(|error| format!("condition: {error}"))?;
    let mut notes = Vec::new();
    let asked = candidate
        .interval_seconds
        .unwrap_or_else(|| monitor::default_interval_seconds(rules));
    let min = i64::from(rules.min_interval_seconds);
    let interval = asked.clamp(min, monitor::MAX_INTERVAL_SECONDS);
    if interval != asked {
        notes.push(format!(
            "interval {asked} s changed to {interval} s (allowed: {min} s to 30 days)"
        ));
    }
    let interval_seconds = monitor::interval_seconds(rules, interval)?;
    let headers = monitor::headers(std::mem::take(&mut candidate.headers))
        .map_err(|error| format!("headers: {error}"))?;
    let headers = sealed_headers(secret_box, headers, &[])
        .map_err(|_| "headers could not be sealed".to_owned())?;
    let settings = std::mem::take(&mut candidate.settings);
    let wait_for = render_options::wait_for(settings.wait_for.as_deref())
        .map_err(|error| format!("wait_for: {error}"))?;
    let mut first_check = FirstCheck::default();
    if let Some(value) = &settings.first_check {
        match FirstCheck::parse(value) {
            Some(parsed) => first_check = parsed,
            None => candidate.ignore(format!("first_check ({value} is not a choice)")),
        }
    }
    let mut fail_policy = FailPolicy::default();
    if let Some(value) = &settings.fail_policy {
        match FailPolicy::parse(value) {
            Some(parsed) => fail_policy = parsed,
            None => candidate.ignore(format!("fail_policy ({value} is not a choice)")),
        }
    }
    let mut screenshot = Screenshot::default();
    if let Some(value) = &settings.screenshot {
        match Screenshot::parse(value) {
            Some(parsed) => screenshot = parsed,
            None => candidate.ignore(format!("screenshot ({value} is not a choice)")),
        }
    }
    let failure_alert_after = monitor::failure_alert_after(
        settings
            .failure_alert_after
            .unwrap_or(monitor::DEFAULT_FAILURE_ALERT_AFTER),
    )
    .map_err(|error| format!("failure_alert_after: {error}"))?;
    let steps = if settings.steps.is_empty() {
        Vec::new()
    } else {
        let mut problems = domain::Problems::default();
        let inputs = settings
            .steps
            .into_iter()
            .map(|step| render_options::StepInput {
                action: step.action,
                selector: step.selector,
                value: step.value,
                ms: step.ms,
            })
            .collect();
        let steps = render_options::steps(rules, &mut problems, inputs).await;
        match (problems.finish(), steps) {
            (Ok(()), Some(steps)) => render_options::seal_steps(secret_box, steps, &[])
                .map_err(|_| "steps could not be sealed".to_owned())?,
            (Err(error), _) => return Err(error.to_string()),
            (Ok(()), None) => return Err("steps: invalid".to_owned()),
        }
    };
    let channel_ids = channel_links(channels, candidate);
    let tag_names = tag_names(candidate);
    let definition = MonitorDefinition {
        name,
        url: url.into(),
        css_selector,
        json_pointer,
        xpath,
        json_path,
        jq_filter,
        condition,
        interval_seconds,
        render: candidate.render,
        headers,
        wait_for,
        cookies: Vec::new(),
        steps,
        paused: candidate.paused,
        first_check,
        fail_policy,
        failure_alert_after,
        screenshot,
        // Linked by name in the import's transaction (`tag_names`).
        tag_ids: Vec::new(),
    };
    Ok(Defined {
        definition,
        channel_ids,
        tag_names,
        notes,
    })
}

/// The entry's tag names, trimmed, once each whatever the case; a name
/// that cannot be a tag is reported as ignored.
fn tag_names(candidate: &mut Candidate) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in std::mem::take(&mut candidate.tags) {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > MAX_TAG_NAME {
            candidate.ignore(format!(
                "tags ({name} is longer than {MAX_TAG_NAME} characters)"
            ));
            continue;
        }
        let key = name.to_lowercase();
        if !names.iter().any(|held| held.to_lowercase() == key) {
            names.push(name.to_owned());
        }
    }
    names
}

/// The team's channels an entry names, by id, else by name; others are
/// reported as ignored.
fn channel_links(channels: &[Channel], candidate: &mut Candidate) -> Vec<Uuid> {
    let mut linked = Vec::new();
    for reference in std::mem::take(&mut candidate.channels) {
        let by_id = reference
            .id
            .and_then(|id| channels.iter().find(|channel| channel.id == id));
        let by_name = || {
            let name = reference.name.as_deref()?;
            let mut named = channels.iter().filter(|channel| channel.name == name);
            match (named.next(), named.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        };
        match by_id.or_else(by_name) {
            Some(channel) => linked.push(channel.id),
            None => candidate.ignore(format!(
                "channels ({} is not a channel of this team)",
                reference
                    .name
                    .or(reference.id.map(|id| id.to_string()))
                    .unwrap_or_default()
            )),
        }
    }
    linked
}

fn report(
    format: Format,
    dry_run: bool,
    planned: Vec<Planned>,
    result: store::transfer::ImportResult,
    archive_ignored: Vec<String>,
) -> ImportReport {
    let mut fates = result.fates.into_iter();
    let mut entries = Vec::with_capacity(planned.len());
    // New ids to the entry that claimed them, for duplicates within the file.
    let mut created_by: HashMap<Uuid, String> = HashMap::new();
    for planned in planned {
        let mut entry = planned.entry;
        if planned.to_store {
            match fates.next() {
                Some(ImportFate::Created(id)) => {
                    // As the file and the UI count: its line, else its place from 1.
                    let place = match entry.line {
                        Some(line) => format!("line {line}"),
                        None => format!("entry #{}", entry.index + 1),
                    };
                    created_by.insert(id, place);
                    entry.outcome = ImportOutcome::Created;
                    entry.monitor_id = (!dry_run).then_some(id);
                }
                Some(ImportFate::Duplicate(id)) => {
                    entry.outcome = ImportOutcome::Skipped;
                    entry.tags.clear();
                    match created_by.get(&id) {
                        Some(earlier) => {
                            entry.reason = Some(format!(
                                "duplicate of {earlier} of this file (same URL and selectors)"
                            ));
                            entry.monitor_id = (!dry_run).then_some(id);
                        }
                        None => {
                            entry.reason = Some(
                                "duplicate of a monitor of this team (same URL and selectors)"
                                    .to_owned(),
                            );
                            entry.monitor_id = Some(id);
                        }
                    }
                }
                Some(ImportFate::OverQuota(limit)) => {
                    entry.outcome = ImportOutcome::Refused;
                    entry.tags.clear();
                    entry.reason = Some(format!(
                        "over the team's monitors quota ({limit}): delete monitors or ask an administrator to raise it"
                    ));
                }
                None => {
                    entry.outcome = ImportOutcome::Refused;
                    entry.reason = Some("not decided".to_owned());
                }
            }
        }
        entries.push(entry);
    }
    let count = |outcome| entries.iter().filter(|e| e.outcome == outcome).count();
    let mut ignored_fields: Vec<String> = Vec::new();
    for entry in &entries {
        for field in &entry.ignored_fields {
            if !ignored_fields.contains(field) {
                ignored_fields.push(field.clone());
            }
        }
    }
    ImportReport {
        format: format.as_str(),
        dry_run,
        created: count(ImportOutcome::Created),
        skipped: count(ImportOutcome::Skipped),
        refused: count(ImportOutcome::Refused),
        tags_created: result.tags_created,
        ignored_fields,
        archive_ignored,
        entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_url_without_scheme() {
        let url = url::Url::parse("https://shop.example/laptops/?q=1").unwrap();
        assert_eq!(name_from_url(&url), "shop.example/laptops");
        let root = url::Url::parse("https://shop.example/").unwrap();
        assert_eq!(name_from_url(&root), "shop.example");
    }

    #[test]
    fn a_replica_runs_a_bounded_number_of_imports_and_says_when_to_retry() {
        let slots = ImportSlots::default();
        let held: Vec<_> = (0..IMPORTS_AT_ONCE)
            .map(|_| slots.take().unwrap())
            .collect();
        match slots.take() {
            Err(ApiError::Busy {
                retry_after_seconds,
                message,
            }) => {
                assert_eq!(retry_after_seconds, BUSY_RETRY_AFTER_SECONDS);
                assert!(message.contains("imports"), "{message}");
            }
            other => panic!("expected busy, got {:?}", other.map(|_| ())),
        }
        drop(held);
        assert!(slots.take().is_ok(), "a finished import frees its slot");
    }

    #[test]
    fn the_stream_is_asked_for_by_its_media_type() {
        let mut headers = HeaderMap::new();
        assert!(!wants_ndjson(&headers));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, application/x-ndjson;q=0.9"),
        );
        assert!(wants_ndjson(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        assert!(!wants_ndjson(&headers));
    }

    #[test]
    fn progress_is_reported_about_fifty_times_a_phase() {
        let reported = (0..=10_000)
            .filter(|done| worth_reporting(*done, 10_000))
            .count();
        assert_eq!(reported, 51);
        assert!((0..=3).all(|done| worth_reporting(done, 3)));
    }

    #[test]
    fn tag_names_are_trimmed_once_each_and_valid() {
        let mut candidate = Candidate {
            tags: vec![
                " Shop ".to_owned(),
                "shop".to_owned(),
                String::new(),
                "x".repeat(41),
                "Deals".to_owned(),
            ],
            ..Candidate::default()
        };
        assert_eq!(tag_names(&mut candidate), ["Shop", "Deals"]);
        assert_eq!(candidate.ignored.len(), 1);
        assert!(candidate.ignored[0].contains("longer than 40"));
    }
}
