//! Claiming due monitors and recording the result of a check.
//!
//! Architecture Invariant: a claim is a short lease with a token. Claiming
//! pushes `next_check_at` forward by the lease and writes a fresh
//! `lease_token` under `FOR UPDATE SKIP LOCKED`, so concurrent schedulers
//! never claim the same monitor. The claimer renews its leases while the
//! checks run ([`Store::renew_leases`], matched on the token), and a check
//! is recorded only while the monitor still holds its token
//! ([`Store::record_check`]), so a replica that dies mid-check loses its
//! claim within one lease, and a check whose lease another replica took
//! over is never recorded twice.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Statement;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;
use uuid::Uuid;

use crate::checks::VerdictDetails;
use crate::error::{QueryContext, StoreError};
use crate::monitors::{MONITOR_COLUMNS, Monitor};
use crate::pool::Store;

/// What started a check; stored in `checks.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckReason {
    Schedule,
    Manual,
    Hook,
}

impl CheckReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Manual => "manual",
            Self::Hook => "hook",
        }
    }

    /// The reason for a claim, from the `requested_reason` the claim cleared.
    fn from_requested(requested: Option<&str>) -> Self {
        match requested {
            Some("manual") => Self::Manual,
            Some("hook") => Self::Hook,
            _ => Self::Schedule,
        }
    }
}

/// A monitor this replica holds a lease on.
#[derive(Debug, Clone)]
pub struct ClaimedMonitor {
    /// The monitor as it is after the claim (`requested_reason` cleared).
    pub monitor: Monitor,
    pub reason: CheckReason,
    /// This claim's token: renewing the lease and recording the check
    /// succeed only while the monitor still holds it.
    pub lease_token: Uuid,
    /// The monitor's latest snapshot as the claim found it: the check
    /// compares the page's hash with it. Only the lease holder records
    /// snapshots, so it stays the latest while the claim is held.
    pub previous: Option<SnapshotHead>,
}

/// A lease held while its check runs, as [`Store::renew_leases`] takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    pub monitor_id: Uuid,
    pub token: Uuid,
}

/// The latest snapshot of a monitor without its text: what a check compares
/// first (the text is read only when the hash differs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotHead {
    pub id: Uuid,
    pub text_sha256: String,
    /// The page's ETag and Last-Modified as the browser service handed them
    /// out with this text (opaque), for a conditional fetch.
    pub validators: Option<String>,
}

/// New validators for the snapshot an unchanged check kept (the page's
/// ETag changed while its text did not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotValidators {
    pub snapshot_id: Uuid,
    pub validators: Option<String>,
}

/// A snapshot to store with a check.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    pub text_sha256: String,
    pub text: String,
    /// The page's validators, opaque (see [`SnapshotHead::validators`]).
    pub validators: Option<String>,
}

/// One check as recorded; `status` is `ok` or the failure kind.
#[derive(Debug, Clone, Default)]
pub struct NewCheck {
    pub id: Uuid,
    /// The token of the claim this check ran under: the check is recorded
    /// only while the monitor still holds it (else [`StoreError::LeaseLost`]).
    /// `None` records without a claim, which only tests and tools do.
    pub lease_token: Option<Uuid>,
    pub monitor_id: Uuid,
    pub team_id: Uuid,
    pub reason: &'static str,
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
    pub verdict: VerdictDetails,
    /// This check starts a failing alert or ends one with a recovered alert.
    pub failure_alert: Option<FailureAlert>,
    /// For a recovered alert: after what the monitor works again.
    pub recovered_note: Option<String>,
    /// The blob key of the screenshot kept with this check.
    pub screenshot_sha256: Option<String>,
    /// Set by an unchanged check whose page came with other validators
    /// than its snapshot keeps: they replace the stored ones.
    pub snapshot_validators: Option<SnapshotValidators>,
}

impl NewCheck {
    /// Whether this check can fold into the monitor's latest history entry
    /// ([`extend_latest_run`]): a scheduled check that stored, judged,
    /// alerted and kept nothing. Manual and hook checks always get a row of
    /// their own, so whoever asked for one sees it in the history.
    fn may_repeat_latest(&self) -> bool {
        self.reason == CheckReason::Schedule.as_str()
            && !self.baseline
            && !self.changed
            && !self.triggered
            && self.summary.is_none()
            && self.diff.is_none()
            && self.judge.is_none()
            && self.verdict.unjudged_reason.is_none()
            && !self.verdict.unjudged_notice
            && self.failure_alert.is_none()
            && self.recovered_note.is_none()
            && self.screenshot_sha256.is_none()
    }
}

/// A change of the monitor's failing state that its channels hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAlert {
    /// The failed checks in a row reached the monitor's `failure_alert_after`.
    Failing,
    /// A check succeeded after a failing alert (or a judged change after a
    /// notice that changes could not be judged).
    Recovered,
}

impl FailureAlert {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failing => "failing",
            Self::Recovered => "recovered",
        }
    }
}

/// What a check teaches about the monitor's state condition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConditionMemory {
    /// Nothing was judged (or the verdict was not trusted): keep what is stored.
    #[default]
    Keep,
    /// Store whether the condition held; `None` forgets (an event condition has no state).
    Set(Option<bool>),
}

