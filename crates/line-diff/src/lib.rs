//! Line diffs of page texts: the short diff a check keeps and an alert
//! shows, the changed lines a judge reads, and the count of lines added and
//! removed.
//!
//! The diff is git's: imara-diff's Myers with git's heuristics, which keep
//! two large texts that share few lines (a rotated feed, a page served in
//! another language) to milliseconds where a plain Myers costs O(N·D), and
//! git's indent heuristic, which slides an ambiguous change to where a
//! reader expects it. A unified diff is handed to its reader a line at a
//! time, so a diff cut to its first 60 lines never writes the rest.

use std::fmt::Write as _;
use std::ops::{ControlFlow, Range};

use imara_diff::{Algorithm, Diff, Hunk, InternedInput};

/// Lines added and removed between two texts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineChanges {
    pub added: usize,
    pub removed: usize,
}

/// How many lines `current` adds to `previous` and removes from it.
pub fn count(previous: &str, current: &str) -> LineChanges {
    let input = InternedInput::new(previous, current);
    // Sliding a change along equal lines moves it, never resizes it: the
    // counts need no post-processing.
    let diff = Diff::compute(Algorithm::Myers, &input);
    LineChanges {
        added: usize::try_from(diff.count_additions()).unwrap_or(usize::MAX),
        removed: usize::try_from(diff.count_removals()).unwrap_or(usize::MAX),
    }
}

/// How a unified diff is written.
#[derive(Debug, Clone, Copy)]
pub struct Unified<'a> {
    /// Equal lines shown around each change; changes closer than twice
    /// this share a hunk.
    pub context: u32,
    /// The `--- previous` / `+++ current` names, written before the first
    /// hunk.
    pub header: Option<(&'a str, &'a str)>,
}

/// Writes the unified diff from `previous` to `current` to `line`, one
/// line at a time without its line break, until `line` answers `Break`.
/// Texts with the same lines write nothing. A line without a line break at
/// the end of a text is followed by `\ No newline at end of file`, as
/// `diff -u` writes it.
pub fn unified(
    previous: &str,
    current: &str,
    options: Unified<'_>,
    mut line: impl FnMut(&str) -> ControlFlow<()>,
) {
    let input = InternedInput::new(previous, current);
    let mut diff = Diff::compute(Algorithm::Myers, &input);
    diff.postprocess_lines(&input);
    let mut writer = Writer {
        input: &input,
        buffer: String::new(),
        line: &mut line,
    };
    let _ = writer.hunks(&diff, options);
}

struct Writer<'a, F> {
    input: &'a InternedInput<&'a str>,
    buffer: String,
    line: &'a mut F,
}

impl<F: FnMut(&str) -> ControlFlow<()>> Writer<'_, F> {
    fn hunks(&mut self, diff: &Diff, options: Unified<'_>) -> ControlFlow<()> {
        let context = options.context;
        let before_len = u32::try_from(self.input.before.len()).unwrap_or(u32::MAX);
        let mut changes = diff.hunks().peekable();
        let mut header = options.header;
        // Where the equal lines before the next group of changes begin.
        let mut equal_from = 0;
        let mut group = Vec::new();
        while let Some(first) = changes.next() {
            let lead = context.min(first.before.start - equal_from);
            let start = (first.before.start - lead, first.after.start - lead);
            // Where the group's last change ends, in both texts.
            let mut end = (first.before.end, first.after.end);
            group.clear();
            group.push(first);
            while let Some(next) =
                changes.next_if(|next| next.before.start - end.0 <= context.saturating_mul(2))
            {
                end = (next.before.end, next.after.end);
                group.push(next);
            }
            let equal_to = changes.peek().map_or(before_len, |next| next.before.start);
            let trail = context.min(equal_to - end.0);
            equal_from = end.0;
            if let Some((previous, current)) = header.take() {
                self.text(format_args!("--- {previous}"))?;
                self.text(format_args!("+++ {current}"))?;
            }
            self.text(format_args!(
                "@@ -{} +{} @@",
                HunkRange(start.0..end.0 + trail),
                HunkRange(start.1..end.1 + trail),
            ))?;
            self.equal(start.0..start.0 + lead)?;
            for (index, hunk) in group.iter().enumerate() {
                self.changed(hunk)?;
                let equal_end = group
                    .get(index + 1)
                    .map_or(hunk.before.end + trail, |next| next.before.start);
                self.equal(hunk.before.end..equal_end)?;
            }
        }
        ControlFlow::Continue(())
    }

    fn changed(&mut self, hunk: &Hunk) -> ControlFlow<()> {
        for &token in &self.input.before[range(&hunk.before)] {
            self.token('-', self.input.interner[token])?;
        }
        for &token in &self.input.after[range(&hunk.after)] {
            self.token('+', self.input.interner[token])?;
        }
        ControlFlow::Continue(())
    }

    fn equal(&mut self, lines: Range<u32>) -> ControlFlow<()> {
        for &token in &self.input.before[range(&lines)] {
            self.token(' ', self.input.interner[token])?;
        }
        ControlFlow::Continue(())
    }

    fn token(&mut self, tag: char, text: &str) -> ControlFlow<()> {
        self.buffer.clear();
        self.buffer.push(tag);
        match text.strip_suffix('\n') {
            Some(text) => {
                self.buffer
                    .push_str(text.strip_suffix('\r').unwrap_or(text));
                (self.line)(&self.buffer)
            }
            None => {
                self.buffer.push_str(text);
                (self.line)(&self.buffer)?;
                (self.line)("\\ No newline at end of file")
            }
        }
    }

    fn text(&mut self, text: std::fmt::Arguments<'_>) -> ControlFlow<()> {
        self.buffer.clear();
        let _ = self.buffer.write_fmt(text);
        (self.line)(&self.buffer)
    }
}

fn range(lines: &Range<u32>) -> Range<usize> {
    let index = |line: u32| usize::try_from(line).unwrap_or(usize::MAX);
    index(lines.start)..index(lines.end)
}

/// A hunk header's range as `diff -u` writes it: 1-based `start,length`,
/// the length left out when it is 1, and an empty range named by the line
/// before it.
struct HunkRange(Range<u32>);

impl std::fmt::Display for HunkRange {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Range { start, end } = self.0;
        match end - start {
            0 => write!(formatter, "{start},0"),
            1 => write!(formatter, "{}", start + 1),
            length => write!(formatter, "{},{length}", start + 1),
        }
    }
}

#[cfg(test)]
mod tests;
