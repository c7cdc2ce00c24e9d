//! Lookout's services started as local processes and wired together as in
//! production: each server accepts only the digests of its callers' internal
//! keys (llm only the scheduler's), clients hold their own key, peers find
//! each other by URL. This is the one way the mesh is started on this
//! machine: `make dev`, the UI scenario and the checks benchmark run the
//! `lookout-dev-mesh` binary (`scripts/mesh.sh`), the end-to-end suite calls
//! [`Mesh::start`] and [`InternalServices::start`] directly so it can kill
//! and restart single services.
//!
//! What the services stand on (PostgreSQL, Redis, an SMTP server) is the
//! caller's: a throwaway database for a test, a data folder kept across runs
//! for `make dev`.
//!
//! - [`process`] — one service binary as a child process: start, health,
//!   kill, restart, logs.

pub mod process;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use process::ServiceProcess;

/// How long a service may take to become healthy on a loaded 2-core machine.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(90);

/// The services' shared infrastructure.
#[derive(Debug, Clone)]
pub struct Infrastructure {
    pub database_url: String,
    pub redis_url: String,
    pub smtp_url: String,
}

/// How the processes run.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Where the `lookout-*` binaries are.
    pub bin_dir: PathBuf,
    /// Each service logs to `<name>.log` here.
    pub log_dir: PathBuf,
    /// Tests start each service with exactly its wiring; `make dev` passes
    /// its own environment through, so a developer's settings reach every
    /// service and a few defaults below yield to them.
    pub inherit_env: bool,
    /// Given to every service after its wiring, so it can change anything.
    pub env: Vec<(String, String)>,
}

impl Launch {
    /// Defaults a developer's environment may override.
    fn default_env(&self) -> Vec<(String, String)> {
        let mut defaults = vec![
            // Local development watches pages on this machine; production
            // refuses this. One policy for gateway, browser and notify.
            ("ALLOW_NETWORKS", "127.0.0.0/8,::1/128".to_owned()),
            ("LOG_FORMAT", "pretty".to_owned()),
            ("MONITOR_MIN_INTERVAL_SECONDS", "30".to_owned()),
            // The gateway's Prometheus endpoint (`off` turns it off).
            ("METRICS_ADDR", loopback_addr()),
        ];
        if test_support::process::running_as_root() {
            // Chromium refuses its sandbox as root (CI containers).
            defaults.push(("BROWSER_CHROMIUM_NO_SANDBOX", "true".to_owned()));
        }
        defaults
            .into_iter()
            .filter(|(key, _)| !(self.inherit_env && std::env::var_os(key).is_some()))
            .map(|(key, value)| (key.to_owned(), value))
            .collect()
    }

    /// A service's whole environment: defaults, its wiring, then `env`.
    fn environment(&self, wiring: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = self.default_env();
        env.push(("LOOKOUT_ENV".to_owned(), "development".to_owned()));
        env.extend(
            wiring
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
        );
        env.extend(self.env.iter().cloned());
        env
    }

    fn start(&self, name: &str, wiring: &[(&str, &str)]) -> Result<ServiceProcess, String> {
        ServiceProcess::start(
            &self.bin_dir,
            name,
            self.environment(wiring),
            self.inherit_env,
            &self.log_dir,
        )
        .map_err(|error| format!("{name} did not start: {error}"))
    }
}

/// A random 256-bit secret, hex.
pub fn random_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A loopback address on a free port.
pub fn loopback_addr() -> String {
    format!("127.0.0.1:{}", test_support::ports::free_port())
}