/// Whether the check asked the judge and got an answer; counts unjudged changes in a row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Judging {
    /// Nothing to judge (the page did not change, or could not be fetched).
    #[default]
    NotAsked,
    /// A verdict arrived: the unjudged streak ends.
    Judged,
    /// The judge could not answer: the streak grows.
    Unjudged,
}

/// How the monitor moves on after a check.
#[derive(Debug, Clone, Copy)]
pub struct MonitorOutcome {
    /// Success resets `consecutive_failures`; failure increments it.
    pub succeeded: bool,
    pub condition: ConditionMemory,
    pub judging: Judging,
    /// Delay from now to the next scheduled check. Ignored when a "run now"
    /// arrived during the check, so that request is not lost.
    pub next_check_in: Duration,
}

/// What [`Store::record_check`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCheck {
    /// The history entry the check went to: its own row, or the run of
    /// repeated checks it extended.
    pub check_id: Uuid,
    pub snapshot_id: Option<Uuid>,
    /// Outbox rows written (one per enabled channel of the monitor).
    pub deliveries: u64,
}

/// A finished check waiting to be recorded ([`Store::record_checks`]).
#[derive(Debug, Clone)]
pub struct CheckToRecord {
    pub check: NewCheck,
    /// The new text to store; `None` keeps the previous snapshot current.
    pub snapshot: Option<NewSnapshot>,
    pub outcome: MonitorOutcome,
}

/// The statement [`Store::claim_due_monitors`] runs, with `$1` the limit and
/// `$2` the lease in milliseconds. Public so a test can check its plan on a
/// large table (`EXPLAIN` of the very statement the scheduler sends).
pub fn claim_statement() -> String {
    // The CTE keeps the old requested_reason: UPDATE … RETURNING only
    // sees the new row, where the claim has already cleared it. The
    // WHERE clause matches the predicate of `monitors_claimable`
    // (migration 70) word for word, so the claim walks that index in
    // order and stops after `limit` rows however many are due. Each
    // claimed monitor's latest snapshot head comes along (one probe of
    // `snapshots_monitor_seen`), which spares every check a query.
    format!(
        "WITH due AS (
                 SELECT id, requested_reason AS claimed_reason FROM monitors
                 WHERE (NOT paused OR requested_reason IS NOT NULL)
                   AND next_check_at <= now()
                 ORDER BY next_check_at
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED
             ),
             claimed AS (
                 UPDATE monitors AS m
                 SET next_check_at = now() + $2::double precision * interval '1 millisecond',
                     requested_reason = NULL,
                     lease_token = gen_random_uuid()
                 FROM due
                 WHERE m.id = due.id
                 RETURNING due.claimed_reason, m.lease_token AS claimed_lease_token, {columns}
             )
             SELECT claimed.*, head.id AS head_id, encode(head.text_sha256, 'hex') AS head_text_sha256,
                    head.validators AS head_validators
             FROM claimed
             LEFT JOIN LATERAL (
                 SELECT s.id, s.text_sha256, s.validators FROM snapshots s
                 WHERE s.monitor_id = claimed.id
                 ORDER BY s.last_seen_at DESC, s.id DESC
                 LIMIT 1
             ) head ON true",
        columns = prefixed_monitor_columns("m")
    )
}

impl Store {
    /// Claims up to `limit` due monitors, leasing each for `lease`. A
    /// monitor is due when its time has come and it is not paused, or when
    /// someone asked for a run (even while paused).
    pub async fn claim_due_monitors(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<ClaimedMonitor>, StoreError> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        let statement = prepared(&client, &claim_statement()).await?;
        let rows = client
            .query(&statement, &[&limit, &millis(lease)])
            .await
            .context("claiming due monitors")?;
        Ok(rows
            .iter()
            .map(|row| {
                let claimed: Option<String> = row.get("claimed_reason");
                let head_id: Option<Uuid> = row.get("head_id");
                ClaimedMonitor {
                    monitor: Monitor::from_row(row),
                    reason: CheckReason::from_requested(claimed.as_deref()),
                    lease_token: row.get("claimed_lease_token"),
                    previous: head_id.map(|id| SnapshotHead {
                        id,
                        text_sha256: row.get("head_text_sha256"),
                        validators: row.get("head_validators"),
                    }),
                }
            })
            .collect())
    }

    /// Renews the leases of checks in flight, in one statement: each
    /// monitor still holding its claim's token is hidden for another
    /// `lease`. A lease whose token is gone (recorded, given back, or
    /// expired and taken by another scheduler) is left alone. Answers how
    /// many were renewed.
    pub async fn renew_leases(&self, leases: &[Lease], lease: Duration) -> Result<u64, StoreError> {
        if leases.is_empty() {
            return Ok(0);
        }
        let (monitors, tokens): (Vec<Uuid>, Vec<Uuid>) = leases
            .iter()
            .map(|lease| (lease.monitor_id, lease.token))
            .unzip();
        let client = self.client().await?;
        let statement = prepared(
            &client,
            "UPDATE monitors AS m
                 SET next_check_at = now() + $3::double precision * interval '1 millisecond'
                 FROM unnest($1::uuid[], $2::uuid[]) AS held (monitor_id, token)
                 WHERE m.id = held.monitor_id AND m.lease_token = held.token",
        )
        .await?;
        client
            .execute(&statement, &[&monitors, &tokens, &millis(lease)])
            .await
            .context("renewing claim leases")
    }

