//! changedetection.io's `url-watches.json` (its data directory and the
//! heart of its backup ZIP): an object whose `watching` maps a watch's uuid
//! to the watch.
//!
//! Mapped: `url`; `title` (the name); `include_filters` (and the older
//! `css_filter`): `xpath:`/`xpath1:` or a leading `/` is XPath, `json:` is
//! JSONPath, `jq:`/`jqraw:` is jq, anything else CSS, the first of each
//! family used; `time_between_check` `{weeks, days, hours, minutes,
//! seconds}`, or the application's default
//! (`settings.requests.time_between_check`) when the watch uses it;
//! `headers` (name → value); `paused`; `fetch_backend: html_webdriver`
//! (rendered in a browser); `tags` (uuids whose `title` is in
//! `settings.application.tags`, or the older comma-separated `tag`) by name;
//! a tag uuid the file does not name is reported as ignored. Other fields left at a non-default value are reported as
//! ignored; its bookkeeping (last check, hashes, counters) is skipped.
//!
//! Watches come in the order they were created (`date_created`), then by uuid.

use serde_json::{Map, Value};

use selection::Kind;

use super::{Candidate, FileError, Position, is_empty_json};

/// Fields this reader maps.
const MAPPED: &[&str] = &[
    "url",
    "title",
    "include_filters",
    "css_filter",
    "time_between_check",
    "time_between_check_use_default",
    "headers",
    "paused",
    "fetch_backend",
    "tags",
    "tag",
];

/// changedetection.io's own bookkeeping: state, not settings.
const BOOKKEEPING: &[&str] = &[
    "uuid",
    "date_created",
    "last_checked",
    "last_changed",
    "last_error",
    "last_viewed",
    "last_notification_error",
    "previous_md5",
    "previous_md5_before_filters",
    "check_count",
    "consecutive_filter_failures",
    "fetch_time",
    "content-type",
    "remote_server_reply",
    "has_ldjson_price_data",
    "notification_alert_count",
    "history_n",
    "newest_history_key",
    "viewed",
    "link",
];

pub fn read(text: &str) -> Result<Vec<Candidate>, FileError> {
    let document: Value = serde_json::from_str(text).map_err(|error| {
        FileError(format!(
            "not a changedetection.io url-watches.json: {error}"
        ))
    })?;
    let Some(watching) = document.get("watching").and_then(Value::as_object) else {
        return Err(FileError(
            "not a changedetection.io url-watches.json: it has no \"watching\" object".to_owned(),
        ));
    };
    let tag_titles = document
        .pointer("/settings/application/tags")
        .and_then(Value::as_object);
    let default_interval = document
        .pointer("/settings/requests/time_between_check")
        .and_then(interval_seconds);
    let mut watches: Vec<(&String, &Value)> = watching.iter().collect();
    watches.sort_by(|(a_id, a), (b_id, b)| {
        let created = |watch: &Value| watch.get("date_created").and_then(Value::as_f64);
        created(a)
            .partial_cmp(&created(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a_id.cmp(b_id))
    });
    Ok(watches
        .into_iter()
        .enumerate()
        .map(|(index, (uuid, watch))| {
            let position = Position {
                index,
                line: None,
                source_id: Some(uuid.clone()),
            };
            match watch.as_object() {
                Some(watch) => candidate(position, watch, tag_titles, default_interval),
                None => Candidate {
                    position,
                    problem: Some("the watch is not an object".to_owned()),
                    ..Candidate::default()
                },
            }
        })
        .collect())
}

fn candidate(
    position: Position,
    watch: &Map<String, Value>,
    tag_titles: Option<&Map<String, Value>>,
    default_interval: Option<i64>,
) -> Candidate {
    let text = |field: &str| watch.get(field).and_then(Value::as_str).map(str::trim);
    let mut candidate = Candidate {
        position,
        url: text("url").unwrap_or_default().to_owned(),
        name: text("title")
            .filter(|title| !title.is_empty())
            .map(str::to_owned),
        paused: watch.get("paused").and_then(Value::as_bool) == Some(true),
        render: text("fetch_backend") == Some("html_webdriver"),
        ..Candidate::default()
    };
    if candidate.url.is_empty() {
        candidate.problem = Some("the watch has no url".to_owned());
    }
    let mut filters: Vec<&str> = watch
        .get("include_filters")
        .and_then(Value::as_array)
        .map(|filters| filters.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(old) = text("css_filter") {
        filters.push(old);
    }
    for filter in filters {
        let (kind, expression) = filter_kind(filter.trim());
        candidate.select(kind, expression, "include_filters");
    }
    let uses_default = watch
        .get("time_between_check_use_default")
        .and_then(Value::as_bool)
        == Some(true);
    let own_interval = watch.get("time_between_check").and_then(interval_seconds);
    candidate.interval_seconds = if uses_default {
        default_interval
    } else {
        own_interval.or(default_interval)
    };
    if let Some(headers) = watch.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            match value.as_str() {
                Some(value) => candidate.headers.push((name.clone(), value.to_owned())),
                None => candidate.ignore(format!("headers.{name} (not text)")),
            }
        }
    }
    let (names, unnamed) = tags(watch, tag_titles);
    candidate.tags = names;
    for uuid in unnamed {
        candidate.ignore(format!("tags ({uuid} is not in the file's tag list)"));
    }
    for (field, value) in watch {
        if MAPPED.contains(&field.as_str())
            || BOOKKEEPING.contains(&field.as_str())
            || is_default(field, value)
        {
            continue;
        }
        candidate.ignore(field.clone());
    }
    candidate
}

