//! The outbox worker: sends pending deliveries through notify, retries with
//! backoff and gives up into the `dead` state after a bounded number of
//! attempts.

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use secret_box::SecretBox;
use store::Store;
use store::deliveries::{ClaimedDelivery, DeliveryPayload};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::dependencies::{Dependencies, Dependency};
use crate::domain::delivery_backoff;
use crate::metrics::METRICS;
use crate::peers::{Alert, ChannelNotice, Destination, Kind, Peers, SendFailure};
use store::channels::AttemptOutcome;

/// Deliveries claimed per round; they are sent concurrently.
const BATCH: i64 = 16;
/// How soon a delivery put back for our own fault is tried again. The
/// worker claims nothing while notify is down, so this is the pause
/// between looks at a key another attempt still holds.
const DEFERRED_RETRY: Duration = Duration::from_secs(1);

pub struct DeliveryWorker {
    pub store: Store,
    pub peers: Peers,
    pub max_attempts: u32,
    /// First retry delay; doubles with every failed attempt.
    pub retry_base: Duration,
    /// How long a claim hides a delivery from other replicas; renewed every
    /// third of it while the send runs, so it can be far shorter than a
    /// notify call and a killed replica's deliveries come back quickly.
    pub lease: Duration,
    pub poll_interval: Duration,
    pub public_base_url: String,
    /// Opens the channel's sealed credential for the send.
    pub secret_box: SecretBox,
    /// Dead deliveries in a row after which a channel is turned off.
    pub channel_disable_after: i32,
    /// Signs the rating links of each alert.
    pub rating_links: rating_link::RatingLinks,
    /// Woken when a triggered check committed new deliveries.
    pub wake: Arc<Notify>,
    /// Nothing is claimed while notify is down.
    pub dependencies: Arc<Dependencies>,
}

