//! TLS to PostgreSQL as libpq reads it from the connection URL, so that a
//! managed database's own connection string works as given:
//!
//! - `sslmode` absent, `disable`, `allow` or `prefer`: plain TCP (a
//!   database on the private network or the same host).
//! - `require`: encrypted; the certificate is checked against `sslrootcert`
//!   when one is given, and not at all otherwise (libpq's behaviour, for
//!   providers whose certificate no CA vouches for).
//! - `verify-ca`: the certificate must chain to `sslrootcert`.
//! - `verify-full`: and it must name the host of the URL.
//!
//! tokio-postgres knows only `disable`, `prefer` and `require`, so these two
//! parameters are taken out of the URL here and become a rustls client.

use std::path::Path;
use std::sync::Arc;

use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme,
};

/// What the URL asked of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    Nothing,
    Chain,
    ChainAndName,
}

/// The connection settings and, when TLS is asked for, its connector.
pub(crate) struct Connection {
    pub config: tokio_postgres::Config,
    pub tls: Option<MakeRustlsConnect>,
}

/// Parses `database_url`; errors never repeat the URL (it may hold a password).
pub(crate) fn parse(database_url: &str) -> Result<Connection, String> {
    let (base, query) = match database_url.split_once('?') {
        Some((base, query)) => (base, query),
        None => (database_url, ""),
    };
    let mut mode = None;
    let mut root_cert = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || {
            percent_decode(value)
                .ok_or_else(|| format!("{name} in DATABASE_URL is not valid UTF-8"))
        };
        match name {
            "sslmode" => mode = Some(decoded()?),
            "sslrootcert" => root_cert = Some(decoded()?),
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|_| "DATABASE_URL is not a valid PostgreSQL URL".to_owned())?;
    let verify = match mode.as_deref() {
        None | Some("disable" | "allow" | "prefer") => {
            config.ssl_mode(SslMode::Disable);
            return Ok(Connection { config, tls: None });
        }
        Some("require") if root_cert.is_some() => Verify::Chain,
        Some("require") => Verify::Nothing,
        Some("verify-ca") => Verify::Chain,
        Some("verify-full") => Verify::ChainAndName,
        Some(other) => {
            return Err(format!(
                "sslmode={other} in DATABASE_URL is not one of disable, allow, prefer, require, verify-ca, verify-full"
            ));
        }
    };
    let roots = match root_cert {
        Some(path) => Some(read_roots(Path::new(&path))?),
        None if verify == Verify::Nothing => None,
        None => {
            return Err(
                "sslmode=verify-ca and verify-full need sslrootcert=<CA file> in DATABASE_URL"
                    .to_owned(),
            );
        }
    };
    config.ssl_mode(SslMode::Require);
    Ok(Connection {
        config,
        tls: Some(MakeRustlsConnect::new(client_config(verify, roots)?)),
    })
}

fn client_config(verify: Verify, roots: Option<RootCertStore>) -> Result<ClientConfig, String> {
    // An explicit provider: the process-wide default may be unset.
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS to PostgreSQL: {error}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match (verify, roots) {
        (Verify::Nothing, _) => Arc::new(Lenient {
            chain: None,
            provider,
        }),
        (verify, Some(roots)) => {
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|error| format!("sslrootcert in DATABASE_URL: {error}"))?;
            if verify == Verify::ChainAndName {
                webpki as Arc<dyn ServerCertVerifier>
            } else {
                Arc::new(Lenient {
                    chain: Some(webpki),
                    provider,
                })
            }
        }
        (_, None) => return Err("a CA file is needed to verify PostgreSQL".to_owned()),
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn read_roots(path: &Path) -> Result<RootCertStore, String> {
    let unusable =
        |reason: String| format!("sslrootcert {} in DATABASE_URL: {reason}", path.display());
    let mut roots = RootCertStore::empty();
    for certificate in
        CertificateDer::pem_file_iter(path).map_err(|error| unusable(error.to_string()))?
    {
        let certificate = certificate.map_err(|error| unusable(error.to_string()))?;
        roots
            .add(certificate)
            .map_err(|error| unusable(error.to_string()))?;
    }
    if roots.is_empty() {
        return Err(unusable("holds no certificate".to_owned()));
    }
    Ok(roots)
}

fn percent_decode(value: &str) -> Option<String> {
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// The modes that believe more than rustls' own verifier does, as libpq's:
/// `verify-ca` (and `require` with a CA) checks the chain to the CA whatever
/// name the certificate carries; `require` without a CA checks nothing of
/// the certificate (encrypted against a passive listener, but whoever
/// answers is believed). Either way the handshake's signatures are checked,
/// so the session is bound to the certificate presented.
#[derive(Debug)]
struct Lenient {
    /// The CA's verifier; `None` believes any certificate.
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // The name is checked last, after the chain: this error means the
        // chain was good.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        tokio_rustls::rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        tokio_rustls::rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_sslmode_the_connection_is_plain_and_other_parameters_stay() {
        let connection =
            parse("postgres://u:p@db:5432/lookout?application_name=gw&connect_timeout=3").unwrap();
        assert!(connection.tls.is_none());
        assert_eq!(connection.config.get_application_name(), Some("gw"));
        assert_eq!(connection.config.get_ssl_mode(), SslMode::Disable);
    }

    #[test]
    fn require_without_a_ca_encrypts_and_unknown_modes_are_refused_without_the_password() {
        let connection = parse("postgres://u:p@db/lookout?sslmode=require").unwrap();
        assert!(connection.tls.is_some());
        assert_eq!(connection.config.get_ssl_mode(), SslMode::Require);
        let error = parse("postgres://u:hunter2@db/lookout?sslmode=strict")
            .err()
            .unwrap();
        assert!(error.contains("sslmode=strict"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn verification_needs_a_readable_ca_file() {
        let error = parse("postgres://u@db/lookout?sslmode=verify-full")
            .err()
            .unwrap();
        assert!(error.contains("sslrootcert"), "{error}");
        let error =
            parse("postgres://u@db/lookout?sslmode=verify-full&sslrootcert=%2Fno%2Fsuch.pem")
                .err()
                .unwrap();
        assert!(error.contains("/no/such.pem"), "{error}");
    }
}
