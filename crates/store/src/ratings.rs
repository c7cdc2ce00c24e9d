//! Alert ratings ("useful" / "noise"): set by members in the UI or API, or by anyone holding a
//! signed link from the alert (verified by the gateway, used once). Only alerts (triggered
//! checks) can be rated; a later rating replaces an earlier one.

use chrono::{DateTime, Utc};
use deadpool_postgres::Client;
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// Why a rating was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingRefusal {
    /// No such check, or not visible to the caller.
    NotFound,
    /// The check did not alert, so there is nothing to rate.
    NotAnAlert,
    /// The signed link was used before.
    LinkUsed,
}

/// A stored rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRating {
    pub check_id: Uuid,
    pub monitor_id: Uuid,
    pub monitor_name: String,
    pub rating: String,
    pub rated_at: DateTime<Utc>,
}

/// Precision of a monitor's recent rated alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Precision {
    /// Rated alerts counted (at most the window asked for).
    pub rated: i64,
    pub useful: i64,
}

/// A rated alert of a monitor, given to the model as a labelled example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatedExample {
    pub rating: String,
    pub summary: Option<String>,
    pub diff: Option<String>,
    pub extracted_value: Option<String>,
}

const UPSERT_RATING: &str = "INSERT INTO check_ratings (check_id, monitor_id, team_id, rating, rated_by, via)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (check_id) DO UPDATE SET
         rating = EXCLUDED.rating, rated_by = EXCLUDED.rated_by, via = EXCLUDED.via, rated_at = now()
     RETURNING rated_at";

/// A rating about to be stored.
struct Rated<'a> {
    check_id: Uuid,
    monitor_id: Uuid,
    rating: &'a str,
    /// The member who rated, or none for a signed link.
    by: Option<Uuid>,
    /// `api` or `link`.
    via: &'static str,
}

impl Rated<'_> {
    /// Stores the rating of `check` (a row with its `team_id` and monitor's
    /// `name`), replacing an earlier one.
    async fn store(
        &self,
        client: &impl deadpool_postgres::GenericClient,
        check: &tokio_postgres::Row,
    ) -> Result<StoredRating, StoreError> {
        let team_id: Uuid = check.get("team_id");
        let row = client
            .query_one(
                UPSERT_RATING,
                &[
                    &self.check_id,
                    &self.monitor_id,
                    &team_id,
                    &self.rating,
                    &self.by,
                    &self.via,
                ],
            )
            .await
            .context("storing a rating")?;
        Ok(StoredRating {
            check_id: self.check_id,
            monitor_id: self.monitor_id,
            monitor_name: check.get("name"),
            rating: self.rating.to_owned(),
            rated_at: row.get("rated_at"),
        })
    }
}

