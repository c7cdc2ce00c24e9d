//! Errors that stop the scheduler from starting.

use mesh::config::ConfigError;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Bind(#[from] mesh::server::BindError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot set up the database pool: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blobs(#[from] blob_store::BlobError),
}
