//! A throwaway certificate authority and a server certificate for
//! `localhost`, made with the `openssl` command line in a temporary directory.
//!
//! The CLI rather than a certificate crate: it is on every machine that runs
//! the tests already, and a real CA layout (a root with `CA:TRUE` that signs a
//! separate leaf) is what clients verify in production.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use tempfile::TempDir;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::process::run_to_success;

/// The name the server certificate is valid for (plus `127.0.0.1`).
pub const SERVER_NAME: &str = "localhost";

/// A CA and a `localhost` certificate it signed. The files live as long as
/// this value, so keep it alive while a client may read [`TestCa::ca_file`].
pub struct TestCa {
    dir: TempDir,
}

impl TestCa {
    /// Creates a new CA and leaf; every call yields an unrelated CA.
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for the test CA");
        let path = dir.path();
        std::fs::write(
            path.join("leaf.ext"),
            "subjectAltName = DNS:localhost, IP:127.0.0.1\n\
             basicConstraints = critical, CA:FALSE\n\
             keyUsage = critical, digitalSignature, keyEncipherment\n\
             extendedKeyUsage = serverAuth\n",
        )
        .expect("write the leaf extensions");
        // P-256 keys: quick to generate, and every TLS stack accepts them.
        openssl(
            path,
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
             -keyout ca.key -out ca.pem -days 2 -subj /CN=lookout-throwaway-test-ca \
             -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign",
        );
        openssl(
            path,
            "req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
             -keyout leaf.key -out leaf.csr -subj /CN=localhost",
        );
        openssl(
            path,
            "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
             -out leaf.pem -days 2 -extfile leaf.ext",
        );
        Self { dir }
    }

    /// The CA certificate (PEM), the file an operator would put in
    /// `SMTP_CA_FILE`, `GRPC_TLS_CA_FILE`, `REDIS_CA_FILE` or `sslrootcert`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The `localhost` certificate (PEM), for a server under test.
    pub fn cert_file(&self) -> PathBuf {
        self.dir.path().join("leaf.pem")
    }

    /// The private key of [`TestCa::cert_file`] (PEM).
    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("leaf.key")
    }

    /// A TLS server configuration presenting the `localhost` certificate.
    pub fn acceptor(&self) -> TlsAcceptor {
        let path = self.dir.path();
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(path.join("leaf.pem"))
                .expect("open the leaf certificate")
                .collect::<Result<_, _>>()
                .expect("parse the leaf certificate");
        let key = PrivateKeyDer::from_pem_file(path.join("leaf.key")).expect("parse the leaf key");
        // An explicit provider: the process-wide default may be unset, and
        // lettre's client uses ring too.
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("the leaf certificate matches its key");
        TlsAcceptor::from(Arc::new(config))
    }
}

/// Runs `openssl` with whitespace-separated arguments (none contains a space).
fn openssl(dir: &Path, args: &str) {
    run_to_success(
        Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(dir),
        &format!("openssl {args}"),
    );
}
