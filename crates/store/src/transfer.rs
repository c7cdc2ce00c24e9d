//! Moving a team's monitors in and out: the export's reads and the import's
//! one-transaction batch creation.
//!
//! An import creates everything or nothing: the team's row is locked as for
//! one monitor's creation ([`crate::quotas::lock_and_count`]), duplicates
//! (same URL and selectors as a monitor of the team) are found inside that
//! transaction, the monitors that fit the `monitors` quota are inserted in
//! batches of [`INSERT_BATCH`] rows, the tags they name are found (whatever
//! their case) or created, and the transaction commits only when every
//! batch, every channel link and every tag link went in.

use std::collections::HashMap;

use uuid::Uuid;

use crate::channels::ChannelKind;
use crate::error::{QueryContext, StoreError};
use crate::monitors::{MonitorDefinition, MonitorWithChannels, headers_json, steps_json};
use crate::pool::Store;
use crate::quotas::Quota;

/// Rows per `INSERT … SELECT FROM unnest(…)`: few round trips for 10,000
/// monitors, and parameter arrays of a few megabytes at most.
pub const INSERT_BATCH: usize = 1000;

/// What makes two monitors of a team the same for an import: the URL and
/// every selector (empty when none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MonitorKey {
    pub url: String,
    /// CSS, XPath, JSON pointer, JSONPath, jq, in that order.
    pub selectors: [Option<String>; 5],
}

impl MonitorKey {
    pub fn of(definition: &MonitorDefinition) -> Self {
        Self {
            url: definition.url.clone(),
            selectors: [
                definition.css_selector.clone(),
                definition.xpath.clone(),
                definition.json_pointer.clone(),
                definition.json_path.clone(),
                definition.jq_filter.clone(),
            ],
        }
    }
}

/// One monitor an import would create, with the team's channels it alerts
/// and the names of its tags.
#[derive(Debug, Clone)]
pub struct ImportItem {
    pub definition: MonitorDefinition,
    pub channel_ids: Vec<Uuid>,
    /// Linked to the team's tag of the same name in any case, created when
    /// the team has none (valid names, 1 to 40 characters).
    pub tag_names: Vec<String>,
}

/// The colour a tag an import creates gets, by name in lower case; a name
/// absent here gets [`IMPORTED_TAG_COLOUR`].
pub type TagColours = HashMap<String, String>;

/// The colour of a created tag whose file gave none.
pub const IMPORTED_TAG_COLOUR: &str = "#6b7280";

/// Where a confirmed import is, for a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// Monitors inserted so far.
    pub created: usize,
    /// Monitors the import inserts.
    pub total: usize,
}

/// What an import decided (or did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportResult {
    /// One per item, in order.
    pub fates: Vec<ImportFate>,
    /// Tags created (in a dry run: that would be), as first spelled.
    pub tags_created: Vec<String>,
}

/// What became of one [`ImportItem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFate {
    /// Created (or, in a dry run, would be) with this id.
    Created(Uuid),
    /// The team has a monitor with the same URL and selectors: this one.
    Duplicate(Uuid),
    /// Past the team's `monitors` quota, whose limit this is.
    OverQuota(i64),
}

/// A channel of a team as an export names it: never its destination or
/// credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReference {
    pub id: Uuid,
    pub kind: ChannelKind,
    pub name: String,
}

/// A team's monitors, channels and tags, as an export reads them.
#[derive(Debug, Clone)]
pub struct TeamContents {
    pub team_id: Uuid,
    pub team_name: String,
    /// Oldest first.
    pub monitors: Vec<MonitorWithChannels>,
    /// Oldest first.
    pub channels: Vec<ChannelReference>,
    /// `(name, colour)` by name, case-insensitively.
    pub tags: Vec<(String, String)>,
}

