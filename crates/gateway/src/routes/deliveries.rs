//! The outbox as users see it: `GET /api/v1/deliveries?status=dead` (the
//! dead letters, with the receiver's last error) and requeuing, one or all.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Store;
use store::dead_letters::{DeliveryFilter, DeliveryListing, DeliveryStatus, RequeueRefusal};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::extract::{Json, Path, Query};
use crate::routes::pagination::{self, PageQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(requeue_all))
        .routes(routes!(requeue_one))
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum StatusBody {
    Pending,
    Sent,
    #[default]
    Dead,
}

impl From<StatusBody> for DeliveryStatus {
    fn from(status: StatusBody) -> Self {
        match status {
            StatusBody::Pending => Self::Pending,
            StatusBody::Sent => Self::Sent,
            StatusBody::Dead => Self::Dead,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `dead` (default): deliveries that gave up; `pending`: waiting for a
    /// retry; `sent`.
    #[param(value_type = Option<StatusBody>)]
    status: Option<StatusBody>,
    /// Only this team's deliveries.
    team_id: Option<Uuid>,
    /// Only this channel's deliveries.
    channel_id: Option<Uuid>,
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "documents the values of `kind`")]
pub enum DeliveryKindBody {
    Triggered,
    Failing,
    Recovered,
    Digest,
}

/// One delivery of an alert (or of a digest of alerts) to a channel.
#[derive(Serialize, ToSchema)]
pub struct DeliveryResponse {
    id: Uuid,
    team_id: Uuid,
    /// `pending`, `sent` or `dead`.
    status: &'static str,
    /// Failed attempts so far.
    attempts: i32,
    /// The receiver's last refusal, in plain words.
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    /// When a pending delivery is tried next.
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    /// `triggered`, `failing`, `recovered`, or `digest`: one message with
    /// every alert of an hour or a day.
    #[schema(value_type = DeliveryKindBody)]
    kind: String,
    /// The alert's check and monitor; null for a digest.
    check_id: Option<Uuid>,
    monitor_id: Option<Uuid>,
    monitor_name: Option<String>,
    /// How many alerts a digest carries; 0 for a single alert.
    digest_alerts: i64,
    channel_id: Uuid,
    channel_name: String,
    channel_kind: String,
}

impl From<&DeliveryListing> for DeliveryResponse {
    fn from(delivery: &DeliveryListing) -> Self {
        Self {
            id: delivery.id,
            team_id: delivery.team_id,
            status: delivery.status.as_str(),
            attempts: delivery.attempts,
            last_error: delivery.last_error.clone(),
            created_at: delivery.created_at,
            next_attempt_at: delivery.next_attempt_at,
            sent_at: delivery.sent_at,
            kind: delivery.kind.clone(),
            check_id: delivery.check_id,
            monitor_id: delivery.monitor_id,
            monitor_name: delivery.monitor_name.clone(),
            digest_alerts: delivery.digest_alerts,
            channel_id: delivery.channel_id,
            channel_name: delivery.channel_name.clone(),
            channel_kind: delivery.channel_kind.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    items: Vec<DeliveryResponse>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

/// The deliveries of the caller's teams, newest first; by default the dead
/// letters, each with the receiver's last error.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "deliveries", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = DeliveryList)))]
async fn list(
    user: CurrentUser,
    State(store): State<Store>,
    Query(query): Query<ListQuery>,
) -> Result<Json<DeliveryList>, ApiError> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .to_request()?;
    let filter = DeliveryFilter {
        status: query.status.unwrap_or_default().into(),
        team_id: query.team_id,
        channel_id: query.channel_id,
    };
    let listed = store.list_deliveries(user.id, filter, page).await?;
    Ok(Json(DeliveryList {
        items: listed.items.iter().map(DeliveryResponse::from).collect(),
        next_cursor: listed.next.map(pagination::encode),
    }))
}

/// Puts a dead delivery back in the outbox: it is sent again now, with a
/// fresh retry schedule. 409 when it is not dead or its channel is off.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/requeue", tag = "deliveries", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Delivery id")),
    responses((status = 200, body = DeliveryResponse),
              (status = 409, description = "Not dead, or its channel is turned off")))]
async fn requeue_one(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Path(id): Path<Uuid>,
) -> Result<Json<DeliveryResponse>, ApiError> {
    let requeued = match store.requeue_delivery(user.id, id).await? {
        Ok(requeued) => requeued,
        Err(RequeueRefusal::NotFound) => return Err(ApiError::NotFound),
        Err(RequeueRefusal::NotDead) => {
            return Err(ApiError::Conflict(
                "only dead deliveries can be requeued; this one is pending or sent".to_owned(),
            ));
        }
        Err(RequeueRefusal::ChannelDisabled) => {
            return Err(ApiError::Conflict(
                "the delivery's channel is turned off; turn it on first".to_owned(),
            ));
        }
    };
    audit::record(
        &store,
        &context,
        (&user).into(),
        "delivery.requeued",
        Some(&id.to_string()),
        json!({"channel_id": requeued.channel_id}),
    )
    .await;
    Ok(Json(DeliveryResponse::from(&requeued)))
}

/// Which dead deliveries to requeue; both absent means all of the
/// caller's teams.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RequeueAll {
    team_id: Option<Uuid>,
    channel_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct Requeued {
    /// How many dead deliveries were put back; those of channels that are
    /// turned off stay dead.
    requeued: u64,
}

/// Requeues every dead delivery of the caller's teams (or of one team or
/// channel) whose channel is on.
#[utoipa::path(post, path = "/api/v1/deliveries/requeue", tag = "deliveries", security(("bearer" = [])),
    request_body = RequeueAll,
    responses((status = 200, body = Requeued)))]
async fn requeue_all(
    user: CurrentUser,
    State(store): State<Store>,
    context: AuditContext,
    Json(request): Json<RequeueAll>,
) -> Result<Json<Requeued>, ApiError> {
    let requeued = store
        .requeue_dead_deliveries(user.id, request.team_id, request.channel_id)
        .await?;
    if requeued > 0 {
        audit::record(
            &store,
            &context,
            (&user).into(),
            "delivery.requeued_all",
            None,
            json!({"requeued": requeued, "team_id": request.team_id, "channel_id": request.channel_id}),
        )
        .await;
    }
    Ok(Json(Requeued { requeued }))
}
