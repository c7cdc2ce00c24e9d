use store::Store;

#[tokio::test]
async fn migrations_apply_once_even_when_replicas_start_together() {
    let database = test_support::postgres::fresh_database().await;
    let first = Store::connect(&database.url, 4).unwrap();
    let second = Store::connect(&database.url, 4).unwrap();
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    let mut applied = a.unwrap();
    applied.extend(b.unwrap());
    applied.sort_unstable();
    assert_eq!(
        applied,
        versions_on_disk(),
        "each migration is applied by exactly one replica"
    );
    assert!(first.migrate().await.unwrap().is_empty());
    first.ping().await.unwrap();
    assert!(first.database_size_bytes().await.unwrap() > 0);
}

#[tokio::test]
async fn an_unreachable_database_is_reported_as_unavailable() {
    let port = test_support::ports::free_port();
    let store =
        Store::connect(&format!("postgres://nobody:hunter2@127.0.0.1:{port}/x"), 1).unwrap();
    let error = store.ping().await.unwrap_err();
    assert!(matches!(error, store::StoreError::Unavailable(_)));
    assert!(
        !error.to_string().contains("hunter2"),
        "no password in errors: {error}"
    );
}

/// The version of every `NNNN_name.sql` in `migrations/`, in order.
fn versions_on_disk() -> Vec<i32> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut versions: Vec<i32> = std::fs::read_dir(dir)
        .expect("the migrations folder is readable")
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter_map(|name| name.split('_').next()?.parse().ok())
        .collect();
    versions.sort_unstable();
    versions
}
