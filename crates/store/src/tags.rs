//! Tags: a team's labels for its monitors. Every query is scoped by the
//! caller's membership of the tag's team, and a tag is linked only to a
//! monitor of its own team.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// The field name reported in [`StoreError::MissingReference`] when a
/// monitor write names a tag of another team (or none at all).
pub const TAG_REFERENCE: &str = "tag_ids";
/// The unique index on a team's tag names (case-insensitive); a
/// [`StoreError::Conflict`] on it means the name is taken.
pub const NAME_TAKEN: &str = "tags_team_name";

/// A tag as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: Uuid,
    pub team_id: Uuid,
    pub name: String,
    /// `#rrggbb`, lower case.
    pub colour: String,
    /// How many monitors carry it.
    pub monitor_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tag {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            id: row.get("id"),
            team_id: row.get("team_id"),
            name: row.get("name"),
            colour: row.get("colour"),
            monitor_count: row.get("monitor_count"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        }
    }
}

/// A tag as a monitor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TagRef {
    pub id: Uuid,
    pub name: String,
    pub colour: String,
}

/// The scope of every tag query: the caller ($1) is a member of the tag's team.
const VISIBLE_TO_CALLER: &str =
    "EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = t.team_id AND ms.user_id = $1)";

const TAG_COLUMNS: &str = "t.id, t.team_id, t.name, t.colour, t.created_at, t.updated_at,
     (SELECT count(*) FROM monitor_tags mt WHERE mt.tag_id = t.id) AS monitor_count";

/// A change to a tag; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagPatch {
    pub name: Option<String>,
    pub colour: Option<String>,
}

impl Store {
    /// The tags of the caller's teams (or of `team_id` only), by team and name.
    pub async fn list_tags(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
    ) -> Result<Vec<Tag>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {TAG_COLUMNS} FROM tags t
                      WHERE {VISIBLE_TO_CALLER} AND ($2::uuid IS NULL OR t.team_id = $2)
                      ORDER BY t.team_id, lower(t.name)"
                ),
                &[&user_id, &team_id],
            )
            .await
            .context("listing tags")?;
        Ok(rows.iter().map(Tag::from_row).collect())
    }

    /// One of the caller's tags.
    pub async fn get_tag(&self, user_id: Uuid, tag_id: Uuid) -> Result<Option<Tag>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {TAG_COLUMNS} FROM tags t WHERE t.id = $2 AND {VISIBLE_TO_CALLER}"
                ),
                &[&user_id, &tag_id],
            )
            .await
            .context("reading a tag")?;
        Ok(row.as_ref().map(Tag::from_row))
    }

    /// Creates a tag in `team_id`, or in the caller's personal team when
    /// `None`. [`StoreError::MissingReference`] (`team_id`) when the caller is
    /// not a member; [`StoreError::Conflict`] ([`NAME_TAKEN`]) when the team
    /// has a tag of that name in any case.
    pub async fn create_tag(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
        name: &str,
        colour: &str,
    ) -> Result<Tag, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting tag creation")?;
        let team_id = crate::quotas::member_team(&transaction, user_id, team_id)
            .await?
            .ok_or_else(|| StoreError::MissingReference {
                constraint: crate::monitors::TEAM_REFERENCE.to_owned(),
            })?;
        let row = transaction
            .query_one(
                "INSERT INTO tags (id, team_id, name, colour) VALUES ($1, $2, $3, $4)
                 RETURNING id, team_id, name, colour, created_at, updated_at,
                           0::bigint AS monitor_count",
                &[&Uuid::now_v7(), &team_id, &name, &colour],
            )
            .await
            .context("inserting a tag")?;
        transaction
            .commit()
            .await
            .context("committing tag creation")?;
        Ok(Tag::from_row(&row))
    }

    /// Renames or recolours one of the caller's tags; `None` when not visible.
    pub async fn update_tag(
        &self,
        user_id: Uuid,
        tag_id: Uuid,
        patch: &TagPatch,
    ) -> Result<Option<Tag>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "UPDATE tags t SET name = COALESCE($3, name), colour = COALESCE($4, colour),
                            updated_at = now()
                      WHERE t.id = $2 AND {VISIBLE_TO_CALLER}
                      RETURNING {TAG_COLUMNS}"
                ),
                &[&user_id, &tag_id, &patch.name, &patch.colour],
            )
            .await
            .context("updating a tag")?;
        Ok(row.as_ref().map(Tag::from_row))
    }

    /// Deletes one of the caller's tags, detaching it from every monitor.
    /// False when not visible.
    pub async fn delete_tag(&self, user_id: Uuid, tag_id: Uuid) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let deleted = client
            .execute(
                &format!("DELETE FROM tags t WHERE t.id = $2 AND {VISIBLE_TO_CALLER}"),
                &[&user_id, &tag_id],
            )
            .await
            .context("deleting a tag")?;
        Ok(deleted == 1)
    }
}

/// Makes `tag_ids` the monitor's tags. Tags of another team are never
/// linked: a shortfall rejects the whole write with [`TAG_REFERENCE`].
pub(crate) async fn replace_tags(
    transaction: &deadpool_postgres::Transaction<'_>,
    monitor_id: Uuid,
    team_id: Uuid,
    tag_ids: &[Uuid],
) -> Result<(), StoreError> {
    let mut wanted = tag_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    transaction
        .execute(
            "DELETE FROM monitor_tags WHERE monitor_id = $1",
            &[&monitor_id],
        )
        .await
        .context("clearing a monitor's tags")?;
    if wanted.is_empty() {
        return Ok(());
    }
    let linked = transaction
        .execute(
            "INSERT INTO monitor_tags (monitor_id, tag_id)
             SELECT $1, t.id FROM tags t WHERE t.id = ANY($2) AND t.team_id = $3",
            &[&monitor_id, &wanted, &team_id],
        )
        .await
        .context("linking a monitor's tags")?;
    if usize::try_from(linked).ok() != Some(wanted.len()) {
        return Err(StoreError::MissingReference {
            constraint: TAG_REFERENCE.to_owned(),
        });
    }
    Ok(())
}