/// `caller:digest,…` for the callers in `allowed` (several keys per caller
/// during a rotation).
fn caller_digests(callers: &[(&str, &str)], allowed: &[&str]) -> String {
    callers
        .iter()
        .filter(|(caller, _)| allowed.contains(caller))
        .map(|(caller, key)| format!("{caller}:{}", mesh::internal_auth::key_digest_hex(key)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The internal services: browser, llm and notify.
pub struct InternalServices {
    pub browser_url: String,
    pub llm_url: String,
    pub notify_url: String,
    /// browser, llm, notify, in that order.
    pub processes: Vec<ServiceProcess>,
}

impl InternalServices {
    /// Starts the three services accepting the keys of `callers`
    /// (`(caller, key)`) and waits until each is healthy. Each service
    /// receives only the digests of the callers that may call it: llm only
    /// the scheduler's.
    pub async fn start(
        callers: &[(&str, &str)],
        infrastructure: &Infrastructure,
        public_base_url: &str,
        launch: &Launch,
    ) -> Result<Self, String> {
        let browser_addr = loopback_addr();
        let llm_addr = loopback_addr();
        let notify_addr = loopback_addr();
        let every_caller = caller_digests(callers, &["gateway", "scheduler"]);
        let scheduler_only = caller_digests(callers, &["scheduler"]);
        let mut llm_wiring = vec![("LLM_ADDR", llm_addr.as_str())];
        // No digest at all (a test that calls llm without the scheduler's
        // key) rather than an empty list, which llm refuses as a setting.
        if !scheduler_only.is_empty() {
            llm_wiring.push(("INTERNAL_API_KEY_DIGESTS", &scheduler_only));
        }
        let mut processes = vec![
            launch.start(
                "lookout-browser",
                &[
                    ("BROWSER_ADDR", &browser_addr),
                    ("INTERNAL_API_KEY_DIGESTS", &every_caller),
                ],
            )?,
            launch.start("lookout-llm", &llm_wiring)?,
            launch.start(
                "lookout-notify",
                &[
                    ("NOTIFY_ADDR", &notify_addr),
                    ("INTERNAL_API_KEY_DIGESTS", &every_caller),
                    ("SMTP_URL", &infrastructure.smtp_url),
                    ("REDIS_URL", &infrastructure.redis_url),
                    ("PUBLIC_BASE_URL", public_base_url),
                ],
            )?,
        ];
        for process in &mut processes {
            process.wait_healthy(STARTUP_TIMEOUT).await?;
        }
        Ok(Self {
            browser_url: format!("http://{browser_addr}"),
            llm_url: format!("http://{llm_addr}"),
            notify_url: format!("http://{notify_addr}"),
            processes,
        })
    }

    /// Every service's log so far, for assertion messages.
    pub fn logs(&self) -> String {
        self.processes
            .iter()
            .map(|process| format!("--- {} ---\n{}", process.name, process.log()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What [`Mesh::start`] needs besides the infrastructure.
#[derive(Debug, Clone)]
pub struct MeshSettings {
    pub jwt_secret: String,
    pub gateway_key: String,
    pub scheduler_key: String,
    /// Where the gateway listens; a free loopback port when `None`.
    pub gateway_addr: Option<String>,
    /// The URL users reach the gateway at; `http://<gateway_addr>` when `None`.
    pub public_base_url: Option<String>,
    /// Also start the development OpenID Connect provider and sign in
    /// through it (`make dev`, the UI scenario).
    pub dev_idp: bool,
}

/// Every service, ready for a user.
pub struct Mesh {
    pub gateway_addr: String,
    pub gateway_url: String,
    pub public_base_url: String,
    pub internal: InternalServices,
    pub gateway: ServiceProcess,
    pub scheduler: ServiceProcess,
    pub scheduler_url: String,
    /// The scheduler's Prometheus endpoint, `…/metrics`.
    pub scheduler_metrics_url: String,
    /// The development identity provider, with its issuer URL.
    pub dev_idp: Option<(ServiceProcess, String)>,
}

/// The development provider's client, as the gateway is told.
const DEV_IDP_CLIENT_ID: &str = "lookout-dev";
const DEV_IDP_CLIENT_SECRET: &str = "lookout-dev-secret";

impl Mesh {
    /// Starts the internal services, the gateway (which applies the
    /// migrations) and then the scheduler, each once the one before is
    /// healthy.
    pub async fn start(
        infrastructure: &Infrastructure,
        settings: &MeshSettings,
        launch: &Launch,
    ) -> Result<Self, String> {
        let gateway_addr = settings.gateway_addr.clone().unwrap_or_else(loopback_addr);
        let gateway_url = format!("http://{gateway_addr}");
        let public_base_url = settings
            .public_base_url
            .clone()
            .unwrap_or_else(|| gateway_url.clone());

        let dev_idp = if settings.dev_idp {
            let addr = loopback_addr();
            let issuer = format!("http://{addr}");
            let redirect = format!("{public_base_url}/auth/google/callback");
            let mut idp = launch.start(
                "lookout-dev-idp",
                &[
                    ("DEV_IDP_ADDR", &addr),
                    ("DEV_IDP_ISSUER", &issuer),
                    ("DEV_IDP_REDIRECT_URIS", &redirect),
                ],
            )?;
            idp.wait_healthy(STARTUP_TIMEOUT).await?;
            Some((idp, issuer))
        } else {
            None
        };

        let internal = InternalServices::start(
            &[
                ("gateway", settings.gateway_key.as_str()),
                ("scheduler", settings.scheduler_key.as_str()),
            ],
            infrastructure,
            &public_base_url,
            launch,
        )
        .await?;
        let peers = [
            ("BROWSER_URL", internal.browser_url.as_str()),
            ("LLM_URL", internal.llm_url.as_str()),
            ("NOTIFY_URL", internal.notify_url.as_str()),
        ];

        let mut gateway_wiring = vec![
            ("GATEWAY_ADDR", gateway_addr.as_str()),
            ("DATABASE_URL", infrastructure.database_url.as_str()),
            ("REDIS_URL", infrastructure.redis_url.as_str()),
            ("JWT_SECRET", settings.jwt_secret.as_str()),
            ("INTERNAL_API_KEY", settings.gateway_key.as_str()),
            ("PUBLIC_BASE_URL", public_base_url.as_str()),
        ];
        gateway_wiring.extend(peers);
        if let Some((_, issuer)) = &dev_idp {
            gateway_wiring.extend([
                ("OIDC_ISSUER_URL", issuer.as_str()),
                ("GOOGLE_CLIENT_ID", DEV_IDP_CLIENT_ID),
                ("GOOGLE_CLIENT_SECRET", DEV_IDP_CLIENT_SECRET),
            ]);
        }
        let mut gateway = launch.start("lookout-gateway", &gateway_wiring)?;
        gateway.wait_healthy(STARTUP_TIMEOUT).await?;

        let scheduler_addr = loopback_addr();
        let scheduler_metrics_addr = loopback_addr();
        let mut scheduler_wiring = vec![
            ("SCHEDULER_ADDR", scheduler_addr.as_str()),
            ("SCHEDULER_METRICS_ADDR", scheduler_metrics_addr.as_str()),
            ("DATABASE_URL", infrastructure.database_url.as_str()),
            ("INTERNAL_API_KEY", settings.scheduler_key.as_str()),
            ("PUBLIC_BASE_URL", public_base_url.as_str()),
        ];
        scheduler_wiring.extend(peers);
        let mut scheduler = launch.start("lookout-scheduler", &scheduler_wiring)?;
        scheduler.wait_healthy(STARTUP_TIMEOUT).await?;

        Ok(Self {
            gateway_addr,
            gateway_url,
            public_base_url,
            internal,
            gateway,
            scheduler,
            scheduler_url: format!("http://{scheduler_addr}"),
            scheduler_metrics_url: format!("http://{scheduler_metrics_addr}/metrics"),
            dev_idp,
        })
    }

    /// Every process, in start order.
    pub fn processes_mut(&mut self) -> Vec<&mut ServiceProcess> {
        let mut processes: Vec<&mut ServiceProcess> = Vec::new();
        if let Some((idp, _)) = &mut self.dev_idp {
            processes.push(idp);
        }
        processes.extend(self.internal.processes.iter_mut());
        processes.push(&mut self.gateway);
        processes.push(&mut self.scheduler);
        processes
    }
}

/// The folder of the binary that is running: the service binaries are built
/// next to it.
pub fn own_bin_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
}
