//! One change applied to many monitors at once (the API's bulk actions).
//! Every statement is scoped by the caller's membership of each monitor's
//! team; a monitor the caller cannot see is reported `NotFound`, one whose
//! team differs from the tag's or channel's `OtherTeam`. Each monitor's
//! change is whole or absent.

use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::monitors::VISIBLE_TO_CALLER;
use crate::pool::Store;

/// What a bulk action does to each monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkChange {
    Pause,
    Resume,
    /// Ask the scheduler to check now, as "run now" does (paused or not).
    RunNow,
    AddTag(Uuid),
    RemoveTag(Uuid),
    AttachChannel(Uuid),
    DetachChannel(Uuid),
}

/// What became of one monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkOutcome {
    Done,
    /// Absent, or in a team the caller is not in.
    NotFound,
    /// The tag or channel belongs to another team than the monitor.
    OtherTeam,
}

/// The field a bulk change's tag or channel is reported under when the
/// caller cannot see it ([`StoreError::MissingReference`]).
pub const TAG_FIELD: &str = "tag_id";
pub const CHANNEL_FIELD: &str = "channel_id";

/// `ids` once each, in their first order.
fn unique(ids: &[Uuid]) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

impl Store {
    /// Which of `ids` the caller can see, in their order, once each.
    pub async fn visible_monitor_ids(
        &self,
        user_id: Uuid,
        ids: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError> {
        let ids = unique(ids);
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT m.id FROM monitors m WHERE m.id = ANY($2) AND {VISIBLE_TO_CALLER}"
                ),
                &[&user_id, &ids],
            )
            .await
            .context("finding visible monitors")?;
        let visible: std::collections::HashSet<Uuid> = rows.iter().map(|row| row.get(0)).collect();
        Ok(ids.into_iter().filter(|id| visible.contains(id)).collect())
    }

    /// Applies `change` to each of `ids` (once each) in one transaction and
    /// answers each monitor's outcome in the order of `ids`.
    /// [`StoreError::MissingReference`] ([`TAG_FIELD`] or [`CHANNEL_FIELD`])
    /// when the caller cannot see the tag or channel.
    pub async fn bulk_change(
        &self,
        user_id: Uuid,
        ids: &[Uuid],
        change: BulkChange,
    ) -> Result<Vec<(Uuid, BulkOutcome)>, StoreError> {
        let ids = unique(ids);
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting a bulk change")?;
        // Locked so a concurrent deletion waits for this change or wins before it.
        let rows = transaction
            .query(
                &format!(
                    "SELECT m.id, m.team_id FROM monitors m
                      WHERE m.id = ANY($2) AND {VISIBLE_TO_CALLER}
                      FOR NO KEY UPDATE"
                ),
                &[&user_id, &ids],
            )
            .await
            .context("locking the monitors of a bulk change")?;
        let teams: std::collections::HashMap<Uuid, Uuid> = rows
            .iter()
            .map(|row| (row.get("id"), row.get("team_id")))
            .collect();
        // The team of the tag or channel, when the change names one.
        let named = match change {
            BulkChange::AddTag(tag) | BulkChange::RemoveTag(tag) => Some(("tags", tag, TAG_FIELD)),
            BulkChange::AttachChannel(channel) | BulkChange::DetachChannel(channel) => {
                Some(("channels", channel, CHANNEL_FIELD))
            }
            _ => None,
        };
        let owner_team = match named {
            Some((table, id, field)) => {
                Some(visible_team_of(&transaction, user_id, table, id, field).await?)
            }
            None => None,
        };
        let outcomes: Vec<(Uuid, BulkOutcome)> = ids
            .iter()
            .map(|id| {
                let outcome = match (teams.get(id), owner_team) {
                    (None, _) => BulkOutcome::NotFound,
                    (Some(team), Some(owner)) if *team != owner => BulkOutcome::OtherTeam,
                    _ => BulkOutcome::Done,
                };
                (*id, outcome)
            })
            .collect();
        let chosen: Vec<Uuid> = outcomes
            .iter()
            .filter(|(_, outcome)| *outcome == BulkOutcome::Done)
            .map(|(id, _)| *id)
            .collect();
        if !chosen.is_empty() {
            // Every statement names only `chosen`: monitors locked above, in
            // the caller's teams, of the tag's or channel's team.
            let (statement, context): (&str, &'static str) = match change {
                BulkChange::Pause => (
                    "UPDATE monitors SET paused = true, updated_at = now() WHERE id = ANY($1)",
                    "pausing monitors",
                ),
                BulkChange::Resume => (
                    "UPDATE monitors SET paused = false, updated_at = now() WHERE id = ANY($1)",
                    "resuming monitors",
                ),
                BulkChange::RunNow => (
                    "UPDATE monitors SET requested_reason = 'manual', next_check_at = now()
                      WHERE id = ANY($1)",
                    "requesting monitor runs",
                ),
                BulkChange::AddTag(_) => (
                    "INSERT INTO monitor_tags (monitor_id, tag_id)
                     SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING",
                    "tagging monitors",
                ),
                BulkChange::RemoveTag(_) => (
                    "DELETE FROM monitor_tags WHERE monitor_id = ANY($1) AND tag_id = $2",
                    "untagging monitors",
                ),
                BulkChange::AttachChannel(_) => (
                    "INSERT INTO monitor_channels (monitor_id, channel_id)
                     SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING",
                    "attaching a channel to monitors",
                ),
                BulkChange::DetachChannel(_) => (
                    "DELETE FROM monitor_channels WHERE monitor_id = ANY($1) AND channel_id = $2",
                    "detaching a channel from monitors",
                ),
            };
            match change {
                BulkChange::AddTag(other)
                | BulkChange::RemoveTag(other)
                | BulkChange::AttachChannel(other)
                | BulkChange::DetachChannel(other) => {
                    transaction
                        .execute(statement, &[&chosen, &other])
                        .await
                        .context(context)?;
                }
                BulkChange::Pause | BulkChange::Resume | BulkChange::RunNow => {
                    transaction
                        .execute(statement, &[&chosen])
                        .await
                        .context(context)?;
                }
            }
        }
        transaction
            .commit()
            .await
            .context("committing a bulk change")?;
        Ok(outcomes)
    }
}

/// The team of row `id` of `table` (`tags` or `channels`, both team-owned),
/// when the caller is a member of it; [`StoreError::MissingReference`]
/// naming `field` otherwise.
async fn visible_team_of(
    transaction: &deadpool_postgres::Transaction<'_>,
    user_id: Uuid,
    table: &'static str,
    id: Uuid,
    field: &str,
) -> Result<Uuid, StoreError> {
    transaction
        .query_opt(
            &format!(
                "SELECT r.team_id FROM {table} r
                  WHERE r.id = $2 AND EXISTS (SELECT 1 FROM memberships ms
                        WHERE ms.team_id = r.team_id AND ms.user_id = $1)"
            ),
            &[&user_id, &id],
        )
        .await
        .context("reading the tag or channel of a bulk change")?
        .map(|row| row.get::<_, Uuid>(0))
        .ok_or_else(|| StoreError::MissingReference {
            constraint: field.to_owned(),
        })
}