    /// Gives a claimed monitor back without recording a check: the check met
    /// an outage of our own (browser or llm down), which says nothing about
    /// the page. The monitor is due again after `retry_in`, keeps its failure
    /// count and schedule, and a "run now" or hook request is restored so
    /// it still runs (even when paused). Only while the claim's lease is
    /// still held: a claim another scheduler took over is its own.
    pub async fn defer_claim(
        &self,
        team_id: Uuid,
        claim: &ClaimedMonitor,
        retry_in: Duration,
    ) -> Result<(), StoreError> {
        let requested = match claim.reason {
            CheckReason::Schedule => None,
            CheckReason::Manual | CheckReason::Hook => Some(claim.reason.as_str()),
        };
        let client = self.client().await?;
        let statement = prepared(
            &client,
            "UPDATE monitors
                 SET next_check_at = now() + $3::double precision * interval '1 millisecond',
                     requested_reason = COALESCE(requested_reason, $4),
                     lease_token = NULL
                 WHERE id = $1 AND team_id = $2 AND lease_token = $5",
        )
        .await?;
        client
            .execute(
                &statement,
                &[
                    &claim.monitor.id,
                    &team_id,
                    &millis(retry_in),
                    &requested,
                    &claim.lease_token,
                ],
            )
            .await
            .context("deferring a claimed monitor")?;
        Ok(())
    }

    /// The id and hash of a monitor's most recent snapshot (the one seen
    /// last: a content the page came back to is reused, see
    /// [`Store::record_check`]), without its text: a check compares hashes
    /// first. Pruning never deletes it (`store::retention`). The claim
    /// reads the same head with the monitor ([`ClaimedMonitor::previous`]).
    pub async fn latest_snapshot_head(
        &self,
        team_id: Uuid,
        monitor_id: Uuid,
    ) -> Result<Option<SnapshotHead>, StoreError> {
        let client = self.client().await?;
        let statement = prepared(
            &client,
            "SELECT s.id, encode(s.text_sha256, 'hex') AS text_sha256, s.validators
                 FROM snapshots s JOIN monitors m ON m.id = s.monitor_id
                 WHERE s.monitor_id = $1 AND m.team_id = $2
                 ORDER BY s.last_seen_at DESC, s.id DESC
                 LIMIT 1",
        )
        .await?;
        let row = client
            .query_opt(&statement, &[&monitor_id, &team_id])
            .await
            .context("reading the latest snapshot's hash")?;
        Ok(row.map(|row| SnapshotHead {
            id: row.get("id"),
            text_sha256: row.get("text_sha256"),
            validators: row.get("validators"),
        }))
    }

    /// The text of one snapshot of a monitor of `team_id`: read only when
    /// the page's hash differs from it (for the diff and the judge).
    pub async fn snapshot_text(
        &self,
        team_id: Uuid,
        monitor_id: Uuid,
        snapshot_id: Uuid,
    ) -> Result<String, StoreError> {
        snapshot_text(&self.client().await?, team_id, monitor_id, snapshot_id).await
    }

    /// Records a check in one transaction: the snapshot (if any; a content
    /// the monitor stored before is reused and becomes its latest), the check
    /// row, one pending delivery per enabled channel when it triggered (the
    /// outbox), and the monitor's new state. Either all of it is stored or
    /// none of it.
    ///
    /// Returns [`StoreError::NotFound`] when the monitor was deleted while
    /// the check ran, and [`StoreError::LeaseLost`] when the check carries a
    /// lease token the monitor no longer holds (its lease expired and
    /// another claim took it): then nothing is written, so a monitor's check
    /// is recorded once however the leases went.
    pub async fn record_check(
        &self,
        check: &NewCheck,
        snapshot: Option<&NewSnapshot>,
        outcome: MonitorOutcome,
    ) -> Result<RecordedCheck, StoreError> {
        let mut recorded = self
            .record_together(&[CheckRef {
                check,
                snapshot,
                outcome,
            }])
            .await?;
        recorded.pop().ok_or_else(|| StoreError::Data {
            context: "recording a check",
            detail: "no result for the check".to_owned(),
        })?
    }

    /// Records a batch of finished checks in one transaction, each as
    /// [`Store::record_check`] would, and answers each one's result in
    /// order. The checks' statements are pipelined on one connection and
    /// their snapshots and rows go in one statement each, so a batch costs
    /// PostgreSQL one commit and a handful of round trips instead of a
    /// transaction per check. A check whose lease was lost or whose monitor
    /// is gone is refused alone, as it writes nothing; any other failure
    /// rolls the batch back and records its checks one by one, so one bad
    /// check never costs the others. The batch's monitors must be distinct
    /// (a claim leases each to one check at a time).
    pub async fn record_checks(
        &self,
        batch: &[CheckToRecord],
    ) -> Vec<Result<RecordedCheck, StoreError>> {
        if batch.len() > 1 {
            let checks: Vec<CheckRef<'_>> = batch
                .iter()
                .map(|each| CheckRef {
                    check: &each.check,
                    snapshot: each.snapshot.as_ref(),
                    outcome: each.outcome,
                })
                .collect();
            match self.record_together(&checks).await {
                Ok(results) => return results,
                Err(error) => tracing::warn!(
                    %error,
                    checks = batch.len(),
                    "a batch of checks could not be recorded together; recording them one by one"
                ),
            }
        }
        let mut results = Vec::with_capacity(batch.len());
        for each in batch {
            results.push(
                self.record_check(&each.check, each.snapshot.as_ref(), each.outcome)
                    .await,
            );
        }
        results
    }

