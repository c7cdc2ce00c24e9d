//! The claim alone, on generated rows: how long `Store::claim_due_monitors`
//! takes to claim a batch of 32 as the table grows from 10,000 to 1,000,000
//! monitors (three in four due, each overdue by a different time; one in ten
//! paused; a few paused ones asked to run now). Run by
//! `scripts/bench-claim.sh` against a throwaway PostgreSQL, which it empties.
//!
//! Usage: `DATABASE_URL=… claim_latency [SIZE…]`.

use std::error::Error;
use std::time::{Duration, Instant};

use uuid::Uuid;

const BATCH: i64 = 32;
const CLAIMS: usize = 100;
const LEASE: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let sizes: Vec<i64> = match std::env::args()
        .skip(1)
        .map(|size| size.parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(sizes) if !sizes.is_empty() => sizes,
        Ok(_) => vec![10_000, 100_000, 1_000_000],
        Err(error) => return Err(format!("sizes must be numbers: {error}").into()),
    };
    let store = store::Store::connect(&url, 2)?;
    store.migrate().await?;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);

    println!(
        "{:>10}  {:>9}  claim of {BATCH}: median    p95     max",
        "monitors", "due"
    );
    for size in sizes {
        client
            .batch_execute("TRUNCATE teams, monitors CASCADE")
            .await?;
        let team = Uuid::new_v4();
        client
            .execute(
                "INSERT INTO teams (id, name) VALUES ($1, 'claims')",
                &[&team],
            )
            .await?;
        client
            .execute(
                "INSERT INTO monitors (id, team_id, name, url, interval_seconds, paused,
                                       next_check_at, requested_reason)
                 SELECT gen_random_uuid(), $1, 'm' || n, 'https://example.test/' || n, 300,
                        n % 10 = 0,
                        now() + CASE WHEN n % 4 = 0 THEN interval '1 hour'
                                     ELSE -n * interval '1 second' END,
                        CASE WHEN n % 1000 = 0 THEN 'manual' END
                 FROM generate_series(1, $2::bigint) AS n",
                &[&team, &size],
            )
            .await?;
        client.batch_execute("VACUUM ANALYZE monitors").await?;
        let due: i64 = client
            .query_one(
                "SELECT count(*) FROM monitors
                 WHERE (NOT paused OR requested_reason IS NOT NULL) AND next_check_at <= now()",
                &[],
            )
            .await?
            .get(0);

        // The first claims prepare the statement and warm the cache.
        for _ in 0..5 {
            store.claim_due_monitors(BATCH, LEASE).await?;
        }
        let mut times = Vec::with_capacity(CLAIMS);
        for _ in 0..CLAIMS {
            let started = Instant::now();
            let claimed = store.claim_due_monitors(BATCH, LEASE).await?;
            times.push(started.elapsed());
            if i64::try_from(claimed.len())? != BATCH {
                return Err(format!("claimed {} of {BATCH}", claimed.len()).into());
            }
        }
        times.sort();
        let at = |q: f64| {
            let index = ((times.len() - 1) as f64 * q).round() as usize;
            times[index].as_secs_f64() * 1000.0
        };
        println!(
            "{size:>10}  {due:>9}  {:>18.2} ms {:>6.2} {:>7.2}",
            at(0.5),
            at(0.95),
            at(1.0)
        );
    }
    Ok(())
}
