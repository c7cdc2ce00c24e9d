//! `lookout-dev-mailbox --listen 127.0.0.1:2525 --dir .local/dev/mail`
//!
//! Development only: a real SMTP server (the same one the tests use) that
//! stores every message it accepts as `<n>.eml` and prints its subject, so
//! alerts sent during `make dev` can be read without a mail account.
//! Numbering continues after the highest file already in the folder and a
//! file is never overwritten, so mail from earlier runs is kept.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use test_support::smtp::SmtpSink;

struct Options {
    port: u16,
    dir: PathBuf,
}

fn parse_options() -> Result<Options, String> {
    let mut port = 2525;
    let mut dir = PathBuf::from(".local/dev/mail");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--listen" => {
                let addr: std::net::SocketAddr = value
                    .parse()
                    .map_err(|_| format!("--listen takes host:port, got {value}"))?;
                if !addr.ip().is_loopback() {
                    return Err("the development mailbox only listens on loopback".to_owned());
                }
                port = addr.port();
            }
            "--dir" => dir = PathBuf::from(value),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Options { port, dir })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let options = parse_options()?;
    std::fs::create_dir_all(&options.dir)
        .map_err(|error| format!("cannot create {}: {error}", options.dir.display()))?;
    let sink = SmtpSink::start_on_port(options.port).await;
    println!("development mailbox listening on {}", sink.url());
    let mut seen = 0;
    let mut number = highest_saved_number(&options.dir)?;
    loop {
        let messages = sink.messages();
        for message in messages.iter().skip(seen) {
            seen += 1;
            let path = save_new(&options.dir, &mut number, &message.data)?;
            println!(
                "mail to {} — {} ({})",
                message.rcpt_to.join(", "),
                message.subject(),
                path.display()
            );
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// The highest `<n>` of the `<n>.eml` files already in `dir` (0 when none).
fn highest_saved_number(dir: &Path) -> Result<u64, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    Ok(entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_suffix(".eml")?.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0))
}

/// Writes `data` as the next free `<n>.eml`; `create_new` refuses to replace
/// a file, so a second mailbox on the same folder skips ahead instead.
fn save_new(dir: &Path, number: &mut u64, data: &[u8]) -> Result<PathBuf, String> {
    loop {
        *number += 1;
        let path = dir.join(format!("{number:05}.eml"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(data)
                    .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
                return Ok(path);
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(format!("cannot create {}: {error}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_continues_after_mail_from_an_earlier_run_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("00001.eml"), b"first run").unwrap();
        std::fs::write(dir.path().join("00002.eml"), b"first run").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"not mail").unwrap();

        let mut number = highest_saved_number(dir.path()).unwrap();
        assert_eq!(number, 2);
        let path = save_new(dir.path(), &mut number, b"second run").unwrap();
        assert_eq!(path, dir.path().join("00003.eml"));

        // Another mailbox on the same folder took 00004 meanwhile: skip it.
        std::fs::write(dir.path().join("00004.eml"), b"other mailbox").unwrap();
        let path = save_new(dir.path(), &mut number, b"next").unwrap();
        assert_eq!(path, dir.path().join("00005.eml"));
        assert_eq!(
            std::fs::read(dir.path().join("00001.eml")).unwrap(),
            b"first run"
        );
        assert_eq!(
            std::fs::read(dir.path().join("00004.eml")).unwrap(),
            b"other mailbox"
        );
    }
}
