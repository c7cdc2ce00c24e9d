//! One fetch from request to report: download, optionally render, extract.

use std::time::Instant;

use reqwest::header::HeaderMap;

use crate::domain::{FetchReport, FetchSpec, Outcome};
use crate::extract;
use crate::fetcher::{ContentKind, Download, Fetcher};
use crate::render::{RenderError, RenderRequest, Renderer};
use crate::seen_bodies::{BodyDigest, SeenBodies};

/// Every render slot is taken and the queue is full.
#[derive(Debug)]
pub struct Busy;

pub struct Pipeline {
    fetcher: Fetcher,
    /// `None` when this host has no Chromium; render requests are refused
    /// before they get here.
    renderer: Option<Renderer>,
    /// The text of a report is capped at the page size limit, so every
    /// answer fits the message size callers accept.
    max_text_bytes: usize,
    seen_bodies: SeenBodies,
}

impl Pipeline {
    pub fn new(
        fetcher: Fetcher,
        renderer: Option<Renderer>,
        max_text_bytes: usize,
        seen_bodies: SeenBodies,
    ) -> Self {
        Self {
            fetcher,
            renderer,
            max_text_bytes,
            seen_bodies,
        }
    }

    pub fn can_render(&self) -> bool {
        self.renderer.is_some()
    }

    /// Fails only when rendering is busy: every way a fetch itself can go
    /// wrong is an outcome for the caller.
    pub async fn fetch(&self, spec: &FetchSpec) -> Result<FetchReport, Busy> {
        let started = Instant::now();
        let mut body = None;
        let mut report =
            match tokio::time::timeout(spec.timeout, self.fetch_within_deadline(spec, &mut body))
                .await
            {
                Ok(report) => report?,
                Err(_) => FetchReport::failed(
                    Outcome::Timeout,
                    &spec.url,
                    format!(
                        "the page did not load within {} ms",
                        spec.timeout.as_millis()
                    ),
                ),
            };
        if report.text.len() > self.max_text_bytes {
            report = FetchReport::failed(
                Outcome::TooLarge,
                &spec.url,
                format!(
                    "the page's text is larger than the limit of {} bytes",
                    self.max_text_bytes
                ),
            );
        }
        report.hash_text();
        if let (Outcome::Ok, Some(body)) = (report.outcome, body) {
            self.seen_bodies
                .remember(&spec.validators_key, body, &report.text_sha256);
        }
        report.fetch_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        Ok(report)
    }

    /// `extracted_body` is set to the digest of a plain fetch's body whose
    /// text this report carries, for [`SeenBodies`].
    async fn fetch_within_deadline(
        &self,
        spec: &FetchSpec,
        extracted_body: &mut Option<BodyDigest>,
    ) -> Result<FetchReport, Busy> {
        let mut download = match self.fetcher.download(spec).await {
            Ok(download) => download,
            Err(report) => return Ok(report),
        };
        let wants_render = spec.wants_render();
        // A rendered page can change while its HTML does not.
        if !wants_render {
            if let Some(previous) = &spec.previous_text_sha256
                && self
                    .seen_bodies
                    .unchanged(&spec.validators_key, &download.body_digest, previous)
            {
                let mut report = base_report(&download);
                report.same_body = true;
                return Ok(report);
            }
            *extracted_body = Some(download.body_digest);
        }
        let mut screenshot_png = Vec::new();
        let mut source = std::mem::take(&mut download.body);
        if let (true, ContentKind::Html, Some(renderer)) =
            (wants_render, download.kind, &self.renderer)
        {
            let no_headers = HeaderMap::new();
            let same_origin = download.final_url.origin() == spec.url.origin();
            let request = RenderRequest {
                url: &download.final_url,
                // Headers were given for the requested URL; after a redirect
                // to another origin they stay behind, as in the plain fetch.
                headers: if same_origin {
                    &spec.headers
                } else {
                    &no_headers
                },
                wait: &spec.wait,
                screenshot: spec.screenshot,
                cookies: if same_origin { &spec.cookies } else { &[] },
                steps: &spec.steps,
            };
            match renderer.render(request).await {
                Ok(rendered) => {
                    source = rendered.dom;
                    screenshot_png = rendered.screenshot_png;
                }
                Err(RenderError::Busy) => return Err(Busy),
                Err(error) => return Ok(render_failure(&download, &error)),
            }
        }
        let mut report = base_report(&download);
        report.screenshot_png = screenshot_png;
        // Parsing a page of up to the size limit and running a monitor's jq
        // filter (up to its time budget) is CPU work: off the async workers,
        // so it never stalls other fetches.
        let (kind, extraction) = (download.kind, spec.extraction.clone());
        let extracted =
            tokio::task::spawn_blocking(move || extract::extract(kind, &source, &extraction))
                .await
                // A panic in extraction stays the panic it was before it moved here.
                .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
        report.outcome = extracted.outcome;
        report.title = extracted.title;
        report.text = extracted.text;
        report.detail = extracted.detail;
        Ok(report)
    }
}

fn base_report(download: &Download) -> FetchReport {
    let mut report = FetchReport::failed(Outcome::Ok, &download.final_url, "");
    report.http_status = download.status.as_u16();
    report.content_type = download.content_type.clone();
    report.body_bytes = download.body_bytes;
    report.validators = download.validators.clone();
    report
}

fn render_failure(download: &Download, error: &RenderError) -> FetchReport {
    let mut report = base_report(download);
    report.outcome = match error {
        RenderError::Forbidden(_) => Outcome::ForbiddenDestination,
        RenderError::TooLarge { .. } => Outcome::TooLarge,
        RenderError::WaitedInVain { .. } => Outcome::SelectorNotFound,
        RenderError::StepFailed { index, .. } => {
            report.failed_step = *index;
            Outcome::StepFailed
        }
        RenderError::Launch(_)
        | RenderError::Failed(_)
        | RenderError::NotLoaded(_)
        | RenderError::Busy => Outcome::NetworkError,
    };
    report.detail = format!("rendering failed: {error}");
    report
}
