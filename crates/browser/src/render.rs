//! One render: a fresh incognito browser context in the shared Chromium,
//! the page loaded through the egress proxy, waited for, read, closed.
//!
//! The context is disposed of when the render ends, also when its deadline
//! drops the render midway, so no cookie or storage outlives it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use chromiumoxide::Page;
use chromiumoxide::auth::Credentials;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EventRequestPaused, HeaderEntry,
};
use chromiumoxide::cdp::browser_protocol::network::{CookieParam, SetCookiesParams};
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, EventLifecycleEvent, GetFrameTreeParams,
    GetLayoutMetricsParams, Viewport,
};
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::error::CdpError;
use chromiumoxide::listeners::EventStream;
use futures::StreamExt as _;
use reqwest::header::HeaderMap;
use tokio::sync::Semaphore;
use url::Url;

use crate::chromium::{Chromium, ChromiumSettings, Instance};
use crate::domain::{Cookie, Step, Wait};
use crate::egress::{EgressProxy, Refusal};

/// Waiting for the network to go quiet (or for a selector) never takes
/// longer than this; a page that polls forever is read as it is then.
pub const MAX_WAIT: Duration = Duration::from_secs(10);

/// How often a `wait_for` selector is looked for.
const SELECTOR_POLL: Duration = Duration::from_millis(100);

/// How often a render in progress checks that the browser still answers.
const WATCHDOG_INTERVAL: Duration = Duration::from_secs(5);

/// Disposing of a context is quick; one that takes longer means Chromium hangs.
const DISPOSE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot prepare chromium: {0}")]
    Launch(#[source] std::io::Error),
    #[error("chromium failed: {0}")]
    Failed(String),
    /// Every render slot is taken and the queue is full.
    #[error("every render slot is busy")]
    Busy,
    /// The page (or where a script sent it) is on a forbidden network.
    #[error("the page tried to load {}, which {}", .0.destination, .0.reason)]
    Forbidden(Refusal),
    #[error("the page did not load: {0}")]
    NotLoaded(String),
    #[error("the rendered page is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("nothing matched the wait_for selector {selector:?} within {waited_ms} ms")]
    WaitedInVain { selector: String, waited_ms: u128 },
    /// Browser step `index` (from 1) could not be carried out.
    #[error("step {index} ({step}) failed: {reason}")]
    StepFailed {
        index: u32,
        step: String,
        reason: String,
    },
}

/// What a render needs from the request.
#[derive(Debug, Clone, Copy)]
pub struct RenderRequest<'a> {
    pub url: &'a Url,
    /// Sent to `url`'s origin only.
    pub headers: &'a HeaderMap,
    pub wait: &'a Wait,
    pub screenshot: bool,
    /// Set for `url`'s host before the page loads.
    pub cookies: &'a [Cookie],
    /// Run after the page loaded, before `wait` and the read.
    pub steps: &'a [Step],
}

/// What Chromium saw.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub dom: String,
    pub screenshot_png: Vec<u8>,
    /// Subresources the egress proxy refused (the page still rendered).
    pub refused: Vec<Refusal>,
}

/// Chromium, limits and concurrency of rendering.
#[derive(Debug, Clone)]
pub struct RenderSettings {
    pub executable: std::path::PathBuf,
    /// Off only when the operator says so (`BROWSER_CHROMIUM_NO_SANDBOX`).
    pub sandbox: bool,
    /// Renders at once (`BROWSER_RENDER_CONCURRENCY`).
    pub concurrency: usize,
    /// Renders waiting for a slot beyond this are refused as busy.
    pub queue: usize,
    pub max_dom_bytes: usize,
    /// A larger screenshot is dropped (the render itself still counts).
    pub max_screenshot_bytes: usize,
    /// A screenshot covers the whole page down to this many CSS pixels.
    pub max_screenshot_height: u32,
}

pub struct Renderer {
    chromium: Chromium,
    proxy: EgressProxy,
    slots: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    settings: RenderSettings,
}

