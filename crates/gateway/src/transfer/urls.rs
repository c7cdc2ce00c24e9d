//! A plain list of URLs: one per line; blank lines and lines starting with
//! `#` are skipped (as in `text/uri-list`, RFC 2483).

use super::{Candidate, Position};

pub fn read(text: &str) -> Vec<Candidate> {
    text.lines()
        .enumerate()
        .filter_map(|(number, line)| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            Some((number + 1, line))
        })
        .enumerate()
        .map(|(index, (line, url))| Candidate {
            position: Position {
                index,
                line: Some(line),
                source_id: None,
            },
            url: url.to_owned(),
            ..Candidate::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_skipped_and_lines_kept() {
        let candidates = read(
            "# my list\r\n\r\nhttps://a.example/x\n   \n  https://b.example/  \n#https://c.example/\n",
        );
        let seen: Vec<(usize, Option<usize>, &str)> = candidates
            .iter()
            .map(|c| (c.position.index, c.position.line, c.url.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (0, Some(3), "https://a.example/x"),
                (1, Some(5), "https://b.example/")
            ]
        );
    }
}
