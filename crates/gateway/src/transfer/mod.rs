//! Import files read into [`Candidate`]s: what each entry of a file asks
//! for, in Lookout's terms, before any validation. One module per format:
//!
//! - [`urls`]: a plain list, one URL per line (`#` comments, blank lines).
//! - [`changedetection`]: changedetection.io's `url-watches.json`.
//! - [`archive`]: changedetection.io's backup ZIP, around its `url-watches.json`.
//! - [`urlwatch`]: urlwatch's and webchanges' `urls.yaml`.
//! - [`lookout`]: Lookout's own team export (also its writer's types).
//!
//! A parser never fails on one entry: an entry it cannot read becomes a
//! candidate with a `problem` (refused in the report). It fails only when
//! the file as a whole is not of its format. Fields of a peer's entry that
//! Lookout does not map are named in `ignored`, so the preview can say so;
//! tags are collected by name in `tags` (the import links them to the
//! team's tags, creating those it lacks).

pub mod archive;
pub mod changedetection;
pub mod lookout;
pub mod urls;
pub mod urlwatch;

use selection::Kind;

/// Entries one import may hold: a file of 10,000 lines imports at once.
pub const MAX_ENTRIES: usize = 10_000;

/// The formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Urls,
    Changedetection,
    Urlwatch,
    Lookout,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Urls,
        Format::Changedetection,
        Format::Urlwatch,
        Format::Lookout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urls => "urls",
            Self::Changedetection => "changedetection",
            Self::Urlwatch => "urlwatch",
            Self::Lookout => "lookout",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|format| format.as_str() == value)
    }

    /// The format a media type names, when it names one: `text/uri-list`,
    /// YAML types. JSON and plain text could be several.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "text/uri-list" => Some(Self::Urls),
            "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => {
                Some(Self::Urlwatch)
            }
            _ => None,
        }
    }

    /// The format of a file by its content: a JSON object is Lookout's
    /// export (`"format": "lookout-export"`) or changedetection.io's
    /// (`"watching"`); YAML keys (`url:`, `name:`, `---`) are urlwatch;
    /// anything else is a list of URLs.
    pub fn detect(text: &str) -> Self {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
                if value.get("format").and_then(|f| f.as_str()) == Some(lookout::FORMAT_NAME) {
                    return Self::Lookout;
                }
                if value.get("watching").is_some() {
                    return Self::Changedetection;
                }
            }
            // A JSON object of another kind: let the Lookout reader say why.
            return Self::Lookout;
        }
        let yaml_like = trimmed.lines().any(|line| {
            let line = line.trim_start_matches("- ").trim();
            line == "---"
                || line.starts_with("url:")
                || line.starts_with("name:")
                || line.starts_with("navigate:")
                || line.starts_with("command:")
        });
        if yaml_like {
            Self::Urlwatch
        } else {
            Self::Urls
        }
    }
}

/// Where an entry is in its file, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// 0-based order of the entry in the file.
    pub index: usize,
    /// 1-based line, for line-oriented formats.
    pub line: Option<usize>,
    /// The peer's own id of the entry (changedetection.io's watch uuid).
    pub source_id: Option<String>,
}

/// A channel an exported monitor alerted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRef {
    pub id: Option<uuid::Uuid>,
    pub name: Option<String>,
}

/// Settings only Lookout's own export carries, as their API names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookoutSettings {
    pub wait_for: Option<String>,
    pub first_check: Option<String>,
    pub fail_policy: Option<String>,
    pub screenshot: Option<String>,
    pub failure_alert_after: Option<i64>,
    /// Steps without a `fill` (whose value is never exported).
    pub steps: Vec<lookout::ExportedStep>,
}

/// One entry of an import file, in Lookout's terms, not yet validated.
#[derive(Debug, Clone, Default)]
pub struct Candidate {
    pub position: Position,
    pub name: Option<String>,
    pub url: String,
    /// Selectors by kind; at most one per family is valid.
    pub selectors: Vec<(Kind, String)>,
    pub interval_seconds: Option<i64>,
    pub paused: bool,
    pub render: bool,
    pub condition: String,
    /// Request headers with their values (a peer's file holds them).
    pub headers: Vec<(String, String)>,
    pub settings: LookoutSettings,
    pub channels: Vec<ChannelRef>,
    /// The entry's tags, by name.
    pub tags: Vec<String>,
    /// Fields of the entry Lookout does not map, by the peer's names.
    pub ignored: Vec<String>,
    /// Why the entry cannot be imported, when the parser already knows.
    pub problem: Option<String>,
}

