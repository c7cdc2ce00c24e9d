//! Lookout's own team export: the document `GET /api/v1/teams/{id}/export`
//! writes, and its reader for an import.
//!
//! The export holds every setting a user chose and no secret: request
//! headers and cookies by name only, `fill` steps without their value,
//! channels by id, kind and name (never their destination or credential).
//! Importing it therefore leaves out headers, cookies and any flow with a
//! `fill` step (reported as ignored), links a monitor to the importing
//! team's channel with the same id, else the same name, and to the team's
//! tags of the same names (whatever their case), created with the export's
//! colours when missing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Candidate, ChannelRef, FileError, ImportFile, LookoutSettings, Position, kind_named};

/// `format` of an export.
pub const FORMAT_NAME: &str = "lookout-export";
/// The version this Lookout writes and reads.
pub const VERSION: u32 = 1;

/// A team's monitors, tags and channel references, versioned.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamExport {
    /// Always `lookout-export`.
    #[schema(example = "lookout-export")]
    pub format: String,
    /// Always 1 for this layout; a later layout gets a new number.
    #[schema(example = 1)]
    pub version: u32,
    pub exported_at: DateTime<Utc>,
    pub team: ExportedTeam,
    /// Oldest first.
    pub monitors: Vec<ExportedMonitor>,
    /// The team's channels, named only: destinations and credentials are
    /// never exported.
    pub channels: Vec<ExportedChannel>,
    /// The team's tags, by name. Absent in exports written before tags.
    #[serde(default)]
    pub tags: Vec<ExportedTag>,
}

/// A tag of the team.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportedTag {
    pub name: String,
    /// `#rrggbb`.
    #[schema(example = "#2f6fde")]
    pub colour: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportedTeam {
    pub id: Uuid,
    pub name: String,
}

/// A monitor's settings; secrets left out.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ExportedMonitor {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    /// At most one per family (HTML: `css`, `xpath`; JSON: `json_pointer`,
    /// `json_path`, `jq`).
    pub selectors: Vec<ExportedSelector>,
    pub condition: String,
    pub interval_seconds: i64,
    pub paused: bool,
    pub render: bool,
    pub wait_for: Option<String>,
    pub screenshot: String,
    pub first_check: String,
    pub fail_policy: String,
    pub failure_alert_after: Option<i64>,
    /// Names only: values may be tokens and are never exported.
    pub headers: Vec<NameOnly>,
    /// Names only.
    pub cookies: Vec<NameOnly>,
    /// Browser steps; a `fill` step's value is never exported.
    pub steps: Vec<ExportedStep>,
    /// The channels it alerts.
    pub channels: Vec<ExportedChannelRef>,
    /// Its tags' names (each in the export's `tags`).
    pub tags: Vec<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExportedSelector {
    /// `css`, `xpath`, `json_pointer`, `json_path` or `jq`.
    pub kind: String,
    pub expression: String,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct NameOnly {
    pub name: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExportedStep {
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// The URL of a `goto`, the key of a `press`; never a `fill` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ExportedChannelRef {
    pub id: Option<Uuid>,
    pub name: Option<String>,
}

/// A channel, named only.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportedChannel {
    pub id: Uuid,
    /// `email`, `webhook`, `slack`, `discord`, `telegram`, `teams` or `ntfy`.
    pub kind: String,
    pub name: String,
}

/// Fields of an exported monitor this reader knows (read or deliberately
/// left out); any other is reported as ignored.
const KNOWN: &[&str] = &[
    "id",
    "name",
    "url",
    "selectors",
    "condition",
    "interval_seconds",
    "paused",
    "render",
    "wait_for",
    "screenshot",
    "first_check",
    "fail_policy",
    "failure_alert_after",
    "headers",
    "cookies",
    "steps",
    "channels",
    "tags",
];

pub fn read(text: &str) -> Result<ImportFile, FileError> {
    let document: Value = serde_json::from_str(text)
        .map_err(|error| FileError(format!("not a Lookout export: {error}")))?;
    if document.get("format").and_then(Value::as_str) != Some(FORMAT_NAME) {
        return Err(FileError(format!(
            "not a Lookout export: \"format\" is not \"{FORMAT_NAME}\""
        )));
    }
    match document.get("version").and_then(Value::as_u64) {
        Some(version) if version == u64::from(VERSION) => {}
        Some(version) => {
            return Err(FileError(format!(
                "this export is version {version}; this Lookout reads version {VERSION}"
            )));
        }
        None => return Err(FileError("the export has no version".to_owned())),
    }
    let monitors = document
        .get("monitors")
        .and_then(Value::as_array)
        .ok_or_else(|| FileError("the export has no \"monitors\" list".to_owned()))?;
    let tag_colours = document
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|tag| {
                    let name = tag.get("name")?.as_str()?;
                    let colour = tag.get("colour")?.as_str()?;
                    Some((name.to_owned(), colour.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let candidates = monitors
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let position = Position {
                index,
                line: None,
                source_id: value.get("id").and_then(Value::as_str).map(str::to_owned),
            };
            match serde_json::from_value::<ExportedMonitor>(value.clone()) {
                Ok(monitor) => {
                    let mut candidate = candidate(position, monitor);
                    for key in value.as_object().into_iter().flat_map(|o| o.keys()) {
                        if !KNOWN.contains(&key.as_str()) {
                            candidate.ignore(key.clone());
                        }
                    }
                    candidate
                }
                Err(error) => Candidate {
                    position,
                    problem: Some(format!("the monitor cannot be read: {error}")),
                    ..Candidate::default()
                },
            }
        })
        .collect();
    Ok(ImportFile {
        candidates,
        tag_colours,
    })
}

fn candidate(position: Position, monitor: ExportedMonitor) -> Candidate {
    let mut candidate = Candidate {
        position,
        name: Some(monitor.name).filter(|name| !name.trim().is_empty()),
        url: monitor.url,
        condition: monitor.condition,
        interval_seconds: Some(monitor.interval_seconds).filter(|seconds| *seconds > 0),
        paused: monitor.paused,
        render: monitor.render,
        channels: monitor
            .channels
            .into_iter()
            .map(|channel| ChannelRef {
                id: channel.id,
                name: channel.name,
            })
            .collect(),
        tags: monitor.tags,
        ..Candidate::default()
    };
    if candidate.url.trim().is_empty() {
        candidate.problem = Some("the monitor has no url".to_owned());
    }
    for selector in monitor.selectors {
        match kind_named(&selector.kind) {
            Some(kind) => candidate.select(kind, &selector.expression, "selectors"),
            None => candidate.ignore(format!("selectors ({} is not a kind)", selector.kind)),
        }
    }
    if !monitor.headers.is_empty() {
        candidate.ignore("headers (values are never exported: set them again)");
    }
    if !monitor.cookies.is_empty() {
        candidate.ignore("cookies (values are never exported: set them again)");
    }
    let steps = if monitor.steps.iter().any(|step| step.action == "fill") {
        candidate.ignore("steps (fill values are never exported: set the steps again)");
        Vec::new()
    } else {
        monitor.steps
    };
    let text = |value: String| Some(value).filter(|value| !value.is_empty());
    candidate.settings = LookoutSettings {
        wait_for: monitor.wait_for,
        first_check: text(monitor.first_check),
        fail_policy: text(monitor.fail_policy),
        screenshot: text(monitor.screenshot),
        failure_alert_after: monitor.failure_alert_after,
        steps,
    };
    candidate
}