/// A render in flight or waiting; counted so the queue stays bounded.
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Renderer {
    /// Starts the egress proxy; Chromium itself starts with the first render.
    pub async fn start(
        settings: RenderSettings,
        policy: Arc<netguard::Policy>,
    ) -> Result<Self, RenderError> {
        let proxy = EgressProxy::start(policy)
            .await
            .map_err(RenderError::Launch)?;
        let chromium = Chromium::new(ChromiumSettings {
            executable: settings.executable.clone(),
            sandbox: settings.sandbox,
            proxy_server: proxy.proxy_server(),
        });
        Ok(Self {
            chromium,
            proxy,
            slots: Arc::new(Semaphore::new(settings.concurrency)),
            admitted: Arc::new(AtomicUsize::new(0)),
            settings,
        })
    }

    /// Renders `request.url`. Dropping the future closes the page's context.
    pub async fn render(&self, request: RenderRequest<'_>) -> Result<Rendered, RenderError> {
        let limit = self.settings.concurrency + self.settings.queue;
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= limit {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(RenderError::Busy);
        }
        let _admission = Admission(Arc::clone(&self.admitted));
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| RenderError::Failed("the renderer is shutting down".to_owned()))?;

        let instance = self.chromium.instance().await?;
        let mut probe = ProbeOnCancel(Some(Arc::clone(&instance)));
        let result = tokio::select! {
            result = self.render_in(&instance, request) => result,
            // DevTools commands to a stopped browser may never answer, so a
            // render cannot rely on its own commands failing.
            () = watchdog(&instance) => Err(RenderError::Failed("chromium stopped answering".to_owned())),
        };
        probe.0 = None;
        if let Err(RenderError::Failed(_)) = &result
            && (instance.is_hung() || instance_is_unresponsive(&instance).await)
        {
            // The browser died or hung under this render, which says nothing
            // about the page: once more on a fresh one.
            instance.mark_hung();
            let fresh = self.chromium.instance().await?;
            return self.render_in(&fresh, request).await;
        }
        result
    }

    async fn render_in(
        &self,
        instance: &Arc<Instance>,
        request: RenderRequest<'_>,
    ) -> Result<Rendered, RenderError> {
        let session = self.proxy.session();
        let context_id = instance
            .browser
            .create_browser_context(
                CreateBrowserContextParams::builder()
                    .dispose_on_detach(true)
                    .proxy_server(self.proxy.proxy_server())
                    .proxy_bypass_list("<-loopback>")
                    .build(),
            )
            .await
            .map_err(failed)?;
        let _context = ContextGuard {
            instance: Arc::clone(instance),
            id: Some(context_id.clone()),
        };
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context_id)
            .build()
            .map_err(RenderError::Failed)?;
        let page = instance.browser.new_page(target).await.map_err(failed)?;
        page.authenticate(Credentials {
            username: session.username().to_owned(),
            password: session.password().to_owned(),
        })
        .await
        .map_err(failed)?;
        let paused = page
            .event_listener::<EventRequestPaused>()
            .await
            .map_err(failed)?;
        let _interceptor = AbortOnDrop(tokio::spawn(continue_requests(
            page.clone(),
            paused,
            request.url.clone(),
            first_party_headers(request.headers),
        )));
        let mut lifecycle = page
            .event_listener::<EventLifecycleEvent>()
            .await
            .map_err(failed)?;
        if !request.cookies.is_empty() {
            set_cookies(&page, request.url, request.cookies).await?;
        }

        let navigated = page.goto(request.url.as_str()).await;
        if let Some(refusal) = session.refused().into_iter().next()
            && (navigated.is_err() || shows_error_page(&page).await)
        {
            return Err(RenderError::Forbidden(refusal));
        }
        if let Err(error) = navigated {
            return Err(RenderError::NotLoaded(error.to_string()));
        }
        if request.steps.is_empty() {
            wait(&page, &mut lifecycle, request.wait).await?;
        } else {
            // Steps act on the loaded page; the monitor's own wait applies
            // to what they lead to.
            wait(&page, &mut lifecycle, &Wait::NetworkIdle).await?;
            crate::steps::run(&page, &mut lifecycle, request.steps).await?;
            if *request.wait != Wait::NetworkIdle {
                wait(&page, &mut lifecycle, request.wait).await?;
            }
        }
        if shows_error_page(&page).await {
            // A script sent the page somewhere that failed to load.
            return Err(match session.refused().into_iter().next() {
                Some(refusal) => RenderError::Forbidden(refusal),
                None => RenderError::NotLoaded("chromium shows its error page".to_owned()),
            });
        }

        let dom = page.content().await.map_err(failed)?;
        if dom.len() > self.settings.max_dom_bytes {
            return Err(RenderError::TooLarge {
                limit: self.settings.max_dom_bytes,
            });
        }
        let mut screenshot_png = Vec::new();
        if request.screenshot {
            // The whole page down to the height cap: an endless feed would
            // otherwise make an image of any size.
            let content = page
                .execute(GetLayoutMetricsParams::default())
                .await
                .map_err(failed)?
                .result
                .css_content_size;
            let height = content
                .height
                .clamp(1.0, f64::from(self.settings.max_screenshot_height));
            // Captured directly: chromiumoxide's helper first activates the
            // target, which a headless incognito window never acknowledges.
            let capture = CaptureScreenshotParams {
                format: Some(CaptureScreenshotFormat::Png),
                capture_beyond_viewport: Some(true),
                clip: Some(Viewport {
                    x: 0.0,
                    y: 0.0,
                    width: f64::from(crate::chromium::VIEWPORT_WIDTH),
                    height,
                    scale: 1.0,
                }),
                ..Default::default()
            };
            let encoded = page.execute(capture).await.map_err(failed)?.result.data;
            let png = base64::engine::general_purpose::STANDARD
                .decode(AsRef::<str>::as_ref(&encoded))
                .map_err(|error| RenderError::Failed(format!("unreadable screenshot: {error}")))?;
            if png.len() <= self.settings.max_screenshot_bytes {
                screenshot_png = png;
            } else {
                tracing::warn!(
                    bytes = png.len(),
                    limit = self.settings.max_screenshot_bytes,
                    "screenshot dropped: larger than the limit"
                );
            }
        }
        // Best effort: disposing of the context closes the page anyway.
        let _ = page.close().await;
        Ok(Rendered {
            dom,
            screenshot_png,
            refused: session.refused(),
        })
    }
}

