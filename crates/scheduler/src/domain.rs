//! Check statuses, scheduling arithmetic and the short diff shown in alerts.

use std::ops::ControlFlow;
use std::time::Duration;

use rand::Rng;
use store::monitors::FirstCheck;
use store::scheduling::ConditionMemory;

use crate::peers::{ConditionKind, Verdict, Verification};

/// The outcome of a check as stored in `checks.status` and `monitors.last_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    HttpError,
    Blocked,
    PageGone,
    /// Answered 200, but the page says it does not exist.
    SoftNotFound,
    SelectorNotFound,
    /// The page, or what the selector matched, has no readable text.
    Empty,
    Timeout,
    NetworkError,
    ForbiddenDestination,
    TooLarge,
    UnsupportedContent,
    /// A browser step could not be carried out; the error names it by number.
    StepFailed,
    JudgeUnavailable,
    InternalError,
    /// Not fetched: the team's Chromium renders of this hour are spent.
    RenderQuota,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::HttpError => "http_error",
            Self::Blocked => "blocked",
            Self::PageGone => "page_gone",
            Self::SoftNotFound => "soft_not_found",
            Self::SelectorNotFound => "selector_not_found",
            Self::Empty => "empty",
            Self::Timeout => "timeout",
            Self::NetworkError => "network_error",
            Self::ForbiddenDestination => "forbidden_destination",
            Self::TooLarge => "too_large",
            Self::UnsupportedContent => "unsupported_content",
            Self::StepFailed => "step_failed",
            Self::JudgeUnavailable => "judge_unavailable",
            Self::InternalError => "internal_error",
            Self::RenderQuota => store::quotas::RENDER_QUOTA_STATUS,
        }
    }
}

impl CheckStatus {
    /// The cause of a failed check in the words of a failing alert: what a
    /// person can act on, from the stored status, HTTP status and detail.
    pub fn describe_failure(status: &str, http_status: Option<i32>, detail: &str) -> String {
        let lower = detail.to_ascii_lowercase();
        let code = http_status
            .map(|code| format!(" (HTTP {code})"))
            .unwrap_or_default();
        match status {
            "page_gone" => format!("the page is gone{code}"),
            "soft_not_found" => "the page says it no longer exists".to_owned(),
            "blocked" => format!("blocked by a bot wall{code}"),
            "selector_not_found" => {
                "the selector no longer matches anything on the page".to_owned()
            }
            "empty" => "the page (or what the selector matches) has no readable text".to_owned(),
            "timeout" => "the site did not answer in time (timeout)".to_owned(),
            "http_error" => format!("the site answers with an error{code}"),
            "forbidden_destination" => {
                "the address is not one Lookout may reach (a private or reserved network)"
                    .to_owned()
            }
            "too_large" => "the page is larger than Lookout reads".to_owned(),
            "unsupported_content" => "the page is not text Lookout can read".to_owned(),
            "judge_unavailable" => {
                "the judge is unavailable, so changes cannot be judged".to_owned()
            }
            "network_error" if lower.contains("resolve") || lower.contains("no addresses") => {
                "the site's name does not resolve (DNS)".to_owned()
            }
            "network_error"
                if ["tls", "ssl", "certificate", "handshake"]
                    .iter()
                    .any(|word| lower.contains(word)) =>
            {
                "the site's secure connection failed (TLS certificate or handshake)".to_owned()
            }
            "network_error" => "the site cannot be reached (connection failed)".to_owned(),
            _ => "Lookout could not check the page".to_owned(),
        }
    }
}

/// What a failed or successful check changes about the monitor's failing
/// state: one failing alert when the failures in a row reach `alert_after`
/// (0: never), one recovered alert at the first success after it, nothing
/// in between.
pub fn failure_transition(
    alert_after: i32,
    failing_alert_sent: bool,
    succeeded: bool,
    failures_in_a_row: i32,
) -> Option<store::scheduling::FailureAlert> {
    use store::scheduling::FailureAlert;
    if succeeded {
        return failing_alert_sent.then_some(FailureAlert::Recovered);
    }
    (alert_after > 0 && !failing_alert_sent && failures_in_a_row >= alert_after)
        .then_some(FailureAlert::Failing)
}

/// What a judged check does about its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertDecision {
    pub alert: bool,
    /// The first check alerts because the state condition already held.
    pub first_alert: bool,
    /// What to remember about the state condition.
    pub memory: ConditionMemory,
}

