//! Running the provider: health probe and a configured issuer.
#![allow(clippy::unwrap_used, reason = "tests may unwrap")]

mod common;

use common::{spawn_idp, spawn_idp_with, test_config};
use dev_idp::Config;

#[tokio::test]
async fn the_healthcheck_probe_passes_against_a_running_provider_and_fails_without_one() {
    let idp = spawn_idp().await;
    let addr = idp.issuer.trim_start_matches("http://").parse().unwrap();
    assert_eq!(dev_idp::healthcheck::probe(addr).await, Ok(()));

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    assert!(dev_idp::healthcheck::probe(closed).await.is_err());
}

#[tokio::test]
async fn a_configured_issuer_is_advertised_exactly_and_prefixes_every_endpoint() {
    let idp = spawn_idp_with(Config {
        issuer: Some("http://dev-idp.test:8090/realm/".to_owned()),
        ..test_config()
    })
    .await;
    assert_eq!(idp.issuer, "http://dev-idp.test:8090/realm");

    // Reached on its bound port; only the advertised URLs change.
    let metadata: serde_json::Value = idp
        .http
        .get(format!(
            "http://127.0.0.1:{}/.well-known/openid-configuration",
            idp.port
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], "http://dev-idp.test:8090/realm");
    assert_eq!(
        metadata["token_endpoint"],
        "http://dev-idp.test:8090/realm/token"
    );
}
