//! The blob store as the services use it, on a local folder and on a real
//! S3-speaking server (moto in server mode, installed by `scripts/moto.sh`,
//! which `make test` runs).
#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::PathBuf;
use std::time::Duration;

use blob_store::config::S3Config;
use blob_store::{BlobStore, BlobStoreConfig, key_of};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n pretend pixels";

/// Put, dedup, get and delete through one store.
async fn round_trip(store: &BlobStore) {
    let key = store.put(PNG.to_vec()).await.unwrap();
    assert_eq!(key, key_of(PNG));
    assert_eq!(
        store.put(PNG.to_vec()).await.unwrap(),
        key,
        "same bytes, same key"
    );
    assert_eq!(store.get(&key).await.unwrap().unwrap().as_ref(), PNG);

    let other = store.put(b"other pixels".to_vec()).await.unwrap();
    assert_ne!(other, key);

    store.delete(&key).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None);
    store.delete(&key).await.unwrap();
    assert!(
        store.get(&other).await.unwrap().is_some(),
        "only the deleted blob is gone"
    );
    assert!(store.get("../secret").await.is_err());
}

#[tokio::test]
async fn a_local_folder_stores_each_content_once_and_deletes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(&BlobStoreConfig::local(dir.path().join("blobs"))).unwrap();
    let key = store.put(PNG.to_vec()).await.unwrap();
    store.put(PNG.to_vec()).await.unwrap();
    let files: Vec<_> = walk(&dir.path().join("blobs"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(&key));
    round_trip(&store).await;
}

#[tokio::test]
async fn an_s3_compatible_server_stores_gets_and_deletes_through_the_same_store() {
    let endpoint = start_moto().await;
    create_bucket(&endpoint, "lookout-blobs").await;
    let store = BlobStore::open(&BlobStoreConfig::S3(S3Config {
        endpoint: Some(endpoint.clone()),
        bucket: "lookout-blobs".to_owned(),
        region: "us-east-1".to_owned(),
        access_key_id: "test-access-key".to_owned(),
        secret_access_key: SecretString::from("test-secret-access-key".to_owned()),
    }))
    .unwrap();
    round_trip(&store).await;
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// moto's S3 on a free loopback port, stopped when the test process ends.
async fn start_moto() -> String {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.local/moto-venv/bin");
    let Some(moto) = test_support::process::find_binary("moto_server", &[venv]) else {
        panic!("moto_server not found: run scripts/moto.sh (make test does) to install it");
    };
    let port = test_support::ports::free_port();
    let dir = test_support::process::temp_dir("moto");
    let command = format!("{} -H 127.0.0.1 -p {port}", moto.display());
    test_support::process::spawn_tied_to_this_process(&command, &dir).unwrap();
    assert!(
        test_support::ports::wait_for_port(port, Duration::from_secs(30)).await,
        "moto_server did not start on port {port}"
    );
    format!("http://127.0.0.1:{port}")
}

/// Buckets are the operator's business, not the store's: made here with
/// S3's plain `PUT /bucket` (moto does not check signatures).
async fn create_bucket(endpoint: &str, bucket: &str) {
    let authority = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let request = format!(
        "PUT /{bucket} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