impl Store {
    /// `team_id`'s monitors and channels when `user_id` is a member; `None`
    /// otherwise (the membership is checked in each query).
    pub async fn team_contents(
        &self,
        user_id: Uuid,
        team_id: Uuid,
    ) -> Result<Option<TeamContents>, StoreError> {
        let client = self.client().await?;
        let Some(team) = client
            .query_opt(
                "SELECT t.name FROM teams t
                  WHERE t.id = $2
                    AND EXISTS (SELECT 1 FROM memberships ms
                                 WHERE ms.team_id = t.id AND ms.user_id = $1)",
                &[&user_id, &team_id],
            )
            .await
            .context("reading the team to export")?
        else {
            return Ok(None);
        };
        let monitors = client
            .query(
                &format!(
                    "SELECT {columns},
                            ARRAY(SELECT mc.channel_id FROM monitor_channels mc
                                   WHERE mc.monitor_id = m.id ORDER BY mc.channel_id) AS channel_ids,
                            {tags} AS tags
                       FROM monitors m
                      WHERE m.team_id = $2
                        AND EXISTS (SELECT 1 FROM memberships ms
                                     WHERE ms.team_id = m.team_id AND ms.user_id = $1)
                      ORDER BY m.created_at, m.id",
                    columns = crate::monitors::MONITOR_COLUMNS,
                    tags = crate::monitors::MONITOR_TAGS
                ),
                &[&user_id, &team_id],
            )
            .await
            .context("reading the monitors to export")?
            .iter()
            .map(MonitorWithChannels::from_row)
            .collect();
        let channels = client
            .query(
                "SELECT c.id, c.kind, c.name FROM channels c
                  WHERE c.team_id = $2
                    AND EXISTS (SELECT 1 FROM memberships ms
                                 WHERE ms.team_id = c.team_id AND ms.user_id = $1)
                  ORDER BY c.created_at, c.id",
                &[&user_id, &team_id],
            )
            .await
            .context("reading the channels to export")?
            .iter()
            .filter_map(|row| {
                Some(ChannelReference {
                    id: row.get("id"),
                    kind: ChannelKind::parse(row.get("kind"))?,
                    name: row.get("name"),
                })
            })
            .collect();
        let tags = client
            .query(
                "SELECT t.name, t.colour FROM tags t
                  WHERE t.team_id = $2
                    AND EXISTS (SELECT 1 FROM memberships ms
                                 WHERE ms.team_id = t.team_id AND ms.user_id = $1)
                  ORDER BY lower(t.name), t.id",
                &[&user_id, &team_id],
            )
            .await
            .context("reading the tags to export")?
            .iter()
            .map(|row| (row.get("name"), row.get("colour")))
            .collect();
        Ok(Some(TeamContents {
            team_id,
            team_name: team.get("name"),
            monitors,
            channels,
            tags,
        }))
    }

    /// Decides the fate of each item in order and, when `create`, creates
    /// those that fit in one transaction: all of them or, on any error, none.
    /// An item is a duplicate of a monitor the team has or of an earlier
    /// item; past the team's `monitors` quota it is refused. A dry run
    /// (`create` false) answers the same fates and writes nothing. `None`
    /// when `user_id` is not a member of `team_id`.
    ///
    /// Channel ids must be channels of the team; one that is not fails the
    /// whole import with [`StoreError::MissingReference`]. Tag names are
    /// matched to the team's tags whatever their case; the missing ones are
    /// created in the same transaction (coloured from `colours`) and named
    /// in the result. `progress` hears of every batch inserted.
    pub async fn import_monitors(
        &self,
        user_id: Uuid,
        team_id: Uuid,
        items: &[ImportItem],
        colours: &TagColours,
        create: bool,
        progress: &(dyn Fn(ImportProgress) + Send + Sync),
    ) -> Result<Option<ImportResult>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await.context("starting an import")?;
        if crate::quotas::member_team(&transaction, user_id, Some(team_id))
            .await?
            .is_none()
        {
            return Ok(None);
        }
        // The same lock as one creation: concurrent creations and imports
        // of the team count each other.
        let (limit, used) = crate::quotas::lock_and_count(
            &transaction,
            team_id,
            Quota::Monitors,
            self.quota_defaults(),
        )
        .await?;
        let mut known: HashMap<MonitorKey, Uuid> = transaction
            .query(
                "SELECT id, url, css_selector, xpath, json_pointer, json_path, jq_filter
                   FROM monitors WHERE team_id = $1",
                &[&team_id],
            )
            .await
            .context("reading the team's monitors for duplicates")?
            .iter()
            .map(|row| {
                (
                    MonitorKey {
                        url: row.get("url"),
                        selectors: [
                            row.get("css_selector"),
                            row.get("xpath"),
                            row.get("json_pointer"),
                            row.get("json_path"),
                            row.get("jq_filter"),
                        ],
                    },
                    row.get("id"),
                )
            })
            .collect();
        let room = usize::try_from(limit.saturating_sub(used)).unwrap_or(0);
        let mut fates = Vec::with_capacity(items.len());
        let mut accepted: Vec<(Uuid, &ImportItem)> = Vec::new();
        for item in items {
            let key = MonitorKey::of(&item.definition);
            if let Some(existing) = known.get(&key) {
                fates.push(ImportFate::Duplicate(*existing));
            } else if accepted.len() >= room {
                fates.push(ImportFate::OverQuota(limit));
            } else {
                let id = Uuid::now_v7();
                known.insert(key, id);
                accepted.push((id, item));
                fates.push(ImportFate::Created(id));
            }
        }
        let existing_tags: HashMap<String, Uuid> = transaction
            .query("SELECT id, name FROM tags WHERE team_id = $1", &[&team_id])
            .await
            .context("reading the team's tags for an import")?
            .iter()
            .map(|row| (row.get::<_, String>("name").to_lowercase(), row.get("id")))
            .collect();
        let mut missing_tags: Vec<String> = Vec::new();
        for (_, item) in &accepted {
            for name in &item.tag_names {
                let key = name.to_lowercase();
                if !existing_tags.contains_key(&key)
                    && !missing_tags.iter().any(|held| held.to_lowercase() == key)
                {
                    missing_tags.push(name.clone());
                }
            }
        }
        if !create || accepted.is_empty() {
            // Nothing written: dropping the transaction rolls it back.
            return Ok(Some(ImportResult {
                fates,
                tags_created: missing_tags,
            }));
        }
        let total = accepted.len();
        let mut created = 0;
        progress(ImportProgress { created, total });
        for batch in accepted.chunks(INSERT_BATCH) {
            insert_batch(&transaction, user_id, team_id, batch).await?;
            created += batch.len();
            progress(ImportProgress { created, total });
        }
        link_channels(&transaction, team_id, &accepted).await?;
        let tags_created = create_tags(&transaction, team_id, &missing_tags, colours).await?;
        link_tags(&transaction, team_id, &accepted).await?;
        transaction.commit().await.context("committing an import")?;
        Ok(Some(ImportResult {
            fates,
            tags_created,
        }))
    }
}

