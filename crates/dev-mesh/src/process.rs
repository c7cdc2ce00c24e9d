//! Service binaries as child processes.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

/// How often a starting service is asked whether it is healthy.
const HEALTH_POLL: Duration = Duration::from_millis(200);

/// A running service; killed when dropped so a failing test (or a killed
/// launcher) leaves nothing behind.
pub struct ServiceProcess {
    /// The binary's name (`lookout-gateway`, …).
    pub name: String,
    binary: PathBuf,
    args: Vec<String>,
    child: Child,
    pub log_path: PathBuf,
    /// Kept to start the same service again after a kill, and for its
    /// `healthcheck` subcommand, which reads the same settings.
    env: Vec<(String, String)>,
    /// Whether the service also sees this process's environment (`make dev`
    /// passes a developer's overrides through) or exactly `env` (tests).
    inherit_env: bool,
}

impl ServiceProcess {
    /// Starts `bin_dir/name` with `env`, logging to `log_dir/name.log` (a
    /// fresh file; restarts append to it).
    pub fn start(
        bin_dir: &Path,
        name: &str,
        env: Vec<(String, String)>,
        inherit_env: bool,
        log_dir: &Path,
    ) -> io::Result<Self> {
        Self::start_with_args(bin_dir, name, &[], env, inherit_env, log_dir)
    }

    /// [`Self::start`] with command-line arguments, for the development
    /// tools that take their address as arguments.
    pub fn start_with_args(
        bin_dir: &Path,
        name: &str,
        args: &[&str],
        env: Vec<(String, String)>,
        inherit_env: bool,
        log_dir: &Path,
    ) -> io::Result<Self> {
        let binary = bin_dir.join(name);
        if !binary.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} not found: build the services first with `cargo build --workspace --bins`",
                    binary.display()
                ),
            ));
        }
        let log_path = log_dir.join(format!("{name}.log"));
        std::fs::File::create(&log_path)?;
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let child = spawn(&binary, &args, &env, inherit_env, &log_path)?;
        Ok(Self {
            name: name.to_owned(),
            binary,
            args,
            child,
            log_path,
            env,
            inherit_env,
        })
    }

    /// Polls the binary's own `healthcheck` subcommand (with the service's
    /// settings, so TLS and addresses are probed as in production) until it
    /// succeeds; fails early when the service exits.
    pub async fn wait_healthy(&mut self, within: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited with {status} while starting; see {}",
                    self.name,
                    self.log_path.display()
                ));
            }
            let probe = command(&self.binary, &self.env, self.inherit_env)
                .arg("healthcheck")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .await;
            if matches!(probe, Ok(status) if status.success()) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(format!(
                    "{} did not become healthy within {} s; see {}",
                    self.name,
                    within.as_secs(),
                    self.log_path.display()
                ));
            }
            tokio::time::sleep(HEALTH_POLL).await;
        }
    }

    /// `kill -9`: the process gets no chance to finish anything.
    /// What the service started (the browser's Chromium) is killed too: it
    /// would outlive the service otherwise, as an orphan of init.
    pub async fn kill_hard(&mut self) {
        let started = self.started_processes();
        self.child
            .kill()
            .await
            .expect("a running child can be killed");
        kill_all(&started);
    }

    /// The processes the service started, from /proc: their parent id is
    /// the service's.
    fn started_processes(&self) -> Vec<u32> {
        let Some(pid) = self.pid() else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|candidate| parent_of(*candidate) == Some(pid))
            .collect()
    }

    /// Starts the service again with the same environment; its log goes on
    /// in the same file.
    pub fn restart(&mut self) {
        self.child = spawn(
            &self.binary,
            &self.args,
            &self.env,
            self.inherit_env,
            &self.log_path,
        )
        .expect("the service binary starts again");
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The environment the service was started with (plus this process's,
    /// when inherited).
    pub fn env(&self) -> &[(String, String)] {
        &self.env
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

    /// Sends SIGTERM and waits for a graceful exit; returns whether it exited
    /// successfully in time.
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

    /// How the process ended, when it has.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Fails with the log when the process has already exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited with {status}:\n{}", self.name, self.log());
        }
    }
}

impl Drop for ServiceProcess {
    /// The service itself is killed by `kill_on_drop`; what it started
    /// would be left running.
    fn drop(&mut self) {
        kill_all(&self.started_processes());
    }
}

/// The parent process id of `pid`.
fn parent_of(pid: u32) -> Option<u32> {
    stat_after_name(pid)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The fields of `/proc/<pid>/stat` after the command name (state, parent
/// id, …): the name is cut at the last `)`, since it may itself hold spaces
/// and parentheses.
fn stat_after_name(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    Some(after_name.to_owned())
}

fn kill_all(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = std::process::Command::new("kill")
        .arg("-KILL")
        .args(pids.iter().map(u32::to_string))
        .stderr(Stdio::null())
        .status();
}

fn command(binary: &Path, env: &[(String, String)], inherit_env: bool) -> Command {
    let mut command = Command::new(binary);
    if !inherit_env {
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info");
    }
    command.envs(env.iter().map(|(key, value)| (key, value)));
    command
}

/// Starts the binary, appending its output to `log_path`.
fn spawn(
    binary: &Path,
    args: &[String],
    env: &[(String, String)],
    inherit_env: bool,
    log_path: &Path,
) -> io::Result<Child> {
    let log = std::fs::OpenOptions::new().append(true).open(log_path)?;
    let log_err = log.try_clone()?;
    command(binary, env, inherit_env)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .kill_on_drop(true)
        .spawn()
}

/// A service process killed or dropped takes what it started with it: the
/// browser's Chromium must not outlive a test that killed the browser.
#[cfg(test)]
mod tests {
    use super::*;

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
        stat_after_name(pid).is_some_and(|fields| {
            fields
                .split_whitespace()
                .next()
                .is_some_and(|state| state != "Z")
        })
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
}
