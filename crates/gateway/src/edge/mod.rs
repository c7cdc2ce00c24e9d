//! Everything a request meets before and after a handler, in one
//! `ServiceBuilder` (see [`wrap`]), outermost first: stock tower and
//! tower-http layers for what they do well, and three small middlewares for
//! what has no stock layer: the request's context
//! ([`crate::request_context`]: span, log line, metrics), [`admit`] (client
//! IP, trusted hosts, HSTS, `no-store`) and the rate limit ([`rate_limit`]).
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

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, PROXY_AUTHORIZATION,
    REFERRER_POLICY, SET_COOKIE, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::{Next, from_fn, from_fn_with_state, map_request};
use axum::response::{IntoResponse, Response};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::{BoxError, ServiceBuilder};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::Auth;
use crate::auth::credentials::{self, API_KEY_HEADER, Presented, Unreadable};
use crate::auth::{PreverifiedAccess, csrf};
use crate::ephemeral::Ephemeral;
use crate::error::{ApiError, AuthFailure};
use crate::metrics::METRICS;
use crate::request_context;
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
    /// Verifies access tokens and knows verified API keys: whose budget a
    /// request spends.
    auth: Arc<Auth>,
}

impl Edge {
    pub fn new(settings: EdgeSettings, redis: Ephemeral, auth: Arc<Auth>) -> Self {
        Self {
            proxies: TrustedProxies::new(settings.trusted_proxies.clone()),
            hosts: TrustedHosts::new(settings.trusted_hosts.clone()),
            limiter: RateLimiter::new(settings.rate_limits, redis, settings.redis_timeout),
            auth,
            settings,
        }
    }
}

/// Bodies past this are refused with 413 when read; routes that need more
/// (monitors) raise it for themselves.
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024;

/// Wraps the routes in the edge layers. `axum::Router::layer` runs them
/// after routing, so each sees the matched route template.
pub fn wrap<S: Clone + Send + Sync + 'static>(router: Router<S>, edge: Arc<Edge>) -> Router<S> {
    let settings = &edge.settings;
    let cors = cors::layer(&settings.cors_origins);
    let mut credentials = vec![
        AUTHORIZATION,
        PROXY_AUTHORIZATION,
        COOKIE,
        SET_COOKIE,
        HeaderName::from_static(API_KEY_HEADER),
        HeaderName::from_static(csrf::HEADER),
    ];
    credentials.extend(crate::auth::proxy::SENSITIVE_HEADERS.map(HeaderName::from_static));
    if let Some(proxy) = &edge.auth.proxy {
        credentials.push(proxy.asserting_header().clone());
    }
    router.layer(
        ServiceBuilder::new()
            // Credentials never show in a log line or a trace.
            .layer(SetSensitiveHeadersLayer::new(credentials))
            // A caller's malformed X-Request-ID is replaced, not trusted.
            .layer(map_request(request_context::drop_malformed_request_id))
            // Every request gets an id, echoed in the response.
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(PropagateRequestIdLayer::x_request_id())
            // The span, the one log line, the metrics and X-Process-Time;
            // inside it, error bodies quote the request id.
            .layer(from_fn(request_context::serve))
            // Security headers on every response, errors from any layer
            // included (nginx sets the same in production, see `headers`).
            .layer(SetResponseHeaderLayer::overriding(
                X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                REFERRER_POLICY,
                HeaderValue::from_static(headers::REFERRER_POLICY),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static(headers::PERMISSIONS_POLICY),
            ))
            // HTML gets a strict CSP unless it set its own (the API docs).
            .layer(SetResponseHeaderLayer::if_not_present(
                CONTENT_SECURITY_POLICY,
                headers::html_csp,
            ))
            // Client IP, trusted hosts, HSTS and no-store: no stock layer.
            .layer(from_fn_with_state(edge.clone(), admit))
            // The two layers below fail with errors; this answers them
            // with the JSON error shape (503 overloaded).
            .layer(HandleErrorLayer::new(overloaded))
            // Past the concurrency limit a request is shed, not queued: a
            // queue only adds latency to requests that will time out.
            .load_shed()
            // One limit for the whole gateway, not one per route.
            .layer(GlobalConcurrencyLimitLayer::new(
                settings.max_concurrent_requests,
            ))
            // A request that takes longer (a stalled body included) gets
            // 408; the routes of OWN_DEADLINE keep their own deadline.
            .layer(from_fn_with_state(edge.clone(), deadline))
            // Outside the rate limit, so a page can read a 429.
            .option_layer(cors)
            // Bodies are capped as they stream, Content-Length or not.
            .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
            .layer(from_fn_with_state(edge, rate_limit)),
    )
}

