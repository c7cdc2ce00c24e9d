//! The connection pool.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::NoTls;

use crate::error::{QueryContext, StoreError};
use crate::quotas::QuotaLimits;

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// The deployment's quota defaults: the store enforces quotas in the
    /// transaction of each creation, so it carries them.
    quota_defaults: QuotaLimits,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Builds the pool; no connection is opened until the first query.
    /// `database_url` is a libpq-style URL; it may hold a password, so it
    /// never appears in errors.
    pub fn connect(database_url: &str, max_connections: usize) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = database_url.parse().map_err(|_| {
            StoreError::Unavailable("DATABASE_URL is not a valid PostgreSQL URL".to_owned())
        })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // Fast recycling: a broken connection fails its next query and
                // is replaced, instead of paying a round trip on every checkout.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections)
            .runtime(Runtime::Tokio1)
            // A request should fail quickly with 503 rather than queue for
            // long behind a saturated pool or a dead database.
            .timeouts(Timeouts {
                wait: Some(Duration::from_secs(5)),
                create: Some(Duration::from_secs(5)),
                recycle: Some(Duration::from_secs(5)),
            })
            .build()
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        Ok(Self {
            pool,
            quota_defaults: QuotaLimits::default(),
        })
    }

    /// The same pool enforcing `defaults` where a team has no override.
    #[must_use]
    pub fn with_quota_defaults(mut self, defaults: QuotaLimits) -> Self {
        self.quota_defaults = defaults;
        self
    }

    pub fn quota_defaults(&self) -> &QuotaLimits {
        &self.quota_defaults
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    /// One round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .context("pinging the database")?;
        Ok(())
    }

    /// Size of the current database in bytes, for the admin usage page.
    pub async fn database_size_bytes(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT pg_database_size(current_database())", &[])
            .await
            .context("reading the database size")?;
        Ok(row.get(0))
    }
}
