//! One check of one claimed monitor: fetch → compare with the last snapshot
//! → judge only when the text changed → record the check, its snapshot and
//! its deliveries in one transaction (shared with the checks that finished
//! alongside, [`crate::recorder`]) → reschedule the monitor.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blob_store::BlobStore;
use bytes::Bytes;
use chrono::Utc;
use secrecy::SecretString;
use secret_box::SecretBox;
use store::Store;
use store::checks::VerdictDetails;
use store::judging::JudgingContext;
use store::monitors::{
    COOKIE_PURPOSE, FailPolicy, HEADER_PURPOSE, Monitor, RequestHeader, STEP_PURPOSE, Screenshot,
};
use store::scheduling::{
    CheckToRecord, ClaimedMonitor, ConditionMemory, FailureAlert, Judging, MonitorOutcome,
    NewCheck, NewSnapshot, SnapshotHead, SnapshotValidators,
};
use tokio::sync::Notify;
use tonic::Code;
use uuid::Uuid;

use crate::dependencies::{Dependencies, Dependency};
use crate::domain::{
    AlertDecision, CheckStatus, as_millis_i32, decide_alert, failure_backoff, failure_transition,
    next_regular_check, short_diff,
};
use crate::metrics::METRICS;
use crate::peers::{
    ConditionKind, FetchSpec, JudgeFailure, JudgeRequest, Page, Peers, Step, UnjudgedReason,
    Verdict,
};
use crate::politeness::HostGate;
use crate::recorder::Recorder;

/// How soon a check that met an outage of ours is due again. The claim
/// loop takes nothing while the service is down, so this only spreads the
/// restart a little.
const DEFERRED_RETRY: Duration = Duration::from_secs(1);

/// Everything a check needs; shared by all checks of the process.
pub struct CheckRunner {
    pub store: Store,
    /// Opens monitor header values just before the fetch that sends them.
    pub secret_box: SecretBox,
    pub peers: Peers,
    /// Keeps the screenshots of checks (content-addressed).
    pub blobs: BlobStore,
    pub hosts: HostGate,
    /// Records finished checks in batches (group commit).
    pub recorder: Recorder,
    /// Woken after a triggered check commits, so delivery starts at once.
    pub deliveries_due: Arc<Notify>,
    /// Unjudged changes in a row after which a `hold` monitor's owner is told once.
    pub unjudged_notice_after: u32,
    /// Tells a page's failure from an outage of browser or llm.
    pub dependencies: Arc<Dependencies>,
}

/// The end of a check: decided, or given back because a service of ours was down.
enum Checked {
    Decided(Decision),
    Deferred(Dependency),
}

/// What a check decided besides the check row itself.
struct Decision {
    /// The new text to store; `None` keeps the previous snapshot current.
    snapshot: Option<NewSnapshot>,
    /// Whether the page was fetched (resets the failure count).
    succeeded: bool,
    /// What the verdict teaches about the monitor's state condition.
    condition: ConditionMemory,
    judging: Judging,
    /// Not attempted (the team's renders of the hour are spent): neither a
    /// success nor a failure, so no backoff and no failing alert.
    skipped: bool,
}

