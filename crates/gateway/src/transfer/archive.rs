//! changedetection.io's backup ZIP: what its "Backups" page downloads
//! (`changedetection-backup-<timestamp>.zip`). Its layout, as the backup
//! writes it:
//!
//! - `url-watches.json` at the root: every watch and the application's
//!   settings (the tag list among them). The import reads this file only.
//! - `secret.txt`: the web interface's session secret. Never read.
//! - `url-list.txt` and `url-list-with-tags.txt`: the watches' URLs again,
//!   one per line, for other tools.
//! - `<watch uuid>/…`: each watch's snapshots and history.
//!
//! Everything but `url-watches.json` is named in the report as ignored.
//!
//! A ZIP is an easy bomb: a few kilobytes that inflate to gigabytes, or a
//! directory of millions of entries. An archive of more than
//! [`MAX_ENTRIES`] entries is refused before any is read, and
//! `url-watches.json` is inflated only up to [`MAX_WATCHES_BYTES`], whatever
//! size its header claims: past either, [`ArchiveError::TooLarge`].

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

/// Entries an archive may have: a backup holds one folder per watch with
/// a few files each (10,000 watches with history fit easily).
pub const MAX_ENTRIES: usize = 100_000;

/// The largest `url-watches.json` inflated: the import's limit for a text
/// file.
pub const MAX_WATCHES_BYTES: u64 = 16 * 1024 * 1024;

/// The file of the archive the import reads.
pub const WATCHES_FILE: &str = "url-watches.json";

/// Why an archive cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not a ZIP the reader can open, or no `url-watches.json` in it.
    #[error("{0}")]
    Unreadable(String),
    /// Past [`MAX_ENTRIES`] or [`MAX_WATCHES_BYTES`].
    #[error("{0}")]
    TooLarge(String),
}

/// What a backup holds for the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// `url-watches.json`, as text.
    pub watches: String,
    /// What else the archive holds, in words, for the report.
    pub ignored: Vec<String>,
}

/// Whether `body` starts as a ZIP archive does (a local file header, or the
/// end record of an empty archive).
pub fn is_zip(body: &[u8]) -> bool {
    body.starts_with(b"PK\x03\x04") || body.starts_with(b"PK\x05\x06")
}

/// Reads a changedetection.io backup ZIP.
pub fn read_backup(body: &[u8]) -> Result<Backup, ArchiveError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(body)).map_err(|error| {
        ArchiveError::Unreadable(format!("not a readable ZIP archive: {error}"))
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(ArchiveError::TooLarge(format!(
            "the archive has {} entries; an import reads archives of at most {MAX_ENTRIES}",
            archive.len()
        )));
    }
    let mut names: Vec<String> = Vec::with_capacity(archive.len());
    for name in archive.file_names() {
        // A name that is not UTF-8 is counted among the ignored files.
        names.push(name.map_or_else(|_| "?".to_owned(), |name| name.into_owned()));
    }
    if !names.iter().any(|name| name == WATCHES_FILE) {
        return Err(ArchiveError::Unreadable(format!(
            "the archive has no {WATCHES_FILE} at its root: is it a changedetection.io backup?"
        )));
    }
    let file = archive.by_name(WATCHES_FILE).map_err(|error| {
        ArchiveError::Unreadable(format!("{WATCHES_FILE} cannot be read: {error}"))
    })?;
    let too_large = || {
        ArchiveError::TooLarge(format!(
            "{WATCHES_FILE} inflates past {} MiB; an import reads at most that",
            MAX_WATCHES_BYTES / (1024 * 1024)
        ))
    };
    if file.size() > MAX_WATCHES_BYTES {
        return Err(too_large());
    }
    // The header's size is the archive's claim: the inflated bytes are
    // counted too.
    let mut bytes = Vec::new();
    file.take(MAX_WATCHES_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            ArchiveError::Unreadable(format!("{WATCHES_FILE} cannot be inflated: {error}"))
        })?;
    if bytes.len() as u64 > MAX_WATCHES_BYTES {
        return Err(too_large());
    }
    let watches = String::from_utf8(bytes)
        .map_err(|_| ArchiveError::Unreadable(format!("{WATCHES_FILE} is not UTF-8 text")))?;
    Ok(Backup {
        watches,
        ignored: ignored(&names),
    })
}