/// Creates the tags an import names that the team lacks; a tag another
/// request created meanwhile (in any case) is kept, not duplicated. The
/// names created, as spelled.
async fn create_tags(
    transaction: &deadpool_postgres::Transaction<'_>,
    team_id: Uuid,
    names: &[String],
    colours: &TagColours,
) -> Result<Vec<String>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = names.iter().map(|_| Uuid::now_v7()).collect();
    let colours: Vec<&str> = names
        .iter()
        .map(|name| {
            colours
                .get(&name.to_lowercase())
                .map_or(IMPORTED_TAG_COLOUR, String::as_str)
        })
        .collect();
    let created: Vec<String> = transaction
        .query(
            "INSERT INTO tags (id, team_id, name, colour)
             SELECT id, $1, name, colour
               FROM unnest($2::uuid[], $3::text[], $4::text[]) AS new (id, name, colour)
             ON CONFLICT (team_id, lower(name)) DO NOTHING
             RETURNING name",
            &[&team_id, &ids, &names, &colours],
        )
        .await
        .context("creating an import's tags")?
        .iter()
        .map(|row| row.get("name"))
        .collect();
    // In the order the file named them.
    Ok(names
        .iter()
        .filter(|name| created.contains(name))
        .cloned()
        .collect())
}

/// Links every accepted monitor to the team's tags it names, by name in
/// any case; every name must be a tag of the team by now.
async fn link_tags(
    transaction: &deadpool_postgres::Transaction<'_>,
    team_id: Uuid,
    accepted: &[(Uuid, &ImportItem)],
) -> Result<(), StoreError> {
    let mut monitors = Vec::new();
    let mut names = Vec::new();
    for (id, item) in accepted {
        let mut wanted: Vec<String> = item
            .tag_names
            .iter()
            .map(|name| name.to_lowercase())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        for name in wanted {
            monitors.push(*id);
            names.push(name);
        }
    }
    if monitors.is_empty() {
        return Ok(());
    }
    let linked = transaction
        .execute(
            "INSERT INTO monitor_tags (monitor_id, tag_id)
             SELECT l.monitor_id, t.id
               FROM unnest($1::uuid[], $2::text[]) AS l (monitor_id, name)
               JOIN tags t ON t.team_id = $3 AND lower(t.name) = lower(l.name)",
            &[&monitors, &names, &team_id],
        )
        .await
        .context("linking imported monitors to their tags")?;
    if usize::try_from(linked).ok() != Some(monitors.len()) {
        return Err(StoreError::MissingReference {
            constraint: crate::tags::TAG_REFERENCE.to_owned(),
        });
    }
    Ok(())
}

