//! Users. A user is created at first sign-in together with a personal team,
//! and found again by the provider's `(issuer, subject)`, never by email
//! alone.

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

/// Creates the personal team a new user owns, in the user's transaction.
async fn create_personal_team(
    transaction: &deadpool_postgres::Transaction<'_>,
    user: &User,
) -> Result<(), StoreError> {
    let team_id = Uuid::now_v7();
    let team_name = if user.display_name.is_empty() {
        &user.email
    } else {
        &user.display_name
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
    Ok(())
}

/// Who signed in, as their identity provider vouches: the ID token's
/// `(iss, sub)` and the verified email it came with.
#[derive(Debug, Clone, Copy)]
pub struct ProviderIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
}

/// How a sign-in found its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInAccount {
    /// Found by `(issuer, subject)`.
    Known(User),
    /// An account from before accounts were keyed by subject, matched once
    /// by email and now bound to this subject.
    Linked(User),
    /// A new account with its personal team.
    Created(User),
}

impl SignInAccount {
    pub fn user(&self) -> &User {
        match self {
            Self::Known(user) | Self::Linked(user) | Self::Created(user) => user,
        }
    }
}

/// Why a provider identity may not have an account here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// The email names an account bound to another subject: the address
    /// moved to another person at the provider (or the account belongs to
    /// another provider), and the newcomer must not inherit it.
    EmailBoundToAnotherSubject { user_id: Uuid },
    /// The subject's account now comes with an email that another account
    /// holds; which person owns it cannot be told apart.
    EmailHeldByAnotherAccount { user_id: Uuid },
}

impl Store {
    /// The account of `identity`: found by `(issuer, subject)`, else an
    /// account with the email and no provider identity yet (linked now),
    /// else a new one. An account's email follows what the provider says.
    /// One transaction, so a refusal changes nothing.
    pub async fn sign_in_account(
        &self,
        identity: ProviderIdentity<'_>,
    ) -> Result<Result<SignInAccount, SignInRefusal>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting the sign-in lookup")?;
        let known = transaction
            .query_opt(
                "SELECT u.id, u.email, u.display_name, u.created_at, u.last_login_at
                   FROM user_identities i JOIN users u ON u.id = i.user_id
                  WHERE i.issuer = $1 AND i.subject = $2
                    FOR UPDATE OF i",
                &[&identity.issuer, &identity.subject],
            )
            .await
            .context("finding an account by provider subject")?;
        let outcome = if let Some(row) = known {
            let mut user = User::from_row(&row);
            if !user.email.eq_ignore_ascii_case(identity.email) {
                let holder = transaction
                    .query_opt(
                        "SELECT id FROM users WHERE lower(email) = lower($1) AND id <> $2",
                        &[&identity.email, &user.id],
                    )
                    .await
                    .context("checking who holds an email")?;
                if let Some(holder) = holder {
                    return Ok(Err(SignInRefusal::EmailHeldByAnotherAccount {
                        user_id: holder.get(0),
                    }));
                }
                transaction
                    .execute(
                        "UPDATE users SET email = $2 WHERE id = $1",
                        &[&user.id, &identity.email],
                    )
                    .await
                    .context("following the provider's email change")?;
                identity.email.clone_into(&mut user.email);
            }
            transaction
                .execute(
                    "UPDATE user_identities SET last_seen_at = now() WHERE issuer = $1 AND subject = $2",
                    &[&identity.issuer, &identity.subject],
                )
                .await
                .context("recording when a provider identity was seen")?;
            SignInAccount::Known(user)
        } else {
            let by_email = transaction
                .query_opt(
                    &format!(
                        "SELECT {USER_COLUMNS},
                                EXISTS (SELECT 1 FROM user_identities i WHERE i.user_id = users.id) AS bound
                           FROM users WHERE lower(email) = lower($1) FOR UPDATE"
                    ),
                    &[&identity.email],
                )
                .await
                .context("finding an account by email")?;
            match by_email {
                Some(row) if row.get::<_, bool>("bound") => {
                    return Ok(Err(SignInRefusal::EmailBoundToAnotherSubject {
                        user_id: row.get("id"),
                    }));
                }
                Some(row) => SignInAccount::Linked(User::from_row(&row)),
                None => {
                    let row = transaction
                        .query_one(
                            &format!(
                                "INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)
                                 RETURNING {USER_COLUMNS}"
                            ),
                            &[&Uuid::now_v7(), &identity.email, &identity.display_name],
                        )
                        .await
                        .context("inserting a user")?;
                    let user = User::from_row(&row);
                    create_personal_team(&transaction, &user).await?;
                    SignInAccount::Created(user)
                }
            }
        };
        if !matches!(outcome, SignInAccount::Known(_)) {
            transaction
                .execute(
                    "INSERT INTO user_identities (issuer, subject, user_id) VALUES ($1, $2, $3)",
                    &[&identity.issuer, &identity.subject, &outcome.user().id],
                )
                .await
                .context("binding a provider identity to an account")?;
        }
        transaction
            .commit()
            .await
            .context("committing the sign-in lookup")?;
        Ok(Ok(outcome))
    }

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
    /// it with a personal team it owns when it does not exist yet. For the
    /// operator's tools only: a sign-in goes through [`Store::sign_in_account`],
    /// and an account made here is bound to its provider subject at its
    /// first sign-in. The user,
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
                create_personal_team(&transaction, &user).await?;
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
