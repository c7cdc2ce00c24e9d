//! The Lookout binaries run as local processes in production mode, with
//! secrets from a generated `.env` and nothing inherited from the caller's
//! environment (so no development flag can leak in).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Builds a command for `binary` with exactly `env` (plus PATH).
pub fn command(binary: &Path, env: &BTreeMap<String, String>) -> Command {
    let mut command = Command::new(binary);
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.envs(env);
    command
}

/// Runs `binary args...` to completion with `env`.
pub fn run(binary: &Path, args: &[&str], env: &BTreeMap<String, String>) -> anyhow::Result<Output> {
    command(binary, env)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", binary.display()))
}

/// Runs `binary` expecting it to stop by itself (e.g. refusing its
/// configuration); kills it after `patience` and says so.
pub fn run_expecting_exit(
    binary: &Path,
    env: &BTreeMap<String, String>,
    patience: Duration,
) -> anyhow::Result<Output> {
    let mut child = command(binary, env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let deadline = Instant::now() + patience;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{} kept running for {patience:?}", binary.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(child.wait_with_output()?)
}

/// One service process; killed when dropped.
#[derive(Debug)]
pub struct Service {
    pub name: String,
    pub binary: PathBuf,
    pub env: BTreeMap<String, String>,
    log: PathBuf,
    child: Child,
}

impl Service {
    /// Starts the service and waits until its own `healthcheck` subcommand
    /// (the one Docker runs) reports it serving.
    pub fn start(
        name: &str,
        binary: &Path,
        env: BTreeMap<String, String>,
        log_dir: &Path,
        patience: Duration,
    ) -> anyhow::Result<Self> {
        let log = log_dir.join(format!("{name}.log"));
        let file = File::create(&log)?;
        let child = command(binary, &env)
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut service = Self {
            name: name.to_owned(),
            binary: binary.to_owned(),
            env,
            log,
            child,
        };
        service.wait_until_healthy(patience)?;
        Ok(service)
    }

    /// What the service printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `<binary> healthcheck` with the service's environment.
    pub fn healthcheck(&self) -> anyhow::Result<bool> {
        Ok(run(&self.binary, &["healthcheck"], &self.env)?
            .status
            .success())
    }

    fn wait_until_healthy(&mut self, patience: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + patience;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited with {status}:\n{}", self.name, self.log());
            }
            if self.healthcheck()? {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} was not healthy within {patience:?}:\n{}",
                    self.name,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Service {
    /// Sends SIGTERM and waits up to `patience` for the process to exit;
    /// returns whether it exited successfully.
    pub fn terminate(&mut self, patience: Duration) -> anyhow::Result<bool> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM {} failed", self.child.id());
        }
        let deadline = Instant::now() + patience;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.success());
            }
            if Instant::now() > deadline {
                bail!("{} still ran {patience:?} after SIGTERM", self.name);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