async fn overloaded(error: BoxError) -> ApiError {
    if error.is::<tower::load_shed::error::Overloaded>() {
        ApiError::Overloaded
    } else {
        ApiError::Internal(format!("edge layer: {error}"))
    }
}

/// Routes that answer within a deadline of their own instead of
/// `REQUEST_TIMEOUT_SECONDS`: an import of 10,000 entries takes minutes
/// (`routes::transfer::IMPORT_DEADLINE`).
pub const OWN_DEADLINE: &[&str] = &["/api/v1/teams/{id}/import"];

/// `REQUEST_TIMEOUT_SECONDS` on every route but those of [`OWN_DEADLINE`]:
/// past it, 408. The stock timeout layer has one duration for all routes.
async fn deadline(State(edge): State<Arc<Edge>>, request: Request, next: Next) -> Response {
    let own = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|route| OWN_DEADLINE.contains(&route.as_str()));
    if own {
        return next.run(request).await;
    }
    match tokio::time::timeout(edge.settings.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}

/// Probes address replicas by IP and carry no user data: they are exempt
/// from the host check and from rate limits.
fn is_probe(path: &str) -> bool {
    matches!(path, "/health" | "/ready")
}

/// Resolves the client IP (through `TRUSTED_PROXIES`), refuses hosts not
/// in `TRUSTED_HOSTS`, and adds the headers that depend on the request:
/// HSTS when the client reached us over TLS, `no-store` on API responses
/// that set no `Cache-Control` of their own.
async fn admit(State(edge): State<Arc<Edge>>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), |info| info.0);
    let client = edge.proxies.client_ip(peer, request.headers());
    let https = edge.proxies.forwarded_https(peer, request.headers());
    request.extensions_mut().insert(ClientIp(client));
    let path = request.uri().path();
    let private = headers::is_private_path(path);
    let mut response = if !is_probe(path) && !edge.hosts.allows(&request) {
        ApiError::BadRequest("this host is not served here".to_owned()).into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if https {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(headers::HSTS),
        );
    }
    // A handler that chose its own policy keeps it: a screenshot is
    // immutable (its URL names its content) and cached privately.
    if private && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Spends the caller's budget and, in the same Redis round trip, checks
/// that a verified access token (or its session) was not revoked.
async fn rate_limit(State(edge): State<Arc<Edge>>, mut request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let Some(route) = route.filter(|_| headers::is_private_path(request.uri().path())) else {
        // Probes, the docs and static files: no budget spent.
        return next.run(request).await;
    };
    let class = RouteClass::of(request.method(), route.as_str());
    let client = request
        .extensions()
        .get::<ClientIp>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ip| ip.0);
    let presented = credentials::presented(request.headers());
    // A verified access token names the user, whose budget follows them
    // across addresses; a key this replica has seen verified spends its
    // owner's, so a user's keys and sessions share one budget.
    // Anything else spends the client address's budget: an unverified
    // credential must not open a fresh budget per guess.
    let (subject, verified) = match presented {
        _ if class == RouteClass::SignIn => (Subject::ip(client), None),
        Ok(Presented::AccessToken { token, .. }) => match edge.auth.verifier.verify(token) {
            Ok(verified) => (Subject::User(verified.user_id), Some(verified)),
            Err(_) => (Subject::ip(client), None),
        },
        Ok(Presented::ApiKey(key)) => match edge.auth.api_keys.verified_owner(key) {
            Some(owner) => (Subject::User(owner), None),
            None => (Subject::ip(client), None),
        },
        Err(_) => (Subject::ip(client), None),
    };
    let outcome = edge.limiter.check(class, &subject, verified.as_ref()).await;
    METRICS.rate_limit_fallback.set(i64::from(!outcome.shared));
    let decision = outcome.decision;
    let mut response = if outcome.token_revoked {
        ApiError::Unauthorized(AuthFailure::Invalid).into_response()
    } else if !decision.allowed {
        METRICS
            .rate_limit_rejections
            .with_label_values(&[class.as_str()])
            .inc();
        ApiError::RateLimited {
            retry_after_seconds: decision.retry_after_seconds.max(1),
        }
        .into_response()
    } else if presented == Err(Unreadable::Ambiguous) {
        ApiError::from(Unreadable::Ambiguous).into_response()
    } else {
        if rate_limit::SPENDS_MORE.contains(&route.as_str()) {
            request
                .extensions_mut()
                .insert(rate_limit::ExtraBudget(edge.clone()));
        }
        // Redis answered "not revoked" for this very token: the auth
        // extractor need not ask again (one round trip per request).
        if outcome.shared
            && let Some(claims) = verified
        {
            request.extensions_mut().insert(PreverifiedAccess {
                claims,
                identity_generation: outcome.identity_generation,
            });
        }
        next.run(request).await
    };
    rate_limit_headers(response.headers_mut(), &decision);
    response
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