/// Decides whether a verdict alerts, from the condition's kind, the monitor's first-check rule
/// and whether its state condition held at the last judged check (`remembered`).
///
/// - A verdict whose evidence did not hold never alerts and teaches nothing.
/// - First check: a state that holds alerts once (`auto`, `alert`), an event only with `alert`,
///   nothing with `baseline`.
/// - Later checks: a state alerts when it holds now and did not before, so it fires again only
///   after it was false in between. When nothing is remembered (the condition just changed, or
///   the monitor predates this rule) the judge's own comparison of the two texts decides.
///   An event alerts whenever the judge says it happened.
/// - A judge that does not classify conditions is treated as judging events: it never alerts
///   on a first check, as before.
pub fn decide_alert(
    first_check: bool,
    rule: FirstCheck,
    remembered: Option<bool>,
    verdict: &Verdict,
) -> AlertDecision {
    if verdict.verification == Verification::Unverified {
        return AlertDecision {
            alert: false,
            first_alert: false,
            memory: ConditionMemory::Keep,
        };
    }
    let kind = verdict.kind.unwrap_or(ConditionKind::Event);
    let memory = match kind {
        ConditionKind::State => ConditionMemory::Set(Some(verdict.holds)),
        ConditionKind::Event => ConditionMemory::Set(None),
    };
    let alert = match (first_check, kind, rule) {
        (true, _, FirstCheck::Baseline) => false,
        (true, ConditionKind::State, FirstCheck::Auto | FirstCheck::Alert) => verdict.holds,
        (true, ConditionKind::Event, FirstCheck::Alert) => verdict.triggered,
        (true, ConditionKind::Event, FirstCheck::Auto) => false,
        (false, ConditionKind::State, _) => match remembered {
            Some(held) => verdict.holds && !held,
            None => verdict.triggered && verdict.holds,
        },
        (false, ConditionKind::Event, _) => verdict.triggered,
    };
    AlertDecision {
        alert,
        first_alert: alert && first_check,
        memory,
    }
}

/// Failures back off exponentially but never wait longer than this.
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);
/// Share of a delay randomised so that monitors created together spread out.
const JITTER: f64 = 0.10;
/// Standard Webhooks' retry schedule: after the n-th failed attempt the
/// n-th wait, so eight attempts span about 28 hours and a receiver that is
/// down overnight still gets its alerts.
const DELIVERY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];
/// The schedule above is written for the default 5 s first retry; another
/// `SCHEDULER_DELIVERY_RETRY_MS` scales every step alike (tests use 10 ms).
const SCHEDULE_BASE: Duration = Duration::from_secs(5);

/// The delay until the next regular check: the interval ± 10 %.
pub fn next_regular_check(interval: Duration) -> Duration {
    jittered(interval)
}

/// The delay after the `failures`-th failure in a row:
/// interval × 2^(failures−1), capped at 24 h (but never below the interval).
pub fn failure_backoff(interval: Duration, failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(30);
    let grown = interval
        .checked_mul(1 << exponent)
        .unwrap_or(MAX_FAILURE_BACKOFF)
        .min(MAX_FAILURE_BACKOFF);
    jittered(grown.max(interval))
}