impl CheckRunner {
    /// Runs and records one check. Failures to record are logged: the
    /// monitor's lease then expires and the check runs again.
    pub async fn run(&self, claim: ClaimedMonitor) {
        let monitor = &claim.monitor;
        let started_at = Utc::now();
        let clock = Instant::now();
        let mut check = NewCheck {
            id: Uuid::now_v7(),
            lease_token: Some(claim.lease_token),
            monitor_id: monitor.id,
            team_id: monitor.team_id,
            reason: claim.reason.as_str(),
            status: CheckStatus::Ok.as_str().to_owned(),
            started_at,
            finished_at: started_at,
            ..NewCheck::default()
        };
        let mut screenshot = Vec::new();
        let decided = self.decide(&claim, &mut check, &mut screenshot).await;
        let Decision {
            snapshot,
            succeeded,
            condition,
            judging,
            skipped,
        } = match decided {
            Ok(Checked::Decided(decision)) => decision,
            Ok(Checked::Deferred(dependency)) => {
                self.defer(&claim, dependency).await;
                return;
            }
            Err(error) => {
                tracing::error!(
                    monitor_id = %monitor.id,
                    team_id = %monitor.team_id,
                    %error,
                    "check aborted; it runs again when its lease expires"
                );
                return;
            }
        };
        let kept = self.keep_screenshot(monitor, &mut check, screenshot).await;
        check.finished_at = Utc::now();
        check.duration_ms = Some(as_millis_i32(clock.elapsed()));
        let interval = Duration::from_secs(u64::try_from(monitor.interval_seconds).unwrap_or(60));
        let next_check_in = if succeeded || skipped {
            next_regular_check(interval)
        } else {
            let failures = u32::try_from(monitor.consecutive_failures).unwrap_or(0) + 1;
            failure_backoff(interval, failures)
        };
        if !skipped {
            self.failure_alert(monitor, &mut check, succeeded, judging);
        }
        let outcome = MonitorOutcome {
            succeeded,
            condition,
            judging,
            next_check_in,
        };
        let record = CheckToRecord {
            check: check.clone(),
            snapshot,
            outcome,
        };
        match self.recorder.record(record).await {
            Ok(recorded) => {
                tracing::info!(
                    monitor_id = %check.monitor_id,
                    team_id = %check.team_id,
                    check_id = %recorded.check_id,
                    reason = check.reason,
                    status = %check.status,
                    http_status = check.http_status,
                    baseline = check.baseline,
                    changed = check.changed,
                    triggered = check.triggered,
                    deliveries = recorded.deliveries,
                    fetch_ms = check.fetch_ms,
                    judge_ms = check.judge_ms,
                    duration_ms = check.duration_ms,
                    next_check_in_ms = u64::try_from(next_check_in.as_millis()).unwrap_or(u64::MAX),
                    "check finished"
                );
                if recorded.deliveries > 0 {
                    self.deliveries_due.notify_one();
                }
                if let Some(png) = kept {
                    self.confirm_screenshot(&check, png).await;
                }
            }
            Err(store::StoreError::NotFound) => {
                tracing::info!(
                    monitor_id = %check.monitor_id,
                    team_id = %check.team_id,
                    "monitor deleted during its check; result dropped"
                );
            }
            Err(store::StoreError::LeaseLost) => {
                tracing::warn!(
                    monitor_id = %check.monitor_id,
                    team_id = %check.team_id,
                    "the check's lease ran out and another claim took the monitor; result dropped"
                );
            }
            Err(error) => {
                tracing::error!(
                    monitor_id = %check.monitor_id,
                    team_id = %check.team_id,
                    %error,
                    "could not record a check; it runs again when its lease expires"
                );
            }
        }
    }

    /// Gives the monitor back untouched: its check met our outage, not the page's.
    async fn defer(&self, claim: &ClaimedMonitor, dependency: Dependency) {
        let monitor = &claim.monitor;
        METRICS
            .deferred
            .with_label_values(&[dependency.as_str(), "check"])
            .inc();
        tracing::info!(
            monitor_id = %monitor.id,
            team_id = %monitor.team_id,
            service = dependency.as_str(),
            "check put back: the {} service is down; the monitor is not charged",
            dependency.as_str()
        );
        if let Err(error) = self
            .store
            .defer_claim(monitor.team_id, claim, DEFERRED_RETRY)
            .await
        {
            tracing::warn!(
                monitor_id = %monitor.id,
                %error,
                "could not put a check back; it runs again when its lease expires"
            );
        }
    }

    /// Stores the render's screenshot when the monitor keeps one for this
    /// check (every check, or a baseline or change), and names it in the
    /// check. A store that fails costs the screenshot, never the check.
    /// Answers the image kept, for [`Self::confirm_screenshot`].
    async fn keep_screenshot(
        &self,
        monitor: &Monitor,
        check: &mut NewCheck,
        png: Vec<u8>,
    ) -> Option<Bytes> {
        let wanted = match monitor.screenshot {
            Screenshot::Never => false,
            Screenshot::OnChange => check.baseline || check.changed,
            Screenshot::EveryCheck => true,
        };
        if !wanted || png.is_empty() {
            return None;
        }
        let png = Bytes::from(png);
        match self.blobs.put(png.clone()).await {
            Ok(key) => {
                check.screenshot_sha256 = Some(key);
                Some(png)
            }
            Err(error) => {
                tracing::warn!(
                    monitor_id = %monitor.id,
                    check_id = %check.id,
                    %error,
                    "screenshot not kept: the blob store failed"
                );
                None
            }
        }
    }

