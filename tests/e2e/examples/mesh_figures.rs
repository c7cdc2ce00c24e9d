//! `make bench` part 1: figures for the mesh itself, measured on loopback
//! with release builds of the services as separate processes.
//!
//! - idle resident memory of every service after start-up;
//! - the cost of one internal gRPC call (key check included): p50/p99 of
//!   `llm.v1.Judge/Evaluate` with the offline judge and of `browser.v1.Browser/Fetch`
//!   of a small local page, called sequentially over one channel.
//!
//! Figures are printed, not asserted: this machine is shared and noisy.

#![allow(
    clippy::unwrap_used,
    reason = "a failed step fails the test or benchmark"
)]

use std::time::{Duration, Instant};

use api_proto::browser::v1::FetchRequest;
use api_proto::browser::v1::browser_client::BrowserClient;
use api_proto::llm::v1::EvaluateRequest;
use api_proto::llm::v1::judge_client::JudgeClient;
use e2e::mesh::{Mesh, random_key, start_internal_services};
use secrecy::SecretString;
use test_support::smtp::SmtpSink;
use test_support::website::TestSite;

const CALLS: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<28} calls={:<6} p50={:>8.1?} p99={:>8.1?}",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99)
    );
}

#[tokio::main]
async fn main() {
    // The whole mesh, for the idle memory of every service.
    let mesh = Mesh::start().await;
    // Let start-up allocations settle before reading idle memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("idle resident memory (VmRSS)");
    for process in mesh
        .internal
        .processes
        .iter()
        .chain([&mesh.gateway, &mesh.scheduler])
    {
        println!(
            "  {:<18} {:>6} KiB",
            process.name,
            process.rss_kib().unwrap_or_default()
        );
    }
    drop(mesh);

    // The internal services alone, with a key of the benchmark's own.
    let smtp = SmtpSink::start().await;
    let site = TestSite::start().await;
    site.set_html(
        "/small",
        "<html><body><p class=price>Price: 120 EUR</p></body></html>",
    );
    let redis = test_support::redis::url().await;
    let logs = test_support::process::temp_dir("lookout-bench");
    let key = random_key();
    let services = start_internal_services(
        &[("scheduler", key.as_str())],
        &smtp.url(),
        &redis,
        "http://127.0.0.1:8080",
        &logs,
    )
    .await;
    let secret = SecretString::from(key);
    let deadline = Duration::from_secs(10);
    let llm = mesh::client::connect_lazy(&services.llm_url, &secret, deadline, None).unwrap();
    let browser =
        mesh::client::connect_lazy(&services.browser_url, &secret, deadline, None).unwrap();
    let mut judge = JudgeClient::new(llm);
    let mut fetcher = BrowserClient::new(browser);

    let evaluate = EvaluateRequest {
        condition: "price below 100".to_owned(),
        previous_text: "Price: 120 EUR".to_owned(),
        current_text: "Price: 89 EUR".to_owned(),
        ..Default::default()
    };
    let fetch = FetchRequest {
        url: site.url("/small"),
        css_selector: ".price".to_owned(),
        ..Default::default()
    };
    // Warm-up: connection set-up is not part of the per-call cost.
    for _ in 0..50 {
        judge.evaluate(evaluate.clone()).await.unwrap();
        fetcher.fetch(fetch.clone()).await.unwrap();
    }
    let mut samples = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        judge.evaluate(evaluate.clone()).await.unwrap();
        samples.push(started.elapsed());
    }
    report("llm Evaluate (offline)", samples);
    let mut samples = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        fetcher.fetch(fetch.clone()).await.unwrap();
        samples.push(started.elapsed());
    }
    report("browser Fetch (local page)", samples);
    println!("after load resident memory (VmRSS)");
    for process in &services.processes {
        println!(
            "  {:<16} {:>6} KiB",
            process.name,
            process.rss_kib().unwrap_or_default()
        );
    }
}
