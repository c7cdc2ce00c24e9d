//! `lookout-dev-mesh --dir DIR [--dev-idp] [--mail-dir MAIL]`
//!
//! Development only: starts every Lookout service on this machine (see the
//! library) and keeps them running until SIGINT or SIGTERM, which stops them
//! and exits 0. A service that exits on its own stops the rest and exits 1,
//! naming it.
//!
//! Reads `DATABASE_URL` and `REDIS_URL` (required), `SMTP_URL` (or
//! `--mail-dir`, which starts the development mailbox there), `GATEWAY_ADDR`
//! (127.0.0.1:8080) and `PUBLIC_BASE_URL`; every other variable passes
//! through to the services. The development secrets live in `DIR/dev-secrets`
//! (created once, mode 0600) so a restart keeps sessions. Once every service
//! is healthy, `DIR/mesh.env` says where everything is, for scripts to
//! source; it is removed on exit.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use dev_mesh::{Infrastructure, Launch, Mesh, MeshSettings, ServiceProcess, random_key};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// After a service exits, how long a stop signal (Ctrl-C reaches the
/// services and this launcher together) may take to arrive before the exit
/// is called a crash.
const SIGNAL_GRACE: Duration = Duration::from_secs(1);
/// How often the services are looked at while they run.
const EXIT_POLL: Duration = Duration::from_millis(250);
/// How long each service gets to finish after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

struct Options {
    dir: PathBuf,
    dev_idp: bool,
    mail_dir: Option<PathBuf>,
}

fn parse_options() -> Result<Options, String> {
    let mut dir = None;
    let mut dev_idp = false;
    let mut mail_dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dev-idp" => dev_idp = true,
            "--dir" | "--mail-dir" => {
                let value =
                    PathBuf::from(args.next().ok_or_else(|| format!("{arg} needs a value"))?);
                if arg == "--dir" {
                    dir = Some(value);
                } else {
                    mail_dir = Some(value);
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Options {
        dir: dir.ok_or("--dir is required")?,
        dev_idp,
        mail_dir,
    })
}

fn required_env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

/// The development secrets, kept in `DIR/keys.env` so a restart keeps
/// sessions.
struct DevelopmentKeys {
    jwt_secret: String,
    gateway_key: String,
    scheduler_key: String,
}

impl DevelopmentKeys {
    /// The file's own names, not environment variables.
    const NAMES: [&str; 3] = [
        "jwt_secret",
        "gateway_internal_key",
        "scheduler_internal_key",
    ];

    /// Reads the keys of `dir`, creating them on first use.
    fn of(dir: &Path) -> Result<Self, String> {
        let path = dir.join("dev-secrets");
        if !path.exists() {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|error| format!("cannot create {}: {error}", path.display()))?;
            for name in Self::NAMES {
                writeln!(file, "{name}={}", random_key())
                    .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
            }
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let value = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
                .map(str::to_owned)
                .ok_or_else(|| {
                    format!("{} lacks {name}; delete it to start afresh", path.display())
                })
        };
        let [jwt_secret, gateway_key, scheduler_key] = Self::NAMES;
        Ok(Self {
            jwt_secret: value(jwt_secret)?,
            gateway_key: value(gateway_key)?,
            scheduler_key: value(scheduler_key)?,
        })
    }
}