fn failed(error: CdpError) -> RenderError {
    RenderError::Failed(error.to_string())
}

/// Asks for Chromium's version with a short deadline: a browser that cannot
/// answer that is hung, not just slow on one page.
async fn instance_is_unresponsive(instance: &Instance) -> bool {
    !matches!(
        tokio::time::timeout(DISPOSE_TIMEOUT, instance.browser.version()).await,
        Ok(Ok(_))
    )
}

/// Resolves when the instance is marked hung, by this render's own probe
/// (every [`WATCHDOG_INTERVAL`]) or by anyone else's.
async fn watchdog(instance: &Instance) {
    let probe = async {
        loop {
            tokio::time::sleep(WATCHDOG_INTERVAL).await;
            if instance_is_unresponsive(instance).await {
                instance.mark_hung();
                return;
            }
        }
    };
    tokio::select! {
        () = probe => {}
        () = instance.hung() => {}
    }
}

/// True when the main frame failed to load and holds Chromium's own error
/// page. Read from the frame tree, not by a script: an error page may have
/// no script context to answer.
async fn shows_error_page(page: &Page) -> bool {
    match page.execute(GetFrameTreeParams::default()).await {
        Ok(tree) => tree.result.frame_tree.frame.unreachable_url.is_some(),
        // A page gone mid-navigation is not an error page.
        Err(_) => false,
    }
}

/// Sets the monitor's cookies as host-only cookies of `url`, in the render's
/// own context: Chromium then sends them to that host alone, and cookies the
/// page sets itself (a login) live beside them.
async fn set_cookies(page: &Page, url: &Url, cookies: &[Cookie]) -> Result<(), RenderError> {
    let params = cookies
        .iter()
        .map(|cookie| {
            CookieParam::builder()
                .name(cookie.name.clone())
                .value(cookie.value.clone())
                .url(url.as_str())
                .build()
                .map_err(RenderError::Failed)
        })
        .collect::<Result<Vec<_>, _>>()?;
    page.execute(SetCookiesParams::new(params))
        .await
        .map_err(failed)?;
    Ok(())
}