impl DeliveryWorker {
    /// Sends due deliveries until `stop` turns true. A send in progress is
    /// finished first; an interrupted one is retried after its lease.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            self.drain().await;
            tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
    }

    async fn drain(self: &Arc<Self>) {
        loop {
            if !self.dependencies.is_up(Dependency::Notify) {
                return;
            }
            let claimed = match self.store.claim_due_deliveries(BATCH, self.lease).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "could not claim due deliveries");
                    return;
                }
            };
            if claimed.is_empty() {
                return;
            }
            let ids: Vec<_> = claimed.iter().map(|delivery| delivery.id).collect();
            let mut sends = JoinSet::new();
            for delivery in claimed {
                let worker = self.clone();
                sends.spawn(async move { worker.deliver(delivery).await });
            }
            let mut renewal = tokio::time::interval(self.lease / 3);
            // The first tick is immediate; the claim just set the lease.
            renewal.tick().await;
            loop {
                tokio::select! {
                    next = sends.join_next() => if next.is_none() { break },
                    _ = renewal.tick() => {
                        // Rows already finished are no longer pending and are left alone.
                        if let Err(error) = self.store.renew_delivery_leases(&ids, self.lease).await {
                            tracing::warn!(%error, "could not renew delivery leases");
                        }
                    }
                }
            }
        }
    }

    async fn deliver(&self, delivery: ClaimedDelivery) {
        let payload = match self.store.delivery_payload(&delivery).await {
            Ok(payload) => payload,
            Err(store::StoreError::NotFound) => {
                self.give_up(&delivery, "the check, monitor or channel no longer exists")
                    .await;
                return;
            }
            Err(error) => {
                tracing::warn!(delivery_id = %delivery.id, %error, "could not load a delivery");
                return;
            }
        };
        if !payload.channel.enabled {
            self.give_up(&delivery, "the channel was disabled before delivery")
                .await;
            return;
        }
        let secret = match payload
            .channel
            .secret
            .as_ref()
            .map(|secret| secret.open(&self.secret_box))
        {
            None => String::new(),
            Some(Ok(secret)) => secret.expose_secret().to_owned(),
            Some(Err(error)) => {
                // An operator's mistake, not the receiver's: retried until
                // the key is back, like a notify outage.
                tracing::error!(
                    delivery_id = %delivery.id,
                    channel_id = %delivery.channel_id,
                    %error,
                    "cannot open the channel's secret; is a key missing from SECRETS_KEYS?"
                );
                let failure = SendFailure {
                    message: "the channel's credential cannot be read; the operator has been told"
                        .to_owned(),
                    permanent: false,
                    gone: false,
                    retry_after: None,
                    notify_may_be_down: false,
                    notify_own_fault: false,
                };
                self.failed(&delivery, &failure).await;
                return;
            }
        };
        let Some(destination) = destination(&payload, secret) else {
            self.give_up(&delivery, "the channel has an unknown kind")
                .await;
            return;
        };
        let alert = self.alert(&delivery.kind, &payload);
        match self
            .peers
            .send(&delivery.idempotency_key, destination, alert)
            .await
        {
            Ok(()) => match self.store.mark_delivery_sent(delivery.id).await {
                Ok(()) => {
                    self.record_attempt(&delivery, AttemptOutcome::Delivered)
                        .await;
                    tracing::info!(
                    delivery_id = %delivery.id,
                    check_id = %delivery.check_id,
                    channel_id = %delivery.channel_id,
                    team_id = %delivery.team_id,
                    attempts = delivery.attempts + 1,
                    "delivery sent"
                    )
                }
                // Notify remembers the idempotency key, so the retry after
                // the lease is answered as a duplicate and nothing is sent twice.
                Err(error) => {
                    tracing::warn!(delivery_id = %delivery.id, %error, "sent but not recorded")
                }
            },
            Err(failure) if self.ours(&failure).await => self.defer(&delivery, &failure).await,
            Err(failure) => {
                if failure.gone {
                    self.disable_gone_channel(&delivery, &failure.message).await;
                }
                self.failed(&delivery, &failure).await
            }
        }
    }

    /// Whether a failed send is our fault rather than the receiver's. A call
    /// that broke the way a dead notify breaks also refreshes notify's health,
    /// so the worker stops claiming while it is down; the verdict does not
    /// wait on that probe, since a notify restarted within the moment already
    /// answers it.
    async fn ours(&self, failure: &SendFailure) -> bool {
        if failure.notify_may_be_down {
            self.dependencies.confirm_down(Dependency::Notify).await;
        }
        failure.notify_own_fault
    }

    /// Puts the delivery back without counting an attempt.
    async fn defer(&self, delivery: &ClaimedDelivery, failure: &SendFailure) {
        METRICS
            .deferred
            .with_label_values(&[Dependency::Notify.as_str(), "delivery"])
            .inc();
        tracing::info!(
            delivery_id = %delivery.id,
            team_id = %delivery.team_id,
            error = %failure.message,
            "delivery put back: the fault is notify's, not the receiver's; no attempt counted"
        );
        if let Err(error) = self.store.defer_delivery(delivery.id, DEFERRED_RETRY).await {
            tracing::warn!(delivery_id = %delivery.id, %error, "could not put a delivery back");
        }
    }

    /// The receiver said 410 Gone: the channel is disabled with the reason
    /// its owners see on the channels page, and later deliveries to it are
    /// abandoned instead of tried.
    async fn disable_gone_channel(&self, delivery: &ClaimedDelivery, reason: &str) {
        match self
            .store
            .disable_gone_channel(delivery.team_id, delivery.channel_id, reason)
            .await
        {
            Ok(true) => tracing::warn!(
                channel_id = %delivery.channel_id,
                team_id = %delivery.team_id,
                "the receiver is gone; channel disabled"
            ),
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(channel_id = %delivery.channel_id, %error, "could not disable a gone channel")
            }
        }
    }

    async fn failed(&self, delivery: &ClaimedDelivery, failure: &SendFailure) {
        let error = failure.message.as_str();
        let attempts = u32::try_from(delivery.attempts).unwrap_or(0) + 1;
        let give_up = failure.permanent || attempts >= self.max_attempts;
        // A receiver's own Retry-After wins when it asks for longer.
        let retry_in = delivery_backoff(self.retry_base, attempts)
            .max(failure.retry_after.unwrap_or_default());
        if give_up {
            tracing::warn!(
                delivery_id = %delivery.id,
                check_id = %delivery.check_id,
                channel_id = %delivery.channel_id,
                team_id = %delivery.team_id,
                attempts,
                %error,
                "delivery failed for the last time; it is dead"
            );
        } else {
            tracing::info!(
                delivery_id = %delivery.id,
                team_id = %delivery.team_id,
                attempts,
                retry_in_ms = u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
                %error,
                "delivery failed; will retry"
            );
        }
        if let Err(store_error) = self
            .store
            .mark_delivery_failed(delivery.id, error, retry_in, give_up)
            .await
        {
            tracing::warn!(delivery_id = %delivery.id, error = %store_error, "could not record a failed delivery");
        }
        self.record_attempt(
            delivery,
            AttemptOutcome::Failed {
                error,
                dead: give_up,
            },
        )
        .await;
    }

    /// Keeps the channel's health, and tells the team's owners once when
    /// its dead deliveries turned it off.
    async fn record_attempt(&self, delivery: &ClaimedDelivery, outcome: AttemptOutcome<'_>) {
        let disabled = match self
            .store
            .record_channel_attempt(
                delivery.team_id,
                delivery.channel_id,
                outcome,
                self.channel_disable_after,
            )
            .await
        {
            Ok(disabled) => disabled,
            Err(error) => {
                tracing::warn!(channel_id = %delivery.channel_id, %error, "could not record a channel's health");
                return;
            }
        };
        let Some(disabled) = disabled else {
            return;
        };
        tracing::warn!(
            channel_id = %delivery.channel_id,
            team_id = %delivery.team_id,
            "deliveries kept dying; channel turned off"
        );
        let notice = ChannelNotice {
            channel_name: disabled.name,
            reason: disabled.reason,
            link: format!("{}/channels", self.public_base_url),
        };
        for address in disabled.owner_emails {
            // One key per channel and dead letter: a retry of this notice is
            // answered as a duplicate, never sent twice.
            let key = format!("channel-off:{}:{}", delivery.channel_id, delivery.id);
            if let Err(failure) = self
                .peers
                .send_channel_notice(
                    &format!("{key}:{}", short_hash(&address)),
                    &address,
                    &notice,
                )
                .await
            {
                tracing::warn!(channel_id = %delivery.channel_id, error = %failure.message, "could not tell an owner that a channel was turned off");
            }
        }
    }

    async fn give_up(&self, delivery: &ClaimedDelivery, reason: &str) {
        tracing::warn!(delivery_id = %delivery.id, team_id = %delivery.team_id, reason, "delivery abandoned");
        if let Err(error) = self
            .store
            .mark_delivery_failed(delivery.id, reason, Duration::ZERO, true)
            .await
        {
            tracing::warn!(delivery_id = %delivery.id, %error, "could not record an abandoned delivery");
        }
    }

    fn alert(&self, kind: &str, payload: &DeliveryPayload) -> Alert {
        let check = &payload.check;
        let monitor = &payload.monitor;
        // Rows queued before deliveries had a kind say "triggered"; their
        // notices that judging fails are still failing alerts.
        let kind = match kind {
            "recovered" => Kind::Recovered,
            "failing" => Kind::Failing,
            _ if check.unjudged_notice => Kind::Failing,
            _ => Kind::Triggered,
        };
        let (summary, reason) = match kind {
            Kind::Recovered => (check.recovered_note.clone(), None),
            // A failed check has no verdict: its error says what the site did.
            Kind::Failing if !check.unjudged_notice => (check.summary.clone(), check.error.clone()),
            Kind::Failing | Kind::Triggered => (check.summary.clone(), check.reason_text.clone()),
        };
        // Only a met condition can be rated; failing and recovered notices cannot.
        let rate_url = |rating| {
            if kind != Kind::Triggered {
                return String::new();
            }
            // Issued at the check, not at the send: a retried delivery posts the same bytes.
            let token = self.rating_links.sign(
                check.id,
                rating,
                std::time::SystemTime::from(check.finished_at),
            );
            format!("{}/api/v1/ratings/{token}", self.public_base_url)
        };
        Alert {
            kind,
            rate_useful_url: rate_url(rating_link::Rating::Useful),
            rate_noise_url: rate_url(rating_link::Rating::Noise),
            monitor_id: monitor.id.to_string(),
            monitor_name: monitor.name.clone(),
            url: monitor.url.clone(),
            condition: monitor.condition.clone(),
            summary: summary.unwrap_or_default(),
            reason: reason.unwrap_or_default(),
            diff: if kind == Kind::Triggered {
                check.diff.clone().unwrap_or_default()
            } else {
                String::new()
            },
            check_id: check.id.to_string(),
            link: format!(
                "{}/monitors/{}/checks/{}",
                self.public_base_url, monitor.id, check.id
            ),
            checked_at_unix_ms: check.finished_at.timestamp_millis(),
            extracted_value: if kind == Kind::Triggered {
                check.extracted_value.clone().unwrap_or_default()
            } else {
                String::new()
            },
        }
    }
}