/// A value quoted for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// Starts the development mailbox in `mail_dir`; returns it and its SMTP URL.
async fn start_mailbox(
    bin_dir: &Path,
    mail_dir: &Path,
    log_dir: &Path,
) -> Result<(ServiceProcess, String), String> {
    std::fs::create_dir_all(mail_dir)
        .map_err(|error| format!("cannot create {}: {error}", mail_dir.display()))?;
    let addr = dev_mesh::loopback_addr();
    let mail_dir = mail_dir.display().to_string();
    let mut mailbox = ServiceProcess::start_with_args(
        bin_dir,
        "lookout-dev-mailbox",
        &["--listen", &addr, "--dir", &mail_dir],
        Vec::new(),
        true,
        log_dir,
    )
    .map_err(|error| format!("lookout-dev-mailbox did not start: {error}"))?;
    // The mailbox has no health check: it is up once its port accepts.
    let deadline = tokio::time::Instant::now() + dev_mesh::STARTUP_TIMEOUT;
    while tokio::net::TcpStream::connect(&addr).await.is_err() {
        if let Some(status) = mailbox.exit_status() {
            return Err(format!("the development mailbox exited ({status})"));
        }
        if tokio::time::Instant::now() > deadline {
            return Err("the development mailbox did not start listening".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok((mailbox, format!("smtp://{addr}")))
}

async fn run(options: Options) -> Result<ExitCode, String> {
    let log_dir = options.dir.join("logs");
    std::fs::create_dir_all(&log_dir)
        .map_err(|error| format!("cannot create {}: {error}", log_dir.display()))?;
    let bin_dir = dev_mesh::own_bin_dir().ok_or("the launcher's own folder is unknown")?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|error| error.to_string())?;
    let mut terminate = signal(SignalKind::terminate()).map_err(|error| error.to_string())?;

    let mut mailbox = None;
    let smtp_url = match (std::env::var("SMTP_URL"), &options.mail_dir) {
        (Ok(url), _) => url,
        (Err(_), Some(mail_dir)) => {
            let (process, url) = start_mailbox(&bin_dir, mail_dir, &log_dir).await?;
            mailbox = Some(process);
            url
        }
        (Err(_), None) => return Err("SMTP_URL is not set and no --mail-dir was given".to_owned()),
    };
    let infrastructure = Infrastructure {
        database_url: required_env("DATABASE_URL")?,
        redis_url: required_env("REDIS_URL")?,
        smtp_url,
    };
    let keys = DevelopmentKeys::of(&options.dir)?;
    let settings = MeshSettings {
        jwt_secret: keys.jwt_secret.clone(),
        gateway_key: keys.gateway_key,
        scheduler_key: keys.scheduler_key,
        gateway_addr: Some(
            std::env::var("GATEWAY_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned()),
        ),
        public_base_url: std::env::var("PUBLIC_BASE_URL").ok(),
        dev_idp: options.dev_idp,
    };
    let launch = Launch {
        bin_dir,
        log_dir: log_dir.clone(),
        inherit_env: true,
        env: vec![("SMTP_URL".to_owned(), infrastructure.smtp_url.clone())],
    };
    let mut mesh = tokio::select! {
        mesh = Mesh::start(&infrastructure, &settings, &launch) => mesh?,
        _ = interrupt.recv() => return Ok(ExitCode::SUCCESS),
        _ = terminate.recv() => return Ok(ExitCode::SUCCESS),
    };

    let mut exports = vec![
        ("GATEWAY_ADDR", mesh.gateway_addr.clone()),
        ("PUBLIC_BASE_URL", mesh.public_base_url.clone()),
        ("JWT_SECRET", keys.jwt_secret),
        ("SMTP_URL", infrastructure.smtp_url.clone()),
    ];
    if let Some((_, issuer)) = &mesh.dev_idp {
        exports.push(("DEV_IDP_ISSUER", issuer.clone()));
    }
    let mut pids = Vec::new();
    for process in mesh.processes_mut() {
        let short = process
            .name
            .trim_start_matches("lookout-")
            .replace('-', "_");
        pids.push((
            format!("MESH_PID_{}", short.to_uppercase()),
            process.pid().unwrap_or(0).to_string(),
        ));
    }
    let mut text = String::new();
    for (name, value) in exports
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .chain(pids)
    {
        text.push_str(&format!("export {name}={}\n", shell_quote(&value)));
    }
    let env_path = options.dir.join("mesh.env");
    let partial = options.dir.join("mesh.env.partial");
    // It holds the signing secret: the owner's alone, like dev-secrets.
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .and_then(|()| std::fs::rename(&partial, &env_path))
        .map_err(|error| format!("cannot write {}: {error}", env_path.display()))?;

    let crashed = watch(&mut mesh, mailbox.as_mut(), &mut interrupt, &mut terminate).await;
    let _ = std::fs::remove_file(&env_path);
    for process in mesh
        .processes_mut()
        .into_iter()
        .rev()
        .chain(mailbox.as_mut())
    {
        process.terminate(STOP_TIMEOUT).await;
    }
    Ok(match crashed {
        Some(message) => {
            eprintln!("lookout-dev-mesh: {message}; stopped the other services");
            ExitCode::FAILURE
        }
        None => ExitCode::SUCCESS,
    })
}

/// Waits for a stop signal (`None`) or a service that exits on its own
/// (`Some` with what happened).
async fn watch(
    mesh: &mut Mesh,
    mailbox: Option<&mut ServiceProcess>,
    interrupt: &mut Signal,
    terminate: &mut Signal,
) -> Option<String> {
    let mut processes = mesh.processes_mut();
    processes.extend(mailbox);
    let crash = loop {
        tokio::select! {
            _ = interrupt.recv() => return None,
            _ = terminate.recv() => return None,
            () = tokio::time::sleep(EXIT_POLL) => {}
        }
        let exited = processes.iter_mut().find_map(|process| {
            let status = process.exit_status()?;
            Some(format!(
                "{} exited ({status}); see {}",
                process.name,
                process.log_path.display()
            ))
        });
        if let Some(message) = exited {
            break message;
        }
    };
    tokio::select! {
        _ = interrupt.recv() => None,
        _ = terminate.recv() => None,
        () = tokio::time::sleep(SIGNAL_GRACE) => Some(crash),
    }
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!(
                "lookout-dev-mesh: {message}\nusage: lookout-dev-mesh --dir DIR [--dev-idp] [--mail-dir MAIL]"
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("lookout-dev-mesh: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("lookout-dev-mesh: {message}");
            ExitCode::FAILURE
        }
    }
}
