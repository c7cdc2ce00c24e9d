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

/// Retention deletes checks, snapshots and deliveries row by row, and
/// PostgreSQL finds each deleted row's references through the referencing
/// column: without an index on it, that is a scan of the referencing table
/// per deleted row. (References to rarely deleted rows — a team, a user,
/// a channel — may go without: their scan is once per deletion.)
#[tokio::test]
async fn every_reference_to_the_pruned_history_is_indexed() {
    let database = test_support::postgres::fresh_database().await;
    let store = Store::connect(&database.url, 1).unwrap();
    store.migrate().await.unwrap();
    let client = database.client().await;

    let references = references_into_pruned_history(&client).await;
    assert!(
        references.len() >= 6,
        "the schema's references into the history were found: {references:?}"
    );
    let unindexed: Vec<&String> = references
        .iter()
        .filter(|(_, indexed)| !indexed)
        .map(|(reference, _)| reference)
        .collect();
    assert!(
        unindexed.is_empty(),
        "references into the pruned history without an index: {unindexed:?}"
    );

    // A new reference is caught until an index that serves it exists.
    let probe = |references: Vec<(String, bool)>| {
        references
            .into_iter()
            .find(|(reference, _)| reference.starts_with("probe "))
            .map(|(_, indexed)| indexed)
    };
    client
        .batch_execute(
            "CREATE TABLE probe (status text, check_id uuid REFERENCES checks (id));
             CREATE INDEX probe_by_status ON probe (status, check_id);
             CREATE INDEX probe_some ON probe (check_id) WHERE status = 'held';",
        )
        .await
        .unwrap();
    assert_eq!(
        probe(references_into_pruned_history(&client).await),
        Some(false),
        "neither an index led by another column nor one over some rows serves it"
    );
    client
        .batch_execute("CREATE INDEX probe_check ON probe (check_id) WHERE check_id IS NOT NULL")
        .await
        .unwrap();
    assert_eq!(
        probe(references_into_pruned_history(&client).await),
        Some(true)
    );
}

/// Each reference into `checks`, `snapshots` or `deliveries`, and whether an
/// index is led by its columns.
async fn references_into_pruned_history(client: &tokio_postgres::Client) -> Vec<(String, bool)> {
    client
        .query(
            "SELECT c.conrelid::regclass::text || ' (' || c.conname || ')',
                    EXISTS (SELECT 1 FROM pg_index i
                             WHERE i.indrelid = c.conrelid
                               AND (string_to_array(i.indkey::text, ' ')::smallint[])
                                       [1:cardinality(c.conkey)] @> c.conkey
                               -- A partial index serves only if it keeps every
                               -- row that has a reference.
                               AND (i.indpred IS NULL
                                    OR pg_get_expr(i.indpred, i.indrelid) ~ '^\\(\\w+ IS NOT NULL\\)$'))
               FROM pg_constraint c
              WHERE c.contype = 'f'
                AND c.confrelid::regclass::text IN ('checks', 'snapshots', 'deliveries')",
            &[],
        )
        .await
        .expect("the schema's references are readable")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}
