//! Per-team quotas: monitors, channels, API keys and Chromium renders per
//! hour. The deployment's defaults come from the environment (gateway and
//! scheduler read the same variables, [`QuotaLimits::from_settings`]); an
//! administrator may change any of them for one team (`team_quotas`).
//!
//! A creation checks its quota inside its own transaction after locking
//! the team's row ([`reserve`]), so two concurrent creations of one team
//! queue on that lock and the second counts the first: the last slot is
//! never handed out twice. A render spends its hour's count with one
//! conditional upsert ([`Store::spend_render`]), atomic for the same reason.
//!
//! API keys belong to a person, not to a team: they count against the
//! owner's personal team, whose `api_keys` quota an administrator may raise.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// The status of a check not run because its team's renders of the hour
/// are spent: recorded, but neither a success nor a failure of the page, so
/// it leaves the monitor's failure streak and failing alert as they were.
pub const RENDER_QUOTA_STATUS: &str = "render_quota";

/// One kind of quota; [`Quota::name`] is how the API and the error name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    Monitors,
    Channels,
    ApiKeys,
    RendersPerHour,
}

impl Quota {
    pub const ALL: [Self; 4] = [
        Self::Monitors,
        Self::Channels,
        Self::ApiKeys,
        Self::RendersPerHour,
    ];

    /// Also the column of `team_quotas`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Monitors => "monitors",
            Self::Channels => "channels",
            Self::ApiKeys => "api_keys",
            Self::RendersPerHour => "renders_per_hour",
        }
    }

    /// The environment variable that sets the deployment's default.
    pub fn variable(self) -> &'static str {
        match self {
            Self::Monitors => "MONITORS_PER_TEAM_MAX",
            Self::Channels => "CHANNELS_PER_TEAM_MAX",
            Self::ApiKeys => "API_KEYS_PER_USER_MAX",
            Self::RendersPerHour => "RENDERS_PER_TEAM_PER_HOUR",
        }
    }

    /// In words, for messages: "monitors", "renders per hour".
    pub fn words(self) -> &'static str {
        match self {
            Self::Monitors => "monitors",
            Self::Channels => "channels",
            Self::ApiKeys => "API keys",
            Self::RendersPerHour => "renders per hour",
        }
    }

    /// What one team holds now, counted in SQL (`$1` the team).
    fn count_sql(self) -> &'static str {
        match self {
            Self::Monitors => "SELECT count(*) FROM monitors WHERE team_id = $1",
            Self::Channels => "SELECT count(*) FROM channels WHERE team_id = $1",
            // The personal team's owner's keys that still work.
            Self::ApiKeys => {
                "SELECT count(*) FROM api_keys k
                   JOIN teams t ON t.personal AND t.id = $1
                   JOIN memberships ms ON ms.team_id = t.id AND ms.user_id = k.user_id
                  WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())"
            }
            Self::RendersPerHour => {
                "SELECT COALESCE((SELECT renders FROM render_usage
                                   WHERE team_id = $1 AND hour = date_trunc('hour', now())), 0)"
            }
        }
    }
}

/// A limit per quota: the deployment's defaults, or a team's effective limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    pub monitors: i64,
    pub channels: i64,
    pub api_keys: i64,
    pub renders_per_hour: i64,
}

impl Default for QuotaLimits {
    /// Generous for a person or a small team, small enough that one
    /// account cannot fill the database or keep Chromium busy alone: a
    /// render costs about a second of a browser replica.
    fn default() -> Self {
        Self {
            monitors: 500,
            channels: 50,
            api_keys: 20,
            renders_per_hour: 600,
        }
    }
}

impl QuotaLimits {
    pub fn get(&self, quota: Quota) -> i64 {
        match quota {
            Quota::Monitors => self.monitors,
            Quota::Channels => self.channels,
            Quota::ApiKeys => self.api_keys,
            Quota::RendersPerHour => self.renders_per_hour,
        }
    }

    fn set(&mut self, quota: Quota, value: i64) {
        match quota {
            Quota::Monitors => self.monitors = value,
            Quota::Channels => self.channels = value,
            Quota::ApiKeys => self.api_keys = value,
            Quota::RendersPerHour => self.renders_per_hour = value,
        }
    }

    /// The defaults from settings: `read(variable, default)` reads one
    /// ([`Quota::variable`]); each must be at least 1, else
    /// `invalid(variable)`.
    pub fn from_settings<E>(
        mut read: impl FnMut(&'static str, i64) -> Result<i64, E>,
        invalid: impl Fn(&'static str) -> E,
    ) -> Result<Self, E> {
        let mut limits = Self::default();
        for quota in Quota::ALL {
            let value = read(quota.variable(), limits.get(quota))?;
            if value < 1 {
                return Err(invalid(quota.variable()));
            }
            limits.set(quota, value);
        }
        Ok(limits)
    }
}

/// A team's administrator-set limits; `None` keeps the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuotaOverrides {
    pub monitors: Option<i64>,
    pub channels: Option<i64>,
    pub api_keys: Option<i64>,
    pub renders_per_hour: Option<i64>,
}

impl QuotaOverrides {
    pub fn get(&self, quota: Quota) -> Option<i64> {
        match quota {
            Quota::Monitors => self.monitors,
            Quota::Channels => self.channels,
            Quota::ApiKeys => self.api_keys,
            Quota::RendersPerHour => self.renders_per_hour,
        }
    }