    /// Writes `checks` ([`write_checks`]) in one transaction and commits
    /// it, whether one check or a batch.
    async fn record_together(
        &self,
        checks: &[CheckRef<'_>],
    ) -> Result<Vec<Result<RecordedCheck, StoreError>>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting to record checks")?;
        let results = write_checks(&transaction, checks).await?;
        transaction
            .commit()
            .await
            .context("committing recorded checks")?;
        Ok(results)
    }

    /// Whether the schema is complete: every migration this build knows has
    /// been applied (by the gateway). The scheduler waits for it instead of
    /// migrating itself, and never runs against a half-migrated schema,
    /// where its claims would also race the migrations for table locks.
    pub async fn schema_ready(&self) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT to_regclass('public.schema_migrations') IS NOT NULL",
                &[],
            )
            .await
            .context("looking for the schema")?;
        if !row.get::<_, bool>(0) {
            return Ok(false);
        }
        let row = client
            .query_one(
                "SELECT COALESCE(max(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .context("reading the schema version")?;
        Ok(row.get::<_, i32>(0) >= crate::migrations::latest_version())
    }
}

/// One check to write, borrowed from its caller.
#[derive(Clone, Copy)]
struct CheckRef<'a> {
    check: &'a NewCheck,
    snapshot: Option<&'a NewSnapshot>,
    outcome: MonitorOutcome,
}

