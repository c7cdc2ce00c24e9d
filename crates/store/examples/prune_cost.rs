//! Retention's cost, on generated history: what a pruning run
//! (`Store::begin_pruning`, the scheduler's `PruneJob`) costs per check it
//! deletes, what a run that finds nothing costs per monitor, and what
//! `VACUUM` pays afterwards for the dead rows; beside it, dropping the same
//! days as partitions of a copy of `checks` partitioned by day. Run by
//! `scripts/bench-retention.sh` against a throwaway PostgreSQL, which it
//! empties.
//!
//! Each monitor has ten changed checks, each with its own snapshot (a 1 KB
//! compressed text; the check a 512-byte compressed diff), seen over 32
//! days; its team keeps 30, so the two oldest checks and snapshots of every
//! monitor fall out. One check in a hundred had its rating link used.
//! Autovacuum is off on the history tables while the figures are taken, so
//! each cost lands where it is measured.
//!
//! Usage: `DATABASE_URL=… POSTMASTER_PID=… prune_cost [SIZE…]`.

use std::error::Error;
use std::time::{Duration, Instant};

use uuid::Uuid;

const DAYS_KEPT: i32 = 30;
/// The partitioned copy has a table for each day from 0 (today) to this one
/// excluded: the 32 days of history and one to spare.
const PARTITIONED_DAYS: i32 = 34;
/// Rows one pruning batch deletes: the scheduler's default
/// (`SCHEDULER_PRUNE_BATCH`).
const BATCH: i64 = 1000;
/// Linux reports process times in these ticks a second (`USER_HZ`).
const TICKS_PER_SECOND: u64 = 100;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is not set")?;
    let postmaster: u32 = std::env::var("POSTMASTER_PID")
        .map_err(|_| "POSTMASTER_PID is not set")?
        .parse()
        .map_err(|error| format!("POSTMASTER_PID is not a process id: {error}"))?;
    let sizes: Vec<i64> = match std::env::args()
        .skip(1)
        .map(|size| size.parse::<i64>())
        .collect::<std::result::Result<Vec<_>, _>>()
    {
        Ok(sizes) if !sizes.is_empty() => sizes,
        Ok(_) => vec![10_000, 100_000],
        Err(error) => return Err(format!("sizes must be numbers: {error}").into()),
    };
    let store = store::Store::connect(&url, 2)?;
    store.migrate().await?;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);

    for size in sizes {
        let started = Instant::now();
        let history = generate(&client, size).await?;
        println!(
            "\n{size} monitors: {} checks and {} snapshots over 32 days, team keeps {DAYS_KEPT} \
             (generated in {:.0} s)",
            history.checks,
            history.snapshots,
            started.elapsed().as_secs_f64()
        );

        let cpu = Cpu::now(postmaster)?;
        let pruned = prune(&store).await?;
        let run = cpu.since(postmaster)?;
        let expected = u64::try_from(size * 2)?;
        if pruned != (expected, expected) {
            return Err(format!(
                "pruned {} checks and {} snapshots, expected {expected} of each",
                pruned.0, pruned.1
            )
            .into());
        }
        println!(
            "  pruning run: {} checks and {} snapshots deleted in {:.1} s; CPU PostgreSQL {:.0} ms, \
             pruner {:.0} ms",
            pruned.0,
            pruned.1,
            run.wall.as_secs_f64(),
            run.postgres.as_secs_f64() * 1e3,
            run.own.as_secs_f64() * 1e3,
        );

        let cpu = Cpu::now(postmaster)?;
        client
            .batch_execute("VACUUM checks, snapshots, rating_links_used")
            .await?;
        let vacuum = cpu.since(postmaster)?;
        println!(
            "  VACUUM after it: {:.1} s; CPU PostgreSQL {:.0} ms",
            vacuum.wall.as_secs_f64(),
            vacuum.postgres.as_secs_f64() * 1e3
        );
        let per_check =
            (run.postgres + run.own + vacuum.postgres).as_secs_f64() * 1e3 / pruned.0.max(1) as f64;
        println!(
            "  per pruned check (with its snapshot): {per_check:.3} ms CPU, run and VACUUM; \
             {:.0} checks a second",
            pruned.0 as f64 / run.wall.as_secs_f64()
        );

        let cpu = Cpu::now(postmaster)?;
        let leftover = prune(&store).await?;
        let empty = cpu.since(postmaster)?;
        if leftover != (0, 0) {
            return Err(format!(
                "a second run deleted {} checks and {} snapshots",
                leftover.0, leftover.1
            )
            .into());
        }
        println!(
            "  a run with nothing to delete: {:.1} s; CPU {:.1} µs per monitor",
            empty.wall.as_secs_f64(),
            (empty.postgres + empty.own).as_secs_f64() * 1e6 / size as f64
        );

        let cpu = Cpu::now(postmaster)?;
        let dropped = drop_expired_partitions(&client).await?;
        let drop = cpu.since(postmaster)?;
        println!(
            "  contrast, checks partitioned by day: dropping the {dropped} expired days \
             ({} checks) took {:.0} ms; CPU PostgreSQL {:.0} ms",
            history.partitioned_expired,
            drop.wall.as_secs_f64() * 1e3,
            drop.postgres.as_secs_f64() * 1e3
        );
    }
    Ok(())
}

