//! Every change to who belongs to which team goes through here, so that
//! once it has committed, every replica's identity cache
//! ([`crate::auth::identities`]) forgets the users it touched. Handlers
//! never remember to invalidate: they cannot change a membership any other
//! way.

use std::sync::Arc;

use store::invitations::Joined;
use store::memberships::{Member, MembershipResult};
use store::teams::{MyTeam, Role};
use store::{Store, StoreError};
use uuid::Uuid;

use crate::auth::identities::IdentityCache;

#[derive(Clone)]
pub struct Memberships {
    store: Store,
    identities: Arc<IdentityCache>,
}

impl Memberships {
    pub fn new(store: Store, identities: Arc<IdentityCache>) -> Self {
        Self { store, identities }
    }

    /// A new team, owned by `user_id`.
    pub async fn create_team(&self, user_id: Uuid, name: &str) -> Result<MyTeam, StoreError> {
        let team = self.store.create_team(user_id, name).await?;
        self.identities.forget(&[user_id]).await;
        Ok(team)
    }

    /// Joins the team of an invitation addressed to `user_id`.
    pub async fn accept_invitation(
        &self,
        user_id: Uuid,
        invitation_id: Uuid,
    ) -> Result<Option<Joined>, StoreError> {
        let joined = self.store.accept_invitation(user_id, invitation_id).await?;
        if joined.is_some() {
            self.identities.forget(&[user_id]).await;
        }
        Ok(joined)
    }

    pub async fn change_member_role(
        &self,
        caller: Uuid,
        team_id: Uuid,
        member_id: Uuid,
        role: Role,
    ) -> MembershipResult<Member> {
        let changed = self
            .store
            .change_member_role(caller, team_id, member_id, role)
            .await?;
        if changed.is_ok() {
            self.identities.forget(&[member_id]).await;
        }
        Ok(changed)
    }

    pub async fn remove_member(
        &self,
        caller: Uuid,
        team_id: Uuid,
        member_id: Uuid,
    ) -> MembershipResult<Member> {
        let removed = self.store.remove_member(caller, team_id, member_id).await?;
        if removed.is_ok() {
            self.identities.forget(&[member_id]).await;
        }
        Ok(removed)
    }
}