/// Writes checks of distinct monitors inside `transaction` and answers
/// each one's result in order, in four steps that each go to PostgreSQL
/// together: every monitor's new state (which takes its lock, in monitor
/// order: the order in which a bulk change's `FOR NO KEY UPDATE` locks
/// monitors), then every new snapshot in one statement, every check row
/// that needs one in one `COPY`, and the checks' model use and outbox rows.
/// A statement per batch instead of per check saves PostgreSQL its
/// per-statement work (protocol, executor start, a call of each
/// `monitor_usage` counting trigger, whose upserts stay one per monitor).
/// A refused check ([`refused`]) is answered as such
/// and nothing of it is written; any other failure fails the whole call.
async fn write_checks(
    transaction: &Transaction<'_>,
    checks: &[CheckRef<'_>],
) -> Result<Vec<Result<RecordedCheck, StoreError>>, StoreError> {
    let mut order: Vec<usize> = (0..checks.len()).collect();
    order.sort_by_key(|&index| checks[index].check.monitor_id);
    let states = futures::future::join_all(
        order
            .iter()
            .map(|&index| write_state(transaction, checks[index])),
    )
    .await;
    let mut written = Vec::with_capacity(checks.len());
    let mut results = Vec::with_capacity(checks.len());
    for (index, state) in order.into_iter().zip(states) {
        match state {
            Ok(state) => written.push((index, state)),
            Err(error) if refused(&error) => results.push((index, Err(error))),
            Err(error) => return Err(error),
        }
    }
    let snapshot_ids = insert_snapshots(transaction, checks, &mut written).await?;
    let rows: Vec<_> = written
        .iter()
        .zip(&snapshot_ids)
        .filter(|((_, state), _)| state.extended_run.is_none())
        .map(|(&(index, _), &snapshot_id)| (checks[index].check, snapshot_id))
        .collect();
    insert_checks(transaction, &rows).await?;
    let follow_ups = futures::future::join_all(written.iter().zip(&snapshot_ids).map(
        |(&(index, ref state), &snapshot_id)| {
            write_follow_ups(transaction, checks[index].check, state, snapshot_id)
        },
    ))
    .await;
    for ((index, _), recorded) in written.iter().zip(follow_ups) {
        results.push((*index, Ok(recorded?)));
    }
    results.sort_by_key(|(index, _)| *index);
    Ok(results.into_iter().map(|(_, result)| result).collect())
}

/// What [`write_state`] found and wrote of a check.
struct StateWritten {
    /// For a check with a new snapshot: the keyframe of the monitor's
    /// latest snapshot, if it has one ([`current_keyframe`]).
    keyframe: Option<crate::snapshot_text::Keyframe>,
    /// The run of repeated checks the check joined; `None` when it needs a
    /// row of its own ([`insert_checks`]).
    extended_run: Option<Uuid>,
}

/// The first step of writing a check: the monitor's new state first (which
/// takes its lock), then what its snapshot will be stored against,
/// refreshed validators, and the run of repeated checks it extends, if it
/// can. [`StoreError::LeaseLost`] and [`StoreError::NotFound`] come only
/// from its first statement, before anything of the check is written.
async fn write_state(
    transaction: &Transaction<'_>,
    each: CheckRef<'_>,
) -> Result<StateWritten, StoreError> {
    let CheckRef {
        check,
        snapshot,
        outcome,
    } = each;
    update_checked_monitor(transaction, check, outcome).await?;
    let keyframe = match snapshot {
        Some(_) => current_keyframe(transaction, check.monitor_id).await?,
        None => None,
    };
    if let Some(refreshed) = &check.snapshot_validators {
        refresh_validators(transaction, check, refreshed).await?;
    }
    let extended_run = match snapshot {
        None if check.may_repeat_latest() => extend_latest_run(transaction, check).await?,
        _ => None,
    };
    Ok(StateWritten {
        keyframe,
        extended_run,
    })
}

/// The last step of writing a check, once its row is in: its model use,
/// and one pending delivery per enabled channel when it triggered (the
/// outbox rows reference the check's row).
async fn write_follow_ups(
    transaction: &Transaction<'_>,
    check: &NewCheck,
    state: &StateWritten,
    snapshot_id: Option<Uuid>,
) -> Result<RecordedCheck, StoreError> {
    crate::budgets::count_model_use(transaction, check).await?;
    let deliveries = queue_deliveries(transaction, check).await?;
    Ok(RecordedCheck {
        check_id: state.extended_run.unwrap_or(check.id),
        snapshot_id,
        deliveries,
    })
}

/// A check refused without a failure: its lease is no longer its own, or
/// its monitor is gone. Nothing of it was written, so the rest of its batch
/// stands.
fn refused(error: &StoreError) -> bool {
    matches!(error, StoreError::LeaseLost | StoreError::NotFound)
}

/// Why the checked monitor's update matched no row:
/// [`StoreError::NotFound`] when the monitor is gone,
/// [`StoreError::LeaseLost`] when its lease token is no longer the check's.
async fn unrecorded(transaction: &Transaction<'_>, check: &NewCheck) -> StoreError {
    let still_there = transaction
        .query_opt(
            "SELECT 1 FROM monitors WHERE id = $1 AND team_id = $2",
            &[&check.monitor_id, &check.team_id],
        )
        .await
        .context("looking up a monitor whose check was not recorded");
    match still_there {
        Ok(None) => StoreError::NotFound,
        Ok(Some(_)) => StoreError::LeaseLost,
        Err(error) => error,
    }
}

/// Stores the written checks' new snapshots in one statement and answers
/// each written check's snapshot id, in `written`'s order (`None` for a
/// check without one). A content a monitor stored before is reused
/// (`snapshots_monitor_content`: one row per monitor and content); either
/// way it becomes the monitor's latest. `last_seen_at` is the check's end,
/// moved past the monitor's newest snapshot when a scheduler's clock lags,
/// so the latest is always the one recorded last. The monitors' locks
/// (taken by [`write_state`]) order this against other checks of them. A
/// new text is stored as a delta against the monitor's current keyframe
/// when that is small ([`crate::snapshot_text::store`]); each keyframe is
/// dropped once used, as it holds a whole page's text.
async fn insert_snapshots(
    transaction: &Transaction<'_>,
    checks: &[CheckRef<'_>],
    written: &mut [(usize, StateWritten)],
) -> Result<Vec<Option<Uuid>>, StoreError> {
    let mut columns = SnapshotColumns::default();
    for (index, state) in written.iter_mut() {
        let CheckRef {
            check,
            snapshot: Some(snapshot),
            ..
        } = checks[*index]
        else {
            continue;
        };
        let keyframe = state.keyframe.take();
        let stored = crate::snapshot_text::store(&snapshot.text, keyframe.as_ref())?;
        columns.id.push(Uuid::now_v7());
        columns.monitor_id.push(check.monitor_id);
        columns.text_sha256.push(snapshot.text_sha256.as_str());
        columns.text_zstd.push(stored.compressed);
        columns.text_bytes.push(stored.length);
        columns.seen_at.push(check.finished_at);
        columns.validators.push(snapshot.validators.as_deref());
        columns.base_id.push(stored.base_id);
    }
    let mut stored_for = HashMap::with_capacity(columns.id.len());
    if !columns.id.is_empty() {
        let statement = prepared(
            transaction,
            "INSERT INTO snapshots AS s (id, monitor_id, text_sha256, text_zstd, text_bytes,
                     created_at, last_seen_at, validators, base_id)
                 SELECT n.id, n.monitor_id, decode(n.text_sha256, 'hex'), n.text_zstd,
                     n.text_bytes, n.seen_at,
                     GREATEST(n.seen_at, (SELECT max(o.last_seen_at) + interval '1 microsecond'
                                            FROM snapshots o WHERE o.monitor_id = n.monitor_id)),
                     n.validators, n.base_id
                 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bytea[], $5::int4[],
                             $6::timestamptz[], $7::text[], $8::uuid[])
                     AS n (id, monitor_id, text_sha256, text_zstd, text_bytes, seen_at,
                           validators, base_id)
                 ON CONFLICT (monitor_id, text_sha256) DO UPDATE
                    SET last_seen_at = EXCLUDED.last_seen_at, validators = EXCLUDED.validators
                 RETURNING s.id, s.monitor_id",
        )
        .await?;
        let rows = transaction
            .query(
                &statement,
                &[
                    &columns.id,
                    &columns.monitor_id,
                    &columns.text_sha256,
                    &columns.text_zstd,
                    &columns.text_bytes,
                    &columns.seen_at,
                    &columns.validators,
                    &columns.base_id,
                ],
            )
            .await
            .context("storing snapshots")?;
        for row in rows {
            stored_for.insert(row.get::<_, Uuid>("monitor_id"), row.get::<_, Uuid>("id"));
        }
    }
    written
        .iter()
        .map(|&(index, _)| {
            let CheckRef {
                check, snapshot, ..
            } = checks[index];
            match snapshot {
                None => Ok(None),
                Some(_) => stored_for
                    .get(&check.monitor_id)
                    .copied()
                    .map(Some)
                    .ok_or_else(|| StoreError::Data {
                        context: "storing snapshots",
                        detail: "a snapshot came back without its row".to_owned(),
                    }),
            }
        })
        .collect()
}

