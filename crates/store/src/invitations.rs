//! Invitations to a team: an owner offers membership to an email address,
//! the person behind it accepts or declines once signed in. Nothing here
//! tells the inviter whether the address has an account, and nothing joins
//! anyone to a team without their own action.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::memberships::{MembershipRefusal, MembershipResult, caller_role, parse_role};
use crate::pool::Store;
use crate::teams::Role;

/// An open invitation as the team's owners see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    pub team_id: Uuid,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Invitation {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        let role: String = row.get("role");
        Self {
            id: row.get("id"),
            team_id: row.get("team_id"),
            email: row.get("email"),
            role: parse_role(&role),
            created_at: row.get("created_at"),
            expires_at: row.get("expires_at"),
        }
    }
}

/// An open invitation as its invitee sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedInvitation {
    pub id: Uuid,
    pub team_id: Uuid,
    pub team_name: String,
    pub role: Role,
    /// Empty when the inviter's account was deleted since.
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An accepted invitation: the team joined and the role held there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    pub team_id: Uuid,
    pub role: Role,
}

const INVITATION_COLUMNS: &str = "id, team_id, email, role, created_at, expires_at";

/// The open invitations addressed to `user_id`'s email, by SQL fragment:
/// `$1` is the user, `$2` an invitation id or null for all.
const ADDRESSED_TO: &str = "i.expires_at > now()
     AND lower(i.email) = (SELECT lower(u.email) FROM users u WHERE u.id = $1)
     AND ($2::uuid IS NULL OR i.id = $2)";

