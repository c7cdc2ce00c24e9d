//! The resolver is tested through a real reqwest client against a real
//! listener, so "refused" means "no socket was ever opened".

#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test with its message.

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use netguard::{GuardError, GuardedResolver, Policy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A loopback HTTP server that counts accepted connections.
async fn counting_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    (port, accepted)
}

fn client(policy: Policy) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver::new(Arc::new(policy))))
        .build()
        .unwrap()
}

fn guard_error(err: &reqwest::Error) -> Option<&GuardError> {
    let mut source = err.source();
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<GuardError>() {
            return Some(found);
        }
        source = current.source();
    }
    None
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_before_any_connection() {
    let (port, accepted) = counting_server().await;
    let err = client(Policy::strict())
        .get(format!("http://localhost:{port}/"))
        .send()
        .await
        .unwrap_err();
    let guard = guard_error(&err).expect("the guard error is in the source chain");
    assert!(guard.is_forbidden(), "{guard}");
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_name_resolving_to_an_allow_listed_address_is_fetched() {
    let (port, accepted) = counting_server().await;
    let policy = Policy::from_allow_list("127.0.0.1/32, ::1/128").unwrap();
    let response = client(policy)
        .get(format!("http://localhost:{port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unresolvable_name_is_a_resolution_error_not_a_refusal() {
    let err = client(Policy::strict())
        .get("http://does-not-exist.invalid/")
        .send()
        .await
        .unwrap_err();
    let guard = guard_error(&err).expect("the guard error is in the source chain");
    assert!(!guard.is_forbidden(), "{guard}");
}
