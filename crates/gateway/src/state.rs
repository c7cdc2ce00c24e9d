//! What handlers share. Each handler takes only the piece it needs through
//! `State<Piece>` (see the `FromRef` implementations below).

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use blob_store::BlobStore;
use rating_link::RatingLinks;
use secret_box::SecretBox;
use store::Store;

use crate::auth::Auth;
use crate::browser_client::BrowserClient;
use crate::domain::Rules;
use crate::memberships::Memberships;
use crate::notify_client::NotifyClient;
use crate::quotas::SendCounter;
use crate::readiness::Readiness;
use crate::routes::transfer::ImportSlots;

/// One reference-counted handle: axum clones the state for every request,
/// and cloning (then dropping) each piece separately was a measurable share
/// of a cheap request's CPU time.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    /// Sign-in, sessions, denylist, CSRF, token verification.
    pub auth: Arc<Auth>,
    /// The only way to change team memberships.
    pub memberships: Memberships,
    pub rules: Arc<Rules>,
    pub notify: NotifyClient,
    pub browser: BrowserClient,
    pub readiness: Arc<Readiness>,
    /// Seals monitor header values and channel secrets; opens them for the
    /// preview's fetch and a channel's test send.
    pub secret_box: SecretBox,
    /// Counts channel tests and confirmations per team and hour.
    pub send_counter: SendCounter,
    /// Verifies the one-click rating links in alerts.
    pub rating_links: RatingLinks,
    /// Serves check screenshots; deletes those a deleted monitor leaves unreferenced.
    pub blobs: BlobStore,
    /// Bounds the imports this replica runs at once.
    pub imports: ImportSlots,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

macro_rules! piece {
    ($($field:ident: $piece:ty),* $(,)?) => {
        $(impl FromRef<AppState> for $piece {
            fn from_ref(state: &AppState) -> Self {
                state.0.$field.clone()
            }
        })*
    };
}

piece! {
    store: Store,
    auth: Arc<Auth>,
    memberships: Memberships,
    rules: Arc<Rules>,
    notify: NotifyClient,
    browser: BrowserClient,
    readiness: Arc<Readiness>,
    secret_box: SecretBox,
    send_counter: SendCounter,
    blobs: BlobStore,
    rating_links: RatingLinks,
    imports: ImportSlots,
}