/// The new snapshots of a batch, a column each ([`insert_snapshots`]).
#[derive(Default)]
struct SnapshotColumns<'a> {
    id: Vec<Uuid>,
    monitor_id: Vec<Uuid>,
    text_sha256: Vec<&'a str>,
    text_zstd: Vec<Vec<u8>>,
    text_bytes: Vec<i32>,
    seen_at: Vec<DateTime<Utc>>,
    validators: Vec<Option<&'a str>>,
    base_id: Vec<Option<Uuid>>,
}

/// The keyframe of the monitor's latest snapshot (the latest itself when it
/// is stored whole): what its next text is stored against. Rows from before
/// migration 210 are no keyframe (their text is not compressed), so the
/// next text after one is stored whole and becomes the keyframe.
async fn current_keyframe(
    transaction: &Transaction<'_>,
    monitor_id: Uuid,
) -> Result<Option<crate::snapshot_text::Keyframe>, StoreError> {
    let statement = prepared(
        transaction,
        "SELECT k.id, k.text_zstd, k.text_bytes
             FROM (SELECT coalesce(l.base_id, l.id) AS id FROM snapshots l
                    WHERE l.monitor_id = $1
                    ORDER BY l.last_seen_at DESC, l.id DESC LIMIT 1) latest
             JOIN snapshots k ON k.id = latest.id
             WHERE k.text_zstd IS NOT NULL AND k.base_id IS NULL",
    )
    .await?;
    let Some(row) = transaction
        .query_opt(&statement, &[&monitor_id])
        .await
        .context("reading the monitor's keyframe")?
    else {
        return Ok(None);
    };
    let compressed: &[u8] = row.get("text_zstd");
    Ok(Some(crate::snapshot_text::Keyframe {
        id: row.get("id"),
        text: crate::snapshot_text::decompress(compressed, row.get("text_bytes"))?,
        stored_bytes: compressed.len(),
    }))
}

async fn refresh_validators(
    transaction: &Transaction<'_>,
    check: &NewCheck,
    refreshed: &SnapshotValidators,
) -> Result<(), StoreError> {
    let statement = prepared(
        transaction,
        "UPDATE snapshots SET validators = $3 WHERE id = $1 AND monitor_id = $2",
    )
    .await?;
    transaction
        .execute(
            &statement,
            &[
                &refreshed.snapshot_id,
                &check.monitor_id,
                &refreshed.validators,
            ],
        )
        .await
        .context("refreshing a snapshot's validators")?;
    Ok(())
}

/// Folds a check into the monitor's latest history entry when that entry
/// is a run of the same outcome (the same page hash, status, HTTP status
/// and error, itself a check that could fold): its count grows and its end
/// moves to this check's. Returns the entry's id, or `None` when the latest
/// entry is something else and the check needs a row of its own. The
/// monitor's lock (taken first by [`write_state`]) orders this
/// against the monitor's other checks, so a run's count is exact.
async fn extend_latest_run(
    transaction: &Transaction<'_>,
    check: &NewCheck,
) -> Result<Option<Uuid>, StoreError> {
    let statement = prepared(
        transaction,
        "UPDATE checks c SET repeats = c.repeats + 1,
                 repeated_until = GREATEST($3, c.finished_at, c.repeated_until)
             WHERE c.id = (SELECT l.id FROM checks l WHERE l.monitor_id = $1
                            ORDER BY l.started_at DESC, l.id DESC LIMIT 1)
               AND c.monitor_id = $1 AND c.team_id = $2
               AND c.reason = 'schedule' AND NOT c.baseline AND NOT c.changed
               AND NOT c.triggered AND c.summary IS NULL AND c.diff IS NULL AND c.diff_zstd IS NULL
               AND c.judge IS NULL AND c.unjudged_reason IS NULL AND NOT c.unjudged_notice
               AND c.failure_alert IS NULL AND c.recovered_note IS NULL
               AND c.screenshot_sha256 IS NULL
               AND c.status = $4 AND c.http_status IS NOT DISTINCT FROM $5
               AND c.content_sha256 IS NOT DISTINCT FROM decode($6, 'hex')
               AND c.error IS NOT DISTINCT FROM $7
             RETURNING c.id",
    )
    .await?;
    let row = transaction
        .query_opt(
            &statement,
            &[
                &check.monitor_id,
                &check.team_id,
                &check.finished_at,
                &check.status,
                &check.http_status,
                &check.content_sha256,
                &check.error,
            ],
        )
        .await
        .context("extending the monitor's latest run of checks")?;
    Ok(row.map(|row| row.get("id")))
}

