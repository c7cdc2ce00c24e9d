//! jq filters, run by jaq.
//!
//! Only filters that compute on their input are registered: jaq-std's
//! `env` would hand a user the browser's environment, `now` would make the
//! text change on every check, and `debug` and `stderr` would write a
//! stranger's data into the service's log (`input` is in a module that is
//! never registered). `halt` ends the filter, never the process (jaq's
//! `unwrap_valr` would exit, so it is not used).
//!
//! A filter may loop forever (`last(repeat(1))`, `def f: f; f`) without
//! producing a value, so each run is metered (see [`meter`]): past a step
//! or time budget it ends with an error instead of holding a check.

use std::time::Duration;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars};
use jaq_json::Val;

use crate::json::JsonMiss;
use crate::meter::{Budget, Meter, Metered, MeteredLut};

type Filter = jaq_core::Filter<Metered>;

/// A filter that streams more values than this is cut off: the text of a
/// check is meant to be read.
const MAX_OUTPUTS: usize = 1_000;

/// What one run may spend. Real filters over a page-sized document take
/// well under a million steps and milliseconds; the budget is far above
/// that and far below a check's deadline.
pub const BUDGET: Budget = Budget {
    steps: 20_000_000,
    time: Duration::from_secs(2),
};

/// Native filters a monitor's jq filter cannot call. `range/3` is native
/// and yields without evaluating a step, so `[range(1e12)]` would escape
/// the meter; it is defined in jq instead ([`METERED_DEFS`]).
const WITHHELD_FUNS: &[&str] = &["env", "now", "stderr_empty", "debug_empty", "range"];
/// `range/3` as jq defines it, each value a few metered steps. It comes
/// before the standard definitions (which build `range/1` and `range/2` on
/// it), so it uses no definition of theirs (`{}[] as $x | .` is `empty`).
const METERED_DEFS: &str = "def range($from; $upto; $by):
    def rec: if ($by > 0 and . < $upto) or ($by < 0 and . > $upto) or ($by == 0 and . != $upto)
        then ., (. + $by | rec) else ({}[] as $x | .) end;
    $from | rec;";
/// Definitions built on the withheld logging filters.
const WITHHELD_DEFS: &[&str] = &["stderr", "debug", "halt_error"];

/// Parses and compiles a filter, with a message that points at the problem.
pub fn check(filter: &str) -> Result<(), String> {
    compile(filter).map(|_| ())
}

fn compile(filter: &str) -> Result<Filter, String> {
    let program = File {
        code: filter,
        path: (),
    };
    let defs = jaq_std::defs().filter(|def| !WITHHELD_DEFS.contains(&def.name));
    let metered = jaq_core::load::parse(METERED_DEFS, |parser| parser.defs())
        .into_iter()
        .flatten();
    let loader = Loader::new(
        metered
            .chain(jaq_core::defs())
            .chain(defs)
            .chain(jaq_json::defs()),
    );
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
    run_within(filter, body, BUDGET)
}

pub(crate) fn run_within(
    filter: &str,
    body: &str,
    budget: Budget,
) -> Result<Vec<String>, JsonMiss> {
    let input = jaq_json::read::parse_single(body.as_bytes())
        .map_err(|error| JsonMiss::Invalid(error.to_string()))?;
    let compiled = compile(filter).map_err(JsonMiss::Failed)?;
    let meter = Meter::new(budget);
    meter
        .run(|| outputs(&compiled, &meter, input))
        .map_err(|spent| JsonMiss::Failed(spent.to_string()))?
}

fn outputs(compiled: &Filter, meter: &Meter, input: Val) -> Result<Vec<String>, JsonMiss> {
    let data = MeteredLut::new(&compiled.lut, meter);
    let context = Ctx::<Metered>::new(data, Vars::new([]));
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
    fn filters_that_never_end_are_stopped_with_a_clear_error() {
        for endless in [
            "last(repeat(1))",
            "def f: f; f",
            "[range(1; infinite)] | length",
            "until(false; .)",
            "[limit(3; repeat(.) | select(false))]",
        ] {
            let started = std::time::Instant::now();
            let failure = run(endless, "1").unwrap_err();
            let JsonMiss::Failed(message) = failure else {
                panic!("{endless}: {failure:?}");
            };
            assert!(
                message.starts_with("the jq filter was stopped"),
                "{endless}: {message}"
            );
            assert!(
                started.elapsed() < BUDGET.time + Duration::from_secs(1),
                "{endless}"
            );
        }
    }

    #[test]
    fn the_time_bound_stops_a_filter_within_its_budget() {
        let budget = Budget {
            steps: u64::MAX,
            time: Duration::from_millis(200),
        };
        let started = std::time::Instant::now();
        let failure = run_within("last(repeat(1))", "1", budget).unwrap_err();
        assert_eq!(
            failure,
            JsonMiss::Failed("the jq filter was stopped: it ran longer than 200 ms".into())
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn range_is_metered_and_still_counts_like_jq() {
        assert_eq!(run("[range(5)] | length", "null").unwrap(), ["5"]);
        assert_eq!(
            run("[range(10; 0; -3) | tostring] | join(\",\")", "null").unwrap(),
            ["10,7,4,1"]
        );
        assert_eq!(run("[range(0; 1; 0.25)] | length", "null").unwrap(), ["4"]);
        assert_eq!(run("[range(3; 3)] | length", "null").unwrap(), ["0"]);
        let small = Budget {
            steps: 10_000,
            time: Duration::from_secs(10),
        };
        assert_eq!(
            run_within("[range(1e9)] | length", "null", small),
            Err(JsonMiss::Failed(
                "the jq filter was stopped: it took more than 10000 steps".into()
            ))
        );
    }

    #[test]
    fn parse_errors_say_where() {
        let message = check(".a | ]").unwrap_err();
        assert!(message.starts_with("not a valid jq filter"), "{message}");
        assert!(message.contains("character"), "{message}");
    }
}
