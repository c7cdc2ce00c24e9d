//! TLS to PostgreSQL as `sslmode` and `sslrootcert` in the URL ask for it,
//! against a real server with `ssl=on` and a certificate for `localhost`
//! from a throwaway CA.
#![allow(clippy::unwrap_used, reason = "tests may unwrap")]

use store::Store;
use test_support::tls::TestCa;

/// A connection through the store's pool; `Err` is the store's error text.
async fn ping(url: &str) -> Result<(), String> {
    let store = Store::connect(url, 1).map_err(|error| error.to_string())?;
    store.ping().await.map_err(|error| error.to_string())
}

/// Sessions of `application` that the server sees encrypted, read over a
/// separate plain connection.
async fn encrypted_sessions(port: u16, application: &str) -> i64 {
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
             WHERE ssl AND application_name = $1",
            &[&application],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn verify_full_connects_over_tls_to_the_host_the_certificate_names() {
    let ca = TestCa::generate();
    let port = test_support::postgres::throwaway_tls_server(&ca).await;
    let root = ca.ca_file();
    let url = format!(
        "postgres://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={}&application_name=verify-full",
        root.display()
    );
    let store = Store::connect(&url, 1).unwrap();
    store.ping().await.unwrap();
    assert_eq!(encrypted_sessions(port, "verify-full").await, 1);
}

#[tokio::test]
async fn verify_full_refuses_a_certificate_from_another_ca_or_for_another_name() {
    let ca = TestCa::generate();
    let port = test_support::postgres::throwaway_tls_server(&ca).await;
    let stranger = TestCa::generate();
    let url = format!(
        "postgres://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={}",
        stranger.ca_file().display()
    );
    assert!(ping(&url).await.is_err());

    // 127.0.0.2 is the same server, but the certificate does not name it:
    // verify-full refuses, verify-ca (the chain alone) accepts.
    let other_name = |mode: &str| {
        format!(
            "postgres://postgres@127.0.0.2:{port}/postgres?sslmode={mode}&sslrootcert={}",
            ca.ca_file().display()
        )
    };
    assert!(ping(&other_name("verify-full")).await.is_err());
    ping(&other_name("verify-ca")).await.unwrap();
}

#[tokio::test]
async fn require_encrypts_without_a_ca_as_libpq_does() {
    let ca = TestCa::generate();
    let port = test_support::postgres::throwaway_tls_server(&ca).await;
    let url = format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require&application_name=require"
    );
    let store = Store::connect(&url, 1).unwrap();
    store.ping().await.unwrap();
    assert_eq!(encrypted_sessions(port, "require").await, 1);

    // Without sslmode the connection stays plain, as before.
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres?application_name=plain");
    let store = Store::connect(&url, 1).unwrap();
    store.ping().await.unwrap();
    assert_eq!(encrypted_sessions(port, "plain").await, 0);
}
