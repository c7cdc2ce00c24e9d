//! The audit trail of security-relevant actions: who (actor), what
//! (action, target), from where (IP, user agent), which request, when.
//!
//! Writing is best effort from the request's point of view: a failed insert
//! is logged as an error but does not fail the action it describes (the
//! action already happened). Nothing in the gateway updates or deletes an
//! event.
//!
//! Actions: `sign_in`, `sign_in.refused`, `sign_out`, `session.revoked`,
//! `session.refresh_reuse`, `api_key.created`, `api_key.revoked`,
//! `api_key.wrong_scope`, `team.created`, `team.member_added`,
//! `team.member_removed`, `team.role_changed`, `team.retention_set`, `monitor.created`,
//! `monitor.deleted`, `monitor.bulk` (one per bulk request: action, how
//! chosen, counts; a bulk deletion also records `monitor.deleted` per
//! monitor), `monitors.imported`, `monitor.trigger_secret_rotated`,
//! `tag.created`, `tag.deleted`, `channel.created`, `channel.deleted`,
//! `admin.viewed`, `hook.refused`.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use store::Store;
use store::audit::NewAuditEvent;
use uuid::Uuid;

use crate::edge::client_ip::ClientIp;

/// Long user agents are truncated: the column is for humans, not for
/// storing whatever a client sends.
const MAX_USER_AGENT: usize = 256;

/// Where a request came from, for audit events and the session list.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl AuditContext {
    pub fn from_parts(parts: &Parts) -> Self {
        // The edge resolves the client through TRUSTED_PROXIES; without it
        // (tests building the router alone) the socket peer is the client.
        let ip = parts
            .extensions
            .get::<ClientIp>()
            .map(|ClientIp(ip)| ip.to_string())
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(addr)| addr.ip().to_string())
            });
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(MAX_USER_AGENT).collect());
        Self {
            ip,
            user_agent,
            request_id: mesh::context::current_request_id(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuditContext {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

/// Who did it.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User {
        id: Uuid,
        email: &'a str,
    },
    /// Someone not (yet) identified: a refused sign-in or a trigger.
    Anonymous,
}

impl<'a> From<&'a crate::auth::CurrentUser> for Actor<'a> {
    fn from(user: &'a crate::auth::CurrentUser) -> Self {
        Actor::User {
            id: user.id,
            email: &user.email,
        }
    }
}

/// Records one event; failures are logged, not returned.
pub async fn record(
    store: &Store,
    context: &AuditContext,
    actor: Actor<'_>,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) {
    let (actor_id, actor_email) = match actor {
        Actor::User { id, email } => (Some(id), Some(email.to_owned())),
        Actor::Anonymous => (None, None),
    };
    let event = NewAuditEvent {
        action: action.to_owned(),
        actor_id,
        actor_email,
        target: target.map(str::to_owned),
        ip: context.ip.clone(),
        user_agent: context.user_agent.clone(),
        request_id: context.request_id.clone(),
        detail,
    };
    if let Err(error) = store.record_audit_event(&event).await {
        tracing::error!(%error, action, "could not record an audit event");
    }
}