/// The archive's other entries in words: known files by name, watch
/// folders counted, anything else listed (the first few).
fn ignored(names: &[String]) -> Vec<String> {
    const LISTED: usize = 5;
    let mut words = Vec::new();
    let mut folders = BTreeSet::new();
    let mut others = Vec::new();
    for name in names.iter().filter(|name| *name != WATCHES_FILE) {
        match name.as_str() {
            "secret.txt" => words.push("secret.txt (its session secret, never read)".to_owned()),
            "url-list.txt" | "url-list-with-tags.txt" => {
                words.push(format!("{name} (the same URLs again)"));
            }
            _ => match name.split_once('/') {
                Some((folder, _)) if uuid::Uuid::parse_str(folder).is_ok() => {
                    folders.insert(folder);
                }
                _ => others.push(name.as_str()),
            },
        }
    }
    if !folders.is_empty() {
        words.push(format!(
            "{} watch folder{} (snapshots and history)",
            folders.len(),
            if folders.len() == 1 { "" } else { "s" }
        ));
    }
    if !others.is_empty() {
        let mut listed = others
            .iter()
            .take(LISTED)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if others.len() > LISTED {
            listed.push_str(&format!(" and {} more", others.len() - LISTED));
        }
        words.push(format!("other files: {listed}"));
    }
    words
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    const WATCH: &str = "5e7a2a4e-0b8c-4b8e-9d53-2f0d6d1c0001";

    fn archive(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in files {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_backup_gives_its_watches_and_names_what_else_it_holds() {
        let body = archive(&[
            ("url-watches.json", br#"{"watching": {}}"#),
            ("secret.txt", b"flask-secret"),
            (
                &format!("{WATCH}/history.txt"),
                b"1700000000,snapshot.txt\n",
            ),
            (&format!("{WATCH}/1700000000.txt"), b"page text"),
            ("url-list.txt", b"https://a.example/\r\n"),
            ("notes.md", b"x"),
        ]);
        assert!(is_zip(&body));
        let backup = read_backup(&body).unwrap();
        assert_eq!(backup.watches, r#"{"watching": {}}"#);
        assert_eq!(
            backup.ignored,
            [
                "secret.txt (its session secret, never read)",
                "url-list.txt (the same URLs again)",
                "1 watch folder (snapshots and history)",
                "other files: notes.md",
            ]
        );
        assert!(
            !backup
                .ignored
                .iter()
                .any(|word| word.contains("flask-secret"))
        );
    }

    #[test]
    fn an_archive_without_the_watches_file_or_not_a_zip_is_unreadable() {
        let body = archive(&[("secret.txt", b"s")]);
        assert!(matches!(
            read_backup(&body),
            Err(ArchiveError::Unreadable(message)) if message.contains("url-watches.json")
        ));
        assert!(matches!(
            read_backup(b"PK\x03\x04 and then nothing"),
            Err(ArchiveError::Unreadable(_))
        ));
        assert!(!is_zip(b"https://a.example/"));
    }

    #[test]
    fn a_watches_file_that_inflates_past_the_limit_is_too_large() {
        // 17 MiB of spaces deflate to a few kilobytes.
        let padding = vec![b' '; 17 * 1024 * 1024];
        let body = archive(&[("url-watches.json", &padding)]);
        assert!(body.len() < 200 * 1024, "{}", body.len());
        assert!(matches!(
            read_backup(&body),
            Err(ArchiveError::TooLarge(message)) if message.contains("16 MiB")
        ));
    }

    #[test]
    fn an_archive_of_too_many_entries_is_too_large() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|n| format!("{n}")).collect();
        let mut files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        files.push(("url-watches.json", b"{}"));
        let body = archive(&files);
        assert!(matches!(
            read_backup(&body),
            Err(ArchiveError::TooLarge(message)) if message.contains("entries")
        ));
    }
}
