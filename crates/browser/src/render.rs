//! Headless Chromium, for pages that build their content with JavaScript.
//!
//! Chromium is confined to the one checked address: `--host-resolver-rules`
//! maps the page's host to the address netguard accepted, and every other
//! destination (other hosts, literal IPs in subresources or scripts) is sent
//! to a proxy that does not exist, so it fails instead of reaching the
//! private network.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use netguard::{GuardError, Policy};
use tokio::process::Command;
use url::{Host, Url};

/// A proxy address nothing listens on (the TCP "discard" port on loopback).
const BLACKHOLE_PROXY: &str = "http://127.0.0.1:9";

/// Lets scripts finish their first round of work before the DOM is dumped,
/// in virtual time, which costs little real time.
const VIRTUAL_TIME_BUDGET_MS: u32 = 3000;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error("cannot start chromium: {0}")]
    Launch(#[source] std::io::Error),
    #[error("chromium failed: {0}")]
    Failed(String),
}

/// What Chromium saw.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub dom: String,
    pub screenshot_png: Vec<u8>,
}

pub struct Renderer {
    chromium: PathBuf,
    policy: Arc<Policy>,
}

impl Renderer {
    /// `None` when there is no Chromium binary at `chromium`.
    pub fn detect(chromium: &Path, policy: Arc<Policy>) -> Option<Self> {
        chromium.is_file().then(|| Self {
            chromium: chromium.to_owned(),
            policy,
        })
    }

    /// The rendered DOM of `url`, and a screenshot when asked for.
    pub async fn render(&self, url: &Url, screenshot: bool) -> Result<Rendered, RenderError> {
        let addrs = netguard::resolve_url(&self.policy, url).await?;
        let ip = addrs
            .first()
            .map(|addr| addr.ip())
            .ok_or_else(|| GuardError::NoAddresses {
                host: url.host_str().unwrap_or_default().to_owned(),
            })?;
        let profile = tempfile::tempdir().map_err(RenderError::Launch)?;
        let confinement = confinement_args(url, ip);

        let dom = self
            .run(
                profile.path(),
                &confinement,
                &["--dump-dom".to_owned()],
                url,
            )
            .await?;
        let mut rendered = Rendered {
            dom: String::from_utf8_lossy(&dom).into_owned(),
            screenshot_png: Vec::new(),
        };
        if screenshot {
            let file = profile.path().join("screenshot.png");
            let args = [
                format!("--screenshot={}", file.display()),
                "--window-size=1280,2000".to_owned(),
            ];
            self.run(profile.path(), &confinement, &args, url).await?;
            rendered.screenshot_png = tokio::fs::read(&file).await.map_err(|error| {
                RenderError::Failed(format!("no screenshot was written: {error}"))
            })?;
        }
        Ok(rendered)
    }

    async fn run(
        &self,
        profile: &Path,
        confinement: &[String],
        extra: &[String],
        url: &Url,
    ) -> Result<Vec<u8>, RenderError> {
        let output = Command::new(&self.chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--mute-audio",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}"))
            .args(confinement)
            .args(extra)
            .arg(url.as_str())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // The caller's deadline drops this future; the browser must die with it.
            .kill_on_drop(true)
            .output()
            .await
            .map_err(RenderError::Launch)?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last_line = stderr.lines().last().unwrap_or_default().to_owned();
            return Err(RenderError::Failed(format!(
                "{} {last_line}",
                output.status
            )));
        }
        Ok(output.stdout)
    }
}

/// Flags that keep Chromium on the checked address of the page's host.
pub fn confinement_args(url: &Url, ip: IpAddr) -> Vec<String> {
    let host = url.host_str().unwrap_or_default();
    let target = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    let mut args = vec![
        format!("--proxy-server={BLACKHOLE_PROXY}"),
        // `<-loopback>` removes Chromium's implicit direct access to loopback;
        // it must come first, or it also removes a loopback `host`.
        format!("--proxy-bypass-list=<-loopback>;{host}"),
    ];
    if matches!(url.host(), Some(Host::Domain(_))) {
        args.push(format!("--host-resolver-rules=MAP {host} {target}"));
    }
    args
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    #[test]
    fn names_are_pinned_to_the_checked_address_and_everything_else_is_blackholed() {
        let url = Url::parse("https://shop.example/item").unwrap();
        let args = confinement_args(&url, "93.184.216.34".parse().unwrap());
        assert_eq!(
            args,
            vec![
                "--proxy-server=http://127.0.0.1:9".to_owned(),
                "--proxy-bypass-list=<-loopback>;shop.example".to_owned(),
                "--host-resolver-rules=MAP shop.example 93.184.216.34".to_owned(),
            ]
        );
    }
}