/// A short stable tag of an address for an idempotency key (whose alphabet
/// has no `@`).
fn short_hash(address: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(address.to_lowercase().as_bytes())[..8])
}

/// The stored channel put back together: `target` is what may be shown,
/// `secret` the opened credential (see `store::channels::Channel::secret`).
fn destination(payload: &DeliveryPayload, secret: String) -> Option<Destination> {
    let channel = &payload.channel;
    match channel.kind.as_str() {
        "email" => Some(Destination::Email {
            address: channel.target.clone(),
        }),
        "webhook" => Some(Destination::Webhook {
            url: channel.target.clone(),
            secret,
        }),
        "slack" => Some(Destination::Slack {
            webhook_url: secret,
        }),
        "discord" => Some(Destination::Discord {
            webhook_url: secret,
        }),
        "teams" => Some(Destination::Teams {
            webhook_url: secret,
        }),
        "telegram" => Some(Destination::Telegram {
            bot_token: secret,
            chat_id: channel.target.clone(),
        }),
        "ntfy" => Some(Destination::Ntfy {
            topic_url: channel.target.clone(),
            access_token: secret,
            priority: channel.settings["priority"]
                .as_u64()
                .and_then(|level| u32::try_from(level).ok())
                .unwrap_or(0),
            tags: channel.settings["tags"]
                .as_array()
                .map(|tags| {
                    tags.iter()
                        .filter_map(|tag| tag.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }),
        _ => None,
    }
}
