//! A local website whose pages a test changes while the system under test
//! watches it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One page: status, content type, extra headers and body.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// How long the site waits before it answers: a slow page keeps a
    /// round of checks in flight.
    pub delay: std::time::Duration,
}

impl Page {
    pub fn html(body: impl Into<String>) -> Self {
        Self::with_type("text/html; charset=utf-8", body.into().into_bytes())
    }

    pub fn json(body: impl Into<String>) -> Self {
        Self::with_type("application/json", body.into().into_bytes())
    }

    pub fn with_type(content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body,
            delay: std::time::Duration::ZERO,
        }
    }

    pub fn delay(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Default)]
struct SiteState {
    pages: HashMap<String, Page>,
    hits: HashMap<String, usize>,
}

/// Changes the pages of a [`TestSite`]; cheap to clone into a task.
#[derive(Clone)]
pub struct SitePages {
    state: Arc<Mutex<SiteState>>,
}

impl SitePages {
    pub fn set_html(&self, path: &str, body: &str) {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pages
            .insert(path.to_owned(), Page::html(body));
    }
}

/// A running site on 127.0.0.1; stops when dropped.
pub struct TestSite {
    addr: SocketAddr,
    state: Arc<Mutex<SiteState>>,
    server: tokio::task::JoinHandle<()>,
}

impl TestSite {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(SiteState::default()));
        let app = Router::new().fallback(serve_page).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback has a free port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            state,
            server,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, path: &str, page: Page) {
        self.lock().pages.insert(path.to_owned(), page);
    }

    pub fn set_html(&self, path: &str, body: &str) {
        self.set(path, Page::html(body));
    }

    /// A handle that changes pages from another task while the site runs.
    pub fn pages(&self) -> SitePages {
        SitePages {
            state: Arc::clone(&self.state),
        }
    }

    /// How many requests `path` has received.
    pub fn hits(&self, path: &str) -> usize {
        self.lock().hits.get(path).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SiteState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for TestSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve_page(State(state): State<Arc<Mutex<SiteState>>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let page = {
        let mut state = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *state.hits.entry(path.clone()).or_default() += 1;
        state.pages.get(&path).cloned()
    };
    let Some(page) = page else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if !page.delay.is_zero() {
        tokio::time::sleep(page.delay).await;
    }
    let mut response = page.body.into_response();
    *response.status_mut() = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
    if let Ok(value) = HeaderValue::from_str(&page.content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    for (name, value) in page.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
