//! One fetch from request to report: download, optionally render, extract.

use std::time::Instant;

use crate::domain::{FetchReport, FetchSpec, Outcome};
use crate::extract;
use crate::fetcher::{ContentKind, Download, Fetcher};
use crate::render::{RenderError, Renderer};

pub struct Pipeline {
    fetcher: Fetcher,
    /// `None` when this host has no Chromium; render requests are refused
    /// before they get here.
    renderer: Option<Renderer>,
}

impl Pipeline {
    pub fn new(fetcher: Fetcher, renderer: Option<Renderer>) -> Self {
        Self { fetcher, renderer }
    }

    pub fn can_render(&self) -> bool {
        self.renderer.is_some()
    }

    /// Never fails: every way a fetch can go wrong is an outcome for the caller.
    pub async fn fetch(&self, spec: &FetchSpec) -> FetchReport {
        let started = Instant::now();
        let mut report =
            match tokio::time::timeout(spec.timeout, self.fetch_within_deadline(spec)).await {
                Ok(report) => report,
                Err(_) => FetchReport::failed(
                    Outcome::Timeout,
                    &spec.url,
                    format!(
                        "the page did not load within {} ms",
                        spec.timeout.as_millis()
                    ),
                ),
            };
        report.fetch_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        report
    }

    async fn fetch_within_deadline(&self, spec: &FetchSpec) -> FetchReport {
        let download = match self.fetcher.download(spec).await {
            Ok(download) => download,
            Err(report) => return report,
        };
        let mut screenshot_png = Vec::new();
        let mut source = download.body.clone();
        let wants_render = spec.render || spec.screenshot;
        if let (true, ContentKind::Html, Some(renderer)) =
            (wants_render, download.kind, &self.renderer)
        {
            match renderer.render(&download.final_url, spec.screenshot).await {
                Ok(rendered) => {
                    source = rendered.dom;
                    screenshot_png = rendered.screenshot_png;
                }
                Err(error) => return render_failure(&download, &error),
            }
        }
        let mut report = base_report(&download);
        report.screenshot_png = screenshot_png;
        let extracted = extract::extract(download.kind, &source, &spec.extraction);
        report.outcome = extracted.outcome;
        report.title = extracted.title;
        report.text = extracted.text;
        report.detail = extracted.detail;
        report
    }
}

fn base_report(download: &Download) -> FetchReport {
    let mut report = FetchReport::failed(Outcome::Ok, &download.final_url, "");
    report.http_status = download.status.as_u16();
    report.content_type = download.content_type.clone();
    report.body_bytes = download.body_bytes;
    report
}

fn render_failure(download: &Download, error: &RenderError) -> FetchReport {
    let mut report = base_report(download);
    report.outcome = match error {
        RenderError::Guard(guard) if guard.is_forbidden() => Outcome::ForbiddenDestination,
        _ => Outcome::NetworkError,
    };
    report.detail = format!("rendering failed: {error}");
    report
}
