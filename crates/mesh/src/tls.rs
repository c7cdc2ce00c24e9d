//! Optional TLS for the mesh's gRPC, for networks that are not private:
//! a server presents a certificate and key read from files
//! (`GRPC_TLS_CERT_FILE`, `GRPC_TLS_KEY_FILE`); a client trusts only the CA
//! in `GRPC_TLS_CA_FILE` and checks the peer's name against the host of
//! its `https://` URL. Off by default: `make dev` and a private Docker
//! network speak plain HTTP/2.

use std::fmt;
use std::path::{Path, PathBuf};

use tonic::transport::{Certificate, ClientTlsConfig, Identity, Server, ServerTlsConfig};

use crate::config::{ConfigError, env_string};

pub const CERT_FILE_VAR: &str = "GRPC_TLS_CERT_FILE";
pub const KEY_FILE_VAR: &str = "GRPC_TLS_KEY_FILE";
pub const CA_FILE_VAR: &str = "GRPC_TLS_CA_FILE";

/// A gRPC server's certificate chain and private key.
#[derive(Clone)]
pub struct ServerTls {
    cert_file: PathBuf,
    config: ServerTlsConfig,
}

/// The key stays out of logs: only the certificate's path is shown.
impl fmt::Debug for ServerTls {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ServerTls")
            .field("cert_file", &self.cert_file)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Reads a PEM certificate chain and its PEM private key; a pair that
    /// does not load is refused now rather than on the first connection.
    pub fn from_files(cert_file: &Path, key_file: &Path) -> Result<Self, ConfigError> {
        let cert = read(CERT_FILE_VAR, cert_file)?;
        let key = read(KEY_FILE_VAR, key_file)?;
        let config = ServerTlsConfig::new().identity(Identity::from_pem(cert, key));
        let _validated = Server::builder()
            .tls_config(config.clone())
            .map_err(|error| {
                ConfigError::invalid(
                    CERT_FILE_VAR,
                    format!("{} with {KEY_FILE_VAR}: {error}", cert_file.display()),
                )
            })?;
        Ok(Self {
            cert_file: cert_file.to_owned(),
            config,
        })
    }

    /// Both variables or neither: one alone is a mistake, not plain text.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        match (env_string(CERT_FILE_VAR), env_string(KEY_FILE_VAR)) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => {
                Self::from_files(Path::new(&cert), Path::new(&key)).map(Some)
            }
            (Some(_), None) => Err(ConfigError::invalid(
                KEY_FILE_VAR,
                format!("required when {CERT_FILE_VAR} is set"),
            )),
            (None, Some(_)) => Err(ConfigError::invalid(
                CERT_FILE_VAR,
                format!("required when {KEY_FILE_VAR} is set"),
            )),
        }
    }

    pub(crate) fn config(&self) -> ServerTlsConfig {
        self.config.clone()
    }
}

/// The CA that internal services' certificates must chain to.
#[derive(Clone)]
pub struct ClientTls {
    ca_file: PathBuf,
    ca: Certificate,
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ClientTls")
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl ClientTls {
    pub fn from_ca_file(ca_file: &Path) -> Result<Self, ConfigError> {
        let pem = read(CA_FILE_VAR, ca_file)?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(ConfigError::invalid(
                CA_FILE_VAR,
                format!("{} holds no PEM certificate", ca_file.display()),
            ));
        }
        Ok(Self {
            ca_file: ca_file.to_owned(),
            ca: Certificate::from_pem(pem),
        })
    }

    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        env_string(CA_FILE_VAR)
            .map(|path| Self::from_ca_file(Path::new(&path)))
            .transpose()
    }

    /// Only this CA: the machine's public roots would let any certificate
    /// a public CA issued for the service's name impersonate it.
    pub(crate) fn config(&self) -> ClientTlsConfig {
        ClientTlsConfig::new().ca_certificate(self.ca.clone())
    }
}

/// Checks that a service URL's scheme agrees with the TLS setting, so that
/// a typo cannot silently send internal keys in plain text.
pub(crate) fn check_scheme(url: &str, tls: Option<&ClientTls>) -> Result<(), ConfigError> {
    match (url.starts_with("https://"), tls.is_some()) {
        (true, true) | (false, false) => Ok(()),
        (false, true) => Err(ConfigError::invalid(
            url,
            format!(
                "{CA_FILE_VAR} is set, so internal services are reached over TLS: use https://"
            ),
        )),
        (true, false) => Err(ConfigError::invalid(
            url,
            format!(
                "an https:// service URL needs {CA_FILE_VAR} (the CA its certificate chains to)"
            ),
        )),
    }
}

fn read(variable: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path)
        .map_err(|error| ConfigError::invalid(variable, format!("{}: {error}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_files_are_refused_with_their_variable_and_path() {
        let error = ServerTls::from_files(Path::new("/no/such/cert.pem"), Path::new("/no/key.pem"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("GRPC_TLS_CERT_FILE is invalid"),
            "{error}"
        );
        assert!(error.contains("/no/such/cert.pem"), "{error}");
        let error = ClientTls::from_ca_file(Path::new("/no/such/ca.pem"))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("GRPC_TLS_CA_FILE is invalid"), "{error}");
    }

    #[test]
    fn a_certificate_with_another_certificates_key_is_refused_at_start() {
        let ca = test_support::tls::TestCa::generate();
        let other = test_support::tls::TestCa::generate();
        ServerTls::from_files(&ca.cert_file(), &ca.key_file()).unwrap();
        let error = ServerTls::from_files(&ca.cert_file(), &other.key_file())
            .unwrap_err()
            .to_string();
        assert!(error.contains("GRPC_TLS_KEY_FILE"), "{error}");
        // A CA file must hold a certificate, not a key.
        let error = ClientTls::from_ca_file(&ca.key_file())
            .unwrap_err()
            .to_string();
        assert!(error.contains("no PEM certificate"), "{error}");
    }
}
