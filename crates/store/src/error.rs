//! Store errors. Database details stay in logs; callers see what kind of
//! problem it was.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No connection could be had from the pool (database down or pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A unique constraint was violated; the name of the constraint is kept
    /// so callers can map it to a precise 409.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    /// A foreign key pointed at a row that does not exist (or is not visible).
    #[error("reference to a missing row ({constraint})")]
    MissingReference { constraint: String },
    #[error("row not found")]
    NotFound,
    /// A check's claim is no longer the monitor's (its lease expired and
    /// another claim took it over): the check was not recorded.
    #[error("the claim's lease was lost")]
    LeaseLost,
    /// A team's quota is used up: one more would pass `limit`.
    #[error("the {} quota ({limit}) is reached", quota.name())]
    QuotaReached {
        quota: crate::quotas::Quota,
        limit: i64,
    },
    #[error("database error while {context}: {source}")]
    Query {
        context: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    /// Stored data could not be written or read back as it should (a
    /// snapshot's compressed text).
    #[error("stored data is unusable while {context}: {detail}")]
    Data {
        context: &'static str,
        detail: String,
    },
    #[error("migration {version} failed: {source}")]
    Migration {
        version: i32,
        #[source]
        source: tokio_postgres::Error,
    },
}

impl StoreError {
    /// Wraps a query error, recognising constraint violations.
    pub fn query(context: &'static str, source: tokio_postgres::Error) -> Self {
        if let Some(db_error) = source.as_db_error() {
            let constraint = db_error.constraint().unwrap_or_default().to_owned();
            let code = db_error.code();
            if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION {
                return Self::Conflict { constraint };
            }
            if *code == tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION {
                return Self::MissingReference { constraint };
            }
        }
        Self::Query { context, source }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

/// Adds context to a query result in one call.
pub trait QueryContext<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> QueryContext<T> for Result<T, tokio_postgres::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::query(context, source))
    }
}
