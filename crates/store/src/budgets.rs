//! Per-team monthly model budgets and the model use they are measured against.
//!
//! Use is added up per monitor and calendar month (UTC) in `model_usage` when a check that
//! reached the model is recorded ([`crate::scheduling`]); a verdict from the cache or from the
//! offline judge costs nothing and is not counted. Budgets are set by administrators; members
//! of a team read their own team's figures.

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::Client;
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// A team's monthly limits; `None` is no limit of that kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub monthly_tokens: Option<i64>,
    pub monthly_calls: Option<i64>,
}

impl Limits {
    pub fn is_unlimited(&self) -> bool {
        self.monthly_tokens.is_none() && self.monthly_calls.is_none()
    }

    /// Whether `used` has reached a limit: the next model call would exceed it.
    pub fn reached_by(&self, used: Spent) -> bool {
        self.monthly_tokens
            .is_some_and(|limit| used.tokens >= limit)
            || self.monthly_calls.is_some_and(|limit| used.calls >= limit)
    }
}

/// Model use: tokens (prompt and completion) and calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub tokens: i64,
    pub calls: i64,
}

/// One monitor's share of a team's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSpent {
    pub monitor_id: Uuid,
    /// `None` when the monitor was deleted since; its use still counts.
    pub monitor_name: Option<String>,
    pub spent: Spent,
}

/// A team's budget and this month's use, as its members see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamUsage {
    pub team_id: Uuid,
    pub team_name: String,
    /// The first day of the month counted (UTC).
    pub month: NaiveDate,
    pub limits: Limits,
    pub budget_updated_at: Option<DateTime<Utc>>,
    pub spent: Spent,
    /// Monitors with any use this month, largest first.
    pub monitors: Vec<MonitorSpent>,
}

/// One team in the administrators' list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamBudgetRow {
    pub team_id: Uuid,
    pub team_name: String,
    pub personal: bool,
    pub limits: Limits,
    pub spent: Spent,
}

/// This month, as stored in `model_usage.month`.
const THIS_MONTH: &str = "date_trunc('month', now() AT TIME ZONE 'UTC')::date";

impl Store {
    /// Whether the team has used up a limit of its budget this month. Teams without a budget
    /// never are. Asked by the scheduler before each model call.
    pub async fn team_over_budget(&self, team_id: Uuid) -> Result<bool, StoreError> {
        over_budget(&self.client().await?, team_id).await
    }

    /// The team's budget and this month's use per monitor; `None` when the caller is not a
    /// member (the team's existence is not revealed).
    pub async fn team_usage(
        &self,
        caller: Uuid,
        team_id: Uuid,
    ) -> Result<Option<TeamUsage>, StoreError> {
        let client = self.client().await?;
        let Some(team) = client
            .query_opt(
                &format!(
                    "SELECT t.id, t.name, {THIS_MONTH} AS month, b.monthly_tokens, b.monthly_calls,
                            b.updated_at
                       FROM teams t
                       LEFT JOIN team_budgets b ON b.team_id = t.id
                      WHERE t.id = $1
                        AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = t.id AND ms.user_id = $2)"
                ),
                &[&team_id, &caller],
            )
            .await
            .context("reading a team's budget")?
        else {
            return Ok(None);
        };
        let rows = client
            .query(
                &format!(
                    "SELECT u.monitor_id, m.name, u.tokens, u.calls
                       FROM model_usage u
                       LEFT JOIN monitors m ON m.id = u.monitor_id AND m.team_id = u.team_id
                      WHERE u.team_id = $1 AND u.month = {THIS_MONTH}
                      ORDER BY u.tokens DESC, u.calls DESC, u.monitor_id"
                ),
                &[&team_id],
            )
            .await
            .context("reading a team's model use")?;
        let monitors: Vec<MonitorSpent> = rows
            .iter()
            .map(|row| MonitorSpent {
                monitor_id: row.get("monitor_id"),
                monitor_name: row.get("name"),
                spent: Spent {
                    tokens: row.get("tokens"),
                    calls: row.get("calls"),
                },
            })
            .collect();
        let spent = monitors
            .iter()
            .fold(Spent::default(), |total, monitor| Spent {
                tokens: total.tokens + monitor.spent.tokens,
                calls: total.calls + monitor.spent.calls,
            });
        Ok(Some(TeamUsage {
            team_id: team.get("id"),
            team_name: team.get("name"),
            month: team.get("month"),
            limits: Limits {
                monthly_tokens: team.get("monthly_tokens"),
                monthly_calls: team.get("monthly_calls"),
            },
            budget_updated_at: team.get("updated_at"),
            spent,
            monitors,
        }))
    }

    /// Every team with its budget and this month's use, for administrators (not scoped: the
    /// gateway lets only admins call it).
    pub async fn list_team_budgets(&self) -> Result<Vec<TeamBudgetRow>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT t.id, t.name, t.personal, b.monthly_tokens, b.monthly_calls,
                            coalesce(sum(u.tokens), 0)::bigint AS tokens,
                            coalesce(sum(u.calls), 0)::bigint AS calls
                       FROM teams t
                       LEFT JOIN team_budgets b ON b.team_id = t.id
                       LEFT JOIN model_usage u ON u.team_id = t.id AND u.month = {THIS_MONTH}
                      GROUP BY t.id, t.name, t.personal, b.monthly_tokens, b.monthly_calls
                      ORDER BY tokens DESC, t.name, t.id"
                ),
                &[],
            )
            .await
            .context("listing team budgets")?;
        Ok(rows
            .iter()
            .map(|row| TeamBudgetRow {
                team_id: row.get("id"),
                team_name: row.get("name"),
                personal: row.get("personal"),
                limits: Limits {
                    monthly_tokens: row.get("monthly_tokens"),
                    monthly_calls: row.get("monthly_calls"),
                },
                spent: Spent {
                    tokens: row.get("tokens"),
                    calls: row.get("calls"),
                },
            })
            .collect())
    }

    /// Sets (or, with no limit at all, removes) a team's budget. Returns false when there is
    /// no such team.
    pub async fn set_team_budget(
        &self,
        team_id: Uuid,
        limits: Limits,
        admin_id: Uuid,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let exists = client
            .query_opt("SELECT 1 FROM teams WHERE id = $1", &[&team_id])
            .await
            .context("looking up a team")?
            .is_some();
        if !exists {
            return Ok(false);
        }
        if limits.is_unlimited() {
            client
                .execute("DELETE FROM team_budgets WHERE team_id = $1", &[&team_id])
                .await
                .context("removing a team budget")?;
        } else {
            client
                .execute(
                    "INSERT INTO team_budgets (team_id, monthly_tokens, monthly_calls, updated_by)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (team_id) DO UPDATE SET
                         monthly_tokens = EXCLUDED.monthly_tokens,
                         monthly_calls = EXCLUDED.monthly_calls,
                         updated_by = EXCLUDED.updated_by,
                         updated_at = now()",
                    &[
                        &team_id,
                        &limits.monthly_tokens,
                        &limits.monthly_calls,
                        &admin_id,
                    ],
                )
                .await
                .context("setting a team budget")?;
        }
        Ok(true)
    }
}

