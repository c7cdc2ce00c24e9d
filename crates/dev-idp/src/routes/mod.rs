//! HTTP routes and the state they share.

mod authorize;
mod discovery;
mod form;
mod token;
mod userinfo;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;

use crate::config::ClientRegistration;
use crate::signing::SigningKey;
use crate::store::Store;

/// Paths under the issuer; discovery advertises them as absolute URLs.
pub const AUTHORIZE_PATH: &str = "/authorize";
pub const TOKEN_PATH: &str = "/token";
pub const JWKS_PATH: &str = "/jwks";
pub const USERINFO_PATH: &str = "/userinfo";

#[derive(Debug)]
pub struct Provider {
    pub issuer: String,
    pub client: ClientRegistration,
    pub key: SigningKey,
    pub store: Store,
    pub lifetimes: Lifetimes,
}

#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub form: Duration,
    pub code: Duration,
    pub id_token: Duration,
    pub access_token: Duration,
}

impl Provider {
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

pub type AppState = Arc<Provider>;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration),
        )
        .route(JWKS_PATH, get(discovery::jwks))
        .route(
            AUTHORIZE_PATH,
            get(authorize::show_form).post(authorize::submit_form),
        )
        .route(TOKEN_PATH, axum::routing::post(token::exchange_code))
        .route(
            USERINFO_PATH,
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/health", get(|| async { "ok" }))
        .with_state(state)
}
