//! The outgoing webhooks in the OpenAPI document's `webhooks` section: one
//! entry and one payload schema per event type, with the Standard Webhooks
//! headers a receiver verifies. The payload itself is built by the notify
//! service (`notify::webhook::payload`): a field added there is added here.

use serde::Serialize;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ContentBuilder, ObjectBuilder, OpenApi as Document, PathsBuilder, Ref, RefOr, Required,
    ResponseBuilder, Type,
};
use utoipa::{PartialSchema, ToSchema};

/// What happened, as every event carries it under `data`.
#[derive(Serialize, ToSchema)]
pub struct AlertData {
    /// `triggered`, `failing`, `recovered` or `test`.
    pub kind: String,
    pub monitor_id: String,
    pub monitor_name: String,
    /// The watched page.
    pub url: String,
    /// The condition in the user's words.
    pub condition: String,
    /// The judge's one-line verdict.
    pub summary: String,
    /// Why the judge decided so.
    pub reason: String,
    /// A short unified diff of the change (at most 60 lines).
    pub diff: String,
    pub extracted_value: String,
    pub check_id: String,
    /// Link to the check in the Lookout UI.
    pub link: String,
    /// Link to the check's diff in the Lookout UI (`{link}#diff`); empty
    /// when the alert carries no diff.
    pub diff_link: String,
    /// When the check ran (RFC 3339), or null for a test message.
    pub checked_at: Option<String>,
}

/// An `alert.digest` event's `data`: every alert of one period of a
/// channel that takes digests, sent as one event.
#[derive(Serialize, ToSchema)]
pub struct DigestData {
    /// `hourly` or `daily`.
    pub period: String,
    /// The period (RFC 3339); the end is exclusive and is also the event's `timestamp`.
    pub period_start: String,
    pub period_end: String,
    /// Every alert of the period; more than `alerts` holds when the list was cut.
    pub total_alerts: u32,
    /// Oldest first, each as the `data` of its single event.
    pub alerts: Vec<AlertData>,
    /// Link to the monitors in the Lookout UI.
    pub link: String,
}

/// The envelope of one event type, whose `data` is the schema `data_schema`.
fn event_schema(event_type: &str, description: &str, data_schema: &str) -> utoipa::openapi::Schema {
    ObjectBuilder::new()
        .description(Some(description))
        .property(
            "type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([event_type])),
        )
        .required("type")
        .property(
            "timestamp",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::DateTime,
                )))
                .description(Some(
                    "When the event happened (the check's time, or a digest's period end); \
                     the same on every retry.",
                )),
        )
        .required("timestamp")
        .property("data", Ref::from_schema_name(data_schema))
        .required("data")
        .build()
        .into()
}

/// `(type, schema name, description, data schema)` of every event Lookout sends.
pub const EVENTS: [(&str, &str, &str, &str); 5] = [
    (
        "monitor.triggered",
        "MonitorTriggeredEvent",
        "A check found that the monitor's condition is met.",
        "AlertData",
    ),
    (
        "monitor.failing",
        "MonitorFailingEvent",
        "The monitor's checks failed several times in a row.",
        "AlertData",
    ),
    (
        "monitor.recovered",
        "MonitorRecoveredEvent",
        "A failing monitor's check succeeded again.",
        "AlertData",
    ),
    (
        "monitor.test",
        "MonitorTestEvent",
        "A test message sent from the channel page.",
        "AlertData",
    ),
    (
        "alert.digest",
        "AlertDigestEvent",
        "Every alert of an hour or a day, for a channel whose delivery is `hourly` or \
         `daily`; not sent for a period without alerts.",
        "DigestData",
    ),
];

fn header(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(String::schema()))
        .build()
}

/// Adds the payload schemas and the `webhooks` section.
pub fn document(mut document: Document) -> Document {
    let components = document.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert("AlertData".to_owned(), AlertData::schema());
    components
        .schemas
        .insert("DigestData".to_owned(), DigestData::schema());
    let mut webhooks = PathsBuilder::new();
    for (event_type, schema_name, description, data_schema) in EVENTS {
        components.schemas.insert(
            schema_name.to_owned(),
            RefOr::T(event_schema(event_type, description, data_schema)),
        );
        let operation = OperationBuilder::new()
            .summary(Some(description))
            .description(Some(
                "A signed POST to the channel's URL (Standard Webhooks). Verify \
                 `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, \
                 `{webhook-id}.{webhook-timestamp}.{body}`)) with the channel's \
                 `whsec_` secret, refuse timestamps more than 5 minutes away, and \
                 drop repeats of a `webhook-id`. Answer 2xx quickly; 410 Gone \
                 disables the channel; 429/5xx are retried (after `Retry-After`) \
                 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later.",
            ))
            .tag("channels")
            .parameter(header(
                "webhook-id",
                "The delivery's identity; the same on every retry of it.",
            ))
            .parameter(header(
                "webhook-timestamp",
                "Unix seconds of this attempt, for replay protection.",
            ))
            .parameter(header(
                "webhook-signature",
                "Space-separated `v1,<base64>` signatures.",
            ))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(schema_name)))
                            .build(),
                    )
                    .build(),
            ))
            .response(
                "2XX",
                ResponseBuilder::new()
                    .description("Received; nothing is retried")
                    .build(),
            )
            .response(
                "410",
                ResponseBuilder::new()
                    .description("Gone: Lookout disables the channel")
                    .build(),
            );
        webhooks = webhooks.path(event_type, PathItem::new(HttpMethod::Post, operation));
    }
    document.webhooks = Some(webhooks.build());
    document
}
