//! Secrets of signed triggers and the run request they cause.

use uuid::Uuid;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;

impl Store {
    /// Sets (or replaces) the trigger secret of a monitor the caller can see;
    /// false when the monitor is not visible to them.
    pub async fn set_trigger_secret(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
        secret: &str,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE monitors m SET trigger_secret = $3
                  WHERE m.id = $2
                    AND EXISTS (SELECT 1 FROM memberships ms
                                 WHERE ms.team_id = m.team_id AND ms.user_id = $1)",
                &[&user_id, &monitor_id, &secret],
            )
            .await
            .context("setting a trigger secret")?;
        Ok(changed == 1)
    }

    /// The trigger secret of a monitor; `None` for an unknown monitor or one
    /// without a secret. Unscoped: the signature is the caller's credential.
    pub async fn trigger_secret(&self, monitor_id: Uuid) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT trigger_secret FROM monitors WHERE id = $1 AND trigger_secret IS NOT NULL",
                &[&monitor_id],
            )
            .await
            .context("reading a trigger secret")?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Asks the scheduler to run the monitor now because of a signed trigger;
    /// like "run now", after a check in flight rather than beside it.
    pub async fn request_hook_run(&self, monitor_id: Uuid) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE monitors SET requested_reason = 'hook',
                     next_check_at = CASE WHEN lease_token IS NULL THEN now()
                         ELSE next_check_at END
                  WHERE id = $1",
                &[&monitor_id],
            )
            .await
            .context("requesting a hook run")?;
        Ok(changed == 1)
    }
}
