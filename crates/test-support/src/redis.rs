//! Redis servers for tests. [`url`] is shared by a test process, so each
//! test uses its own keys (e.g. a random id) instead of flushing;
//! [`throwaway_url`] is a server of the caller's own, for tests whose keys
//! cannot be unique (per-address rate limits: every test calls from
//! 127.0.0.1).

use std::time::Duration;

use tokio::sync::OnceCell;

use crate::tls::TestCa;
use crate::{ports, process};

static SERVER: OnceCell<String> = OnceCell::const_new();

/// `redis://127.0.0.1:<port>` of the shared test server.
pub async fn url() -> String {
    SERVER
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("LOOKOUT_TEST_REDIS_URL") {
                return url;
            }
            start_throwaway_server().await
        })
        .await
        .clone()
}

/// `redis://127.0.0.1:<port>` of a new server that only the caller uses;
/// it stops with the test process.
pub async fn throwaway_url() -> String {
    start_throwaway_server().await
}

/// `rediss://localhost:<port>` of a new server that speaks only TLS, with
/// the `localhost` certificate of `ca`; it stops with the test process.
pub async fn throwaway_tls_url(ca: &TestCa) -> String {
    let port = start_server(|port| {
        format!(
            "--port 0 --tls-port {port} --tls-cert-file {cert} --tls-key-file {key} \
             --tls-ca-cert-file {ca} --tls-auth-clients no",
            cert = ca.cert_file().display(),
            key = ca.key_file().display(),
            ca = ca.ca_file().display(),
        )
    })
    .await;
    format!("rediss://localhost:{port}")
}

async fn start_throwaway_server() -> String {
    let port = start_server(|port| format!("--port {port}")).await;
    format!("redis://127.0.0.1:{port}")
}

/// Starts redis-server with the listening options `listen` gives for a
/// free port; returns the port once it accepts connections.
async fn start_server(listen: impl FnOnce(u16) -> String) -> u16 {
    let redis = process::find_binary("redis-server", &[]).expect(
        "redis-server not found: apt-get install redis-server, or set LOOKOUT_TEST_REDIS_URL",
    );
    let dir = process::temp_dir("lookout-redis");
    let port = ports::free_port();
    let command = format!(
        "{redis} {listen} --bind 127.0.0.1 --save '' --appendonly no --dir {dir} --logfile ''",
        redis = redis.display(),
        listen = listen(port),
        dir = dir.display(),
    );
    process::spawn_tied_to_this_process(&command, &dir).expect("redis-server starts");
    assert!(
        ports::wait_for_port(port, Duration::from_secs(15)).await,
        "the throwaway Redis server did not start on port {port}"
    );
    port
}
