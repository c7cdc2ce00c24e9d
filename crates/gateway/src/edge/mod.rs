//! Everything a request meets before and after a handler, outermost first
//! (see [`wrap`]):
//!
//! 1. [`Front`]: the request's context ([`crate::request_context`]: id,
//!    `X-Process-Time`, the log line and the request metrics), then client
//!    IP ([`client_ip`]), trusted hosts ([`hosts`]), load shedding, the
//!    request timeout, and the security headers ([`headers`]) on whatever
//!    comes back.
//! 2. CORS ([`cors`]), outside the limiter so a 429 is readable by the page.
//! 3. [`Limit`]: the rate limit and denylist check in one Redis round trip
//!    ([`rate_limit`], shared with other requests in flight), and the
//!    route's body size limit.
//!
//! Settings are in [`settings`].
//!
//! Architecture Invariant: every response, errors from any layer included,
//! has the JSON error shape of [`crate::error::ApiError`], a request id and
//! the security headers.

pub mod client_ip;
pub mod cors;
pub mod headers;
pub mod hosts;
pub mod rate_limit;
pub mod settings;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use mesh::config::Environment;
use secrecy::SecretString;
use tokio::sync::Semaphore;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};

use crate::auth::secrets::parse_api_key;
use crate::auth::tokens::TokenVerifier;
use crate::auth::{PreverifiedAccess, cookies};
use crate::error::{ApiError, AuthFailure};
use crate::metrics::METRICS;
use crate::request_context::RequestContext;
use client_ip::{ClientIp, TrustedProxies};
use hosts::TrustedHosts;
use rate_limit::{Decision, RateLimiter, RouteClass, Subject};
use settings::EdgeSettings;

/// The edge's shared state.
pub struct Edge {
    pub settings: EdgeSettings,
    proxies: TrustedProxies,
    hosts: TrustedHosts,
    pub limiter: RateLimiter,
    tokens: Arc<TokenVerifier>,
    /// Permits for requests in flight; none left means shed, not queue.
    in_flight: Arc<Semaphore>,
}

impl Edge {
    pub fn new(
        settings: EdgeSettings,
        environment: Environment,
        redis_url: Option<&SecretString>,
        tokens: Arc<TokenVerifier>,
    ) -> Self {
        if environment.is_production() && settings.trusted_hosts.is_empty() {
            tracing::warn!("TRUSTED_HOSTS is empty: any Host header is accepted");
        }
        Self {
            proxies: TrustedProxies::new(settings.trusted_proxies.clone()),
            hosts: TrustedHosts::new(settings.trusted_hosts.clone()),
            limiter: RateLimiter::new(settings.rate_limits, redis_url, settings.redis_timeout),
            tokens,
            in_flight: Arc::new(Semaphore::new(settings.max_concurrent_requests)),
            settings,
        }
    }
}

/// Wraps the routes in the edge layers. `axum::Router::layer` runs them
/// after routing, so each sees the matched route template. The layers are
/// one stack, applied once: each `Router::layer` call boxes every route
/// again, and every box costs each request a service clone.
pub fn wrap<S: Clone + Send + Sync + 'static>(router: Router<S>, edge: Arc<Edge>) -> Router<S> {
    let cors = cors::layer(&edge.settings.cors_origins);
    router.layer(
        ServiceBuilder::new()
            .layer_fn({
                let edge = edge.clone();
                move |inner| Front {
                    edge: edge.clone(),
                    inner,
                }
            })
            .option_layer(cors)
            .layer_fn(move |inner| Limit {
                edge: edge.clone(),
                inner,
            }),
    )
}

/// Probes address replicas by IP and carry no user data: they are exempt
/// from the host check and from rate limits.
fn is_probe(path: &str) -> bool {
    matches!(path, "/health" | "/ready")
}

/// The outermost edge service. Its checks need no waiting, so it calls the
/// next service right away and boxes one future per request (a
/// `middleware::from_fn` layer boxes a clone of the service and two
/// futures).
#[derive(Clone)]
pub struct Front<S> {
    edge: Arc<Edge>,
    inner: S,
}

impl<S> Service<Request> for Front<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let context = RequestContext::of(&request);
        let edge = &self.edge;
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), |info| info.0);
        let client = edge.proxies.client_ip(peer, request.headers());
        let https = edge.proxies.forwarded_https(peer, request.headers());
        request.extensions_mut().insert(ClientIp(client));
        let path = request.uri().path();
        let private = headers::is_private_path(path);
        let admitted = if !is_probe(path) && !edge.hosts.allows(&request) {
            Err(ApiError::BadRequest(
                "this host is not served here".to_owned(),
            ))
        } else {
            match edge.in_flight.clone().try_acquire_owned() {
                Err(_) => Err(ApiError::Overloaded),
                Ok(permit) => Ok((permit, self.inner.call(request))),
            }
        };
        let timeout = edge.settings.request_timeout;
        Box::pin(async move {
            // Inside the context: error bodies quote the request id.
            let served = context.serve(async move {
                let mut response = match admitted {
                    Err(error) => error.into_response(),
                    Ok((_permit, handled)) => match tokio::time::timeout(timeout, handled).await {
                        Ok(Ok(response)) => response,
                        Ok(Err(never)) => match never {},
                        Err(_) => ApiError::RequestTimeout.into_response(),
                    },
                };
                headers::apply(response.headers_mut(), private, https);
                response
            });
            Ok(served.await)
        })
    }
}

