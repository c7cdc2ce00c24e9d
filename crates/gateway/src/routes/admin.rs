//! Administration, for users in `ADMIN_EMAILS` only (403 for others):
//! system health with latencies, usage figures, the audit trail. Every view
//! is itself audited.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::audit::{AuditEvent, AuditFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::{AdminUser, Auth};
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::routes::pagination::{self, PageQuery};
use crate::state::AppState;

/// Each probe is bounded so one dead dependency does not stall the page.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(system_health))
        .routes(routes!(usage))
        .routes(routes!(audit_log))
}

#[derive(Serialize, ToSchema)]
pub struct ComponentHealth {
    /// `up` or `down`.
    #[schema(value_type = String)]
    status: &'static str,
    latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    /// Why it is down; admins may see internal detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SystemHealth {
    /// `ok` when every component is up, else `degraded`.
    #[schema(value_type = String)]
    status: &'static str,
    gateway_version: &'static str,
    dependencies: BTreeMap<String, ComponentHealth>,
}

fn component(started: Instant, result: Result<Option<String>, String>) -> ComponentHealth {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(version) => ComponentHealth {
            status: "up",
            latency_ms,
            version,
            error: None,
        },
        Err(error) => ComponentHealth {
            status: "down",
            latency_ms,
            version: None,
            error: Some(error),
        },
    }
}

async fn timed<F>(probe: F) -> ComponentHealth
where
    F: Future<Output = Result<Option<String>, String>>,
{
    let started = Instant::now();
    let result = tokio::time::timeout(PROBE_TIMEOUT, probe)
        .await
        .unwrap_or_else(|_| Err("timed out".to_owned()));
    component(started, result)
}

/// Health and latency of the database, Redis and each internal service.
#[utoipa::path(get, path = "/api/v1/admin/system-health", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SystemHealth), (status = 403, description = "Not an administrator")))]
async fn system_health(
    AdminUser(admin): AdminUser,
    State(store): State<Store>,
    State(auth): State<Arc<Auth>>,
    context: AuditContext,
) -> Result<Json<SystemHealth>, ApiError> {
    let database = timed(async {
        store.ping().await.map_err(|error| error.to_string())?;
        store
            .server_version()
            .await
            .map(Some)
            .map_err(|error| error.to_string())
    });
    let redis = timed(async {
        auth.ephemeral
            .ping()
            .await
            .map_err(|error| error.to_string())
    });
    let tls = auth.peer_tls.as_ref();
    let services =
        futures::future::join_all(auth.internal_services.iter().map(|(name, url)| async move {
            let health = timed(async {
                mesh::health::probe(url, PROBE_TIMEOUT, tls)
                    .await
                    .map(|()| None)
            })
            .await;
            (*name, health)
        }));
    let (database, redis, services) = tokio::join!(database, redis, services);
    let mut dependencies = BTreeMap::new();
    dependencies.insert("database".to_owned(), database);
    dependencies.insert("redis".to_owned(), redis);
    for (name, health) in services {
        dependencies.insert(name.to_owned(), health);
    }
    let status = if dependencies.values().all(|health| health.status == "up") {
        "ok"
    } else {
        "degraded"
    };
    audit::record(
        &store,
        &context,
        (&admin).into(),
        "admin.viewed",
        Some("system-health"),
        json!({}),
    )
    .await;
    Ok(Json(SystemHealth {
        status,
        gateway_version: env!("CARGO_PKG_VERSION"),
        dependencies,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Usage {
    users: i64,
    teams: i64,
    monitors: i64,
    checks: i64,
    deliveries: i64,
    database_size_bytes: i64,
    /// Stored snapshots (one per content and monitor; pruned by each team's retention).
    snapshots: i64,
    snapshot_text_bytes: i64,
    snapshot_storage_bytes: i64,
}

/// Counts and sizes across the whole system.
#[utoipa::path(get, path = "/api/v1/admin/usage", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Usage), (status = 403, description = "Not an administrator")))]
async fn usage(
    AdminUser(admin): AdminUser,
    State(store): State<Store>,
    context: AuditContext,
) -> Result<Json<Usage>, ApiError> {
    let usage = store.usage().await?;
    audit::record(
        &store,
        &context,
        (&admin).into(),
        "admin.viewed",
        Some("usage"),
        json!({}),
    )
    .await;
    Ok(Json(Usage {
        users: usage.users,
        teams: usage.teams,
        monitors: usage.monitors,
        checks: usage.checks,
        deliveries: usage.deliveries,
        database_size_bytes: usage.database_bytes,
        snapshots: usage.snapshots,
        snapshot_text_bytes: usage.snapshot_text_bytes,
        snapshot_storage_bytes: usage.snapshot_table_bytes,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this action, e.g. `sign_in.refused`.
    action: Option<String>,
    /// Only events by this user id.
    actor: Option<Uuid>,
    /// Page size, 1 to 100 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventResponse {
    id: Uuid,
    at: DateTime<Utc>,
    action: String,
    actor: Option<Uuid>,
    actor_email: Option<String>,
    target: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    #[schema(value_type = Object)]
    detail: serde_json::Value,
}

impl From<AuditEvent> for AuditEventResponse {
    fn from(event: AuditEvent) -> Self {
        Self {
            id: event.id,
            at: event.at,
            action: event.action,
            actor: event.actor_id,
            actor_email: event.actor_email,
            target: event.target,
            ip: event.ip,
            user_agent: event.user_agent,
            request_id: event.request_id,
            detail: event.detail,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<AuditEventResponse>,
    next_cursor: Option<String>,
}

/// The audit trail, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, description = "Not an administrator")))]
async fn audit_log(
    AdminUser(admin): AdminUser,
    State(store): State<Store>,
    context: AuditContext,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .to_request()?;
    let filter = AuditFilter {
        action: query.action.filter(|action| !action.is_empty()),
        actor_id: query.actor,
    };
    let events = store.list_audit_events(&filter, page).await?;
    audit::record(
        &store,
        &context,
        (&admin).into(),
        "admin.viewed",
        Some("audit"),
        json!({}),
    )
    .await;
    Ok(Json(AuditPage {
        items: events
            .items
            .into_iter()
            .map(AuditEventResponse::from)
            .collect(),
        next_cursor: events.next.map(pagination::encode),
    }))
}