    /// Deleting a monitor deletes the blobs no other check references. A
    /// deletion that ran between our store and our commit may have taken
    /// the blob this check now references (same content, another monitor),
    /// so it is stored again if it went missing; `put` only looks when the
    /// blob is there.
    async fn confirm_screenshot(&self, check: &NewCheck, png: Bytes) {
        if let Err(error) = self.blobs.put(png).await {
            tracing::warn!(check_id = %check.id, %error, "screenshot not confirmed");
        }
    }

    /// Decides the failing or recovered alert this check raises, if any,
    /// and words it.
    fn failure_alert(
        &self,
        monitor: &Monitor,
        check: &mut NewCheck,
        succeeded: bool,
        judging: Judging,
    ) {
        let failures_in_a_row = if succeeded {
            0
        } else {
            monitor.consecutive_failures.saturating_add(1)
        };
        let transition = failure_transition(
            monitor.failure_alert_after,
            monitor.failing_alert_sent,
            succeeded,
            failures_in_a_row,
        );
        match transition {
            Some(FailureAlert::Failing) => {
                let cause = CheckStatus::describe_failure(
                    &check.status,
                    check.http_status,
                    check.error.as_deref().unwrap_or_default(),
                );
                check.summary = Some(format!(
                    "Failing: {cause} ({failures_in_a_row} failed checks in a row)."
                ));
                check.failure_alert = transition;
            }
            Some(FailureAlert::Recovered) => {
                let last_cause = CheckStatus::describe_failure(
                    monitor.last_status.as_deref().unwrap_or_default(),
                    None,
                    "",
                );
                check.recovered_note = Some(format!(
                    "Checks succeed again after {} failed in a row (last cause: {last_cause}).",
                    monitor.consecutive_failures
                ));
                check.failure_alert = transition;
            }
            None if judging == Judging::Judged && monitor.unjudged_notice_sent => {
                check.recovered_note =
                    Some("The judge answers again: changes are judged as before.".to_owned());
                check.failure_alert = Some(FailureAlert::Recovered);
            }
            None => {}
        }
    }

    /// Decides the check; a screenshot the render made is handed out in
    /// `screenshot` for [`Self::keep_screenshot`].
    async fn decide(
        &self,
        claim: &ClaimedMonitor,
        check: &mut NewCheck,
        screenshot: &mut Vec<u8>,
    ) -> Result<Checked, store::StoreError> {
        let monitor = &claim.monitor;
        // Steps and screenshots imply a render (the browser's `wants_render`).
        if monitor.render || !monitor.steps.is_empty() || monitor.screenshot != Screenshot::Never {
            match self.store.spend_render(monitor.team_id).await {
                Ok(()) => {}
                Err(store::StoreError::QuotaReached { limit, .. }) => {
                    // Not a plain fetch instead: its text differs from the
                    // rendered page's and would read as a change.
                    check.status = CheckStatus::RenderQuota.as_str().to_owned();
                    check.error = Some(format!(
                        "not checked: the team's {limit} renders of this hour are used; \
                         the next check renders again when the hour turns"
                    ));
                    let mut skipped = decision(None, false);
                    skipped.skipped = true;
                    return Ok(Checked::Decided(skipped));
                }
                Err(error) => return Err(error),
            }
        }
        // Hashes first: the previous text is read only when the page
        // changed, and the browser, told the previous hash (the claim
        // brought it), sends an unchanged page's hash without its text.
        let previous = claim.previous.as_ref();
        let mut page = match self.fetch_page(monitor, check, previous).await {
            ControlFlow::Continue(page) => page,
            ControlFlow::Break(checked) => return Ok(checked),
        };
        *screenshot = std::mem::take(&mut page.screenshot_png);
        check.http_status = i32::try_from(page.http_status).ok().filter(|s| *s != 0);
        check.content_sha256 = Some(page.text_sha256.clone());
        if let Some(head) = previous
            && head.text_sha256 == page.text_sha256
        {
            let validators = non_empty(std::mem::take(&mut page.validators));
            if validators != head.validators {
                check.snapshot_validators = Some(SnapshotValidators {
                    snapshot_id: head.id,
                    validators,
                });
            }
            return Ok(Checked::Decided(decision(None, true)));
        }
        // The previous text (for the diff), the budget and the rated alerts
        // (for the judge) in one round trip.
        let context = self
            .store
            .judging_context(
                monitor.team_id,
                monitor.id,
                previous.map(|head| head.id),
                RATED_EXAMPLES,
            )
            .await?;
        match &context.previous_text {
            Some(text) => {
                check.changed = true;
                check.diff = Some(short_diff(text, &page.text));
            }
            None => check.baseline = true,
        }
        self.judge_change(monitor, check, &page, context).await
    }

