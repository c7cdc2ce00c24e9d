//! Users. A user is created at first sign-in together with a personal team.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

const USER_COLUMNS: &str = "id, email, display_name, created_at, last_login_at";

impl User {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            id: row.get("id"),
            email: row.get("email"),
            display_name: row.get("display_name"),
            created_at: row.get("created_at"),
            last_login_at: row.get("last_login_at"),
        }
    }
}

impl Store {
    /// The user with this id; `None` when the account no longer exists
    /// (a token can outlive its user).
    pub async fn find_user(&self, user_id: Uuid) -> Result<Option<User>, StoreError> {
        let client = self.client().await?;
        // Prepared once per connection: this runs on every authenticated
        // request whose identity is not cached.
        let statement = client
            .prepare_cached("SELECT id, email, display_name, created_at, last_login_at FROM users WHERE id = $1")
            .await
            .context("preparing the user lookup")?;
        let row = client
            .query_opt(&statement, &[&user_id])
            .await
            .context("reading a user")?;
        Ok(row.as_ref().map(User::from_row))
    }

    /// Returns the user with this email (compared case-insensitively), creating
    /// it with a personal team it owns when it does not exist yet. The user,
    /// the team and the membership are written in one transaction, so a user
    /// never exists without a team to put monitors in.
    pub async fn upsert_user_by_email(
        &self,
        email: &str,
        display_name: &str,
    ) -> Result<User, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting the user upsert")?;
        let inserted = transaction
            .query_opt(
                &format!(
                    "INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)
                     ON CONFLICT ((lower(email))) DO NOTHING
                     RETURNING {USER_COLUMNS}"
                ),
                &[&Uuid::now_v7(), &email, &display_name],
            )
            .await
            .context("inserting a user")?;
        let user = match inserted {
            Some(row) => {
                let user = User::from_row(&row);
                let team_id = Uuid::now_v7();
                let team_name = if display_name.is_empty() {
                    email
                } else {
                    display_name
                };
                transaction
                    .execute(
                        "INSERT INTO teams (id, name, personal) VALUES ($1, $2, true)",
                        &[&team_id, &team_name],
                    )
                    .await
                    .context("creating a personal team")?;
                transaction
                    .execute(
                        "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'owner')",
                        &[&team_id, &user.id],
                    )
                    .await
                    .context("making the user owner of the personal team")?;
                user
            }
            None => {
                let row = transaction
                    .query_one(
                        &format!("SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1)"),
                        &[&email],
                    )
                    .await
                    .context("reading an existing user by email")?;
                User::from_row(&row)
            }
        };
        transaction
            .commit()
            .await
            .context("committing the user upsert")?;
        Ok(user)
    }
}
