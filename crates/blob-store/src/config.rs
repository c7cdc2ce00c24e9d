//! Which blob store, read from the environment once. The gateway (which
//! serves and prunes screenshots) and the scheduler (which stores them)
//! read the same variables, so they point at the same store.

use std::path::PathBuf;

use mesh::config::{ConfigError, Environment, check_secret_strength, env_string};
use secrecy::SecretString;

/// The development default: a folder beside the working directory.
pub const DEFAULT_DIR: &str = ".local/blobs";
const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Clone)]
pub enum BlobStoreConfig {
    /// `BLOB_STORE_KIND=local`: files under `BLOB_STORE_DIR`.
    Local { dir: PathBuf },
    /// `BLOB_STORE_KIND=s3`: a bucket of AWS S3 or any S3-compatible server.
    S3(S3Config),
}

#[derive(Debug, Clone)]
pub struct S3Config {
    /// `BLOB_STORE_S3_ENDPOINT`; unset for AWS itself.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

impl BlobStoreConfig {
    pub fn from_env(environment: Environment) -> Result<Self, ConfigError> {
        match env_string("BLOB_STORE_KIND").as_deref() {
            None | Some("local") => Self::local_from_env(environment),
            Some("s3") => Self::s3_from_env(environment),
            Some(other) => Err(ConfigError::invalid(
                "BLOB_STORE_KIND",
                format!("expected local or s3, got {other:?}"),
            )),
        }
    }

    /// A folder of its own for one test.
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        Self::Local { dir: dir.into() }
    }

    fn local_from_env(environment: Environment) -> Result<Self, ConfigError> {
        let dir = match env_string("BLOB_STORE_DIR") {
            Some(dir) => PathBuf::from(dir),
            // A relative default would land wherever the process started;
            // production says where its volume is.
            None if environment.is_production() => {
                return Err(ConfigError::missing("BLOB_STORE_DIR"));
            }
            None => PathBuf::from(DEFAULT_DIR),
        };
        if environment.is_production() && !dir.is_absolute() {
            return Err(ConfigError::invalid(
                "BLOB_STORE_DIR",
                "must be an absolute path in production",
            ));
        }
        Ok(Self::Local { dir })
    }

    fn s3_from_env(environment: Environment) -> Result<Self, ConfigError> {
        let required = |name: &str| env_string(name).ok_or_else(|| ConfigError::missing(name));
        let endpoint = env_string("BLOB_STORE_S3_ENDPOINT");
        if let Some(endpoint) = &endpoint
            && !endpoint.starts_with("http://")
            && !endpoint.starts_with("https://")
        {
            return Err(ConfigError::invalid(
                "BLOB_STORE_S3_ENDPOINT",
                "expected an http:// or https:// URL",
            ));
        }
        let secret = required("BLOB_STORE_S3_SECRET_ACCESS_KEY")?;
        if environment.is_production() {
            check_secret_strength("BLOB_STORE_S3_SECRET_ACCESS_KEY", &secret)?;
        }
        Ok(Self::S3(S3Config {
            endpoint,
            bucket: required("BLOB_STORE_S3_BUCKET")?,
            region: env_string("BLOB_STORE_S3_REGION").unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            access_key_id: required("BLOB_STORE_S3_ACCESS_KEY_ID")?,
            secret_access_key: SecretString::from(secret),
        }))
    }
}
