//! Replays every committed corpus input (seeds and the inputs of past
//! findings) through its fuzz target: the short smoke `make test` runs, while
//! `make fuzz` searches for new inputs.
#![allow(clippy::unwrap_used, reason = "tests may unwrap")]

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} fails", path.display());
        inputs += 1;
    }
    assert!(inputs >= 5, "{target} has only {inputs} corpus inputs");
}

#[test]
fn url_guard_corpus() {
    replay("url_guard", fuzz_targets::url_guard);
}

#[test]
fn extract_html_corpus() {
    replay("extract_html", fuzz_targets::extract_html);
}

#[test]
fn extract_json_corpus() {
    replay("extract_json", fuzz_targets::extract_json);
}

#[test]
fn condition_corpus() {
    replay("condition", fuzz_targets::condition);
}
