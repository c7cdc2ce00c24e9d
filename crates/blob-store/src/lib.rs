//! Binary blobs (today: check screenshots) kept outside PostgreSQL, each
//! under the SHA-256 of its bytes.
//!
//! - [`config`]: which store, read once from the environment (`BLOB_STORE_*`).
//! - [`BlobStore`]: put, get and delete by content hash, over `object_store`
//!   (a local folder, or any S3-compatible store such as MinIO or AWS S3).
//!
//! Content addressing deduplicates for free: two checks that rendered the
//! same pixels reference one blob. Who references a blob is the database's
//! business (`checks.screenshot_sha256`); deleting a blob no row references
//! any more is the caller's, after the rows are gone.

pub mod config;

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

pub use config::BlobStoreConfig;

/// Every blob lives under this folder of the store, so a bucket shared with
/// other data stays tidy.
const ROOT: &str = "sha256";

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// A key that is not 64 lowercase hex digits: never a path.
    #[error("not a blob key: {0:?}")]
    InvalidKey(String),
    #[error("the blob store is not usable: {0}")]
    Setup(String),
    #[error("the blob store failed to {action}: {source}")]
    Store {
        action: &'static str,
        #[source]
        source: object_store::Error,
    },
}

/// Content-addressed blobs. Cheap to clone (one shared client).
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "BlobStore({})", self.inner)
    }
}

impl BlobStore {
    /// Opens the configured store; a local folder is created when missing.
    pub fn open(config: &BlobStoreConfig) -> Result<Self, BlobError> {
        let inner: Arc<dyn ObjectStore> = match config {
            BlobStoreConfig::Local { dir } => {
                std::fs::create_dir_all(dir).map_err(|error| {
                    BlobError::Setup(format!("cannot create {}: {error}", dir.display()))
                })?;
                Arc::new(
                    LocalFileSystem::new_with_prefix(dir)
                        .map_err(|source| BlobError::Store {
                            action: "open its folder",
                            source,
                        })?
                        // Pruning leaves no empty folders behind. (Writes go
                        // to a temporary file that is renamed: a reader never
                        // sees half a screenshot.)
                        .with_automatic_cleanup(true),
                )
            }
            BlobStoreConfig::S3(s3) => {
                install_tls_provider();
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(s3.secret_access_key.expose_secret());
                if let Some(endpoint) = &s3.endpoint {
                    // MinIO and most S3-compatible servers want path-style
                    // URLs (`endpoint/bucket/key`), not bucket subdomains.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                Arc::new(builder.build().map_err(|source| BlobError::Store {
                    action: "set up its S3 client",
                    source,
                })?)
            }
        };
        Ok(Self { inner })
    }

    /// Stores `bytes` unless a blob with the same content exists, and
    /// returns its key (the lowercase hex SHA-256 of the bytes).
    pub async fn put(&self, bytes: impl Into<Bytes>) -> Result<String, BlobError> {
        let bytes: Bytes = bytes.into();
        let key = key_of(&bytes);
        let path = path(&key)?;
        match self.inner.head(&path).await {
            Ok(_) => return Ok(key),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(source) => {
                return Err(BlobError::Store {
                    action: "look for a blob",
                    source,
                });
            }
        }
        // Two writers of the same key write the same bytes, so a race
        // between them needs no lock.
        self.inner
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|source| BlobError::Store {
                action: "store a blob",
                source,
            })?;
        Ok(key)
    }

    /// The blob's bytes, or `None` when there is no such blob.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        let path = path(key)?;
        let found = match self.inner.get(&path).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(source) => {
                return Err(BlobError::Store {
                    action: "read a blob",
                    source,
                });
            }
        };
        found
            .bytes()
            .await
            .map(Some)
            .map_err(|source| BlobError::Store {
                action: "read a blob",
                source,
            })
    }

    /// Deletes the blob; a blob that is already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = path(key)?;
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(BlobError::Store {
                action: "delete a blob",
                source,
            }),
        }
    }
}

/// The key a blob of these bytes has.
pub fn key_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keys come back from the database; only a SHA-256 in hex becomes a path.
fn path(key: &str) -> Result<Path, BlobError> {
    let valid = key.len() == 64
        && key
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    if !valid {
        return Err(BlobError::InvalidKey(key.to_owned()));
    }
    // Two levels keep a folder of millions of screenshots listable.
    Ok(Path::from(format!("{ROOT}/{}/{key}", &key[..2])))
}

/// object_store's HTTP client is built on rustls without a crypto provider
/// of its own (see the workspace manifest); the first S3 store makes ring
/// the process default. A provider already installed by someone else stays.
fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests may unwrap.
    use super::*;

    #[test]
    fn only_a_sha256_becomes_a_path() {
        let key = key_of(b"png");
        assert_eq!(
            path(&key).unwrap().as_ref(),
            format!("sha256/{}/{key}", &key[..2])
        );
        for bad in ["../../etc/passwd", "", &key.to_uppercase(), &key[..63]] {
            assert!(matches!(path(bad), Err(BlobError::InvalidKey(_))), "{bad}");
        }
    }
}