impl Store {
    /// Invites `email` to a team the caller owns, or renews the open
    /// invitation to that address (new role, new expiry). The answer is the
    /// same whether or not the address has an account.
    pub async fn invite(
        &self,
        caller: Uuid,
        team_id: Uuid,
        email: &str,
        role: Role,
        expires_at: DateTime<Utc>,
    ) -> MembershipResult<Invitation> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting an invitation")?;
        match caller_role(&transaction, caller, team_id).await? {
            None => return Ok(Err(MembershipRefusal::NotMember)),
            Some((Role::Member, _)) => return Ok(Err(MembershipRefusal::NotOwner)),
            Some((Role::Owner, true)) => return Ok(Err(MembershipRefusal::PersonalTeam)),
            Some((Role::Owner, false)) => {}
        }
        // Owners see their members already, so this says nothing new.
        let member = transaction
            .query_opt(
                "SELECT 1 FROM memberships ms JOIN users u ON u.id = ms.user_id
                  WHERE ms.team_id = $1 AND lower(u.email) = lower($2)",
                &[&team_id, &email],
            )
            .await
            .context("checking whether the invitee is a member")?;
        if member.is_some() {
            return Ok(Err(MembershipRefusal::AlreadyMember));
        }
        let row = transaction
            .query_one(
                &format!(
                    "INSERT INTO team_invitations (id, team_id, email, role, invited_by, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (team_id, lower(email)) DO UPDATE
                        SET role = EXCLUDED.role, invited_by = EXCLUDED.invited_by,
                            created_at = now(), expires_at = EXCLUDED.expires_at
                     RETURNING {INVITATION_COLUMNS}"
                ),
                &[
                    &Uuid::now_v7(),
                    &team_id,
                    &email,
                    &role.as_str(),
                    &caller,
                    &expires_at,
                ],
            )
            .await
            .context("writing an invitation")?;
        transaction
            .commit()
            .await
            .context("committing an invitation")?;
        Ok(Ok(Invitation::from_row(&row)))
    }

    /// The team's open invitations. Owners only.
    pub async fn list_invitations(
        &self,
        caller: Uuid,
        team_id: Uuid,
    ) -> MembershipResult<Vec<Invitation>> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting to list invitations")?;
        match caller_role(&transaction, caller, team_id).await? {
            None => return Ok(Err(MembershipRefusal::NotMember)),
            Some((Role::Member, _)) => return Ok(Err(MembershipRefusal::NotOwner)),
            Some((Role::Owner, _)) => {}
        }
        let rows = transaction
            .query(
                &format!(
                    "SELECT {INVITATION_COLUMNS} FROM team_invitations
                      WHERE team_id = $1 AND expires_at > now()
                      ORDER BY created_at, id"
                ),
                &[&team_id],
            )
            .await
            .context("listing invitations")?;
        transaction
            .commit()
            .await
            .context("finishing to list invitations")?;
        Ok(Ok(rows.iter().map(Invitation::from_row).collect()))
    }

    /// Withdraws an invitation of a team the caller owns.
    pub async fn revoke_invitation(
        &self,
        caller: Uuid,
        team_id: Uuid,
        invitation_id: Uuid,
    ) -> MembershipResult<Invitation> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting to revoke an invitation")?;
        match caller_role(&transaction, caller, team_id).await? {
            None => return Ok(Err(MembershipRefusal::NotMember)),
            Some((Role::Member, _)) => return Ok(Err(MembershipRefusal::NotOwner)),
            Some((Role::Owner, _)) => {}
        }
        let row = transaction
            .query_opt(
                &format!(
                    "DELETE FROM team_invitations WHERE team_id = $1 AND id = $2
                     RETURNING {INVITATION_COLUMNS}"
                ),
                &[&team_id, &invitation_id],
            )
            .await
            .context("revoking an invitation")?;
        let Some(row) = row else {
            return Ok(Err(MembershipRefusal::NoSuchInvitation));
        };
        transaction
            .commit()
            .await
            .context("committing an invitation's revocation")?;
        Ok(Ok(Invitation::from_row(&row)))
    }

    /// The open invitations addressed to the user's email.
    pub async fn received_invitations(
        &self,
        user_id: Uuid,
    ) -> Result<Vec<ReceivedInvitation>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT i.id, i.team_id, t.name AS team_name, i.role,
                            coalesce(inviter.email, '') AS invited_by, i.created_at, i.expires_at
                       FROM team_invitations i
                       JOIN teams t ON t.id = i.team_id
                       LEFT JOIN users inviter ON inviter.id = i.invited_by
                      WHERE {ADDRESSED_TO}
                      ORDER BY i.created_at, i.id"
                ),
                &[&user_id, &None::<Uuid>],
            )
            .await
            .context("listing received invitations")?;
        Ok(rows
            .iter()
            .map(|row| {
                let role: String = row.get("role");
                ReceivedInvitation {
                    id: row.get("id"),
                    team_id: row.get("team_id"),
                    team_name: row.get("team_name"),
                    role: parse_role(&role),
                    invited_by: row.get("invited_by"),
                    created_at: row.get("created_at"),
                    expires_at: row.get("expires_at"),
                }
            })
            .collect())
    }

    /// Joins the team of an open invitation addressed to the user, with its
    /// role, and closes the invitation. `None` when there is no such
    /// invitation for this user (someone else's answers the same).
    pub async fn accept_invitation(
        &self,
        user_id: Uuid,
        invitation_id: Uuid,
    ) -> Result<Option<Joined>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting to accept an invitation")?;
        let row = transaction
            .query_opt(
                &format!(
                    "DELETE FROM team_invitations i WHERE {ADDRESSED_TO}
                     RETURNING i.team_id, i.role"
                ),
                &[&user_id, &Some(invitation_id)],
            )
            .await
            .context("taking an invitation")?;
        let Some(row) = row else {
            return Ok(None);
        };
        let team_id: Uuid = row.get("team_id");
        let role: String = row.get("role");
        // Already a member (joined some other way since): keep the role held.
        transaction
            .execute(
                "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&team_id, &user_id, &role],
            )
            .await
            .context("joining a team")?;
        let held: String = transaction
            .query_one(
                "SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2",
                &[&team_id, &user_id],
            )
            .await
            .context("reading the role joined with")?
            .get(0);
        transaction
            .commit()
            .await
            .context("committing an accepted invitation")?;
        Ok(Some(Joined {
            team_id,
            role: parse_role(&held),
        }))
    }

    /// Declines an open invitation addressed to the user: the team it was
    /// for, `None` when there is none.
    pub async fn decline_invitation(
        &self,
        user_id: Uuid,
        invitation_id: Uuid,
    ) -> Result<Option<Uuid>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("DELETE FROM team_invitations i WHERE {ADDRESSED_TO} RETURNING i.team_id"),
                &[&user_id, &Some(invitation_id)],
            )
            .await
            .context("declining an invitation")?;
        Ok(row.map(|row| row.get(0)))
    }
}
