//! Teams and memberships.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// What a member may do in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages members; cannot be removed by a plain member.
    Owner,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }

    fn from_db(value: &str) -> Self {
        // The column's CHECK constraint allows only these two values.
        if value == "owner" {
            Role::Owner
        } else {
            Role::Member
        }
    }
}

/// A team seen by one of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyTeam {
    pub id: Uuid,
    pub name: String,
    pub personal: bool,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

impl MyTeam {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        let role: String = row.get("role");
        Self {
            id: row.get("id"),
            name: row.get("name"),
            personal: row.get("personal"),
            role: Role::from_db(&role),
            created_at: row.get("created_at"),
        }
    }
}

impl Store {
    /// The teams `user_id` belongs to with their role, personal team first.
    pub async fn list_teams_for_user(&self, user_id: Uuid) -> Result<Vec<MyTeam>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT t.id, t.name, t.personal, t.created_at, ms.role
                   FROM teams t
                   JOIN memberships ms ON ms.team_id = t.id AND ms.user_id = $1
                  ORDER BY t.personal DESC, t.created_at, t.id",
            )
            .await
            .context("preparing the team listing")?;
        let rows = client
            .query(&statement, &[&user_id])
            .await
            .context("listing the user's teams")?;
        Ok(rows.iter().map(MyTeam::from_row).collect())
    }

    /// Creates a team with `user_id` as its owner.
    pub async fn create_team(&self, user_id: Uuid, name: &str) -> Result<MyTeam, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting team creation")?;
        let team_id = Uuid::now_v7();
        let row = transaction
            .query_one(
                "INSERT INTO teams (id, name, personal) VALUES ($1, $2, false)
                 RETURNING id, name, personal, created_at, 'owner'::text AS role",
                &[&team_id, &name],
            )
            .await
            .context("creating a team")?;
        transaction
            .execute(
                "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'owner')",
                &[&team_id, &user_id],
            )
            .await
            .context("making the creator owner of the team")?;
        transaction
            .commit()
            .await
            .context("committing team creation")?;
        Ok(MyTeam::from_row(&row))
    }
}
