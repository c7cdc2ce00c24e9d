//! A service process killed or dropped takes what it started with it: the
//! browser's Chromium must not outlive a test that killed the browser.

use std::path::Path;
use std::time::Duration;

use dev_mesh::ServiceProcess;

/// `sh` as the "service": it starts a long `sleep` and waits for it, as the
/// browser starts Chromium. Returns the process and the sleep's pid.
async fn service_with_a_child(log_dir: &Path) -> (ServiceProcess, u32) {
    let pid_file = log_dir.join("child.pid");
    let script = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
    let service = ServiceProcess::start_with_args(
        Path::new("/bin"),
        "sh",
        &["-c", &script],
        Vec::new(),
        false,
        log_dir,
    )
    .expect("sh starts");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.trim().parse().ok())
        {
            return (service, pid);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the child's pid was not written"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether `pid` still runs (a zombie waiting for init counts as gone).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, after_name) = stat.rsplit_once(')')?;
            after_name
                .split_whitespace()
                .next()
                .map(|state| state != "Z")
        })
        .unwrap_or(false)
}

async fn assert_gone(pid: u32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while running(pid) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "process {pid}, started by the service, still runs"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_hard_kill_also_kills_what_the_service_started() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut service, child) = service_with_a_child(dir.path()).await;
    assert!(running(child));
    service.kill_hard().await;
    assert_gone(child).await;
}

#[tokio::test]
async fn a_dropped_service_takes_what_it_started_with_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (service, child) = service_with_a_child(dir.path()).await;
    assert!(running(child));
    drop(service);
    assert_gone(child).await;
}