impl Store {
    /// Rates one of the caller's team's alerts.
    pub async fn rate_check(
        &self,
        caller: Uuid,
        monitor_id: Uuid,
        check_id: Uuid,
        rating: &str,
    ) -> Result<Result<StoredRating, RatingRefusal>, StoreError> {
        let client = self.client().await?;
        let Some(check) = client
            .query_opt(
                "SELECT c.triggered, c.team_id, m.name FROM checks c JOIN monitors m ON m.id = c.monitor_id
                  WHERE c.id = $2 AND c.monitor_id = $3
                    AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = m.team_id AND ms.user_id = $1)",
                &[&caller, &check_id, &monitor_id],
            )
            .await
            .context("finding a check to rate")?
        else {
            return Ok(Err(RatingRefusal::NotFound));
        };
        if !check.get::<_, bool>("triggered") {
            return Ok(Err(RatingRefusal::NotAnAlert));
        }
        let rated = Rated {
            check_id,
            monitor_id,
            rating,
            by: Some(caller),
            via: "api",
        };
        Ok(Ok(rated.store(&client, &check).await?))
    }

    /// Rates an alert from a signed link the gateway has verified; the link's digest is
    /// recorded in the same transaction so it works once.
    pub async fn rate_check_by_link(
        &self,
        check_id: Uuid,
        rating: &str,
        token_digest: &str,
    ) -> Result<Result<StoredRating, RatingRefusal>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting a link rating")?;
        let Some(check) = transaction
            .query_opt(
                "SELECT c.triggered, c.team_id, c.monitor_id, m.name
                   FROM checks c JOIN monitors m ON m.id = c.monitor_id WHERE c.id = $1",
                &[&check_id],
            )
            .await
            .context("finding a check to rate")?
        else {
            return Ok(Err(RatingRefusal::NotFound));
        };
        if !check.get::<_, bool>("triggered") {
            return Ok(Err(RatingRefusal::NotAnAlert));
        }
        let first_use = transaction
            .execute(
                "INSERT INTO rating_links_used (token_digest, check_id) VALUES ($1, $2)
                 ON CONFLICT (token_digest) DO NOTHING",
                &[&token_digest, &check_id],
            )
            .await
            .context("recording a used rating link")?
            == 1;
        if !first_use {
            return Ok(Err(RatingRefusal::LinkUsed));
        }
        let rated = Rated {
            check_id,
            monitor_id: check.get("monitor_id"),
            rating,
            by: None,
            via: "link",
        };
        let stored = rated.store(&transaction, &check).await?;
        transaction
            .commit()
            .await
            .context("committing a link rating")?;
        Ok(Ok(stored))
    }

    /// Useful alerts among the monitor's last `window` rated alerts; `None` when the monitor is
    /// not visible to the caller.
    pub async fn monitor_precision(
        &self,
        caller: Uuid,
        monitor_id: Uuid,
        window: i64,
    ) -> Result<Option<Precision>, StoreError> {
        let client = self.client().await?;
        let visible = client
            .query_opt(
                "SELECT 1 FROM monitors m WHERE m.id = $2 AND EXISTS
                   (SELECT 1 FROM memberships ms WHERE ms.team_id = m.team_id AND ms.user_id = $1)",
                &[&caller, &monitor_id],
            )
            .await
            .context("checking a monitor's visibility")?
            .is_some();
        if !visible {
            return Ok(None);
        }
        let row = client
            .query_one(
                "SELECT count(*) AS rated, count(*) FILTER (WHERE rating = 'useful') AS useful
                   FROM (SELECT r.rating FROM check_ratings r JOIN checks c ON c.id = r.check_id
                          WHERE r.monitor_id = $1 ORDER BY c.started_at DESC LIMIT $2) recent",
                &[&monitor_id, &window],
            )
            .await
            .context("computing a monitor's precision")?;
        Ok(Some(Precision {
            rated: row.get("rated"),
            useful: row.get("useful"),
        }))
    }

    /// The monitor's last `limit` rated alerts, newest first, for the judge (the scheduler
    /// asks with the claimed monitor's team).
    pub async fn rated_examples(
        &self,
        team_id: Uuid,
        monitor_id: Uuid,
        limit: i64,
    ) -> Result<Vec<RatedExample>, StoreError> {
        rated_examples(&self.client().await?, team_id, monitor_id, limit).await
    }
}

/// [`Store::rated_examples`] on a connection the caller holds, so that
/// [`crate::judging`] can send it with the other reads a change needs.
pub(crate) async fn rated_examples(
    client: &Client,
    team_id: Uuid,
    monitor_id: Uuid,
    limit: i64,
) -> Result<Vec<RatedExample>, StoreError> {
    // On the check path (every judged change): prepared once per
    // connection, since planning it cost PostgreSQL more than running it.
    let statement = crate::scheduling::prepared(
        client,
        concat!(
            "SELECT r.rating, c.summary, c.extracted_value, ",
            crate::stored_diff::diff_columns!(),
            " FROM check_ratings r JOIN checks c ON c.id = r.check_id
             WHERE r.monitor_id = $1 AND r.team_id = $2
             ORDER BY c.started_at DESC LIMIT $3"
        ),
    )
    .await?;
    let rows = client
        .query(&statement, &[&monitor_id, &team_id, &limit])
        .await
        .context("reading rated alerts")?;
    rows.iter()
        .map(|row| {
            Ok(RatedExample {
                rating: row.get("rating"),
                summary: row.get("summary"),
                diff: crate::stored_diff::read(row)?,
                extracted_value: row.get("extracted_value"),
            })
        })
        .collect()
}
