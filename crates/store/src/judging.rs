//! What judging a changed page reads from the store, in one round trip.
//!
//! A page whose hash differs from its last snapshot needs three reads before
//! the judge is asked: the previous text (for the diff and the judge), the
//! team's budget, and the monitor's rated alerts. They go on one connection
//! at once, so PostgreSQL receives them together (tokio-postgres pipelines
//! the queries of one client) instead of one after another's answer.

use uuid::Uuid;

use crate::error::StoreError;
use crate::pool::Store;
use crate::ratings::RatedExample;

/// The store's part of judging one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgingContext {
    /// The text of the snapshot the page is compared with; `None` for a
    /// first check, which has none.
    pub previous_text: Option<String>,
    /// The team has used up a limit of its monthly model budget.
    pub over_budget: bool,
    /// The monitor's latest rated alerts, newest first.
    pub rated_examples: Vec<RatedExample>,
}

impl Store {
    /// Reads, on one connection and pipelined, the text of `previous` (a
    /// snapshot of `monitor_id`, which must be `team_id`'s), whether the
    /// team is over its model budget, and the monitor's last
    /// `examples_limit` rated alerts. Each is the same read as
    /// [`Store::snapshot_text`], [`Store::team_over_budget`] and
    /// [`Store::rated_examples`].
    pub async fn judging_context(
        &self,
        team_id: Uuid,
        monitor_id: Uuid,
        previous: Option<Uuid>,
        examples_limit: i64,
    ) -> Result<JudgingContext, StoreError> {
        let client = self.client().await?;
        let previous_text = async {
            match previous {
                Some(snapshot_id) => {
                    crate::scheduling::snapshot_text(&client, team_id, monitor_id, snapshot_id)
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        };
        let (previous_text, over_budget, rated_examples) = tokio::try_join!(
            previous_text,
            crate::budgets::over_budget(&client, team_id),
            crate::ratings::rated_examples(&client, team_id, monitor_id, examples_limit),
        )?;
        Ok(JudgingContext {
            previous_text,
            over_budget,
            rated_examples,
        })
    }
}
