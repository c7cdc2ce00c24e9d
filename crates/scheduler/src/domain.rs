//! Check statuses, scheduling arithmetic and the short diff shown in alerts.

use std::time::Duration;

use rand::Rng;

/// The outcome of a check as stored in `checks.status` and `monitors.last_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    HttpError,
    Blocked,
    PageGone,
    SelectorNotFound,
    Timeout,
    NetworkError,
    ForbiddenDestination,
    TooLarge,
    UnsupportedContent,
    JudgeUnavailable,
    InternalError,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::HttpError => "http_error",
            Self::Blocked => "blocked",
            Self::PageGone => "page_gone",
            Self::SelectorNotFound => "selector_not_found",
            Self::Timeout => "timeout",
            Self::NetworkError => "network_error",
            Self::ForbiddenDestination => "forbidden_destination",
            Self::TooLarge => "too_large",
            Self::UnsupportedContent => "unsupported_content",
            Self::JudgeUnavailable => "judge_unavailable",
            Self::InternalError => "internal_error",
        }
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

/// A short unified diff between two snapshots, cut at 60 lines / 8 KB.
pub fn short_diff(previous: &str, current: &str) -> String {
    let diff = similar::TextDiff::from_lines(previous, current);
    let full = diff
        .unified_diff()
        .context_radius(2)
        .header("previous", "current")
        .to_string();
    let mut short = String::new();
    let mut truncated = false;
    for (index, line) in full.lines().enumerate() {
        if index >= MAX_DIFF_LINES || short.len() + line.len() + 1 > MAX_DIFF_BYTES {
            truncated = true;
            break;
        }
        short.push_str(line);
        short.push('\n');
    }
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
        let diff = short_diff("price: 120\nstock: yes\n", "price: 90\nstock: yes\n");
        assert!(diff.contains("-price: 120"), "{diff}");
        assert!(diff.contains("+price: 90"), "{diff}");

        let old: String = (0..500).map(|n| format!("line {n}\n")).collect();
        let new: String = (0..500).map(|n| format!("row {n}\n")).collect();
        let diff = short_diff(&old, &new);
        assert!(diff.lines().count() <= MAX_DIFF_LINES + 1);
        assert!(diff.len() <= MAX_DIFF_BYTES + 64);
        assert!(diff.ends_with("(diff truncated)\n"));
    }
}
