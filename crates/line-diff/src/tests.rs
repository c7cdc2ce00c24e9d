use std::process::Command;

use super::*;

fn lines_of(previous: &str, current: &str, context: u32) -> Vec<String> {
    let mut lines = Vec::new();
    let options = Unified {
        context,
        header: Some(("previous", "current")),
    };
    unified(previous, current, options, |line| {
        lines.push(line.to_owned());
        ControlFlow::Continue(())
    });
    lines
}

fn joined(lines: &[String]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Texts of `length` lines drawn from a small vocabulary, so that lines
/// repeat and a diff has choices to make; a few lack the final line break.
fn text(seed: &mut u64, length: usize) -> String {
    let mut text = String::new();
    for _ in 0..length {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let word = [
            "price 120",
            "price 90",
            "in stock",
            "",
            "sold out",
            "  indented",
        ][usize::try_from(*seed >> 61).unwrap_or(0) % 6];
        text.push_str(word);
        text.push('\n');
    }
    if seed.is_multiple_of(5) {
        text.pop();
    }
    text
}

/// The hunks, read back as a patch: each hunk's header names where its
/// lines are in both texts and how many, its context and removed lines are
/// `previous`'s lines there, its context and added lines `current`'s; and
/// the lines between hunks, which no hunk shows, are equal in both texts.
fn assert_is_a_patch(previous: &str, current: &str, lines: &[String]) {
    let old: Vec<&str> = previous.lines().collect();
    let new: Vec<&str> = current.lines().collect();
    if lines.is_empty() {
        assert_eq!(old, new);
        return;
    }
    assert_eq!(lines[0], "--- previous");
    assert_eq!(lines[1], "+++ current");
    let (mut old_seen, mut new_seen) = (0, 0);
    let mut rest = &lines[2..];
    while let Some((header, body)) = rest.split_first() {
        let ranges: Vec<(usize, usize)> = header
            .strip_prefix("@@ -")
            .and_then(|ranges| ranges.strip_suffix(" @@"))
            .unwrap_or_else(|| panic!("not a hunk header: {header}"))
            .split(" +")
            .map(|range| match range.split_once(',') {
                Some((start, length)) => {
                    let length: usize = length.parse().unwrap();
                    let start: usize = start.parse().unwrap();
                    (if length == 0 { start } else { start - 1 }, length)
                }
                None => (range.parse::<usize>().unwrap() - 1, 1),
            })
            .collect();
        let [(old_start, old_length), (new_start, new_length)] = ranges[..] else {
            panic!("{header}");
        };
        assert_eq!(old[old_seen..old_start], new[new_seen..new_start]);
        let end = body
            .iter()
            .position(|line| line.starts_with("@@"))
            .unwrap_or(body.len());
        let (mut old_lines, mut new_lines) = (Vec::new(), Vec::new());
        for line in &body[..end] {
            if line == "\\ No newline at end of file" {
                continue;
            }
            let (tag, text) = line.split_at(1);
            match tag {
                " " => {
                    old_lines.push(text);
                    new_lines.push(text);
                }
                "-" => old_lines.push(text),
                "+" => new_lines.push(text),
                _ => panic!("{line}"),
            }
        }
        assert_eq!(
            old_lines,
            old[old_start..old_start + old_length],
            "{header}"
        );
        assert_eq!(
            new_lines,
            new[new_start..new_start + new_length],
            "{header}"
        );
        (old_seen, new_seen) = (old_start + old_length, new_start + new_length);
        rest = &body[end..];
    }
    assert_eq!(old[old_seen..], new[new_seen..]);
}

#[test]
fn every_diff_reads_back_as_a_patch_of_its_texts() {
    let mut seed = 7;
    for case in 0..2_000 {
        let previous = text(&mut seed, case % 40);
        let current = if case % 3 == 0 {
            // Mostly the same text: a few lines edited.
            let mut lines: Vec<String> = previous.lines().map(str::to_owned).collect();
            for edit in 0..lines.len() / 8 {
                let at = (edit * 7 + case) % lines.len();
                lines[at] = format!("edited {case}");
            }
            lines.iter().map(|line| format!("{line}\n")).collect()
        } else {
            text(&mut seed, (case * 7) % 40)
        };
        for context in [0, 2, 3] {
            let lines = lines_of(&previous, &current, context);
            assert_is_a_patch(&previous, &current, &lines);
            let changes = count(&previous, &current);
            let body = &lines[2.min(lines.len())..];
            let shown = |tag| body.iter().filter(|line| line.starts_with(tag)).count();
            // The hunks show every change, with the lines counted.
            assert_eq!(shown('-'), changes.removed, "{previous:?} → {current:?}");
            assert_eq!(shown('+'), changes.added, "{previous:?} → {current:?}");
        }
    }
}

/// GNU diff's unified output for the same texts: where a change has only
/// one place to go, both must write the same hunks, byte for byte.
fn gnu_diff(previous: &str, current: &str, context: u32) -> String {
    let directory = std::env::temp_dir().join(format!("line-diff-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let (old, new) = (directory.join("previous"), directory.join("current"));
    std::fs::write(&old, previous).unwrap();
    std::fs::write(&new, current).unwrap();
    let output = Command::new("diff")
        .arg(format!("-U{context}"))
        .args(["--label", "previous", "--label", "current"])
        .args([&old, &new])
        .output()
        .expect("GNU diff (diffutils) runs");
    std::fs::remove_dir_all(&directory).unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn unambiguous_changes_are_written_as_gnu_diff_writes_them() {
    let page: String = (1..=40)
        .map(|n| format!("Item {n}: {}.00 EUR\n", 100 + n))
        .collect();
    let cases = [
        // One line changed in the middle, near the start, at the end.
        page.replace("Item 20: 120.00", "Item 20: 99.00"),
        page.replace("Item 2: 102.00", "Item 2: 1.00"),
        page.replacen("Item 1: 101.00 EUR\n", "", 1),
        // Lines added at the start, removed at the end, changes close
        // together (one hunk) and far apart (two).
        format!("New arrivals\nSale\n{page}"),
        page.replace("Item 39: 139.00 EUR\nItem 40: 140.00 EUR\n", ""),
        page.replace("Item 10: 110", "Item 10: 1")
            .replace("Item 13: 113", "Item 13: 3"),
        page.replace("Item 5: 105", "Item 5: 5")
            .replace("Item 30: 130", "Item 30: 3"),
        // The final line break removed, and a whole new text.
        page.trim_end().to_owned(),
        "Sold out\n".to_owned(),
    ];
    for current in &cases {
        for context in [0, 2, 3] {
            assert_eq!(
                joined(&lines_of(&page, current, context)),
                gnu_diff(&page, current, context),
                "context {context}, current:\n{current}"
            );
        }
    }
}

#[test]
fn equal_texts_write_nothing() {
    assert!(lines_of("a\nb\n", "a\nb\n", 2).is_empty());
    assert!(lines_of("", "", 2).is_empty());
    assert_eq!(count("a\nb\n", "a\nb\n"), LineChanges::default());
}

#[test]
fn a_reader_that_stops_is_not_called_again() {
    let previous: String = (0..1_000).map(|n| format!("line {n}\n")).collect();
    let current: String = (0..1_000).map(|n| format!("row {n}\n")).collect();
    let mut calls = 0;
    let options = Unified {
        context: 2,
        header: None,
    };
    unified(&previous, &current, options, |_| {
        calls += 1;
        if calls == 5 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(calls, 5);
}

#[test]
fn texts_that_share_no_line_are_all_removed_and_added() {
    let previous: String = (0..40_000).map(|n| format!("line {n}\n")).collect();
    let shuffled: String = (0..40_000)
        .map(|n| format!("line {}\n", (n * 7_919) % 40_000))
        .collect();
    let other: String = (0..40_000).map(|n| format!("row {n}\n")).collect();
    assert_eq!(
        count(&previous, &other),
        LineChanges {
            added: 40_000,
            removed: 40_000
        }
    );
    // The same lines in another order: git's heuristics give up on the
    // longest match early, so the diff may be longer than the shortest,
    // but it is still a patch between the texts.
    let lines = lines_of(&previous, &shuffled, 2);
    assert_is_a_patch(&previous, &shuffled, &lines);
}
