//! Service binaries as child processes.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A running service; killed when dropped so a failing test leaves nothing behind.
pub struct ServiceProcess {
    pub name: String,
    child: Child,
    pub log_path: PathBuf,
    /// Kept to start the same service again after a kill.
    env: Vec<(String, String)>,
}

impl ServiceProcess {
    /// Starts `binary` with exactly `env` (plus PATH), logging to a file.
    pub fn start(binary_name: &str, env: &[(String, String)], log_dir: &std::path::Path) -> Self {
        let log_path = log_dir.join(format!("{binary_name}.log"));
        // A fresh log per start of the mesh; restarts append to it.
        std::fs::File::create(&log_path).expect("the log directory is writable");
        let child = spawn(binary_name, env, &log_path);
        Self {
            name: binary_name.to_owned(),
            child,
            log_path,
            env: env.to_vec(),
        }
    }

    /// `kill -9`: the process gets no chance to finish anything.
    pub async fn kill_hard(&mut self) {
        self.child
            .kill()
            .await
            .expect("a running child can be killed");
    }

    /// Starts the service again with the same environment; its log goes on
    /// in the same file.
    pub fn restart(&mut self) {
        self.child = spawn(&self.name, &self.env, &self.log_path);
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Resident memory in KiB, from /proc.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// The log so far, for assertion messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for a graceful exit; returns whether it exited in time.
    pub async fn terminate(&mut self, within: Duration) -> bool {
        if let Some(pid) = self.pid() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        matches!(
            tokio::time::timeout(within, self.child.wait()).await,
            Ok(Ok(status)) if status.success()
        )
    }

    /// Fails with the log when the process has already exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited with {status}:\n{}", self.name, self.log());
        }
    }
}

/// Starts `binary_name` with exactly `env` (plus PATH), appending to `log_path`.
fn spawn(binary_name: &str, env: &[(String, String)], log_path: &std::path::Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .append(true)
        .open(log_path)
        .expect("the log file is writable");
    let log_err = log.try_clone().expect("a log file handle can be cloned");
    let mut command = Command::new(test_support::process::workspace_binary(binary_name));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .envs(
            env.iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .kill_on_drop(true);
    command.spawn().expect("the service binary starts")
}
