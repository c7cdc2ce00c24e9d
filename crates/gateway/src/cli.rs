//! The binary's subcommands:
//!
//! - (none) or `serve`: run the gateway until SIGTERM/SIGINT.
//! - `migrate`: apply pending migrations and exit.
//! - `mint-token --email <address>`: development only; create the user (and
//!   personal team) if missing and print an access token.
//! - `healthcheck`: `GET /health` on the configured address; exit 0 or 1.
//! - `openapi`: print the OpenAPI document (what `/api/openapi.json` serves)
//!   and exit; needs no configuration, so the web UI's build can generate its
//!   API types without a running gateway.

use std::process::ExitCode;
use std::time::Duration;

use mesh::config::Environment;
use secrecy::ExposeSecret;
use store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::auth::tokens::{MAX_ACCESS_TOKEN_TTL, TokenIssuer};
use crate::config::Config;
use crate::startup::Application;

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Dispatches on the first argument.
pub async fn run(args: Vec<String>) -> ExitCode {
    let command = args.first().map(String::as_str);
    if command == Some("healthcheck") {
        return healthcheck().await;
    }
    let result = match command {
        // Only the server logs: the other commands talk to a person (and
        // `mint-token`'s stdout must hold nothing but the token).
        None | Some("serve") => {
            let _telemetry = mesh::telemetry::init("lookout-gateway");
            let result = serve().await;
            if let Err(error) = &result {
                tracing::error!(%error, "lookout-gateway stopped");
            }
            result
        }
        Some("migrate") => migrate().await,
        Some("mint-token") => mint_token(&args[1..]).await,
        Some("openapi") => print_openapi(),
        Some(other) => {
            eprintln!(
                "lookout-gateway: unknown command {other:?} (expected serve, migrate, mint-token, openapi or healthcheck)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lookout-gateway: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> CliResult {
    let app = Application::build(Config::from_env()?).await?;
    app.run_until_stopped(mesh::shutdown::signal()).await?;
    Ok(())
}

async fn migrate() -> CliResult {
    let config = Config::from_env()?;
    let store = Store::connect(config.database_url.expose_secret(), 1)?;
    let applied = store.migrate().await?;
    eprintln!("lookout-gateway: applied {} migration(s)", applied.len());
    Ok(())
}

async fn mint_token(args: &[String]) -> CliResult {
    // Checked before anything else: production must not even read the
    // secrets for this.
    if Environment::from_env()?.is_production() {
        return Err(
            "mint-token is a development tool and refuses to run with LOOKOUT_ENV=production"
                .into(),
        );
    }
    let email = match args {
        [flag, email] if flag == "--email" => email.trim(),
        _ => return Err("usage: lookout-gateway mint-token --email <address>".into()),
    };
    if email.is_empty() || !email.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(format!("{email:?} is not an email address").into());
    }
    let config = Config::from_env()?;
    let store = Store::connect(config.database_url.expose_secret(), 1)?;
    store.migrate().await?;
    let user = store.upsert_user_by_email(email, "").await?;
    let token = TokenIssuer::with_key_id(
        &config.identity.jwt_key_id,
        &config.jwt_secret,
        &config.jwt_issuer,
    )
    .issue(user.id, MAX_ACCESS_TOKEN_TTL)?;
    println!("{token}");
    Ok(())
}

fn print_openapi() -> CliResult {
    let (_, document) = crate::routes::api_and_document();
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}

/// Docker's healthcheck has its own timeout; this one only has to be shorter.
const HEALTHCHECK_TIMEOUT: Duration = Duration::from_secs(3);

async fn healthcheck() -> ExitCode {
    let result = async {
        let mut addr = Config::addr_from_env()?;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let probe = async {
            let mut stream = TcpStream::connect(addr).await?;
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .await?;
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await?;
            Ok::<_, std::io::Error>(response)
        };
        let response = tokio::time::timeout(HEALTHCHECK_TIMEOUT, probe)
            .await
            .map_err(|_| "timed out")??;
        let status_line = response
            .split(|byte| *byte == b'\n')
            .next()
            .unwrap_or_default();
        if status_line.starts_with(b"HTTP/1.1 200") || status_line.starts_with(b"HTTP/1.0 200") {
            Ok(())
        } else {
            Err(format!("unhealthy: {}", String::from_utf8_lossy(status_line).trim()).into())
        }
    };
    let result: CliResult = result.await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lookout-gateway healthcheck: {error}");
            ExitCode::FAILURE
        }
    }
}
