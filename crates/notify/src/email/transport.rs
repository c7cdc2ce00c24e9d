//! The SMTP connection settings (`SMTP_URL`, `SMTP_CA_FILE`) and the meaning
//! of SMTP failures.
//!
//! The URL may hold a password, so it lives in a `SecretString` and only its
//! host ever reaches a log line or an error.

use std::net::IpAddr;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use mesh::config::{ConfigError, Environment};
use secrecy::{ExposeSecret, SecretString};

use crate::error::DeliveryError;

const VARIABLE: &str = "SMTP_URL";
pub const CA_FILE_VARIABLE: &str = "SMTP_CA_FILE";
const PEM_CERTIFICATE_MARKER: &str = "-----BEGIN CERTIFICATE-----";
/// Per SMTP command and for connecting; a slow server becomes UNAVAILABLE and
/// the outbox retries, instead of holding the idempotency claim.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections kept open to the mail server: an alert burst reuses them
/// instead of paying a TCP and TLS handshake per message, and a notify
/// replica never holds more than this many.
const SMTP_POOL_SIZE: u32 = 4;
/// An idle connection is closed before most servers would drop it.
const SMTP_POOL_IDLE: Duration = Duration::from_secs(50);

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `smtp://host` — development relays such as Mailpit.
    Plain,
    /// `smtp://host?tls=opportunistic` — STARTTLS when offered; downgradable.
    Opportunistic,
    /// `smtp://host?tls=required` — STARTTLS, refuse to send without it.
    StartTls,
    /// `smtps://host` — TLS from the first byte (port 465).
    Wrapper,
}

#[derive(Clone)]
pub struct SmtpSettings {
    url: SecretString,
    host: String,
    tls: TlsMode,
    /// Set when `SMTP_CA_FILE` adds private roots; built at startup so a bad
    /// certificate fails there rather than on the first alert.
    tls_parameters: Option<TlsParameters>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("tls", &self.tls)
            .field("private_ca", &self.tls_parameters.is_some())
            .finish_non_exhaustive()
    }
}

impl SmtpSettings {
    /// Parses and vets `SMTP_URL`.
    ///
    /// Production policy: the connection must be encrypted (`smtps://` or
    /// `tls=required`) unless the server is on loopback, e.g. a local relay
    /// sidecar, where there is no network to eavesdrop on. Opportunistic TLS
    /// counts as unencrypted because an attacker can strip the STARTTLS offer.
    pub fn parse(raw: SecretString, environment: Environment) -> Result<Self, ConfigError> {
        // Errors never quote the URL: it may contain the password.
        let url = url::Url::parse(raw.expose_secret()).map_err(|_| {
            ConfigError::invalid(
                VARIABLE,
                "is not a URL (expected smtp://host:port or smtps://host)",
            )
        })?;
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| ConfigError::invalid(VARIABLE, "has no host"))?
            .to_owned();
        let tls_parameter = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let tls = match (url.scheme(), tls_parameter.as_deref()) {
            ("smtp", None) => TlsMode::Plain,
            ("smtp", Some("opportunistic")) => TlsMode::Opportunistic,
            ("smtp", Some("required")) => TlsMode::StartTls,
            ("smtps", None) => TlsMode::Wrapper,
            _ => {
                return Err(ConfigError::invalid(
                    VARIABLE,
                    "must be smtp://host[:port][?tls=required|opportunistic] or smtps://host[:port]",
                ));
            }
        };
        if environment.is_production()
            && matches!(tls, TlsMode::Plain | TlsMode::Opportunistic)
            && !is_loopback(&host)
        {
            return Err(ConfigError::invalid(
                VARIABLE,
                format!("must use TLS in production (smtps:// or ?tls=required) for host {host}"),
            ));
        }
        Ok(Self {
            url: raw,
            host,
            tls,
            tls_parameters: None,
        })
    }

    /// Trusts the certificates in `pem` (the contents of `SMTP_CA_FILE`) in
    /// addition to the public roots, for relays behind a private CA.
    ///
    /// A plain `smtp://` URL never uses them, but the file is still checked
    /// so a typo shows up before someone switches TLS on.
    pub fn with_private_ca(mut self, pem: &[u8]) -> Result<Self, ConfigError> {
        // lettre reads a file without any certificate as an empty list, which
        // would silently trust nothing extra.
        if !String::from_utf8_lossy(pem).contains(PEM_CERTIFICATE_MARKER) {
            return Err(ConfigError::invalid(
                CA_FILE_VARIABLE,
                "holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
            ));
        }
        let certificate = Certificate::from_pem(pem).map_err(|_| {
            ConfigError::invalid(CA_FILE_VARIABLE, "is not a valid PEM certificate file")
        })?;
        // Building parses each certificate, so a corrupt one is caught here.
        let parameters = TlsParameters::builder(self.host.clone())
            .add_root_certificate(certificate)
            .build()
            .map_err(|_| {
                ConfigError::invalid(
                    CA_FILE_VARIABLE,
                    "holds a certificate that cannot be used as a trust anchor",
                )
            })?;
        self.tls_parameters = Some(parameters);
        Ok(self)
    }

    /// The host alone, for logs.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn tls(&self) -> TlsMode {
        self.tls
    }

    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, ConfigError> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(self.url.expose_secret())
            .map_err(|_| ConfigError::invalid(VARIABLE, "was refused by the SMTP client"))?;
        // `from_url` chose the mode and port; only the trusted roots change.
        if let Some(parameters) = self.tls_parameters.clone() {
            builder = match self.tls {
                TlsMode::Plain => builder,
                TlsMode::Opportunistic => builder.tls(Tls::Opportunistic(parameters)),
                TlsMode::StartTls => builder.tls(Tls::Required(parameters)),
                TlsMode::Wrapper => builder.tls(Tls::Wrapper(parameters)),
            };
        }
        let pool = PoolConfig::new()
            .max_size(SMTP_POOL_SIZE)
            .idle_timeout(SMTP_POOL_IDLE);
        Ok(builder
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(pool)
            .build())
    }
}

