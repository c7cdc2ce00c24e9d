//! `rediss://` against a real redis-server that speaks only TLS, with a
//! certificate for `localhost` from a throwaway CA.

use std::time::Duration;

use secrecy::SecretString;
use test_support::tls::TestCa;

/// PING over a fresh connection; `Err` carries the client's error text.
async fn ping(client: redis::Client) -> Result<String, String> {
    let attempt = async {
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
    };
    match tokio::time::timeout(Duration::from_secs(10), attempt).await {
        Ok(result) => result.map_err(|error| error.to_string()),
        Err(_) => Err("timed out".to_owned()),
    }
}

#[tokio::test]
async fn rediss_with_the_ca_file_is_answered_and_other_clients_are_not() {
    let ca = TestCa::generate();
    let url = SecretString::from(test_support::redis::throwaway_tls_url(&ca).await);
    let client = mesh::redis::client(&url, Some(&ca.ca_file())).unwrap();
    assert_eq!(ping(client).await.unwrap(), "PONG");

    let stranger = TestCa::generate();
    let client = mesh::redis::client(&url, Some(&stranger.ca_file())).unwrap();
    assert!(ping(client).await.is_err());

    // The same port in plain text: the server waits for a TLS handshake.
    let plain = SecretString::from(secrecy::ExposeSecret::expose_secret(&url).replacen(
        "rediss://",
        "redis://",
        1,
    ));
    let client = mesh::redis::client(&plain, None).unwrap();
    assert!(ping(client).await.is_err());
}

#[test]
fn a_ca_file_beside_a_plain_text_url_is_a_configuration_error() {
    let ca = TestCa::generate();
    let url = SecretString::from("redis://:hunter2@localhost:6379".to_owned());
    let error = mesh::redis::client(&url, Some(&ca.ca_file()))
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("rediss://"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}
