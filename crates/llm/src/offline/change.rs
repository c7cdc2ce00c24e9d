//! A short description of how a page's text changed, counted in lines with `similar`.

use std::time::Duration;

use similar::{ChangeTag, TextDiff};

/// Diffing two 2 MB pages that share nothing is quadratic; past this the diff is approximate,
/// which is fine for a count in a sentence.
const DIFF_DEADLINE: Duration = Duration::from_millis(200);

/// Lines added and removed between two snapshots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineChanges {
    pub added: usize,
    pub removed: usize,
}

impl LineChanges {
    pub fn between(previous: &str, current: &str) -> Self {
        let diff = TextDiff::configure()
            .timeout(DIFF_DEADLINE)
            .diff_lines(previous, current);
        let mut changes = Self::default();
        for change in diff.iter_all_changes() {
            match change.tag() {
                ChangeTag::Insert => changes.added += 1,
                ChangeTag::Delete => changes.removed += 1,
                ChangeTag::Equal => {}
            }
        }
        changes
    }

    /// "2 lines added and 1 line removed." or "The text did not change."
    pub fn describe(&self) -> String {
        match (self.added, self.removed) {
            (0, 0) => "The text did not change.".to_owned(),
            (added, 0) => format!("{} added.", lines(added)),
            (0, removed) => format!("{} removed.", lines(removed)),
            (added, removed) => format!("{} added and {removed} removed.", lines(added)),
        }
    }
}

fn lines(count: usize) -> String {
    if count == 1 {
        "1 line".to_owned()
    } else {
        format!("{count} lines")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_and_removed_lines_are_counted() {
        let changes = LineChanges::between("a\nb\nc\n", "a\nB\nc\nd\n");
        assert_eq!(
            changes,
            LineChanges {
                added: 2,
                removed: 1
            }
        );
        assert_eq!(changes.describe(), "2 lines added and 1 removed.");
        assert_eq!(
            LineChanges::between("x", "x").describe(),
            "The text did not change."
        );
    }
}