    fn is_empty(&self) -> bool {
        Quota::ALL.iter().all(|quota| self.get(*quota).is_none())
    }
}

/// One quota of one team as members and administrators see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaUse {
    pub quota: Quota,
    /// The effective limit: the team's override, else the default.
    pub limit: i64,
    /// Held now (renders: spent in the current hour).
    pub used: i64,
    /// An administrator set this limit for the team.
    pub overridden: bool,
}

/// A team's quotas and what it uses of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamQuotas {
    pub team_id: Uuid,
    pub team_name: String,
    pub personal: bool,
    /// In [`Quota::ALL`] order; API keys only for a personal team.
    pub quotas: Vec<QuotaUse>,
    pub updated_at: Option<DateTime<Utc>>,
}

const OVERRIDE_COLUMNS: &str =
    "q.monitors, q.channels, q.api_keys, q.renders_per_hour, q.updated_at";

fn overrides(row: &tokio_postgres::Row) -> QuotaOverrides {
    QuotaOverrides {
        monitors: row.get("monitors"),
        channels: row.get("channels"),
        api_keys: row.get("api_keys"),
        renders_per_hour: row.get("renders_per_hour"),
    }
}

/// Locks `team_id`'s row and checks that one more of `quota` fits, inside
/// the caller's transaction: concurrent creations in the team wait here
/// and count each other. `FOR NO KEY UPDATE` does not block rows that only
/// reference the team (they take `KEY SHARE`).
pub(crate) async fn reserve(
    transaction: &deadpool_postgres::Transaction<'_>,
    team_id: Uuid,
    quota: Quota,
    defaults: &QuotaLimits,
) -> Result<(), StoreError> {
    let (limit, used) = lock_and_count(transaction, team_id, quota, defaults).await?;
    if used >= limit {
        return Err(StoreError::QuotaReached { quota, limit });
    }
    Ok(())
}

/// Locks `team_id`'s row as [`reserve`] does and answers the team's limit
/// of `quota` and what it holds now, for a creation of many at once (an
/// import) that decides itself how many fit.
pub(crate) async fn lock_and_count(
    transaction: &deadpool_postgres::Transaction<'_>,
    team_id: Uuid,
    quota: Quota,
    defaults: &QuotaLimits,
) -> Result<(i64, i64), StoreError> {
    let row = transaction
        .query_opt(
            &format!(
                "SELECT COALESCE(q.{column}, $2) AS limit_value
                   FROM teams t LEFT JOIN team_quotas q ON q.team_id = t.id
                  WHERE t.id = $1
                    FOR NO KEY UPDATE OF t",
                column = quota.name()
            ),
            &[&team_id, &defaults.get(quota)],
        )
        .await
        .context("locking a team for its quota")?
        .ok_or(StoreError::NotFound)?;
    let limit: i64 = row.get("limit_value");
    let used: i64 = transaction
        .query_one(quota.count_sql(), &[&team_id])
        .await
        .context("counting a team's use of a quota")?
        .get(0);
    Ok((limit, used))
}

/// The team a creation goes to (the named team, else the caller's personal
/// team) when the caller is a member.
pub(crate) async fn member_team(
    transaction: &deadpool_postgres::Transaction<'_>,
    user_id: Uuid,
    team_id: Option<Uuid>,
) -> Result<Option<Uuid>, StoreError> {
    let row = transaction
        .query_opt(
            "SELECT ms.team_id FROM memberships ms JOIN teams t ON t.id = ms.team_id
              WHERE ms.user_id = $1 AND (($2::uuid IS NULL AND t.personal) OR ms.team_id = $2)
              ORDER BY t.created_at
              LIMIT 1",
            &[&user_id, &team_id],
        )
        .await
        .context("finding the team of a creation")?;
    Ok(row.map(|row| row.get(0)))
}

impl Store {
    /// The team a caller acts in: `team_id` when they are a member, else
    /// (`None`) their personal team; `None` when neither.
    pub async fn caller_team(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting a team lookup")?;
        let team = member_team(&transaction, user_id, team_id).await?;
        transaction.commit().await.context("ending a team lookup")?;
        Ok(team)
    }