/// One whole pruning run, as the scheduler's job makes it: the checks and
/// snapshots it deleted.
async fn prune(store: &store::Store) -> Result<(u64, u64)> {
    let mut pruning = store
        .begin_pruning(BATCH)
        .await?
        .ok_or("another pruner holds the lock")?;
    let mut deleted = (0, 0);
    while let Some(batch) = pruning.next_batch().await? {
        deleted.0 += batch.checks;
        deleted.1 += batch.snapshots;
    }
    pruning.finish().await?;
    Ok(deleted)
}

struct History {
    checks: i64,
    snapshots: i64,
    /// Checks of the partitioned copy in days past the team's retention.
    partitioned_expired: i64,
}

/// Empties the database and writes a fleet of `size` monitors with their
/// history, and a copy of the checks partitioned by day.
async fn generate(client: &tokio_postgres::Client, size: i64) -> Result<History> {
    client
        .batch_execute(
            "TRUNCATE teams, monitors CASCADE;
             DROP TABLE IF EXISTS checks_by_day;",
        )
        .await?;
    let team = Uuid::new_v4();
    client
        .execute(
            "INSERT INTO teams (id, name, retention_days) VALUES ($1, 'retention', $2)",
            &[&team, &DAYS_KEPT],
        )
        .await?;
    client
        .execute(
            "INSERT INTO monitors (id, team_id, name, url, interval_seconds, next_check_at)
             SELECT gen_random_uuid(), $1, 'm' || n, 'https://example.test/' || n, 300,
                    now() + interval '1 day'
               FROM generate_series(1, $2::bigint) AS n",
            &[&team, &size],
        )
        .await?;
    // Ten contents a monitor, seen 0.5 to 25 days ago, then 31 and 32.
    client
        .execute(
            "INSERT INTO snapshots (id, monitor_id, text_sha256, text_zstd, text_bytes,
                                    created_at, last_seen_at)
             SELECT gen_random_uuid(), m.id, sha256(convert_to(m.id::text || k, 'UTF8')),
                    decode(repeat(md5(m.id::text || k), 64), 'hex'), 6000, seen.at, seen.at
               FROM monitors m
              CROSS JOIN generate_series(0, 9) AS k
              CROSS JOIN LATERAL (SELECT now() - make_interval(
                  hours => CASE WHEN k < 8 THEN 12 + k * 72 ELSE (23 + k) * 24 END) AS at) seen",
            &[],
        )
        .await?;
    client
        .execute(
            "INSERT INTO checks (id, monitor_id, team_id, reason, status, content_sha256,
                                 snapshot_id, changed, summary, diff_zstd, started_at, finished_at)
             SELECT gen_random_uuid(), s.monitor_id, $1, 'schedule', 'ok', s.text_sha256, s.id,
                    true, 'The price changed from 120 EUR to 89 EUR.',
                    decode(repeat(md5(s.id::text), 32), 'hex'), s.created_at,
                    s.created_at + interval '20 milliseconds'
               FROM snapshots s",
            &[&team],
        )
        .await?;
    client
        .batch_execute(&format!(
            "INSERT INTO rating_links_used (token_digest, check_id)
             SELECT md5(id::text), id FROM checks WHERE random() < 0.01;
             CREATE TABLE checks_by_day (LIKE checks INCLUDING DEFAULTS)
                 PARTITION BY RANGE (started_at);
             CREATE INDEX ON checks_by_day (monitor_id, started_at DESC);
             DO $$
             BEGIN
                 FOR day IN 0..{last_day} LOOP
                     EXECUTE format(
                         'CREATE TABLE checks_by_day_%s PARTITION OF checks_by_day
                              FOR VALUES FROM (%L) TO (%L)',
                         day,
                         date_trunc('day', now()) - make_interval(days => day),
                         date_trunc('day', now()) - make_interval(days => day - 1));
                 END LOOP;
             END $$;
             INSERT INTO checks_by_day SELECT * FROM checks;
             ALTER TABLE checks SET (autovacuum_enabled = false);
             ALTER TABLE snapshots SET (autovacuum_enabled = false);
             ALTER TABLE rating_links_used SET (autovacuum_enabled = false);",
            last_day = PARTITIONED_DAYS - 1
        ))
        .await?;
    // On its own: VACUUM cannot run in the implicit transaction of a batch.
    client.batch_execute("VACUUM ANALYZE").await?;
    let counts = client
        .query_one(
            "SELECT (SELECT count(*) FROM checks), (SELECT count(*) FROM snapshots),
                    (SELECT count(*) FROM checks_by_day
                      WHERE started_at < date_trunc('day', now()) - make_interval(days => $1))",
            &[&DAYS_KEPT],
        )
        .await?;
    Ok(History {
        checks: counts.get(0),
        snapshots: counts.get(1),
        partitioned_expired: counts.get(2),
    })
}

