//! The production nginx configuration, run on loopback as the current user.
//!
//! The file is used as written except for the tokens its header documents
//! (listen ports, upstream, writable paths, certificates, UI root); every
//! replacement must match, so a renamed token fails the check instead of
//! silently testing something else.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::scratch::ScratchDir;
use crate::{repo, scripts, tools};

pub const CONFIG: &str = "deploy/nginx/nginx.conf";

/// The page served as the UI in checks (web/dist does not exist here).
pub const INDEX_HTML: &str = "<!doctype html><title>Lookout</title><p>lookout-ui-stand-in</p>\n";

/// Loopback ports for the three listeners.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub http: u16,
    pub https: u16,
    pub static_ui: u16,
}

impl Ports {
    /// Three ports that were free a moment ago. nginx needs numbers in its
    /// configuration, so the listeners are closed before nginx binds them.
    pub fn free() -> anyhow::Result<Self> {
        let listeners = (0..3)
            .map(|_| TcpListener::bind("127.0.0.1:0"))
            .collect::<Result<Vec<_>, _>>()?;
        let port =
            |index: usize| -> anyhow::Result<u16> { Ok(listeners[index].local_addr()?.port()) };
        Ok(Self {
            http: port(0)?,
            https: port(1)?,
            static_ui: port(2)?,
        })
    }
}

/// The gateway upstream's `server` parameters in the production file.
const UPSTREAM_PARAMETERS: &str = "max_fails=3 fail_timeout=1s";

/// Rewrites the production configuration for a loopback run under `prefix`.
pub fn render(
    original: &str,
    prefix: &Path,
    upstreams: &[SocketAddr],
    ports: Ports,
) -> anyhow::Result<String> {
    let prefix = prefix.display();
    // Replicas behind one name (compose's `gateway` resolves to each of
    // them) become one `server` directive each, with the directive's
    // parameters.
    let servers = upstreams
        .iter()
        .map(|upstream| format!("server {upstream} {UPSTREAM_PARAMETERS}"))
        .collect::<Vec<_>>()
        .join("; ");
    let upstream_directive = format!("server gateway:8080 {UPSTREAM_PARAMETERS}");
    let replacements = [
        ("listen 8080", format!("listen 127.0.0.1:{}", ports.http)),
        ("listen 8443", format!("listen 127.0.0.1:{}", ports.https)),
        (
            "listen 8081",
            format!("listen 127.0.0.1:{}", ports.static_ui),
        ),
        (upstream_directive.as_str(), servers),
        ("/tmp/", format!("{prefix}/run/")),
        ("/etc/nginx/certs/", format!("{prefix}/certs/")),
        ("/usr/share/nginx/html", format!("{prefix}/html")),
    ];
    let mut config = original.to_owned();
    for (token, replacement) in replacements {
        if !config.contains(token) {
            bail!("{CONFIG} no longer contains `{token}`; update the deploy checks with it");
        }
        config = config.replace(token, &replacement);
    }
    Ok(config)
}

/// A prepared nginx prefix: rendered configuration, a self-signed
/// certificate from scripts/gen-self-signed-cert.sh and a stand-in UI.
#[derive(Debug)]
pub struct Prefix {
    dir: ScratchDir,
    pub ports: Ports,
    pub config: PathBuf,
}

impl Prefix {
    pub fn prepare(upstream: SocketAddr) -> anyhow::Result<Self> {
        Self::prepare_with_replicas(&[upstream])
    }

    /// [`Self::prepare`] with several gateway replicas behind the upstream.
    pub fn prepare_with_replicas(upstreams: &[SocketAddr]) -> anyhow::Result<Self> {
        let dir = ScratchDir::new("nginx")?;
        std::fs::create_dir_all(dir.path().join("run"))?;
        scripts::run_ok(
            "gen-self-signed-cert.sh",
            dir.path(),
            &["certs", "localhost"],
            &[],
        )?;
        dir.write("html/index.html", INDEX_HTML)?;
        let ports = Ports::free()?;
        let rendered = render(&repo::read(CONFIG)?, dir.path(), upstreams, ports)?;
        let config = dir.write("nginx.conf", &rendered)?;
        Ok(Self { dir, ports, config })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The PEM of the certificate nginx presents, to trust it in a client.
    pub fn certificate_pem(&self) -> anyhow::Result<Vec<u8>> {
        Ok(std::fs::read(self.dir.path().join("certs/tls.crt"))?)
    }

    fn command(&self, nginx: &Path, extra_globals: &str) -> Command {
        let mut globals = extra_globals.to_owned();
        // As root nginx would switch workers to `nobody`, whose group does
        // not exist on Debian; run them as the current user instead.
        if tools::running_as_root() {
            globals.push_str(" user root;");
        }
        let mut command = Command::new(nginx);
        command
            .arg("-p")
            .arg(self.dir.path())
            .arg("-c")
            .arg(&self.config)
            .args(["-e", "stderr"]);
        if !globals.trim().is_empty() {
            command.arg("-g").arg(globals.trim());
        }
        command
    }

    /// `nginx -t` on the rendered configuration: (success, combined output).
    pub fn syntax_check(&self, nginx: &Path) -> anyhow::Result<(bool, String)> {
        let output = self
            .command(nginx, "")
            .arg("-t")
            .output()
            .context("running nginx -t")?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok((output.status.success(), text))
    }

    /// Starts nginx in the foreground and waits until all three listeners
    /// accept connections.
    pub fn start(self, nginx: &Path) -> anyhow::Result<RunningNginx> {
        let log = File::create(self.dir.path().join("nginx.log"))?;
        let child = self
            .command(nginx, "daemon off;")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting nginx")?;
        let mut running = RunningNginx {
            prefix: self,
            child,
        };
        running.wait_until_listening()?;
        Ok(running)
    }
}

/// nginx running on loopback; killed when dropped.
#[derive(Debug)]
pub struct RunningNginx {
    prefix: Prefix,
    child: Child,
}

impl RunningNginx {
    pub fn ports(&self) -> Ports {
        self.prefix.ports
    }

    pub fn prefix(&self) -> &Prefix {
        &self.prefix
    }

    /// What nginx printed so far (errors, access log lines).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.prefix.path().join("nginx.log")).unwrap_or_default()
    }

    fn wait_until_listening(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let ports = self.prefix.ports;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("nginx exited with {status}:\n{}", self.log());
            }
            let all_up = [ports.http, ports.https, ports.static_ui]
                .iter()
                .all(|port| TcpStream::connect(("127.0.0.1", *port)).is_ok());
            if all_up {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("nginx did not listen within 5 s:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RunningNginx {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: only a master that exits normally takes its
        // worker processes with it; killed outright, it orphans them.
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + Duration::from_secs(5);
        while terminated && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
