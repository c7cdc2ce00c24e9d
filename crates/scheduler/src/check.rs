//! One check of one claimed monitor: fetch → compare with the last snapshot
//! → judge only when the text changed → record the check, its snapshot and
//! its deliveries in one transaction → reschedule the monitor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use store::Store;
use store::scheduling::{ClaimedMonitor, MonitorOutcome, NewCheck, NewSnapshot};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::domain::{CheckStatus, as_millis_i32, failure_backoff, next_regular_check, short_diff};
use crate::peers::{FetchSpec, JudgeRequest, Peers, Verdict};
use crate::politeness::HostGate;

/// Everything a check needs; shared by all checks of the process.
pub struct CheckRunner {
    pub store: Store,
    pub peers: Peers,
    pub hosts: HostGate,
    /// Woken after a triggered check commits, so delivery starts at once.
    pub deliveries_due: Arc<Notify>,
}

/// What a check decided besides the check row itself.
struct Decision {
    /// The new text to store; `None` keeps the previous snapshot current.
    snapshot: Option<NewSnapshot>,
    /// Whether the page was fetched (resets the failure count).
    succeeded: bool,
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
            monitor_id: monitor.id,
            team_id: monitor.team_id,
            reason: claim.reason.as_str(),
            status: CheckStatus::Ok.as_str().to_owned(),
            started_at,
            finished_at: started_at,
            ..NewCheck::default()
        };
        let decided = self.decide(&claim, &mut check).await;
        let Decision {
            snapshot,
            succeeded,
        } = match decided {
            Ok(decision) => decision,
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
        check.finished_at = Utc::now();
        check.duration_ms = Some(as_millis_i32(clock.elapsed()));
        let interval = Duration::from_secs(u64::try_from(monitor.interval_seconds).unwrap_or(60));
        let next_check_in = if succeeded {
            next_regular_check(interval)
        } else {
            let failures = u32::try_from(monitor.consecutive_failures).unwrap_or(0) + 1;
            failure_backoff(interval, failures)
        };
        let outcome = MonitorOutcome {
            succeeded,
            next_check_in,
        };
        match self
            .store
            .record_check(&check, snapshot.as_ref(), outcome)
            .await
        {
            Ok(recorded) => {
                tracing::info!(
                    monitor_id = %check.monitor_id,
                    team_id = %check.team_id,
                    check_id = %check.id,
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
            }
            Err(store::StoreError::NotFound) => {
                tracing::info!(
                    monitor_id = %check.monitor_id,
                    team_id = %check.team_id,
                    "monitor deleted during its check; result dropped"
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

    async fn decide(
        &self,
        claim: &ClaimedMonitor,
        check: &mut NewCheck,
    ) -> Result<Decision, store::StoreError> {
        let monitor = &claim.monitor;
        let spec = FetchSpec {
            url: monitor.url.clone(),
            css_selector: monitor.css_selector.clone(),
            json_pointer: monitor.json_pointer.clone(),
            xpath: monitor.xpath.clone(),
            json_path: monitor.json_path.clone(),
            jq_filter: monitor.jq_filter.clone(),
            headers: monitor
                .headers
                .iter()
                .map(|header| (header.name.clone(), header.value.clone()))
                .collect(),
            render: monitor.render,
        };
        let fetched = {
            let _permit = self.hosts.enter(&monitor.url).await;
            let fetch_clock = Instant::now();
            let fetched = self.peers.fetch(&spec).await;
            check.fetch_ms = Some(as_millis_i32(fetch_clock.elapsed()));
            fetched
        };
        let page = match fetched {
            Ok(page) => page,
            Err(failure) => {
                check.status = failure.status.as_str().to_owned();
                check.http_status = failure.http_status.and_then(|s| i32::try_from(s).ok());
                check.error = Some(failure.detail);
                return Ok(decision(None, false));
            }
        };
        check.http_status = i32::try_from(page.http_status).ok().filter(|s| *s != 0);
        check.content_sha256 = Some(page.text_sha256.clone());
        let new_snapshot = NewSnapshot {
            text_sha256: page.text_sha256.clone(),
            text: page.text.clone(),
        };
        let previous = self
            .store
            .latest_snapshot(monitor.team_id, monitor.id)
            .await?;
        let judge_request = |previous_text, first_check| JudgeRequest {
            condition: &monitor.condition,
            previous_text,
            current_text: &page.text,
            first_check,
            url: &monitor.url,
            monitor_id: monitor.id.to_string(),
            team_id: monitor.team_id.to_string(),
        };

        let Some(previous) = previous else {
            // Baseline: the current state is judged so the user sees where
            // the condition stands, but a baseline never alerts.
            check.baseline = true;
            let (verdict, judge_ms) = self.judge(judge_request("", true)).await;
            check.judge_ms = Some(judge_ms);
            match verdict {
                Ok(verdict) => record_verdict(check, verdict),
                Err(error) => {
                    check.error = Some(format!("could not judge the current state: {error}"));
                }
            }
            check.triggered = false;
            return Ok(decision(Some(new_snapshot), true));
        };

        if previous.text_sha256 == page.text_sha256 {
            return Ok(decision(None, true));
        }

        check.changed = true;
        check.diff = Some(short_diff(&previous.text, &page.text));
        let (verdict, judge_ms) = self.judge(judge_request(&previous.text, false)).await;
        check.judge_ms = Some(judge_ms);
        match verdict {
            Ok(verdict) => {
                record_verdict(check, verdict);
                Ok(decision(Some(new_snapshot), true))
            }
            Err(error) => {
                // The new text is not stored, so the next check compares
                // against the same snapshot and judges this change again.
                // The page itself was fetched fine, so the monitor does not
                // back off.
                check.status = CheckStatus::JudgeUnavailable.as_str().to_owned();
                check.error = Some(error);
                Ok(decision(None, true))
            }
        }
    }

    async fn judge(&self, request: JudgeRequest<'_>) -> (Result<Verdict, String>, i32) {
        let clock = Instant::now();
        let verdict = self.peers.evaluate(request).await;
        (verdict, as_millis_i32(clock.elapsed()))
    }
}

fn decision(snapshot: Option<NewSnapshot>, succeeded: bool) -> Decision {
    Decision {
        snapshot,
        succeeded,
    }
}

fn record_verdict(check: &mut NewCheck, verdict: Verdict) {
    check.triggered = verdict.triggered;
    check.summary = non_empty(verdict.summary);
    check.reason_text = non_empty(verdict.reason);
    check.extracted_value = non_empty(verdict.extracted_value);
    check.confidence = Some(verdict.confidence);
    check.judge = non_empty(verdict.judge);
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}