/// Drops the partitions wholly older than the team's retention: day `d`
/// holds `[midnight − d days, midnight − d + 1 days)`, so the days from
/// `DAYS_KEPT + 1` on. Answers how many it dropped.
async fn drop_expired_partitions(client: &tokio_postgres::Client) -> Result<i32> {
    let mut dropped = 0;
    for day in DAYS_KEPT + 1..PARTITIONED_DAYS {
        client
            .batch_execute(&format!("DROP TABLE checks_by_day_{day}"))
            .await?;
        dropped += 1;
    }
    Ok(dropped)
}

/// CPU spent by PostgreSQL (the postmaster and every process it started)
/// and by this process, and the wall time, from a starting point.
struct Cpu {
    at: Instant,
    postgres: Duration,
    own: Duration,
}

struct Spent {
    wall: Duration,
    postgres: Duration,
    own: Duration,
}

impl Cpu {
    fn now(postmaster: u32) -> Result<Self> {
        Ok(Self {
            at: Instant::now(),
            postgres: postgres_cpu(postmaster)?,
            own: process_cpu("self")?.1,
        })
    }

    fn since(&self, postmaster: u32) -> Result<Spent> {
        Ok(Spent {
            wall: self.at.elapsed(),
            postgres: postgres_cpu(postmaster)?.saturating_sub(self.postgres),
            own: process_cpu("self")?.1.saturating_sub(self.own),
        })
    }
}

/// The postmaster's CPU and its live children's. A backend that ended in
/// between is not counted: the bench's connections stay open throughout.
fn postgres_cpu(postmaster: u32) -> Result<Duration> {
    let mut total = process_cpu(&postmaster.to_string())?.1;
    for entry in std::fs::read_dir("/proc")? {
        let name = entry?.file_name();
        let Some(pid) = name.to_str().filter(|name| name.parse::<u32>().is_ok()) else {
            continue;
        };
        // A process may end while the list is read.
        if let Ok((parent, cpu)) = process_cpu(pid)
            && parent == postmaster
        {
            total += cpu;
        }
    }
    Ok(total)
}

/// A process's parent and its user and system CPU, from `/proc/<pid>/stat`.
fn process_cpu(pid: &str) -> Result<(u32, Duration)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name is in parentheses and may hold spaces: the fields
    // that follow start after its last one.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("no command name in /proc/<pid>/stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 4 (ppid), 14 (utime) and 15 (stime), counted from 1 with the
    // pid and the name as 1 and 2.
    let field = |number: usize| -> Result<u64> {
        Ok(fields
            .get(number - 3)
            .ok_or("a short /proc/<pid>/stat")?
            .parse::<u64>()?)
    };
    let parent = u32::try_from(field(4)?)?;
    let ticks = field(14)? + field(15)?;
    Ok((
        parent,
        Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND),
    ))
}
