//! The one long-lived Chromium of this replica: launched on first use,
//! relaunched when it dies or stops answering.
//!
//! No page data ever reaches Chromium's command line: URLs, headers and steps
//! travel over the DevTools protocol, and the only address in a flag is the
//! egress proxy's own loopback port.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chromiumoxide::browser::BrowserConfig;
use chromiumoxide::{Browser, Handler};
use futures::StreamExt as _;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

use crate::render::RenderError;

/// A cold start takes about a second; a machine under load may need more,
/// but a browser that is not up after this is not coming up.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// One DevTools command (not a whole render) that takes this long means the
/// browser is hung; the instance is then replaced.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// Viewport of every page, and so of screenshots.
pub const VIEWPORT_WIDTH: u32 = 1280;
pub const VIEWPORT_HEIGHT: u32 = 900;

/// How to start Chromium.
#[derive(Debug, Clone)]
pub struct ChromiumSettings {
    pub executable: PathBuf,
    /// Off only when the operator says so (`BROWSER_CHROMIUM_NO_SANDBOX`).
    pub sandbox: bool,
    /// `http://127.0.0.1:<port>` of the egress proxy.
    pub proxy_server: String,
}

/// A running Chromium and the task that pumps its DevTools connection.
pub struct Instance {
    pub browser: Browser,
    pump: JoinHandle<()>,
    /// True once the browser stopped answering; renders on it wait on this
    /// too, so they end at once instead of waiting on a deaf browser.
    hung: watch::Sender<bool>,
    /// Deleted when the instance is dropped, after the process is killed.
    _profile: tempfile::TempDir,
}

impl Instance {
    fn is_alive(&self) -> bool {
        !self.pump.is_finished() && !self.is_hung()
    }

    pub fn is_hung(&self) -> bool {
        *self.hung.borrow()
    }

    /// Resolves once the instance is marked hung.
    pub async fn hung(&self) {
        let mut marked = self.hung.subscribe();
        // The sender lives as long as `self`, so this cannot fail while we wait.
        let _ = marked.wait_for(|hung| *hung).await;
    }

    /// The next render gets a fresh Chromium; renders in flight finish or fail
    /// on this one.
    pub fn mark_hung(&self) {
        if !self.hung.send_replace(true) {
            tracing::warn!("chromium stopped answering; it will be restarted");
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // The process itself is killed by chromiumoxide (kill on drop).
        self.pump.abort();
    }
}

pub struct Chromium {
    settings: ChromiumSettings,
    current: Mutex<Option<Arc<Instance>>>,
}

impl Chromium {
    pub fn new(settings: ChromiumSettings) -> Self {
        Self {
            settings,
            current: Mutex::new(None),
        }
    }

    /// The running instance, launching (or relaunching) it when needed.
    pub async fn instance(&self) -> Result<Arc<Instance>, RenderError> {
        let mut current = self.current.lock().await;
        if let Some(instance) = current.as_ref() {
            if instance.is_alive() {
                return Ok(Arc::clone(instance));
            }
            tracing::warn!("chromium exited or hung; starting a new one");
        }
        // Drop the old one first, so two browsers never hold memory at once
        // longer than the renders still using the old one.
        *current = None;
        let instance = Arc::new(launch(&self.settings).await?);
        *current = Some(Arc::clone(&instance));
        Ok(instance)
    }
}

async fn launch(settings: &ChromiumSettings) -> Result<Instance, RenderError> {
    let profile = tempfile::tempdir().map_err(RenderError::Launch)?;
    let mut builder = BrowserConfig::builder()
        .chrome_executable(&settings.executable)
        .user_data_dir(profile.path())
        .launch_timeout(LAUNCH_TIMEOUT)
        .request_timeout(COMMAND_TIMEOUT)
        .window_size(VIEWPORT_WIDTH, VIEWPORT_HEIGHT)
        .viewport(None)
        // Every request pauses so the render can add the monitor's headers
        // to its own origin and answer the egress proxy's challenge.
        .enable_request_intercept()
        .respect_https_errors()
        .disable_default_args()
        .args(chromium_args(&settings.proxy_server));
    if !settings.sandbox {
        builder = builder.no_sandbox();
    }
    let config = builder.build().map_err(RenderError::Failed)?;
    let (browser, handler) = Browser::launch(config)
        .await
        .map_err(|error| RenderError::Failed(format!("cannot start chromium: {error}")))?;
    tracing::info!(executable = %settings.executable.display(), sandbox = settings.sandbox, "chromium started");
    Ok(Instance {
        browser,
        pump: tokio::spawn(pump(handler)),
        hung: watch::Sender::new(false),
        _profile: profile,
    })
}

/// Drives the DevTools connection; it ends when Chromium goes away.
async fn pump(mut handler: Handler) {
    // Invalid messages are skipped inside the handler (its default), so an
    // error here is the connection itself: the browser is gone.
    while let Some(event) = handler.next().await {
        if let Err(error) = event {
            tracing::warn!(%error, "chromium's devtools connection failed");
            return;
        }
    }
    tracing::warn!("chromium's devtools connection closed");
}

/// Chromium's flags, without the leading dashes (chromiumoxide adds them).
/// Each one closes a door or saves memory.
pub fn chromium_args(proxy_server: &str) -> Vec<String> {
    let switches = [
        "headless",
        "disable-gpu",
        "hide-scrollbars",
        "mute-audio",
        "no-first-run",
        "no-default-browser-check",
        "disable-background-networking",
        "disable-background-timer-throttling",
        "disable-backgrounding-occluded-windows",
        "disable-renderer-backgrounding",
        "disable-breakpad",
        "disable-client-side-phishing-detection",
        "disable-component-update",
        "disable-default-apps",
        "disable-dev-shm-usage",
        "disable-extensions",
        "disable-sync",
        "disable-popup-blocking",
        "metrics-recording-only",
        "use-mock-keychain",
        "no-pings",
        // Names are resolved by the proxy, after its checks; Chromium must
        // not look them up itself (nor speculatively).
        "dns-prefetch-disable",
        // QUIC is UDP and would not go through the proxy.
        "disable-quic",
        "enforce-webrtc-ip-permission-check",
        // Cross-site iframes stay in the page's process, where the render's
        // request interception (headers, proxy credential) sees them.
        "disable-site-isolation-trials",
    ];
    let mut args: Vec<String> = switches.into_iter().map(str::to_owned).collect();
    args.extend([
        "password-store=basic".to_owned(),
        // WebRTC may send UDP (STUN) straight to any address; only proxied
        // traffic is allowed, so none. Chromium renamed the switch: current
        // versions read the second name and ignore the first (a test sends
        // STUN to a loopback socket and asserts nothing arrives).
        "force-webrtc-ip-handling-policy=disable_non_proxied_udp".to_owned(),
        "webrtc-ip-handling-policy=disable_non_proxied_udp".to_owned(),
        "disable-features=IsolateOrigins,site-per-process,Translate,HttpsUpgrades,MediaRouter"
            .to_owned(),
        format!("proxy-server={proxy_server}"),
        // Without `<-loopback>` Chromium would reach loopback directly.
        "proxy-bypass-list=<-loopback>".to_owned(),
    ]);
    args
}