/// Waits until the main frame's current document went quiet (capped), or
/// returns at once when the stream has no navigation in it.
pub(crate) async fn network_idle(page: &Page, lifecycle: &mut EventStream<EventLifecycleEvent>) {
    let main_frame = page.mainframe().await.ok().flatten();
    let quiet = async {
        // `networkIdle` of the loader the last `init` started: the
        // document now shown, not about:blank or a replaced one.
        let mut loader = None;
        while let Some(event) = lifecycle.next().await {
            if main_frame.as_ref().is_some_and(|id| *id != event.frame_id) {
                continue;
            }
            match event.name.as_str() {
                "init" => loader = Some(event.loader_id.clone()),
                "networkIdle" if loader.as_ref() == Some(&event.loader_id) => return,
                _ => {}
            }
        }
    };
    // A page that never goes quiet is read as it is at the cap.
    let _ = tokio::time::timeout(MAX_WAIT, quiet).await;
}

/// True once an element matches `selector`, polled until [`MAX_WAIT`].
pub(crate) async fn appears(page: &Page, selector: &str) -> bool {
    let started = tokio::time::Instant::now();
    let script = format!(
        "document.querySelector({}) !== null",
        serde_json::Value::String(selector.to_owned())
    );
    while started.elapsed() < MAX_WAIT {
        let found = page
            .evaluate(script.as_str())
            .await
            .ok()
            .and_then(|result| result.into_value::<bool>().ok())
            .unwrap_or(false);
        if found {
            return true;
        }
        tokio::time::sleep(SELECTOR_POLL).await;
    }
    false
}

async fn wait(
    page: &Page,
    lifecycle: &mut EventStream<EventLifecycleEvent>,
    wait: &Wait,
) -> Result<(), RenderError> {
    match wait {
        Wait::NetworkIdle => {
            network_idle(page, lifecycle).await;
            Ok(())
        }
        Wait::Delay(delay) => {
            tokio::time::sleep((*delay).min(MAX_WAIT)).await;
            Ok(())
        }
        Wait::Selector(selector) => {
            if appears(page, selector).await {
                return Ok(());
            }
            Err(RenderError::WaitedInVain {
                selector: selector.clone(),
                waited_ms: MAX_WAIT.as_millis(),
            })
        }
    }
}

fn first_party_headers(headers: &HeaderMap) -> Vec<HeaderEntry> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            Some(HeaderEntry::new(
                name.as_str().to_owned(),
                value.to_str().ok()?.to_owned(),
            ))
        })
        .collect()
}

/// Lets every paused request go on; requests to the page's own origin get
/// the monitor's headers, requests anywhere else go out as Chromium made them.
async fn continue_requests(
    page: Page,
    mut paused: EventStream<EventRequestPaused>,
    url: Url,
    headers: Vec<HeaderEntry>,
) {
    let origin = url.origin();
    while let Some(event) = paused.next().await {
        let mut params = ContinueRequestParams::new(event.request_id.clone());
        let first_party = Url::parse(&event.request.url).is_ok_and(|url| url.origin() == origin);
        if first_party && !headers.is_empty() {
            let mut merged: Vec<HeaderEntry> = event
                .request
                .headers
                .inner()
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(name, _)| {
                    !headers
                        .iter()
                        .any(|header| header.name.eq_ignore_ascii_case(name))
                })
                .filter_map(|(name, value)| {
                    Some(HeaderEntry::new(name.clone(), value.as_str()?.to_owned()))
                })
                .collect();
            merged.extend(headers.iter().cloned());
            params.headers = Some(merged);
        }
        if let Err(error) = page.execute(params).await {
            tracing::debug!(%error, "a paused request could not be continued");
        }
    }
}

/// Disposes of the render's browser context however the render ends.
struct ContextGuard {
    instance: Arc<Instance>,
    id: Option<BrowserContextId>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        let instance = Arc::clone(&self.instance);
        tokio::spawn(async move {
            match tokio::time::timeout(
                DISPOSE_TIMEOUT,
                instance.browser.dispose_browser_context(id),
            )
            .await
            {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::debug!(%error, "browser context already gone"),
                Err(_) => instance.mark_hung(),
            }
        });
    }
}

/// A render dropped at its deadline may have been stuck on a hung browser:
/// ask the browser for a sign of life then, so the next render gets a fresh
/// one instead of waiting on the hung one too.
struct ProbeOnCancel(Option<Arc<Instance>>);

impl Drop for ProbeOnCancel {
    fn drop(&mut self) {
        let Some(instance) = self.0.take() else {
            return;
        };
        tokio::spawn(async move {
            if instance_is_unresponsive(&instance).await {
                instance.mark_hung();
            }
        });
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
