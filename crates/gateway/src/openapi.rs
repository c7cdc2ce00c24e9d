//! The OpenAPI 3.1 document, generated from the handlers, and the pages that
//! show it: `GET /api/openapi.json` and interactive docs at `/docs`.
//!
//! How a route gets documented (the pattern every route module follows):
//!
//! ```ignore
//! #[utoipa::path(get, path = "/monitors", tag = "monitors",
//!     security(("bearer" = [])),
//!     params(ListQuery),
//!     responses((status = 200, body = MonitorList)))]
//! async fn list(/* … */) { /* … */ }
//!
//! pub fn router() -> OpenApiRouter<AppState> {
//!     // One `routes!` per path, with every method of that path.
//!     OpenApiRouter::new().routes(routes!(list, create))
//! }
//! ```
//!
//! `routes!` registers the handler in axum and its operation in the document
//! in one call, so the two cannot drift; `tests/source_rules.rs` refuses a
//! plain `.route(` in `routes/`, and `tests/edge_openapi.rs` calls every
//! documented operation. Every operation also gets a `default` response with
//! the [`ErrorResponse`] schema here, since any of them can answer 401, 413,
//! 429 or 503 from the edge.
//!
//! Architecture Invariant: the docs page loads nothing from the internet:
//! Swagger UI's files are vendored under `assets/swagger-ui` and compiled
//! into the binary.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{OpenApi as Document, RefOr, ResponseBuilder, content::ContentBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// The routes of this module, outside the documented API on purpose: they
/// serve the document itself.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";
pub const DOCS_PATH: &str = "/docs";

/// The error body every failure shares.
#[derive(Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorContent,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorContent {
    /// Stable machine-readable code, e.g. `not_found`, `rate_limited`.
    pub code: String,
    /// A sentence for humans; never internal details.
    pub message: String,
    /// The `X-Request-ID` of the response, to quote in a bug report.
    pub request_id: Option<String>,
    /// Present on 422 `validation_failed`: one entry per invalid field.
    #[schema(nullable = false)]
    pub fields: Option<Vec<crate::error::FieldError>>,
    /// Present on 403 `limit_reached`: the quota used up (`monitors`, `channels`, `api_keys`,
    /// `renders_per_hour`).
    #[schema(nullable = false)]
    pub quota: Option<String>,
    /// Present on 403 `limit_reached`: the team's limit of that quota.
    #[schema(nullable = false)]
    pub limit: Option<i64>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lookout API",
        description = "Watch web pages and get told, in plain words, when something you care about changed.\n\n\
Errors share one body: `{\"error\": {\"code\", \"message\", \"request_id\"}}`. \
Rate limits answer 429 with `Retry-After` and `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` headers. \
A per-team quota (monitors, channels, API keys, renders per hour) answers 403 `limit_reached` naming the quota and its limit.\n\n\
Identity: an access token or API key (`bearer`, `api_key`); a browser session cookie after sign-in; or, when the \
deployment runs behind an identity-aware proxy (`AUTH_PROXY_MODE`), the identity the proxy asserts on each request \
(`proxy_header` with `X-Proxy-Secret` from a trusted proxy address, or `proxy_assertion`, a signed JWT such as \
Cloudflare Access's or Google IAP's). The proxy's identity applies only when no `Authorization` or `X-API-Key` is sent.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ErrorResponse, ErrorContent, crate::error::FieldError)),
    modifiers(&BearerScheme),
    tags(
        (name = "ops", description = "Liveness and readiness"),
        (name = "account", description = "The caller's account"),
        (name = "teams", description = "Teams and membership"),
        (name = "monitors", description = "Watched pages and their checks"),
        (name = "tags", description = "A team's tags for its monitors"),
        (name = "channels", description = "Channels: email, signed webhooks, Slack, Discord, Telegram, Teams and ntfy"),
        (name = "deliveries", description = "Alerts on their way to channels: dead letters and requeuing"),
        (name = "auth", description = "Sign-in (OpenID Connect) and the browser session"),
        (name = "admin", description = "Administration (users in ADMIN_EMAILS)"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token (JWT) or an API key (`lk_…`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key (`lk_…`), instead of `Authorization: Bearer`; sending both with different values is refused with 400",
            ))),
        );
        components.add_security_scheme(
            "proxy_header",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-User-Email",
                "With `AUTH_PROXY_MODE=header`: the person's email, set by the reverse proxy (header name from \
                 `AUTH_PROXY_EMAIL_HEADER`). Believed only together with `X-Proxy-Secret` equal to `AUTH_PROXY_SECRET` \
                 and from an address in `TRUSTED_PROXIES`; otherwise 401",
            ))),
        );
        components.add_security_scheme(
            "proxy_assertion",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Cf-Access-Jwt-Assertion",
                "With `AUTH_PROXY_MODE=jwt`: a JWT the proxy signs (Cloudflare Access; Google IAP sends \
                 `x-goog-iap-jwt-assertion`; header name from `AUTH_PROXY_JWT_HEADER`), verified against the \
                 issuer's key set (`AUTH_PROXY_JWKS_URL`), `AUTH_PROXY_AUDIENCE`, `AUTH_PROXY_ISSUER` and its expiry",
            ))),
        );
    }
}