/// Adds one check's model use to its monitor's month, inside the transaction recording it.
/// What reached the model counts against the team's budget; a cached or offline verdict costs
/// nothing.
pub(crate) async fn count_model_use(
    transaction: &deadpool_postgres::Transaction<'_>,
    check: &crate::scheduling::NewCheck,
) -> Result<(), StoreError> {
    let tokens = i64::from(check.verdict.prompt_tokens.unwrap_or(0))
        + i64::from(check.verdict.completion_tokens.unwrap_or(0));
    if tokens == 0 || check.verdict.cached {
        return Ok(());
    }
    let (team_id, monitor_id, at) = (check.team_id, check.monitor_id, check.finished_at);
    // On the check path: prepared once per connection, as the others there.
    let statement = crate::scheduling::prepared(
        transaction,
        "INSERT INTO model_usage (team_id, month, monitor_id, tokens, calls)
             VALUES ($1, date_trunc('month', $3::timestamptz AT TIME ZONE 'UTC')::date, $2, $4, 1)
             ON CONFLICT (team_id, month, monitor_id) DO UPDATE SET
                 tokens = model_usage.tokens + EXCLUDED.tokens,
                 calls = model_usage.calls + 1",
    )
    .await?;
    transaction
        .execute(&statement, &[&team_id, &monitor_id, &at, &tokens])
        .await
        .context("counting a check's model use")?;
    Ok(())
}

/// [`Store::team_over_budget`] on a connection the caller holds, so that
/// [`crate::judging`] can send it with the other reads a change needs.
pub(crate) async fn over_budget(client: &Client, team_id: Uuid) -> Result<bool, StoreError> {
    // Read once per changed page, ahead of the judge: prepared once per connection.
    let sql = format!(
        "SELECT b.monthly_tokens, b.monthly_calls,
                coalesce((SELECT sum(u.tokens) FROM model_usage u
                           WHERE u.team_id = b.team_id AND u.month = {THIS_MONTH}), 0)::bigint AS tokens,
                coalesce((SELECT sum(u.calls) FROM model_usage u
                           WHERE u.team_id = b.team_id AND u.month = {THIS_MONTH}), 0)::bigint AS calls
           FROM team_budgets b WHERE b.team_id = $1"
    );
    let statement = crate::scheduling::prepared(client, &sql).await?;
    let row = client
        .query_opt(&statement, &[&team_id])
        .await
        .context("reading a team's budget")?;
    Ok(row.is_some_and(|row| {
        let limits = Limits {
            monthly_tokens: row.get("monthly_tokens"),
            monthly_calls: row.get("monthly_calls"),
        };
        limits.reached_by(Spent {
            tokens: row.get("tokens"),
            calls: row.get("calls"),
        })
    }))
}
