//! urlwatch's and webchanges' `urls.yaml`: YAML documents separated by
//! `---`, one job each.
//!
//! Mapped: `url` (or urlwatch's older `navigate`, rendered); `name`;
//! `use_browser: true` or `kind: browser` (rendered in a browser);
//! `headers`; the selecting parts of `filter` — `css`, `xpath`,
//! `element-by-id`, `element-by-class`, `element-by-tag` and `jq`, the
//! first of each family used — whether written as a string
//! (`css:.price,html2text`) or a list (`- css: .price`, `- xpath: {path:
//! //span}`). Other filters (`html2text`, `strip`, `grep`, …) and other job
//! fields are reported as ignored. A `command` job runs a program and is
//! refused.

use yaml_serde::Value;

use selection::Kind;

use super::{Candidate, FileError, Position};

/// Fields this reader maps.
const MAPPED: &[&str] = &[
    "url",
    "navigate",
    "name",
    "use_browser",
    "kind",
    "headers",
    "filter",
];

pub fn read(text: &str) -> Result<Vec<Candidate>, FileError> {
    let mut candidates = Vec::new();
    for document in yaml_serde::Deserializer::from_str(text) {
        let value = <Value as serde::Deserialize>::deserialize(document)
            .map_err(|error| FileError(format!("not a urlwatch urls.yaml: {error}")))?;
        if value.is_null() {
            // An empty document (a leading or trailing `---`).
            continue;
        }
        let position = Position {
            index: candidates.len(),
            line: None,
            source_id: None,
        };
        candidates.push(match value.as_mapping() {
            Some(job) => candidate(position, job),
            None => Candidate {
                position,
                problem: Some("the job is not a mapping of fields".to_owned()),
                ..Candidate::default()
            },
        });
    }
    Ok(candidates)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn candidate(position: Position, job: &yaml_serde::Mapping) -> Candidate {
    let field = |name: &str| job.get(name);
    let mut candidate = Candidate {
        position,
        name: field("name").and_then(text).filter(|name| !name.is_empty()),
        ..Candidate::default()
    };
    if let Some(url) = field("url").and_then(text) {
        candidate.url = url;
    } else if let Some(url) = field("navigate").and_then(text) {
        candidate.url = url;
        candidate.render = true;
    } else if field("command").is_some() {
        candidate.problem =
            Some("a command job runs a program; Lookout watches URLs only".to_owned());
    } else {
        candidate.problem = Some("the job has no url".to_owned());
    }
    if field("use_browser").and_then(Value::as_bool) == Some(true)
        || field("kind").and_then(Value::as_str) == Some("browser")
    {
        candidate.render = true;
    }
    if let Some(headers) = field("headers").and_then(Value::as_mapping) {
        for (name, value) in headers {
            match (text(name), text(value)) {
                (Some(name), Some(value)) => candidate.headers.push((name, value)),
                (name, _) => {
                    candidate.ignore(format!("headers.{} (not text)", name.unwrap_or_default()))
                }
            }
        }
    }
    if let Some(filter) = field("filter") {
        filters(&mut candidate, filter);
    }
    for (name, value) in job {
        let Some(name) = name.as_str() else {
            continue;
        };
        if MAPPED.contains(&name) || name == "command" || is_empty(value) {
            continue;
        }
        candidate.ignore(name.to_owned());
    }
    candidate
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(flag) => !flag,
        Value::String(text) => text.trim().is_empty(),
        Value::Sequence(items) => items.is_empty(),
        Value::Mapping(fields) => fields.is_empty(),
        _ => false,
    }
}

/// Applies a job's `filter`, a string or a list.
fn filters(candidate: &mut Candidate, filter: &Value) {
    match filter {
        Value::String(chain) => {
            for part in chain.split(',') {
                let (name, argument) = match part.split_once(':') {
                    Some((name, argument)) => (name.trim(), Some(argument.trim().to_owned())),
                    None => (part.trim(), None),
                };
                one_filter(candidate, name, argument.as_deref(), None);
            }
        }
        Value::Sequence(items) => {
            for item in items {
                match item {
                    Value::String(part) => match part.split_once(':') {
                        Some((name, argument)) => {
                            one_filter(candidate, name.trim(), Some(argument.trim()), None);
                        }
                        None => one_filter(candidate, part.trim(), None, None),
                    },
                    Value::Mapping(single) => {
                        for (name, argument) in single {
                            let name = name.as_str().unwrap_or_default();
                            match argument {
                                Value::Mapping(settings) => {
                                    one_filter(candidate, name, None, Some(settings));
                                }
                                other => {
                                    one_filter(candidate, name, text(other).as_deref(), None);
                                }
                            }
                        }
                    }
                    _ => candidate.ignore("filter (an entry that is not a filter)"),
                }
            }
        }
        _ => candidate.ignore("filter"),
    }
}

/// One filter: a selecting one becomes a selector, others are ignored.
fn one_filter(
    candidate: &mut Candidate,
    name: &str,
    argument: Option<&str>,
    settings: Option<&yaml_serde::Mapping>,
) {
    if name.is_empty() {
        return;
    }
    let setting = |key: &str| settings.and_then(|s| s.get(key)).and_then(text);
    let main = match name {
        "css" => "selector",
        "xpath" => "path",
        _ => "",
    };
    let argument = argument
        .map(str::to_owned)
        .or_else(|| setting(main))
        .or_else(|| setting("query"))
        .unwrap_or_default();
    let selector = match name {
        "css" => Some((Kind::Css, argument)),
        "xpath" => Some((Kind::XPath, argument)),
        "element-by-id" => Some((Kind::Css, format!("#{argument}"))),
        "element-by-class" => Some((Kind::Css, format!(".{argument}"))),
        "element-by-tag" => Some((Kind::Css, argument)),
        "jq" => Some((Kind::Jq, argument)),
        _ => None,
    };
    match selector {
        Some((kind, expression)) => {
            candidate.select(kind, &expression, &format!("filter {name}"));
            for (key, _) in settings.into_iter().flatten() {
                let key = key.as_str().unwrap_or_default();
                if key != main && key != "query" {
                    candidate.ignore(format!("filter {name}.{key}"));
                }
            }
        }
        None => candidate.ignore(format!("filter {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_and_list_filters_map_their_selecting_parts() {
        let candidates = read(
            "name: A\nurl: https://a.example/\nfilter: css:.price,html2text,strip\n---\n\
             url: https://b.example/\nfilter:\n  - xpath:\n      path: //span\n      exclude: //b\n  - grep: x\n---\n\
             url: https://c.example/\nfilter:\n  - element-by-id: main\n---\ncommand: ls\n---\n",
        )
        .unwrap();
        assert_eq!(candidates.len(), 4);
        assert_eq!(candidates[0].name.as_deref(), Some("A"));
        assert_eq!(
            candidates[0].selectors,
            vec![(Kind::Css, ".price".to_owned())]
        );
        assert_eq!(
            candidates[0].ignored,
            vec!["filter html2text", "filter strip"]
        );
        assert_eq!(
            candidates[1].selectors,
            vec![(Kind::XPath, "//span".to_owned())]
        );
        assert_eq!(
            candidates[1].ignored,
            vec!["filter xpath.exclude", "filter grep"]
        );
        assert_eq!(
            candidates[2].selectors,
            vec![(Kind::Css, "#main".to_owned())]
        );
        assert!(candidates[3].problem.is_some());
    }
}
