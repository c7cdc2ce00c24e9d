//! `lookout-dev-mailbox --listen 127.0.0.1:2525 --dir .local/dev/mail`
//!
//! Development only: a real SMTP server (the same one the tests use) that
//! stores every message it accepts as `<n>.eml` and prints its subject, so
//! alerts sent during `make dev` can be read without a mail account.

use std::path::PathBuf;
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
    let mut saved = 0;
    loop {
        let messages = sink.messages();
        for message in messages.iter().skip(saved) {
            saved += 1;
            let path = options.dir.join(format!("{saved:05}.eml"));
            std::fs::write(&path, &message.data)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
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