/// Whether a field holds what changedetection.io writes for a watch that
/// never set it.
fn is_default(field: &str, value: &Value) -> bool {
    if is_empty_json(value) {
        return true;
    }
    match field {
        "method" => value.as_str() == Some("GET"),
        "processor" => value.as_str() == Some("text_json_diff"),
        "filter_failure_notification_send" => value.as_bool() == Some(true),
        "notification_format" => value.as_str() == Some("System default"),
        // Unfilled step rows of its form.
        "browser_steps" => value.as_array().is_some_and(|steps| {
            steps.iter().all(|step| {
                step.get("operation")
                    .and_then(Value::as_str)
                    .is_none_or(|operation| operation == "Choose one" || operation.is_empty())
            })
        }),
        _ => false,
    }
}

/// The kind of an `include_filters` entry and its expression.
fn filter_kind(filter: &str) -> (Kind, &str) {
    if let Some(rest) = filter.strip_prefix("xpath1:") {
        (Kind::XPath, rest)
    } else if let Some(rest) = filter.strip_prefix("xpath:") {
        (Kind::XPath, rest)
    } else if filter.starts_with('/') || filter.starts_with("(/") {
        (Kind::XPath, filter)
    } else if let Some(rest) = filter.strip_prefix("json:") {
        (Kind::JsonPath, rest)
    } else if let Some(rest) = filter.strip_prefix("jqraw:") {
        (Kind::Jq, rest)
    } else if let Some(rest) = filter.strip_prefix("jq:") {
        (Kind::Jq, rest)
    } else {
        (Kind::Css, filter)
    }
}

/// `{weeks, days, hours, minutes, seconds}` in seconds; `None` when all are
/// empty or zero.
fn interval_seconds(value: &Value) -> Option<i64> {
    let part = |field: &str| -> i64 {
        match value.get(field) {
            Some(Value::Number(number)) => number.as_i64().unwrap_or(0),
            Some(Value::String(text)) => text.trim().parse().unwrap_or(0),
            _ => 0,
        }
    };
    let seconds = part("weeks")
        .saturating_mul(7 * 24 * 3600)
        .saturating_add(part("days").saturating_mul(24 * 3600))
        .saturating_add(part("hours").saturating_mul(3600))
        .saturating_add(part("minutes").saturating_mul(60))
        .saturating_add(part("seconds"));
    (seconds > 0).then_some(seconds)
}

/// The watch's tag names (uuids looked up in the application's tags, or
/// the older comma-separated `tag`), and the uuids the file does not name.
fn tags(
    watch: &Map<String, Value>,
    titles: Option<&Map<String, Value>>,
) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut unnamed = Vec::new();
    if let Some(tags) = watch.get("tags").and_then(Value::as_array) {
        for tag in tags.iter().filter_map(Value::as_str) {
            let title = titles
                .and_then(|titles| titles.get(tag))
                .and_then(|entry| entry.get("title"))
                .and_then(Value::as_str);
            match title {
                Some(title) => names.push(title.to_owned()),
                None if uuid::Uuid::parse_str(tag).is_ok() => unnamed.push(tag.to_owned()),
                // Not a uuid: a name written by hand.
                None => names.push(tag.to_owned()),
            }
        }
    }
    if let Some(old) = watch.get("tag").and_then(Value::as_str) {
        names.extend(
            old.split(',')
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned),
        );
    }
    (names, unnamed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_map_to_selector_kinds() {
        assert_eq!(filter_kind(".price"), (Kind::Css, ".price"));
        assert_eq!(filter_kind("xpath://span"), (Kind::XPath, "//span"));
        assert_eq!(filter_kind("xpath1://span"), (Kind::XPath, "//span"));
        assert_eq!(
            filter_kind("//div[@id='a']"),
            (Kind::XPath, "//div[@id='a']")
        );
        assert_eq!(filter_kind("json:$.price"), (Kind::JsonPath, "$.price"));
        assert_eq!(filter_kind("jq:.price"), (Kind::Jq, ".price"));
    }

    #[test]
    fn intervals_add_up_and_zero_means_default() {
        let value =
            serde_json::json!({"weeks": null, "days": 1, "hours": 2, "minutes": 0, "seconds": 30});
        assert_eq!(interval_seconds(&value), Some(86_400 + 7200 + 30));
        let unset = serde_json::json!({"weeks": null, "days": null, "hours": null, "minutes": null, "seconds": null});
        assert_eq!(interval_seconds(&unset), None);
    }
}
