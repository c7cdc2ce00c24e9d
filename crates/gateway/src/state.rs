//! What handlers share. Each handler takes only the piece it needs through
//! `State<Piece>` (see the `FromRef` derive).

use std::sync::Arc;

use axum::extract::FromRef;
use store::Store;

use crate::auth::Auth;
use crate::auth::tokens::TokenVerifier;
use crate::browser_client::BrowserClient;
use crate::domain::Rules;
use crate::notify_client::NotifyClient;
use crate::readiness::Readiness;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub store: Store,
    pub tokens: Arc<TokenVerifier>,
    /// Sign-in, sessions, denylist, CSRF; `auth.verifier` is `tokens`.
    pub auth: Arc<Auth>,
    pub rules: Arc<Rules>,
    pub notify: NotifyClient,
    pub browser: BrowserClient,
    pub readiness: Arc<Readiness>,
}