    /// Opens the monitor's secrets and fetches its page, or ends the check:
    /// secrets that cannot be opened, a page that failed, or a browser
    /// service that is down (then the check is deferred, not charged).
    async fn fetch_page(
        &self,
        monitor: &Monitor,
        check: &mut NewCheck,
        previous: Option<&SnapshotHead>,
    ) -> ControlFlow<Checked, Page> {
        let (headers, cookies, steps) = match open_secrets(&self.secret_box, monitor) {
            Ok(opened) => opened,
            Err(error) => {
                tracing::error!(
                    monitor_id = %monitor.id,
                    %error,
                    "cannot open the monitor's header, cookie or step values; is a key missing from SECRETS_KEYS?"
                );
                check.status = CheckStatus::InternalError.as_str().to_owned();
                check.error = Some(
                    "the monitor's header, cookie or step values cannot be decrypted; edit the monitor and enter them again"
                        .to_owned(),
                );
                return ControlFlow::Break(Checked::Decided(decision(None, false)));
            }
        };
        let spec = FetchSpec {
            url: monitor.url.clone(),
            css_selector: monitor.css_selector.clone(),
            json_pointer: monitor.json_pointer.clone(),
            xpath: monitor.xpath.clone(),
            json_path: monitor.json_path.clone(),
            jq_filter: monitor.jq_filter.clone(),
            headers,
            render: monitor.render,
            wait_for: monitor.wait_for.clone(),
            cookies,
            steps,
            screenshot: monitor.screenshot != Screenshot::Never,
            previous_content_hash: previous.map(|head| head.text_sha256.clone()),
            previous_validators: previous.and_then(|head| head.validators.clone()),
        };
        let fetched = {
            let _permit = self.hosts.enter(&monitor.url).await;
            let fetch_clock = Instant::now();
            let fetched = self.peers.fetch(&spec).await;
            check.fetch_ms = Some(as_millis_i32(fetch_clock.elapsed()));
            fetched
        };
        match fetched {
            Ok(page) => ControlFlow::Continue(page),
            Err(failure) => {
                if let Some(code) = failure.rpc_code
                    && self.browser_is_down(code).await
                {
                    return ControlFlow::Break(Checked::Deferred(Dependency::Browser));
                }
                check.status = failure.status.as_str().to_owned();
                check.http_status = failure.http_status.and_then(|s| i32::try_from(s).ok());
                check.error = Some(failure.detail);
                ControlFlow::Break(Checked::Decided(decision(None, false)))
            }
        }
    }