/// One `INSERT … SELECT FROM unnest(…)` of up to [`INSERT_BATCH`] monitors.
async fn insert_batch(
    transaction: &deadpool_postgres::Transaction<'_>,
    user_id: Uuid,
    team_id: Uuid,
    batch: &[(Uuid, &ImportItem)],
) -> Result<(), StoreError> {
    let column = |field: fn(&MonitorDefinition) -> Option<String>| -> Vec<Option<String>> {
        batch
            .iter()
            .map(|(_, item)| field(&item.definition))
            .collect()
    };
    let ids: Vec<Uuid> = batch.iter().map(|(id, _)| *id).collect();
    let names: Vec<String> = batch
        .iter()
        .map(|(_, item)| item.definition.name.clone())
        .collect();
    let urls: Vec<String> = batch
        .iter()
        .map(|(_, item)| item.definition.url.clone())
        .collect();
    let css = column(|d| d.css_selector.clone());
    let pointers = column(|d| d.json_pointer.clone());
    let xpaths = column(|d| d.xpath.clone());
    let json_paths = column(|d| d.json_path.clone());
    let jq = column(|d| d.jq_filter.clone());
    let wait_for = column(|d| d.wait_for.clone());
    let conditions: Vec<String> = batch
        .iter()
        .map(|(_, item)| item.definition.condition.clone())
        .collect();
    let intervals: Vec<i32> = batch
        .iter()
        .map(|(_, item)| item.definition.interval_seconds)
        .collect();
    let renders: Vec<bool> = batch
        .iter()
        .map(|(_, item)| item.definition.render)
        .collect();
    let paused: Vec<bool> = batch
        .iter()
        .map(|(_, item)| item.definition.paused)
        .collect();
    let headers: Vec<serde_json::Value> = batch
        .iter()
        .map(|(_, item)| headers_json(&item.definition.headers))
        .collect();
    let cookies: Vec<serde_json::Value> = batch
        .iter()
        .map(|(_, item)| headers_json(&item.definition.cookies))
        .collect();
    let steps: Vec<serde_json::Value> = batch
        .iter()
        .map(|(_, item)| steps_json(&item.definition.steps))
        .collect();
    let first_checks: Vec<&str> = batch
        .iter()
        .map(|(_, item)| item.definition.first_check.as_str())
        .collect();
    let fail_policies: Vec<&str> = batch
        .iter()
        .map(|(_, item)| item.definition.fail_policy.as_str())
        .collect();
    let failure_alert_after: Vec<i32> = batch
        .iter()
        .map(|(_, item)| item.definition.failure_alert_after)
        .collect();
    let screenshots: Vec<&str> = batch
        .iter()
        .map(|(_, item)| item.definition.screenshot.as_str())
        .collect();
    transaction
        .execute(
            "INSERT INTO monitors (id, team_id, created_by, name, url, css_selector, json_pointer,
                                   condition, interval_seconds, render, headers, paused, xpath,
                                   json_path, jq_filter, first_check, fail_policy,
                                   failure_alert_after, wait_for, cookies, steps, screenshot)
             SELECT id, $1, $2, name, url, css, pointer, condition, interval_seconds, render,
                    headers, paused, xpath, json_path, jq, first_check, fail_policy,
                    failure_alert_after, wait_for, cookies, steps, screenshot
               FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                           $8::text[], $9::integer[], $10::boolean[], $11::jsonb[],
                           $12::boolean[], $13::text[], $14::text[], $15::text[], $16::text[],
                           $17::text[], $18::integer[], $19::text[], $20::jsonb[], $21::jsonb[],
                           $22::text[])
                 AS batch (id, name, url, css, pointer, condition, interval_seconds, render,
                           headers, paused, xpath, json_path, jq, first_check, fail_policy,
                           failure_alert_after, wait_for, cookies, steps, screenshot)",
            &[
                &team_id,
                &user_id,
                &ids,
                &names,
                &urls,
                &css,
                &pointers,
                &conditions,
                &intervals,
                &renders,
                &headers,
                &paused,
                &xpaths,
                &json_paths,
                &jq,
                &first_checks,
                &fail_policies,
                &failure_alert_after,
                &wait_for,
                &cookies,
                &steps,
                &screenshots,
            ],
        )
        .await
        .context("inserting imported monitors")?;
    Ok(())
}

/// Links every accepted monitor to its channels, which must be the team's.
async fn link_channels(
    transaction: &deadpool_postgres::Transaction<'_>,
    team_id: Uuid,
    accepted: &[(Uuid, &ImportItem)],
) -> Result<(), StoreError> {
    let mut monitors = Vec::new();
    let mut channels = Vec::new();
    for (id, item) in accepted {
        let mut wanted = item.channel_ids.clone();
        wanted.sort_unstable();
        wanted.dedup();
        for channel in wanted {
            monitors.push(*id);
            channels.push(channel);
        }
    }
    if monitors.is_empty() {
        return Ok(());
    }
    let linked = transaction
        .execute(
            "INSERT INTO monitor_channels (monitor_id, channel_id)
             SELECT l.monitor_id, c.id
               FROM unnest($1::uuid[], $2::uuid[]) AS l (monitor_id, channel_id)
               JOIN channels c ON c.id = l.channel_id AND c.team_id = $3",
            &[&monitors, &channels, &team_id],
        )
        .await
        .context("linking imported monitors to their channels")?;
    if usize::try_from(linked).ok() != Some(monitors.len()) {
        return Err(StoreError::MissingReference {
            constraint: crate::monitors::CHANNEL_REFERENCE.to_owned(),
        });
    }
    Ok(())
}
