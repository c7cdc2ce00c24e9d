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
            Self::SoftNotFound => "soft_not_found",
            Self::SelectorNotFound => "selector_not_found",
            Self::Empty => "empty",
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
const MAX_DELIVERY_BACKOFF: Duration = Duration::from_secs(60 * 60);

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
/// base (5 s by default) × 2^attempts, capped at one hour.
pub fn delivery_backoff(base: Duration, attempts: u32) -> Duration {
    let grown = base
        .checked_mul(1 << attempts.min(20))
        .unwrap_or(MAX_DELIVERY_BACKOFF)
        .min(MAX_DELIVERY_BACKOFF);
    jittered(grown)
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
    fn delivery_retries_are_capped_at_an_hour() {
        let first = delivery_backoff(Duration::from_secs(5), 0);
        assert!(first >= Duration::from_millis(4500) && first <= Duration::from_millis(5500));
        assert!(delivery_backoff(Duration::from_secs(5), 30) <= MAX_DELIVERY_BACKOFF.mul_f64(1.1));
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