/// The innermost edge service: the rate limit and the body size limit.
#[derive(Clone)]
pub struct Limit<S> {
    edge: Arc<Edge>,
    inner: S,
}

impl<S> Service<Request> for Limit<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The next service is called after Redis answers: the future owns
        // the instance that was made ready, and a clone stays for the next.
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        let edge = self.edge.clone();
        Box::pin(async move { Ok(limit(&edge, request, inner).await) })
    }
}

/// Body size limits by route: a monitor may carry 20 headers of 4 KiB;
/// nothing else needs more than a few KiB of JSON.
fn body_limit(route: &str) -> usize {
    match route {
        "/api/v1/monitors" | "/api/v1/monitors/{id}" => 128 * 1024,
        _ if route.starts_with("/auth/") => 16 * 1024,
        _ => 32 * 1024,
    }
}

async fn limit<S>(edge: &Edge, request: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let route = request.extensions().get::<MatchedPath>().cloned();
    let path = request.uri().path();
    let limited_path = headers::is_private_path(path);
    let Some(route) = route.filter(|_| limited_path) else {
        // Probes, the docs and static files: no budget spent, no body.
        return DefaultBodyLimit::max(0)
            .layer(inner)
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
    };
    let route = route.as_str();
    let class = RouteClass::of(request.method(), route);
    let client = request
        .extensions()
        .get::<ClientIp>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ip| ip.0);
    // A bearer JWT the edge can verify (a cheap HMAC) names the user, whose
    // budget follows them across addresses. Anything else, API keys
    // included, spends the client IP's budget: an unverified credential
    // must not open a fresh budget per guess.
    let presented = if class == RouteClass::SignIn {
        None
    } else {
        presented_token(request.headers())
    };
    let verified = presented
        .filter(|token| is_jwt(token))
        .and_then(|token| edge.tokens.verify(token).ok());
    let subject = match (&verified, presented.and_then(parse_api_key)) {
        (Some(token), _) => Subject::User(token.user_id),
        (None, Some((prefix, _))) => Subject::ApiKey(prefix.to_owned()),
        (None, None) => Subject::Ip(client),
    };
    let outcome = edge.limiter.check(class, &subject, verified.as_ref()).await;
    let fallback = i64::from(edge.limiter.has_redis() && !outcome.shared);
    // Written only on a change: every request writing one shared cache line
    // from both worker threads costs more than reading it.
    if METRICS.rate_limit_fallback.get() != fallback {
        METRICS.rate_limit_fallback.set(fallback);
    }
    let decision = outcome.decision;
    if decision.token_revoked {
        let mut response = ApiError::Unauthorized(AuthFailure::Invalid).into_response();
        rate_limit_headers(response.headers_mut(), &decision);
        return response;
    }
    let mut request = request;
    // Redis answered "not revoked" for this very token: the auth extractor
    // need not ask again (one round trip per request).
    if outcome.shared
        && let Some(claims) = verified
    {
        request.extensions_mut().insert(PreverifiedAccess {
            claims,
            identity_generation: decision.identity_generation,
        });
    }
    if !decision.allowed {
        METRICS
            .rate_limit_rejections
            .with_label_values(&[class.as_str()])
            .inc();
        let mut response = ApiError::RateLimited {
            retry_after_seconds: decision.retry_after_seconds.max(1),
        }
        .into_response();
        rate_limit_headers(response.headers_mut(), &decision);
        return response;
    }
    let body_limit = body_limit(route);
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let mut response = if declared.is_some_and(|length| length > body_limit as u64) {
        ApiError::PayloadTooLarge.into_response()
    } else {
        // Also caps bodies without Content-Length (chunked) as they stream.
        DefaultBodyLimit::max(body_limit)
            .layer(inner)
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {})
    };
    rate_limit_headers(response.headers_mut(), &decision);
    response
}

/// The credential the auth extractor will read, with the same precedence:
/// the `Authorization` header when there is one, else the session cookie.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    match headers.get(AUTHORIZATION) {
        Some(value) => {
            let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        }
        None => cookies::get(headers, cookies::SESSION),
    }
}

/// JWTs have three dot-separated parts; API keys have none.
fn is_jwt(token: &str) -> bool {
    token.bytes().filter(|byte| *byte == b'.').count() == 2
}

fn rate_limit_headers(headers: &mut HeaderMap, decision: &Decision) {
    headers.insert(
        HeaderName::from_static("ratelimit-limit"),
        HeaderValue::from(decision.limit),
    );
    headers.insert(
        HeaderName::from_static("ratelimit-remaining"),
        HeaderValue::from(decision.remaining),
    );
    headers.insert(
        HeaderName::from_static("ratelimit-reset"),
        HeaderValue::from(decision.reset_seconds),
    );
}