    /// Asks the judge about a changed page (or a first check) and decides
    /// the alert, unless the team is over its model budget or the judge
    /// cannot answer (the fail policy), or the llm service is down (deferred).
    async fn judge_change(
        &self,
        monitor: &Monitor,
        check: &mut NewCheck,
        page: &Page,
        context: JudgingContext,
    ) -> Result<Checked, store::StoreError> {
        let JudgingContext {
            previous_text,
            over_budget,
            rated_examples,
        } = context;
        let first_check = previous_text.is_none();
        let new_snapshot = NewSnapshot {
            text_sha256: page.text_sha256.clone(),
            text: page.text.clone(),
            validators: non_empty(page.validators.clone()),
        };
        if over_budget {
            let failure = JudgeFailure {
                reason: UnjudgedReason::OverBudget,
                // No call was made; the code only marks it as our decision, not an outage.
                code: Code::ResourceExhausted,
                message: "not sent to the model: the team's monthly model budget is used up"
                    .to_owned(),
            };
            return Ok(Checked::Decided(self.unjudged(
                monitor,
                check,
                failure,
                first_check,
                new_snapshot,
            )));
        }
        let request = JudgeRequest {
            condition: &monitor.condition,
            previous_text: previous_text.as_deref().unwrap_or_default(),
            current_text: &page.text,
            first_check,
            url: &monitor.url,
            monitor_id: monitor.id.to_string(),
            team_id: monitor.team_id.to_string(),
            rated_examples,
        };
        let (verdict, judge_ms) = self.judge(request).await;
        check.judge_ms = Some(judge_ms);
        match verdict {
            Ok(verdict) => {
                let decided = decide_alert(
                    first_check,
                    monitor.first_check,
                    monitor.condition_holds,
                    &verdict,
                );
                record_verdict(check, verdict, decided);
                Ok(Checked::Decided(Decision {
                    snapshot: Some(new_snapshot),
                    succeeded: true,
                    condition: decided.memory,
                    judging: Judging::Judged,
                    skipped: false,
                }))
            }
            Err(failure) if self.llm_is_down(failure.code).await => {
                // Nothing of this check is kept: the fetch is repeated when
                // the judge is back, which costs less than storing a text
                // that was never judged.
                Ok(Checked::Deferred(Dependency::Llm))
            }
            Err(failure) => Ok(Checked::Decided(self.unjudged(
                monitor,
                check,
                failure,
                first_check,
                new_snapshot,
            ))),
        }
    }
    /// Whether a failed Fetch call means the browser service is down rather
    /// than that it refused the request. The page's own failures come back
    /// as outcomes, never as a status, so an UNAVAILABLE answer is the
    /// browser's own; other codes are confirmed by its health check.
    async fn browser_is_down(&self, code: Code) -> bool {
        match code {
            Code::InvalidArgument | Code::PermissionDenied | Code::Unauthenticated => false,
            Code::Unavailable => {
                self.dependencies.confirm_down(Dependency::Browser).await;
                true
            }
            _ => self.dependencies.confirm_down(Dependency::Browser).await,
        }
    }

    /// Whether a failed Evaluate call means the llm service is down. The
    /// llm answers UNAVAILABLE also when its model is down, which is the
    /// judge being unavailable (the monitor's fail policy): only its health
    /// check tells the two apart.
    async fn llm_is_down(&self, code: Code) -> bool {
        matches!(
            code,
            Code::Unavailable | Code::Unknown | Code::Cancelled | Code::DeadlineExceeded
        ) && self.dependencies.confirm_down(Dependency::Llm).await
    }

    /// Applies the monitor's fail policy to a change the judge could not judge. Never silent:
    /// the check records why, and the owner hears about it as the policy says.
    fn unjudged(
        &self,
        monitor: &Monitor,
        check: &mut NewCheck,
        failure: JudgeFailure,
        first_check: bool,
        new_snapshot: NewSnapshot,
    ) -> Decision {
        check.status = CheckStatus::JudgeUnavailable.as_str().to_owned();
        check.error = Some(failure.message);
        check.verdict.unjudged_reason = Some(failure.reason.as_str().to_owned());
        let streak = u32::try_from(monitor.unjudged_streak).unwrap_or(0) + 1;
        let told = monitor.unjudged_notice_sent;
        tracing::warn!(
            monitor_id = %monitor.id,
            team_id = %monitor.team_id,
            reason = failure.reason.as_str(),
            policy = monitor.fail_policy.as_str(),
            streak,
            "a change could not be judged"
        );
        // A first check has no change to show, so it is always held.
        if monitor.fail_policy == FailPolicy::AlertAnyway && !first_check {
            check.triggered = true;
            check.summary = Some(format!(
                "{NOT_JUDGED} ({}): the page changed; see what changed below.",
                failure.reason.describe()
            ));
            // The alert went out, so this change is not judged again later.
            return Decision {
                snapshot: Some(new_snapshot),
                succeeded: true,
                condition: ConditionMemory::Keep,
                judging: Judging::Unjudged,
                skipped: false,
            };
        }
        let notice_due = !told
            && match monitor.fail_policy {
                FailPolicy::NotifyUnjudged => true,
                FailPolicy::Hold | FailPolicy::AlertAnyway => streak >= self.unjudged_notice_after,
            };
        if notice_due {
            check.verdict.unjudged_notice = true;
            check.summary = Some(format!(
                "Lookout could not judge the last {} of this page: {}. It keeps the change and \
                 judges it as soon as the model answers again.",
                if streak == 1 {
                    "change".to_owned()
                } else {
                    format!("{streak} changes")
                },
                failure.reason.describe()
            ));
        }
        // The new text is not stored, so the next check compares against the
        // same snapshot (or is again the first check) and judges this change
        // again. The page itself was fetched fine, so the monitor does not
        // back off.
        Decision {
            snapshot: None,
            succeeded: true,
            condition: ConditionMemory::Keep,
            judging: Judging::Unjudged,
            skipped: false,
        }
    }

