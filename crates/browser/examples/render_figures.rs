//! Render benchmark (`make bench`): pages rendered per minute and the RSS of
//! this process with its Chromium children, for the pooled browser (one
//! long-lived Chromium, an incognito context per render, through the egress
//! proxy) against starting one Chromium per render (`--dump-dom`, how the
//! service rendered before), on the same local page, at the same concurrency.
//!
//! `RENDER_BENCH_PAGES` (default 40) renders per approach,
//! `RENDER_BENCH_CONCURRENCY` (default 2) at once, `CHROMIUM_PATH`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark: a panic is the report.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use browser::domain::Wait;
use browser::render::{RenderRequest, RenderSettings, Renderer};
use futures::StreamExt as _;

/// A page a script builds, as most monitored shops are.
const PAGE: &str = r#"<!doctype html><html><head><title>Catalogue</title></head><body>
<h1>Catalogue</h1><ul id="items"></ul>
<script>
const list = document.getElementById('items');
for (let i = 0; i < 300; i++) {
  const item = document.createElement('li');
  item.textContent = 'Item ' + i + ': ' + (i * 3.7).toFixed(2) + ' EUR';
  list.appendChild(item);
}
</script></body></html>"#;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Resident memory of `root` and every process below it, in KiB.
fn tree_rss_kib(root: u32) -> u64 {
    let mut parents = HashMap::new();
    let mut rss = HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let field = |key: &str| {
            status
                .lines()
                .find(|line| line.starts_with(key))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|value| value.parse::<u64>().ok())
        };
        parents.insert(pid, field("PPid:").unwrap_or(0) as u32);
        rss.insert(pid, field("VmRSS:").unwrap_or(0));
    }
    rss.iter()
        .filter(|(pid, _)| {
            let mut current = **pid;
            for _ in 0..64 {
                if current == root {
                    return true;
                }
                match parents.get(&current) {
                    Some(parent) if *parent != 0 => current = *parent,
                    _ => return false,
                }
            }
            false
        })
        .map(|(_, kib)| kib)
        .sum()
}

/// Samples the tree's RSS until stopped; returns the peak.
fn sample_peak(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    let peak = Arc::new(AtomicU64::new(0));
    std::thread::spawn(move || {
        let me = std::process::id();
        while !stop.load(Ordering::Relaxed) {
            peak.fetch_max(tree_rss_kib(me), Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(50));
        }
        peak.load(Ordering::Relaxed)
    })
}

struct Figures {
    pages: usize,
    elapsed: Duration,
    peak_kib: u64,
    after_kib: u64,
}

impl Figures {
    fn print(&self, name: &str) {
        println!(
            "{name:<44} {:>6.0} pages/min   peak RSS {:>5} MiB   RSS after {:>5} MiB   ({} pages in {:.1} s)",
            self.pages as f64 / self.elapsed.as_secs_f64() * 60.0,
            self.peak_kib / 1024,
            self.after_kib / 1024,
            self.pages,
            self.elapsed.as_secs_f64()
        );
    }
}

async fn measure<F, Fut>(pages: usize, concurrency: usize, render: F) -> Figures
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = sample_peak(Arc::clone(&stop));
    let started = Instant::now();
    let rendered = futures::stream::iter(0..pages)
        .map(render)
        .buffer_unordered(concurrency)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let peak_kib = sampler.join().unwrap();
    assert_eq!(rendered, pages, "every page must render");
    Figures {
        pages,
        elapsed,
        peak_kib,
        after_kib: tree_rss_kib(std::process::id()),
    }
}

#[tokio::main]
async fn main() {
    let pages = env_number("RENDER_BENCH_PAGES", 40);
    let concurrency = env_number("RENDER_BENCH_CONCURRENCY", 2);
    let chromium = PathBuf::from(
        std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/catalogue",
        axum::routing::get(|| async { axum::response::Html(PAGE) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = url::Url::parse(&format!("http://{addr}/catalogue")).unwrap();
    // Root in CI containers cannot sandbox Chromium.
    let sandbox = std::env::var("BROWSER_CHROMIUM_NO_SANDBOX").as_deref() != Ok("true");
    println!(
        "render benchmark: {pages} renders per approach, {concurrency} at once, page built by a script (300 items), on {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "idle process before any Chromium: {} MiB",
        tree_rss_kib(std::process::id()) / 1024
    );

    let renderer = Renderer::start(
        RenderSettings {
            executable: chromium.clone(),
            sandbox,
            concurrency,
            queue: pages,
            max_dom_bytes: 8 * 1024 * 1024,
            max_screenshot_bytes: 8 * 1024 * 1024,
            max_screenshot_height: 4096,
        },
        Arc::new(netguard::Policy::from_allow_list("127.0.0.1/32").unwrap()),
    )
    .await
    .unwrap();
    let headers = reqwest::header::HeaderMap::new();
    let render_once = || async {
        renderer
            .render(RenderRequest {
                url: &url,
                headers: &headers,
                wait: &Wait::NetworkIdle,
                screenshot: false,
                cookies: &[],
                steps: &[],
            })
            .await
            .is_ok_and(|rendered| rendered.dom.contains("Item 299"))
    };
    // Warm-up: the first render starts Chromium; a replica does that once.
    assert!(render_once().await, "the warm-up render failed");
    let pooled = measure(pages, concurrency, |_| render_once()).await;
    drop(renderer);
    tokio::time::sleep(Duration::from_secs(1)).await;

    let per_render = measure(pages, concurrency, |_| {
        let chromium = chromium.clone();
        let url = url.clone();
        async move {
            let profile = tempfile::tempdir().unwrap();
            let mut command = tokio::process::Command::new(&chromium);
            command.args([
                "--headless",
                "--disable-gpu",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--dump-dom",
            ]);
            command.arg(format!("--user-data-dir={}", profile.path().display()));
            if !sandbox {
                command.arg("--no-sandbox");
            }
            let output = command
                .arg(url.as_str())
                .kill_on_drop(true)
                .output()
                .await
                .unwrap();
            String::from_utf8_lossy(&output.stdout).contains("Item 299")
        }
    })
    .await;

    pooled.print("pooled Chromium (context per render)");
    per_render.print("one Chromium per render (--dump-dom)");
    println!(
        "pooled / per-render throughput: {:.1}×",
        (pooled.pages as f64 / pooled.elapsed.as_secs_f64())
            / (per_render.pages as f64 / per_render.elapsed.as_secs_f64())
    );
}