/// Completes the generated document: every operation may answer with the
/// error body (the edge adds 401/413/429/503 to any route), and every
/// operation that takes a bearer credential also takes `X-API-Key`.
pub fn finish(mut document: Document) -> Document {
    let error = ResponseBuilder::new()
        .description("An error, in the API's one error format")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorResponse",
                ))))
                .build(),
        )
        .build();
    for item in document.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            operation
                .responses
                .responses
                .entry("default".to_owned())
                .or_insert_with(|| RefOr::T(error.clone()));
            if let Some(security) = operation.security.as_mut().filter(|s| !s.is_empty()) {
                security.push(SecurityRequirement::new("api_key", Vec::<String>::new()));
            }
        }
    }
    document
}

/// The serialized document, built once at startup.
#[derive(Clone)]
pub struct DocumentJson(Arc<String>);

impl DocumentJson {
    pub fn new(document: &Document) -> Result<Self, serde_json::Error> {
        Ok(Self(Arc::new(serde_json::to_string(document)?)))
    }

    pub fn empty() -> Self {
        Self(Arc::new("{}".to_owned()))
    }
}

const SWAGGER_BUNDLE: &str = include_str!("../assets/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_CSS: &str = include_str!("../assets/swagger-ui/swagger-ui.css");
const DOCS_INIT: &str = include_str!("../assets/swagger-ui/init.js");
const DOCS_HTML: &str = include_str!("../assets/swagger-ui/index.html");

/// Swagger UI injects styles and uses data: images; scripts stay same-origin only.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `/api/openapi.json`, `/docs` and the docs' assets.
pub fn router<S: Clone + Send + Sync + 'static>(document: DocumentJson) -> Router<S> {
    Router::new()
        .route(DOCUMENT_PATH, get(document_json))
        .route(DOCS_PATH, get(docs_page))
        .route(
            "/docs/swagger-ui-bundle.js",
            get(|| asset(SWAGGER_BUNDLE, "text/javascript")),
        )
        .route(
            "/docs/swagger-ui.css",
            get(|| asset(SWAGGER_CSS, "text/css")),
        )
        .route("/docs/init.js", get(|| asset(DOCS_INIT, "text/javascript")))
        .with_state(document)
}

async fn document_json(State(document): State<DocumentJson>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document.0.as_str().to_owned(),
    )
        .into_response()
}

async fn docs_page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(DOCS_CSP),
            ),
        ],
        DOCS_HTML,
    )
        .into_response()
}

async fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Compiled into the binary: changes only with a new release.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        body,
    )
        .into_response()
}
