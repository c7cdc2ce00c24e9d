//! The gRPC edge of `llm.v1.Judge`: validates the request, turns it into an [`Evaluation`], asks
//! the configured judge and logs the outcome (never the texts).

use std::sync::Arc;
use std::time::Instant;

use api_proto::llm::v1::judge_server::{Judge as JudgeRpc, JudgeServer};
use api_proto::llm::v1::{self as proto, EvaluateRequest, EvaluateResponse};
use mesh::internal_auth::{Caller, CallerPolicy, Guarded, InternalAuth, InternalKeys, SCHEDULER};
use tonic::{Request, Response, Status};

use crate::domain::{
    ConditionKind, Evaluation, Judge, MAX_CONDITION_CHARS, MAX_RATED_EXAMPLES, MAX_TEXT_BYTES,
    RatedExample, Rating, Verdict, Verification,
};
use crate::error::ServiceError;

/// Both texts at their limit, the condition and the protobuf framing, with room to spare.
const MAX_REQUEST_BYTES: usize = 2 * MAX_TEXT_BYTES + 64 * 1024;

/// Only the scheduler judges changes; the gateway asks llm for its health
/// alone, which needs no key.
pub const CALLERS: CallerPolicy = CallerPolicy::new(&[("/llm.v1.Judge/Evaluate", &[SCHEDULER])]);

/// The judge service behind the internal-key check.
#[derive(Clone)]
pub struct JudgeService {
    judge: Arc<dyn Judge>,
}

impl JudgeService {
    pub fn new(judge: Arc<dyn Judge>) -> Self {
        Self { judge }
    }

    /// The tonic service, answering only the callers [`CALLERS`] names.
    pub fn into_server(self, keys: InternalKeys) -> Guarded<JudgeServer<Self>> {
        // tonic's default 4 MB limit would refuse two texts at their allowed size with an opaque
        // RESOURCE_EXHAUSTED; the field-level check in `parse_request` gives the useful answer.
        let server = JudgeServer::new(self).max_decoding_message_size(MAX_REQUEST_BYTES);
        InternalAuth::new(keys, CALLERS).guard(server)
    }
}

#[tonic::async_trait]
impl JudgeRpc for JudgeService {
    async fn evaluate(
        &self,
        request: Request<EvaluateRequest>,
    ) -> Result<Response<EvaluateResponse>, Status> {
        let caller = request
            .extensions()
            .get::<Caller>()
            .map_or_else(|| "unknown".to_owned(), |caller| caller.0.clone());
        let request = request.into_inner();
        let monitor_id = request.monitor_id.clone();
        let team_id = request.team_id.clone();
        let evaluation = parse_request(request).inspect_err(|error| {
            tracing::info!(%caller, %monitor_id, %error, "refused an invalid evaluation");
        })?;
        let started = Instant::now();
        let result = self.judge.evaluate(&evaluation).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok(verdict) => {
                tracing::info!(
                    %caller,
                    %monitor_id,
                    %team_id,
                    judge = %verdict.judge,
                    triggered = verdict.triggered,
                    kind = verdict.kind.as_str(),
                    holds = verdict.holds,
                    unverified = matches!(verdict.verification, Verification::Unverified(_)),
                    cached = verdict.cached,
                    first_check = evaluation.first_check,
                    latency_ms,
                    prompt_tokens = verdict.tokens.prompt,
                    completion_tokens = verdict.tokens.completion,
                    "judged"
                );
                Ok(Response::new(into_response(verdict)))
            }
            Err(error) => {
                tracing::warn!(
                    %caller,
                    %monitor_id,
                    %team_id,
                    judge = %self.judge.name(),
                    latency_ms,
                    %error,
                    "could not judge"
                );
                Err(ServiceError::from(error).into())
            }
        }
    }
}

/// Checks sizes and converts the generated type into the domain's.
pub fn parse_request(request: EvaluateRequest) -> Result<Evaluation, ServiceError> {
    if request.condition.chars().count() > MAX_CONDITION_CHARS {
        return Err(ServiceError::InvalidArgument {
            field: "condition",
            message: format!("must be at most {MAX_CONDITION_CHARS} characters"),
        });
    }
    for (field, text) in [
        ("previous_text", &request.previous_text),
        ("current_text", &request.current_text),
    ] {
        if text.len() > MAX_TEXT_BYTES {
            return Err(ServiceError::InvalidArgument {
                field,
                message: format!("must be at most {MAX_TEXT_BYTES} bytes"),
            });
        }
    }
    if request.rated_examples.len() > MAX_RATED_EXAMPLES {
        return Err(ServiceError::InvalidArgument {
            field: "rated_examples",
            message: format!("must be at most {MAX_RATED_EXAMPLES}"),
        });
    }
    let rated_examples = request
        .rated_examples
        .into_iter()
        .map(|example| {
            let rating = match example.rating.as_str() {
                "useful" => Rating::Useful,
                "noise" => Rating::Noise,
                _ => {
                    return Err(ServiceError::InvalidArgument {
                        field: "rated_examples.rating",
                        message: "must be useful or noise".to_owned(),
                    });
                }
            };
            Ok(RatedExample {
                rating,
                summary: example.summary,
                diff: example.diff,
                extracted_value: example.extracted_value,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Evaluation {
        condition: request.condition,
        previous_text: request.previous_text,
        current_text: request.current_text,
        first_check: request.first_check,
        url: request.url,
        rated_examples,
    })
}

fn into_response(verdict: Verdict) -> EvaluateResponse {
    let (verification, verification_problem) = match verdict.verification {
        Verification::NotNeeded => (proto::Verification::NotNeeded, String::new()),
        Verification::Verified => (proto::Verification::Verified, String::new()),
        Verification::Unverified(why) => (proto::Verification::Unverified, why),
    };
    EvaluateResponse {
        triggered: verdict.triggered,
        summary: verdict.summary,
        reason: verdict.reason,
        extracted_value: verdict.extracted_value.unwrap_or_default(),
        confidence: verdict.confidence,
        judge: verdict.judge,
        prompt_tokens: verdict.tokens.prompt,
        completion_tokens: verdict.tokens.completion,
        condition_kind: match verdict.kind {
            ConditionKind::State => proto::ConditionKind::State,
            ConditionKind::Event => proto::ConditionKind::Event,
        }
        .into(),
        holds: verdict.holds,
        evidence_excerpt: verdict.evidence_excerpt.unwrap_or_default(),
        verification: verification.into(),
        verification_problem,
        cached: verdict.cached,
    }
}
