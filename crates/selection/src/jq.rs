//! jq filters, run by jaq.
//!
//! Only filters that compute on their input are registered: jaq-std's
//! `env` would hand a user the browser's environment, `now` would make the
//! text change on every check, and `debug` and `stderr` would write a
//! stranger's data into the service's log (`input` is in a module that is
//! never registered). `halt` ends the filter, never the process (jaq's
//! `unwrap_valr` would exit, so it is not used).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Filter, Vars, data};
use jaq_json::Val;

use crate::json::JsonMiss;

type Data = data::JustLut<Val>;

/// A filter that streams more values than this is cut off: the text of a
/// check is meant to be read, and it bounds the work `range(1e9)` can cause.
const MAX_OUTPUTS: usize = 1_000;

/// Native filters a monitor's jq filter cannot call.
const WITHHELD_FUNS: &[&str] = &["env", "now", "stderr_empty", "debug_empty"];
/// Definitions built on the withheld logging filters.
const WITHHELD_DEFS: &[&str] = &["stderr", "debug", "halt_error"];

/// Parses and compiles a filter, with a message that points at the problem.
pub fn check(filter: &str) -> Result<(), String> {
    compile(filter).map(|_| ())
}

fn compile(filter: &str) -> Result<Filter<Data>, String> {
    let program = File {
        code: filter,
        path: (),
    };
    let defs = jaq_std::defs().filter(|def| !WITHHELD_DEFS.contains(&def.name));
    let loader = Loader::new(jaq_core::defs().chain(defs).chain(jaq_json::defs()));
    let arena = Arena::default();
    let modules = loader.load(&arena, program).map_err(|errors| {
        let reasons: Vec<String> = errors
            .into_iter()
            .flat_map(|(_, error)| load_reasons(filter, error))
            .collect();
        format!("not a valid jq filter: {}", reasons.join("; "))
    })?;
    let funs = jaq_core::funs()
        .chain(jaq_std::funs().filter(|(name, ..)| !WITHHELD_FUNS.contains(name)))
        .chain(jaq_json::funs());
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| {
            let reasons: Vec<String> = errors
                .into_iter()
                .flat_map(|(_, undefined)| undefined)
                .map(|(name, kind)| format!("undefined {} {name}", kind.as_str()))
                .collect();
            format!("the jq filter uses {}", reasons.join(", "))
        })
}

fn load_reasons(filter: &str, error: jaq_core::load::Error<&str>) -> Vec<String> {
    use jaq_core::load::Error;
    let at = |part: &str| {
        let offset = jaq_core::load::span(filter, part).start;
        let column = filter[..offset.min(filter.len())].chars().count() + 1;
        if part.is_empty() {
            "at the end".to_owned()
        } else {
            format!("at character {column}")
        }
    };
    match error {
        Error::Io(errors) => errors
            .into_iter()
            .map(|(path, message)| format!("cannot load {path}: {message}"))
            .collect(),
        Error::Lex(errors) => errors
            .into_iter()
            .map(|(expected, part)| format!("expected {} {}", expected.as_str(), at(part)))
            .collect(),
        Error::Parse(errors) => errors
            .into_iter()
            .map(|(expected, part)| format!("expected {} {}", expected.as_str(), at(part)))
            .collect(),
    }
}

/// Runs `filter` on the JSON `body`: one text per output that is not null.
pub fn run(filter: &str, body: &str) -> Result<Vec<String>, JsonMiss> {
    let input = jaq_json::read::parse_single(body.as_bytes())
        .map_err(|error| JsonMiss::Invalid(error.to_string()))?;
    let compiled = compile(filter).map_err(JsonMiss::Failed)?;
    let context = Ctx::<Data>::new(&compiled.lut, Vars::new([]));
    let mut texts = Vec::new();
    for output in compiled.id.run((context, input)).take(MAX_OUTPUTS) {
        let value = output.map_err(|exception| match exception.get_err() {
            Ok(error) => JsonMiss::Failed(error.to_string()),
            Err(_) => JsonMiss::Failed("the filter called halt".to_owned()),
        })?;
        match value {
            Val::Null => {}
            Val::TStr(bytes) => texts.push(String::from_utf8_lossy(&bytes).into_owned()),
            other => texts.push(pretty(&other)),
        }
    }
    Ok(texts)
}

/// jaq prints compact JSON; the text a person reads is indented like the
/// rest of Lookout's JSON text.
fn pretty(value: &Val) -> String {
    let compact = value.to_string();
    serde_json::from_str::<serde_json::Value>(&compact)
        .map(|parsed| crate::json::value_text(&parsed))
        .unwrap_or(compact)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    #[test]
    fn the_environment_the_clock_and_the_log_are_out_of_reach() {
        assert!(check("env").unwrap_err().contains("env"));
        assert!(check("now").is_err());
        assert!(check("debug").is_err());
        assert!(check("stderr").is_err());
        assert!(check("$ENV.HOME").is_err());
        assert!(check("input").is_err());
    }

    #[test]
    fn halt_ends_the_filter_not_the_process() {
        assert_eq!(
            run("halt", "{}"),
            Err(JsonMiss::Failed("the filter called halt".into()))
        );
    }

    #[test]
    fn endless_streams_are_cut_off() {
        assert_eq!(
            run("range(1; infinite)", "null").unwrap().len(),
            MAX_OUTPUTS
        );
    }

    #[test]
    fn parse_errors_say_where() {
        let message = check(".a | ]").unwrap_err();
        assert!(message.starts_with("not a valid jq filter"), "{message}");
        assert!(message.contains("character"), "{message}");
    }
}