/// The delay before retrying a delivery that failed `attempts` times:
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (scaled by `base` / 5 s), ± 10 %.
pub fn delivery_backoff(base: Duration, attempts: u32) -> Duration {
    let index = usize::try_from(attempts.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .min(DELIVERY_SCHEDULE.len() - 1);
    let scale = base.as_secs_f64() / SCHEDULE_BASE.as_secs_f64();
    jittered(DELIVERY_SCHEDULE[index].mul_f64(scale))
}

fn jittered(delay: Duration) -> Duration {
    let factor = rand::rng().random_range((1.0 - JITTER)..=(1.0 + JITTER));
    delay.mul_f64(factor)
}

/// Longest diff kept with a check and sent in an alert.
const MAX_DIFF_LINES: usize = 60;
const MAX_DIFF_BYTES: usize = 8 * 1024;

/// A short unified diff between two snapshots, cut at 60 lines / 8 KB:
/// the lines past the cut are never written.
pub fn short_diff(previous: &str, current: &str) -> String {
    let mut short = String::new();
    let mut lines = 0;
    let mut truncated = false;
    let options = line_diff::Unified {
        context: 2,
        header: Some(("previous", "current")),
    };
    line_diff::unified(previous, current, options, |line| {
        if lines >= MAX_DIFF_LINES || short.len() + line.len() + 1 > MAX_DIFF_BYTES {
            truncated = true;
            return ControlFlow::Break(());
        }
        lines += 1;
        short.push_str(line);
        short.push('\n');
        ControlFlow::Continue(())
    });
    if truncated {
        short.push_str("… (diff truncated)\n");
    }
    short
}

/// Milliseconds for a `checks.*_ms` column.
pub fn as_millis_i32(duration: Duration) -> i32 {
    i32::try_from(duration.as_millis()).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(kind: Option<ConditionKind>, triggered: bool, holds: bool) -> Verdict {
        Verdict {
            triggered,
            summary: String::new(),
            reason: String::new(),
            extracted_value: String::new(),
            confidence: 0.9,
            judge: "test".to_owned(),
            kind,
            holds,
            evidence_excerpt: String::new(),
            verification: Verification::Verified,
            verification_problem: String::new(),
            cached: false,
            prompt_tokens: 0,
            completion_tokens: 0,
        }
    }

    const STATE: Option<ConditionKind> = Some(ConditionKind::State);
    const EVENT: Option<ConditionKind> = Some(ConditionKind::Event);

    #[test]
    fn a_state_that_already_holds_alerts_once_on_the_first_check() {
        let holds = verdict(STATE, true, true);
        let decision = decide_alert(true, FirstCheck::Auto, None, &holds);
        assert!(decision.alert && decision.first_alert);
        assert_eq!(decision.memory, ConditionMemory::Set(Some(true)));
        assert!(!decide_alert(true, FirstCheck::Baseline, None, &holds).alert);
        let not_yet = verdict(STATE, false, false);
        assert!(!decide_alert(true, FirstCheck::Auto, None, &not_yet).alert);
    }

    #[test]
    fn an_event_never_alerts_on_the_first_check_unless_the_monitor_asks() {
        let happened = verdict(EVENT, true, true);
        assert!(!decide_alert(true, FirstCheck::Auto, None, &happened).alert);
        assert!(decide_alert(true, FirstCheck::Alert, None, &happened).alert);
        assert_eq!(
            decide_alert(true, FirstCheck::Auto, None, &happened).memory,
            ConditionMemory::Set(None)
        );
        let unclassified = verdict(None, true, true);
        assert!(!decide_alert(true, FirstCheck::Auto, None, &unclassified).alert);
        assert!(decide_alert(false, FirstCheck::Auto, None, &unclassified).alert);
    }

    #[test]
    fn a_state_alerts_again_only_after_it_was_false_in_between() {
        let holds = verdict(STATE, true, true);
        let false_now = verdict(STATE, false, false);
        assert!(!decide_alert(false, FirstCheck::Auto, Some(true), &holds).alert);
        let back_to_false = decide_alert(false, FirstCheck::Auto, Some(true), &false_now);
        assert!(!back_to_false.alert);
        assert_eq!(back_to_false.memory, ConditionMemory::Set(Some(false)));
        let again = decide_alert(false, FirstCheck::Auto, Some(false), &holds);
        assert!(again.alert && !again.first_alert);
    }

    #[test]
    fn without_memory_the_judges_own_comparison_decides() {
        let still_true = verdict(STATE, false, true);
        assert!(!decide_alert(false, FirstCheck::Auto, None, &still_true).alert);
        let crossed = verdict(STATE, true, true);
        assert!(decide_alert(false, FirstCheck::Auto, None, &crossed).alert);
    }

    #[test]
    fn an_unverified_verdict_never_alerts_and_teaches_nothing() {
        let mut claimed = verdict(STATE, true, true);
        claimed.verification = Verification::Unverified;
        let decision = decide_alert(true, FirstCheck::Alert, Some(false), &claimed);
        assert!(!decision.alert);
        assert_eq!(decision.memory, ConditionMemory::Keep);
    }

    #[test]
    fn one_failing_alert_per_run_of_failures_and_one_recovered_after_it() {
        use store::scheduling::FailureAlert;
        assert_eq!(failure_transition(3, false, false, 2), None);
        assert_eq!(
            failure_transition(3, false, false, 3),
            Some(FailureAlert::Failing)
        );
        assert_eq!(failure_transition(3, true, false, 4), None, "no repeats");
        assert_eq!(
            failure_transition(3, true, true, 0),
            Some(FailureAlert::Recovered)
        );
        assert_eq!(failure_transition(3, false, true, 0), None);
        assert_eq!(failure_transition(0, false, false, 50), None, "0 is never");
    }

    #[test]
    fn failure_causes_are_plain_words() {
        let cause = CheckStatus::describe_failure;
        assert_eq!(
            cause("page_gone", Some(404), ""),
            "the page is gone (HTTP 404)"
        );
        assert!(cause("blocked", Some(403), "").starts_with("blocked by a bot wall"));
        assert!(cause("selector_not_found", None, "").contains("selector no longer matches"));
        assert!(cause("timeout", None, "").contains("timeout"));
        assert!(
            cause(
                "network_error",
                None,
                "could not resolve host shop.test: no such host"
            )
            .contains("DNS")
        );
        assert!(
            cause(
                "network_error",
                None,
                "could not connect to shop.test: invalid peer certificate: UnknownIssuer"
            )
            .contains("TLS")
        );
        assert!(cause("judge_unavailable", None, "").contains("judge is unavailable"));
    }

    #[test]
    fn failures_back_off_exponentially_up_to_a_day() {
        let minute = Duration::from_secs(60);
        let first = failure_backoff(minute, 1);
        assert!(first >= minute.mul_f64(0.9) && first <= minute.mul_f64(1.1));
        let fourth = failure_backoff(minute, 4);
        assert!(fourth >= Duration::from_secs(432) && fourth <= Duration::from_secs(528));
        let many = failure_backoff(minute, 40);
        assert!(many <= MAX_FAILURE_BACKOFF.mul_f64(1.1));
        assert!(many >= MAX_FAILURE_BACKOFF.mul_f64(0.9));
    }

    #[test]
    fn delivery_retries_follow_the_standard_webhooks_schedule_spanning_about_a_day() {
        let base = Duration::from_secs(5);
        let waits: Vec<Duration> = (1..=7).map(|n| delivery_backoff(base, n)).collect();
        for (wait, expected) in waits.iter().zip(DELIVERY_SCHEDULE) {
            assert!(
                *wait >= expected.mul_f64(0.9) && *wait <= expected.mul_f64(1.1),
                "{wait:?} vs {expected:?}"
            );
        }
        let total: Duration = waits.iter().sum();
        assert!(total > Duration::from_secs(24 * 3600), "{total:?}");
        assert!(delivery_backoff(base, 30) <= Duration::from_secs(11 * 3600));
        let scaled = delivery_backoff(Duration::from_millis(10), 1);
        assert!(scaled <= Duration::from_millis(11), "{scaled:?}");
    }

    #[test]
    fn diffs_show_the_changed_lines_and_stay_short() {
        assert_eq!(
            short_diff("price: 120\nstock: yes\n", "price: 90\nstock: yes\n"),
            "--- previous\n+++ current\n@@ -1,2 +1,2 @@\n-price: 120\n+price: 90\n stock: yes\n"
        );
        let marker = "… (diff truncated)\n";

        // Cut by lines: 60 of them, then the marker.
        let old: String = (0..500).map(|n| format!("line {n}\n")).collect();
        let new: String = (0..500).map(|n| format!("row {n}\n")).collect();
        let diff = short_diff(&old, &new);
        assert_eq!(diff.lines().count(), MAX_DIFF_LINES + 1, "{diff}");
        assert!(diff.ends_with(&format!("\n-line 56\n{marker}")), "{diff}");

        // Cut by bytes: whole lines up to 8 KB, then the marker.
        let old: String = (0..100).map(|n| format!("{n:0>300}\n")).collect();
        let new: String = (0..100).map(|n| format!("{n:1>300}\n")).collect();
        let diff = short_diff(&old, &new);
        let kept = diff.strip_suffix(marker).unwrap_or_default();
        assert!(
            kept.len() <= MAX_DIFF_BYTES && kept.len() > MAX_DIFF_BYTES - 302,
            "{}",
            kept.len()
        );
        assert!(kept.lines().skip(3).all(|line| line.len() == 301), "{diff}");
    }
}
