//! `notify.v1.Notifier`: converts at the edge, delegates to the dispatcher and
//! maps errors to gRPC status codes in one place ([`crate::error`]).

use std::sync::Arc;

use api_proto::notify::v1::notifier_server::Notifier;
use api_proto::notify::v1::{SendRequest, SendResponse};
use mesh::internal_auth::{Caller, CallerPolicy, GATEWAY, SCHEDULER};
use tonic::{Request, Response, Status};

use crate::convert;
use crate::dispatch::Dispatcher;
use crate::domain::Channel;
use crate::error::{FAILURE_ORIGIN_METADATA, FailureOrigin, ServiceError};

/// The gateway sends channel tests, the scheduler alerts.
pub const CALLERS: CallerPolicy =
    CallerPolicy::new(&[("/notify.v1.Notifier/Send", &[GATEWAY, SCHEDULER])]);

pub struct NotifierService {
    dispatcher: Arc<Dispatcher>,
}

impl NotifierService {
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        Self { dispatcher }
    }
}

#[tonic::async_trait]
impl Notifier for NotifierService {
    async fn send(&self, request: Request<SendRequest>) -> Result<Response<SendResponse>, Status> {
        let caller = request
            .extensions()
            .get::<Caller>()
            .map(|caller| caller.0.clone())
            .unwrap_or_default();
        let delivery = convert::delivery(request.into_inner()).map_err(ServiceError::from)?;
        // The attempt runs to its end in a task of its own even when the
        // caller goes away (a scheduler killed mid-call): a send cut off
        // between the receiver's acceptance and the ledger's `sent` would be
        // sent again by the next attempt.
        let to_email = matches!(delivery.channel, Channel::Email(_));
        let dispatcher = Arc::clone(&self.dispatcher);
        let key = delivery.key.clone();
        let outcome = tokio::spawn(async move { dispatcher.deliver(&delivery).await })
            .await
            .map_err(|error| {
                tracing::error!(key = %key, error = %error, "a delivery task failed");
                Status::internal("the delivery failed inside notify")
            })?
            .map_err(|error| {
                tracing::warn!(caller = %caller, key = %key, error = %error, "delivery failed");
                let origin = error.is_at_destination().then_some(if to_email {
                    FailureOrigin::MailServer
                } else {
                    FailureOrigin::Receiver
                });
                let mut status = Status::from(error);
                if let Some(origin) = origin {
                    status.metadata_mut().insert(
                        FAILURE_ORIGIN_METADATA,
                        tonic::metadata::MetadataValue::from_static(origin.as_str()),
                    );
                }
                status
            })?;
        Ok(Response::new(convert::response(outcome)))
    }
}
