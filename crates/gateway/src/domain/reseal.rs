//! The walk every kind of stored secret takes at start so that it ends up
//! sealed by the current key: rows written in clear by older versions, or
//! under a key that is leaving `SECRETS_KEYS`, are opened and sealed again,
//! a batch at a time in key order, and written back only if nobody changed
//! them meanwhile. A row no key opens is left as it is and counted.

use std::fmt::Display;

use store::StoreError;

/// Rows read per batch.
const BATCH: i64 = 200;

/// What a reseal pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// Rows sealed again with the current key.
    pub resealed: u64,
    /// Rows holding a value no key in `SECRETS_KEYS` opens.
    pub unreadable: u64,
}

impl ResealReport {
    /// Logs the pass, if it did anything; `what` names the rows.
    pub fn log(&self, what: &str, key_id: &str) {
        if *self != Self::default() {
            tracing::info!(
                resealed = self.resealed,
                unreadable = self.unreadable,
                key_id,
                "sealed stored {what} with the current key"
            );
        }
    }
}

/// One kind of stored secret: how to read the rows still to reseal after a
/// cursor, seal one again, and write it back if it is unchanged.
pub struct Walk<Batch, Cursor, Reseal, Replace> {
    /// Names the rows in logs ("channel secret").
    pub what: &'static str,
    /// At most `limit` rows after the cursor not sealed by the current key.
    pub batch: Batch,
    /// A row's place in the walk (its id).
    pub cursor: Cursor,
    pub reseal: Reseal,
    /// Writes `resealed` over `current`; false when the row changed meanwhile.
    pub replace: Replace,
}

/// Runs one walk to the end, adding to `report`.
pub async fn reseal_all<Row, Id, Error, Batch, Cursor, Reseal, Replace>(
    walk: Walk<Batch, Cursor, Reseal, Replace>,
    report: &mut ResealReport,
) -> Result<(), StoreError>
where
    Id: Copy + Display,
    Error: Display,
    Batch: AsyncFn(Option<Id>, i64) -> Result<Vec<Row>, StoreError>,
    Cursor: Fn(&Row) -> Id,
    Reseal: Fn(&Row) -> Result<Row, Error>,
    Replace: AsyncFn(&Row, &Row) -> Result<bool, StoreError>,
{
    let mut after = None;
    loop {
        let rows = (walk.batch)(after, BATCH).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some((walk.cursor)(last));
        for current in &rows {
            match (walk.reseal)(current) {
                Ok(resealed) => {
                    if (walk.replace)(current, &resealed).await? {
                        report.resealed += 1;
                    }
                }
                Err(error) => {
                    report.unreadable += 1;
                    tracing::error!(id = %(walk.cursor)(current), %error, "cannot reseal a {}", walk.what);
                }
            }
        }
    }
}