    /// Spends one Chromium render of `team_id`'s current hour, or
    /// [`StoreError::QuotaReached`] when the hour's renders are spent. One
    /// upsert: the row lock it takes makes concurrent renders count in turn.
    pub async fn spend_render(&self, team_id: Uuid) -> Result<(), StoreError> {
        let client = self.client().await?;
        let limit: i64 = client
            .query_one(
                "SELECT COALESCE((SELECT renders_per_hour FROM team_quotas WHERE team_id = $1), $2)",
                &[&team_id, &self.quota_defaults().renders_per_hour],
            )
            .await
            .context("reading a team's render quota")?
            .get(0);
        let spent = if limit < 1 {
            false
        } else {
            client
                .query_opt(
                    "INSERT INTO render_usage AS r (team_id, hour, renders)
                     VALUES ($1, date_trunc('hour', now()), 1)
                     ON CONFLICT (team_id) DO UPDATE
                        SET renders = CASE WHEN r.hour = excluded.hour THEN r.renders + 1 ELSE 1 END,
                            hour = excluded.hour
                      WHERE r.hour <> excluded.hour OR r.renders < $2
                     RETURNING renders",
                    &[&team_id, &limit],
                )
                .await
                .context("spending a render")?
                .is_some()
        };
        if spent {
            Ok(())
        } else {
            Err(StoreError::QuotaReached {
                quota: Quota::RendersPerHour,
                limit,
            })
        }
    }

    /// `team_id`'s quotas and use, when `caller` is a member.
    pub async fn team_quotas(
        &self,
        caller: Uuid,
        team_id: Uuid,
    ) -> Result<Option<TeamQuotas>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT t.id, t.name, t.personal, {OVERRIDE_COLUMNS}
                       FROM teams t LEFT JOIN team_quotas q ON q.team_id = t.id
                      WHERE t.id = $1
                        AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = t.id AND ms.user_id = $2)"
                ),
                &[&team_id, &caller],
            )
            .await
            .context("reading a team's quotas")?;
        match row {
            Some(row) => Ok(Some(self.quotas_of(&client, &row).await?)),
            None => Ok(None),
        }
    }

    /// Every team's quotas and use, for administrators: teams with an
    /// override first, then by name.
    pub async fn list_team_quotas(&self) -> Result<Vec<TeamQuotas>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT t.id, t.name, t.personal, {OVERRIDE_COLUMNS}
                       FROM teams t LEFT JOIN team_quotas q ON q.team_id = t.id
                      ORDER BY q.team_id IS NULL, t.name, t.id"
                ),
                &[],
            )
            .await
            .context("listing team quotas")?;
        let mut teams = Vec::with_capacity(rows.len());
        for row in &rows {
            teams.push(self.quotas_of(&client, row).await?);
        }
        Ok(teams)
    }

    async fn quotas_of(
        &self,
        client: &deadpool_postgres::Object,
        row: &tokio_postgres::Row,
    ) -> Result<TeamQuotas, StoreError> {
        let team_id: Uuid = row.get("id");
        let personal: bool = row.get("personal");
        let overrides = overrides(row);
        let defaults = self.quota_defaults();
        let mut quotas = Vec::with_capacity(Quota::ALL.len());
        for quota in Quota::ALL {
            if quota == Quota::ApiKeys && !personal {
                continue;
            }
            let used: i64 = client
                .query_one(quota.count_sql(), &[&team_id])
                .await
                .context("counting a team's use of a quota")?
                .get(0);
            let set = overrides.get(quota);
            quotas.push(QuotaUse {
                quota,
                limit: set.unwrap_or(defaults.get(quota)),
                used,
                overridden: set.is_some(),
            });
        }
        Ok(TeamQuotas {
            team_id,
            team_name: row.get("name"),
            personal,
            quotas,
            updated_at: row.get("updated_at"),
        })
    }

    /// Sets `team_id`'s overrides; all `None` removes them. `false` when
    /// there is no such team.
    pub async fn set_team_quotas(
        &self,
        team_id: Uuid,
        overrides: QuotaOverrides,
        admin_id: Uuid,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        if overrides.is_empty() {
            let exists = client
                .query_opt("SELECT 1 FROM teams WHERE id = $1", &[&team_id])
                .await
                .context("finding a team")?
                .is_some();
            client
                .execute("DELETE FROM team_quotas WHERE team_id = $1", &[&team_id])
                .await
                .context("removing a team's quotas")?;
            return Ok(exists);
        }
        let written = client
            .execute(
                "INSERT INTO team_quotas (team_id, monitors, channels, api_keys, renders_per_hour, updated_by)
                 SELECT id, $2, $3, $4, $5, $6 FROM teams WHERE id = $1
                 ON CONFLICT (team_id) DO UPDATE
                    SET monitors = excluded.monitors, channels = excluded.channels,
                        api_keys = excluded.api_keys, renders_per_hour = excluded.renders_per_hour,
                        updated_by = excluded.updated_by, updated_at = now()",
                &[
                    &team_id,
                    &overrides.monitors,
                    &overrides.channels,
                    &overrides.api_keys,
                    &overrides.renders_per_hour,
                    &admin_id,
                ],
            )
            .await
            .context("setting a team's quotas")?;
        Ok(written == 1)
    }
}
