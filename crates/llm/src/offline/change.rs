//! A short description of how a page's text changed, counted in lines.

/// Lines added and removed between two snapshots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineChanges {
    pub added: usize,
    pub removed: usize,
}

impl LineChanges {
    pub fn between(previous: &str, current: &str) -> Self {
        let line_diff::LineChanges { added, removed } = line_diff::count(previous, current);
        Self { added, removed }
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