/// `": <cause>"` from the error's source chain, or nothing.
fn cause(error: &lettre::transport::smtp::Error) -> String {
    std::error::Error::source(error)
        .map(|source| format!(": {source}"))
        .unwrap_or_default()
}

/// lettre files a failed handshake (an untrusted certificate, a wrong name)
/// under connection errors; tokio-rustls reports it as an `InvalidData` I/O
/// error, which a refused or reset TCP connection never is.
fn is_tls_handshake_failure(error: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        if inner
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
        {
            return true;
        }
        source = inner.source();
    }
    false
}

fn is_loopback(host: &str) -> bool {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || literal.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Sorts an SMTP failure into retry-later or give-up, with a message that
/// names the reply code but not the server's words (they may echo addresses).
/// TLS and client failures do carry their cause: those words come from rustls
/// and lettre, and "UnknownIssuer" or "STARTTLS is not supported" is what an
/// operator needs to fix the setup.
pub fn classify(error: &lettre::transport::smtp::Error, host: &str) -> DeliveryError {
    let code = error
        .status()
        .map(|code| code.to_string())
        .unwrap_or_default();
    if error.is_permanent() {
        DeliveryError::Permanent(format!("the mail server refused the message (SMTP {code})"))
    } else if error.is_transient() {
        DeliveryError::Transient(format!(
            "the mail server deferred the message (SMTP {code})"
        ))
    } else if error.is_timeout() {
        DeliveryError::Transient(format!("the mail server {host} did not answer in time"))
    } else if error.is_tls() || is_tls_handshake_failure(error) {
        DeliveryError::Transient(format!(
            "TLS with the mail server {host} failed{}",
            cause(error)
        ))
    } else if error.is_client() {
        // A setup mismatch such as tls=required against a server without
        // STARTTLS; nothing was sent, and it may work once the server is fixed.
        DeliveryError::Transient(format!(
            "the mail server {host} cannot be used as configured{}",
            cause(error)
        ))
    } else {
        DeliveryError::Transient(format!("the mail server {host} is unreachable"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str, environment: Environment) -> Result<SmtpSettings, ConfigError> {
        SmtpSettings::parse(SecretString::from(raw.to_owned()), environment)
    }

    #[test]
    fn production_refuses_plain_smtp_to_a_remote_host_without_quoting_the_url() {
        let error = parse(
            "smtp://user:hunter2@mail.example.com:25",
            Environment::Production,
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("SMTP_URL"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            parse(
                "smtp://mail.example.com?tls=opportunistic",
                Environment::Production
            )
            .is_err()
        );
    }

    #[test]
    fn production_accepts_tls_or_a_loopback_relay() {
        for ok in [
            "smtps://user:pw@mail.example.com",
            "smtp://user:pw@mail.example.com:587?tls=required",
            "smtp://127.0.0.1:25",
            "smtp://localhost:1025",
        ] {
            assert!(parse(ok, Environment::Production).is_ok(), "{ok}");
        }
    }

    #[test]
    fn development_accepts_plain_smtp_and_debug_output_hides_the_password() {
        let settings = parse(
            "smtp://user:hunter2@127.0.0.1:2525",
            Environment::Development,
        )
        .unwrap();
        assert_eq!(settings.tls(), TlsMode::Plain);
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn unknown_schemes_and_tls_values_are_refused() {
        assert!(parse("http://mail.example.com", Environment::Development).is_err());
        assert!(
            parse(
                "smtp://mail.example.com?tls=maybe",
                Environment::Development
            )
            .is_err()
        );
    }
}