impl Candidate {
    /// Notes `field` as ignored, once.
    pub fn ignore(&mut self, field: impl Into<String>) {
        let field = field.into();
        if !self.ignored.contains(&field) {
            self.ignored.push(field);
        }
    }

    /// Keeps the first selector of each family; later ones are ignored
    /// under `field`.
    pub fn select(&mut self, kind: Kind, expression: &str, field: &str) {
        let expression = expression.trim();
        if expression.is_empty() {
            return;
        }
        if self
            .selectors
            .iter()
            .any(|(held, _)| held.family() == kind.family())
        {
            self.ignore(format!("{field} (only the first is used)"));
        } else {
            self.selectors.push((kind, expression.to_owned()));
        }
    }
}

/// Why a whole file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String);

/// A file's entries and what it says about their tags.
#[derive(Debug, Default)]
pub struct ImportFile {
    pub candidates: Vec<Candidate>,
    /// Tag colours the file gives (`#rrggbb`, as written), by tag name:
    /// only Lookout's export has them.
    pub tag_colours: Vec<(String, String)>,
}

/// Reads `text` as `format`.
pub fn read(format: Format, text: &str) -> Result<ImportFile, FileError> {
    let text = text.trim_start_matches('\u{feff}');
    let file = match format {
        Format::Urls => ImportFile {
            candidates: urls::read(text),
            ..ImportFile::default()
        },
        Format::Changedetection => ImportFile {
            candidates: changedetection::read(text)?,
            ..ImportFile::default()
        },
        Format::Urlwatch => ImportFile {
            candidates: urlwatch::read(text)?,
            ..ImportFile::default()
        },
        Format::Lookout => lookout::read(text)?,
    };
    if file.candidates.len() > MAX_ENTRIES {
        return Err(FileError(format!(
            "the file has {} entries; an import takes at most {MAX_ENTRIES}: split it",
            file.candidates.len()
        )));
    }
    Ok(file)
}

/// Whether a JSON value says nothing (null, false, 0, empty): a peer's
/// field left at its default is not worth reporting as ignored.
pub fn is_empty_json(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Bool(flag) => !flag,
        serde_json::Value::Number(number) => number.as_f64() == Some(0.0),
        serde_json::Value::String(text) => text.trim().is_empty(),
        serde_json::Value::Array(items) => items.iter().all(is_empty_json),
        serde_json::Value::Object(fields) => fields.values().all(is_empty_json),
    }
}

/// The kind named as the API names it (`css`, `xpath`, `json_pointer`,
/// `json_path`, `jq`).
pub fn kind_named(name: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_by_content() {
        assert_eq!(
            Format::detect("https://a.example/\n# c\nhttps://b.example/"),
            Format::Urls
        );
        assert_eq!(
            Format::detect("name: A\nurl: https://a.example/\n---\nurl: https://b.example/\n"),
            Format::Urlwatch
        );
        assert_eq!(
            Format::detect(r#"{"watching": {}}"#),
            Format::Changedetection
        );
        assert_eq!(
            Format::detect(r#"{"format": "lookout-export", "version": 1}"#),
            Format::Lookout
        );
        assert_eq!(Format::from_media_type("text/uri-list"), Some(Format::Urls));
        assert_eq!(
            Format::from_media_type("application/yaml; charset=utf-8"),
            Some(Format::Urlwatch)
        );
        assert_eq!(Format::from_media_type("application/json"), None);
    }

    #[test]
    fn only_the_first_selector_of_a_family_is_kept() {
        let mut candidate = Candidate::default();
        candidate.select(Kind::Css, ".a", "filter");
        candidate.select(Kind::XPath, "//b", "filter");
        candidate.select(Kind::JsonPath, "$.c", "filter");
        assert_eq!(
            candidate.selectors,
            vec![
                (Kind::Css, ".a".to_owned()),
                (Kind::JsonPath, "$.c".to_owned())
            ]
        );
        assert_eq!(candidate.ignored, vec!["filter (only the first is used)"]);
    }
}