/// The check rows of a batch, in one `COPY`: a row costs PostgreSQL its
/// heap and index entries, foreign key checks and its monitor's usage
/// upsert, while the statement — protocol, executor start, the counting
/// trigger's call — is paid once per batch instead of once per check.
async fn insert_checks(
    transaction: &Transaction<'_>,
    rows: &[(&NewCheck, Option<Uuid>)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let statement = prepared(
        transaction,
        "COPY checks (id, monitor_id, team_id, reason, status, http_status,
                 content_sha256, snapshot_id, baseline, changed, triggered, summary,
                 reason_text, extracted_value, confidence, judge, diff_zstd, error, fetch_ms,
                 judge_ms, duration_ms, started_at, finished_at, condition_kind,
                 condition_holds, first_alert, evidence_excerpt, verification,
                 verification_problem, judge_cached, prompt_tokens, completion_tokens,
                 unjudged_reason, unjudged_notice, failure_alert, recovered_note,
                 screenshot_sha256)
             FROM STDIN (FORMAT binary)",
    )
    .await?;
    let sink = transaction
        .copy_in(&statement)
        .await
        .context("starting to record checks")?;
    let writer = BinaryCopyInWriter::new(sink, CHECK_COLUMN_TYPES);
    futures::pin_mut!(writer);
    for (check, snapshot_id) in rows {
        let content_sha256 = check
            .content_sha256
            .as_deref()
            .map(sha256_bytes)
            .transpose()?;
        let diff_zstd = crate::stored_diff::compress(check.diff.as_deref())?;
        writer
            .as_mut()
            .write(&[
                &check.id,
                &check.monitor_id,
                &check.team_id,
                &check.reason,
                &check.status,
                &check.http_status,
                &content_sha256,
                snapshot_id,
                &check.baseline,
                &check.changed,
                &check.triggered,
                &check.summary,
                &check.reason_text,
                &check.extracted_value,
                &check.confidence,
                &check.judge,
                &diff_zstd,
                &check.error,
                &check.fetch_ms,
                &check.judge_ms,
                &check.duration_ms,
                &check.started_at,
                &check.finished_at,
                &check.verdict.condition_kind,
                &check.verdict.condition_holds,
                &check.verdict.first_alert,
                &check.verdict.evidence_excerpt,
                &check.verdict.verification,
                &check.verdict.verification_problem,
                &check.verdict.cached,
                &check.verdict.prompt_tokens,
                &check.verdict.completion_tokens,
                &check.verdict.unjudged_reason,
                &check.verdict.unjudged_notice,
                &check.failure_alert.map(FailureAlert::as_str),
                &check.recovered_note,
                &check.screenshot_sha256,
            ])
            .await
            .context("recording a check")?;
    }
    writer.finish().await.context("recording checks")?;
    Ok(())
}

/// The types of the columns [`insert_checks`] copies, in its order.
const CHECK_COLUMN_TYPES: &[Type] = &[
    Type::UUID,
    Type::UUID,
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::INT4,
    Type::BYTEA,
    Type::UUID,
    Type::BOOL,
    Type::BOOL,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::FLOAT4,
    Type::TEXT,
    Type::BYTEA,
    Type::TEXT,
    Type::INT4,
    Type::INT4,
    Type::INT4,
    Type::TIMESTAMPTZ,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::BOOL,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::BOOL,
    Type::INT4,
    Type::INT4,
    Type::TEXT,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
];

/// A page hash as the scheduler hands it (hex), in the bytes the column
/// keeps (migration 240; its length is the column's constraint).
fn sha256_bytes(hex: &str) -> Result<Vec<u8>, StoreError> {
    hex::decode(hex).map_err(|error| StoreError::Data {
        context: "recording a check's page hash",
        detail: error.to_string(),
    })
}

/// One delivery per enabled channel of the monitor (the outbox), pending,
/// or held for the channel's next digest (see [`crate::digests`]),
/// when the check triggered, carries a notice, or starts or ends a failing
/// alert; how many were queued.
async fn queue_deliveries(
    transaction: &Transaction<'_>,
    check: &NewCheck,
) -> Result<u64, StoreError> {
    // A baseline check triggers only when its state condition already held and the
    // monitor's first-check rule lets it alert (decided by the scheduler).
    // A notice that judging fails and a failing alert go through the same
    // outbox; a recovered alert too, under a key of its own since the
    // same check may also have met the condition.
    let failure_alert = check.failure_alert;
    let primary_kind = if check.triggered {
        Some("triggered")
    } else if check.verdict.unjudged_notice || failure_alert == Some(FailureAlert::Failing) {
        Some("failing")
    } else {
        None
    };
    let recovered = (failure_alert == Some(FailureAlert::Recovered)).then_some("recovered");
    let mut deliveries = 0;
    for (kind, key_suffix) in [(primary_kind, ""), (recovered, ":recovered")] {
        let Some(kind) = kind else { continue };
        let statement = prepared(
            transaction,
            "INSERT INTO deliveries (id, check_id, channel_id, team_id, idempotency_key,
                     status, next_attempt_at, kind)
                 SELECT gen_random_uuid(), $1::uuid, c.id, c.team_id,
                     $1::uuid::text || ':' || c.id::text || $4::text,
                     CASE WHEN c.delivery = 'instant' THEN 'pending' ELSE 'held' END, now(), $5
                 FROM monitor_channels mc
                 JOIN channels c ON c.id = mc.channel_id
                 WHERE mc.monitor_id = $2 AND c.team_id = $3 AND c.enabled",
        )
        .await?;
        deliveries += transaction
            .execute(
                &statement,
                &[
                    &check.id,
                    &check.monitor_id,
                    &check.team_id,
                    &key_suffix,
                    &kind,
                ],
            )
            .await
            .context("queueing deliveries")?;
    }
    Ok(deliveries)
}