    async fn judge(&self, request: JudgeRequest<'_>) -> (Result<Verdict, JudgeFailure>, i32) {
        let clock = Instant::now();
        let verdict = self.peers.evaluate(request).await;
        (verdict, as_millis_i32(clock.elapsed()))
    }
}

fn decision(snapshot: Option<NewSnapshot>, succeeded: bool) -> Decision {
    Decision {
        snapshot,
        succeeded,
        condition: ConditionMemory::Keep,
        judging: Judging::NotAsked,
        skipped: false,
    }
}

/// Rated alerts of a monitor given to the judge as labelled examples: enough to show a pattern,
/// few enough that the llm service's token bound for them is rarely reached.
const RATED_EXAMPLES: i64 = 4;

/// Said before the summary of an alert sent without a verdict (`alert_anyway`).
pub const NOT_JUDGED: &str = "Not judged";

/// Said before the summary of a first check that alerts because the state already held.
pub const ALREADY_TRUE: &str = "Already true when monitoring started";

fn record_verdict(check: &mut NewCheck, verdict: Verdict, decided: AlertDecision) {
    check.triggered = decided.alert;
    check.verdict = VerdictDetails {
        condition_kind: verdict.kind.map(|kind| kind.as_str().to_owned()),
        condition_holds: (verdict.kind == Some(ConditionKind::State)).then_some(verdict.holds),
        first_alert: decided.first_alert,
        evidence_excerpt: non_empty(verdict.evidence_excerpt),
        verification: verdict.verification.as_db().map(str::to_owned),
        verification_problem: non_empty(verdict.verification_problem),
        cached: verdict.cached,
        prompt_tokens: Some(i32::try_from(verdict.prompt_tokens).unwrap_or(i32::MAX)),
        completion_tokens: Some(i32::try_from(verdict.completion_tokens).unwrap_or(i32::MAX)),
        ..VerdictDetails::default()
    };
    check.summary = if decided.first_alert {
        Some(format!("{ALREADY_TRUE}: {}", verdict.summary))
    } else {
        non_empty(verdict.summary)
    };
    check.reason_text = non_empty(verdict.reason);
    check.extracted_value = non_empty(verdict.extracted_value);
    check.confidence = Some(verdict.confidence);
    check.judge = non_empty(verdict.judge);
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

type OpenedSecrets = (
    Vec<(String, SecretString)>,
    Vec<(String, SecretString)>,
    Vec<Step>,
);

/// The monitor's header, cookie and fill values in clear, just before the
/// fetch that sends them.
fn open_secrets(
    secret_box: &SecretBox,
    monitor: &Monitor,
) -> Result<OpenedSecrets, secret_box::SecretBoxError> {
    let pairs = |pairs: &[RequestHeader], purpose: &str| {
        pairs
            .iter()
            .map(|pair| {
                pair.open_for(secret_box, purpose)
                    .map(|value| (pair.name.clone(), value))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let steps = monitor
        .steps
        .iter()
        .map(|step| {
            let value = match &step.secret {
                Some(sealed) => secret_box.open(STEP_PURPOSE, sealed)?,
                None => SecretString::from(step.text.clone().unwrap_or_default()),
            };
            Ok(Step {
                action: step.action.clone(),
                selector: step.selector.clone().unwrap_or_default(),
                value,
                ms: step.ms.unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        pairs(&monitor.headers, HEADER_PURPOSE)?,
        pairs(&monitor.cookies, COOKIE_PURPOSE)?,
        steps,
    ))
}
