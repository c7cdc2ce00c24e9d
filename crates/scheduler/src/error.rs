//! Errors that stop the scheduler from starting.

use std::net::SocketAddr;

use mesh::config::ConfigError;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot set up the database pool: {0}")]
    Store(#[from] StoreError),
}