/// The monitor's state after the check: when it runs next, its failure and
/// unjudged streaks, and what is remembered of its condition. It runs first
/// in [`write_state`]: its row lock orders the transaction after a
/// concurrent delete or claim and holds until the commit, so no claim can
/// slip in before the check's rows are written. It matches only while the
/// check's claim still holds the monitor's lease ([`unrecorded`] says why
/// not otherwise).
async fn update_checked_monitor(
    transaction: &Transaction<'_>,
    check: &NewCheck,
    outcome: MonitorOutcome,
) -> Result<(), StoreError> {
    let statement = prepared(
        transaction,
        "UPDATE monitors SET
                 last_checked_at = $3,
                 last_status = $4,
                 last_triggered_at = CASE WHEN $5 THEN $3 ELSE last_triggered_at END,
                 consecutive_failures = CASE WHEN $6 THEN 0 WHEN $4 = $13 THEN consecutive_failures
                     ELSE consecutive_failures + 1 END,
                 -- A run-now request that arrived during the check runs next,
                 -- at once (the heartbeat may have pushed its time back).
                 next_check_at = CASE
                     WHEN requested_reason IS NULL
                     THEN now() + $7::double precision * interval '1 millisecond'
                     ELSE LEAST(next_check_at, now()) END,
                 lease_token = NULL,
                 condition_holds = CASE WHEN $8 THEN $9 ELSE condition_holds END,
                 unjudged_streak = CASE $10::text WHEN 'judged' THEN 0
                     WHEN 'unjudged' THEN unjudged_streak + 1 ELSE unjudged_streak END,
                 unjudged_notice_sent = CASE WHEN $10::text = 'judged' THEN false
                     WHEN $11 THEN true ELSE unjudged_notice_sent END,
                 failing_alert_sent = CASE WHEN $6 THEN false
                     WHEN $12::text = 'failing' THEN true ELSE failing_alert_sent END,
                 updated_at = now()
             WHERE id = $1 AND team_id = $2
               AND ($14::uuid IS NULL OR lease_token = $14)",
    )
    .await?;
    let updated = transaction
        .execute(
            &statement,
            &[
                &check.monitor_id,
                &check.team_id,
                &check.finished_at,
                &check.status,
                &check.triggered,
                &outcome.succeeded,
                &millis(outcome.next_check_in),
                &matches!(outcome.condition, ConditionMemory::Set(_)),
                &match outcome.condition {
                    ConditionMemory::Set(holds) => holds,
                    ConditionMemory::Keep => None,
                },
                &match outcome.judging {
                    Judging::NotAsked => "not_asked",
                    Judging::Judged => "judged",
                    Judging::Unjudged => "unjudged",
                },
                &check.verdict.unjudged_notice,
                &check.failure_alert.map(FailureAlert::as_str),
                &crate::quotas::RENDER_QUOTA_STATUS,
                &check.lease_token,
            ],
        )
        .await
        .context("updating the checked monitor")?;
    if updated == 0 {
        return Err(unrecorded(transaction, check).await);
    }
    Ok(())
}

/// [`Store::snapshot_text`] on a connection the caller holds, so that
/// [`crate::judging`] can send it with the other reads a change needs.
pub(crate) async fn snapshot_text(
    client: &deadpool_postgres::Client,
    team_id: Uuid,
    monitor_id: Uuid,
    snapshot_id: Uuid,
) -> Result<String, StoreError> {
    let statement = prepared(
        client,
        "SELECT s.text, s.text_zstd, s.text_bytes,
                k.text_zstd AS keyframe_zstd, k.text_bytes AS keyframe_bytes
             FROM snapshots s JOIN monitors m ON m.id = s.monitor_id
             LEFT JOIN snapshots k ON k.id = s.base_id
             WHERE s.id = $3 AND s.monitor_id = $1 AND m.team_id = $2",
    )
    .await?;
    let row = client
        .query_opt(&statement, &[&monitor_id, &team_id, &snapshot_id])
        .await
        .context("reading a snapshot's text")?
        .ok_or(StoreError::NotFound)?;
    // Rows written before migration 210 hold their text uncompressed.
    let Some(compressed) = row.get::<_, Option<&[u8]>>("text_zstd") else {
        return Ok(row.get("text"));
    };
    let keyframe = match row.get::<_, Option<&[u8]>>("keyframe_zstd") {
        Some(keyframe) => crate::snapshot_text::decompress(keyframe, row.get("keyframe_bytes"))?,
        None => String::new(),
    };
    crate::snapshot_text::decompress_against(compressed, row.get("text_bytes"), &keyframe)
}

/// A check-path statement, prepared once per pooled connection and reused
/// from its cache afterwards (ARCHITECTURE: the check path).
pub(crate) async fn prepared(
    client: &impl GenericClient,
    sql: &str,
) -> Result<Statement, StoreError> {
    client
        .prepare_cached(sql)
        .await
        .context("preparing a scheduling statement")
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn prefixed_monitor_columns(alias: &str) -> String {
    MONITOR_COLUMNS
        .split(',')
        .map(|column| format!("{alias}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
