"""Drives `make bench-checks` (see scripts/bench-checks.sh, which starts the
mesh, the site and this script).

For each fleet size it creates the monitors through the REST API, then for
each site mode (text changes / only markup changes / byte-identical) runs a
warm-up round and a measured round in which every monitor becomes due at
once. A round ends when every monitor has a check that started after it
began. It prints, per round: checks per second, CPU milliseconds per check of
each process (every Lookout service, PostgreSQL with its backends, Redis, and
the site apart), each service's RSS, the database bytes per check (after a
VACUUM of the warm-up's dead row versions) with the relations that grew most,
the average width of the round's new history rows and, with
BENCH_CHECKS_STATEMENTS=1, the statements PostgreSQL spent most time on.

Environment: GATEWAY_URL, TOKEN (traded for an API key: a minted token does
not outlive a large fleet), SITE_URL, DATABASE_URL, BENCH_PIDS
("name=pid ..."), BENCH_CHECKS_MONITORS ("1000 10000"), BENCH_CHECKS_TIMEOUT,
BENCH_CHECKS_STATEMENTS ("1": PostgreSQL runs with pg_stat_statements),
BENCH_CHECKS_MODES (default "text markup identical": the site modes to run).
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

GATEWAY = os.environ["GATEWAY_URL"]
TOKEN = os.environ["TOKEN"]
KEY = ""  # the run's API key (see api_key), set first thing in main
SITE = os.environ["SITE_URL"]
DATABASE_URL = os.environ["DATABASE_URL"]
PIDS = dict(item.split("=") for item in os.environ["BENCH_PIDS"].split())
SIZES = [int(size) for size in os.environ.get("BENCH_CHECKS_MONITORS", "1000 10000").split()]
ROUND_TIMEOUT = float(os.environ.get("BENCH_CHECKS_TIMEOUT", "1800"))
MODES = tuple(os.environ.get("BENCH_CHECKS_MODES", "text markup identical").split())
SERVICES = ("gateway", "scheduler", "browser", "llm", "notify")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sql(statement: str) -> str:
    result = subprocess.run(
        ["psql", DATABASE_URL, "-X", "-A", "-t", "-q", "-c", statement],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def ticks(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except FileNotFoundError:
        return 0


def tree_ticks(pid: str) -> int:
    """A process and its children: PostgreSQL's postmaster and backends."""
    children = subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split()
    return ticks(pid) + sum(ticks(child) for child in children)


def rss_mib(pid: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_snapshot() -> dict:
    return {name: tree_ticks(pid) for name, pid in PIDS.items()}


def api_key(token: str) -> str:
    """An API key for the run: a minted access token lives 15 minutes, and
    creating 100,000 monitors takes longer than that."""
    request = urllib.request.Request(
        f"{GATEWAY}/api/v1/api-keys",
        data=json.dumps({"name": "bench-checks", "scopes": ["read", "write"]}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["key"]


def create_monitor(number: int) -> None:
    body = json.dumps(
        {
            "name": f"Catalogue page {number}",
            "url": f"{SITE}/page/{number}",
            "condition": "any change",
            "interval_seconds": 86400,
        }
    ).encode()
    request = urllib.request.Request(
        f"{GATEWAY}/api/v1/monitors",
        data=body,
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 201:
            raise RuntimeError(f"creating monitor {number}: HTTP {response.status}")


# The import's limit on entries per file (README, "Import").
IMPORT_ENTRIES = 10_000


def api_json(method: str, path: str, body=None):
    request = urllib.request.Request(
        f"{GATEWAY}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def grow_fleet(size: int) -> None:
    """The first monitor is created with POST /api/v1/monitors; the rest are
    imported 10,000 at a time (POST /api/v1/teams/{id}/import) as copies of
    the team's export of it, with their own names and pages: 100,000 in ~10 s,
    where a request each took ~16 minutes for 90,000."""
    existing = int(sql("SELECT count(*) FROM monitors"))
    if existing >= size:
        return
    started, missing = time.monotonic(), size - existing
    if existing == 0:
        create_monitor(0)
        existing = 1
    team = sql("SELECT team_id FROM monitors LIMIT 1")
    export = api_json("GET", f"/api/v1/teams/{team}/export")
    template = export["monitors"][0]
    for first in range(existing, size, IMPORT_ENTRIES):
        numbers = range(first, min(first + IMPORT_ENTRIES, size))
        monitors = [
            dict(template, id=str(uuid.uuid4()), name=f"Catalogue page {number}", url=f"{SITE}/page/{number}")
            for number in numbers
        ]
        report = api_json(
            "POST", f"/api/v1/teams/{team}/import?format=lookout&dry_run=false", dict(export, monitors=monitors)
        )
        if report["created"] != len(numbers):
            raise RuntimeError(
                f"imported {report['created']} of {len(numbers)} monitors "
                f"({report['skipped']} skipped, {report['refused']} refused)"
            )
    print(f"created {missing} monitors through the API in {time.monotonic() - started:.1f} s", flush=True)


def set_mode(mode: str) -> None:
    with urllib.request.urlopen(f"{SITE}/_mode/{mode}", timeout=10) as response:
        response.read()


def run_round(size: int) -> tuple[float, int, str]:
    """Makes every monitor due at once; returns the seconds until each has
    been checked again, the checks recorded meanwhile, and when it began."""
    began = sql("SELECT now()")
    sql("UPDATE monitors SET next_check_at = now()")
    started = time.monotonic()
    while True:
        # Nothing was due before the round, so a check recorded since it
        # began also started since. The poll's backend ends with its query,
        # so its CPU is not in PostgreSQL's figures (live processes only).
        pending = int(sql(f"SELECT count(*) FROM monitors WHERE last_checked_at IS NULL OR last_checked_at < '{began}'"))
        if pending == 0:
            break
        if time.monotonic() - started > ROUND_TIMEOUT:
            sys.exit(f"a round of {size} did not finish within {ROUND_TIMEOUT:.0f} s ({pending} left)")
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    # Each monitor was checked once; counted on the monitors, since a check
    # that repeats its monitor's latest history entry adds no row of its own.
    checks = int(sql(f"SELECT count(*) FROM monitors WHERE last_checked_at >= '{began}'"))
    return elapsed, checks, began


def timings(began: str) -> str:
    """Where a check's wall time goes: median duration, fetch and judge (ms)
    of the round's checks, as the scheduler recorded them."""
    medians = sql(
        "SELECT concat_ws(' ', "
        "percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms), "
        "percentile_disc(0.5) WITHIN GROUP (ORDER BY fetch_ms), "
        "COALESCE(percentile_disc(0.5) WITHIN GROUP (ORDER BY judge_ms), 0)) "
        f"FROM checks WHERE started_at >= '{began}'"
    ).split()
    if not int(sql(f"SELECT count(*) FROM checks WHERE started_at >= '{began}'")):
        entries = sql(f"SELECT count(*) FROM checks WHERE repeated_until >= '{began}'")
        return f"every check repeated its monitor's latest entry ({entries} entries extended, no new rows to time)"
    duration, fetch, judge = (medians + ["?", "?", "?"])[:3]
    return f"median check {duration} ms (fetch {fetch}, judge {judge})"


def relation_sizes() -> dict:
    """Bytes on disk of every table, index and TOAST relation (all forks),
    a TOAST relation named after the table it belongs to."""
    rows = sql(
        "SELECT COALESCE(owner.relname || ' (TOAST)', toast_owner.relname || ' (TOAST index)', c.relname), "
        "pg_relation_size(c.oid, 'main') + pg_relation_size(c.oid, 'fsm') + pg_relation_size(c.oid, 'vm') "
        "FROM pg_class c "
        "LEFT JOIN pg_class owner ON owner.reltoastrelid = c.oid "
        "LEFT JOIN pg_index i ON i.indexrelid = c.oid "
        "LEFT JOIN pg_class toast_owner ON toast_owner.reltoastrelid = i.indrelid "
        "WHERE c.relkind IN ('r', 'i', 't') "
        "AND COALESCE(owner.relnamespace, toast_owner.relnamespace, c.relnamespace) = 'public'::regnamespace"
    )
    sizes = {}
    for line in rows.splitlines():
        name, size = line.rsplit("|", 1)
        sizes[name] = sizes.get(name, 0) + int(size)
    return sizes


def growth(before: dict, after: dict, checks: int) -> str:
    """The relations that grew most in the round, bytes per check."""
    grown = sorted(
        ((after[name] - before.get(name, 0), name) for name in after if after[name] > before.get(name, 0)),
        reverse=True,
    )
    if not grown:
        return "no relation grew"
    return "grown: " + ", ".join(f"{name} {size / checks:.0f}" for size, name in grown[:8])


def row_widths(began: str) -> str:
    """Average bytes of the round's new history rows as PostgreSQL stores
    them, and of their largest parts."""
    checks = sql(
        "SELECT concat_ws(' ', count(*), avg(pg_column_size(c.*))::int, "
        "avg(coalesce(pg_column_size(c.diff_zstd), pg_column_size(c.diff), 0))::int, "
        "avg(coalesce(pg_column_size(c.summary), 0) + coalesce(pg_column_size(c.reason_text), 0) "
        "+ coalesce(pg_column_size(c.evidence_excerpt), 0))::int) "
        f"FROM checks c WHERE started_at >= '{began}'"
    ).split()
    snapshots = sql(
        "SELECT concat_ws(' ', count(*), avg(pg_column_size(s.*))::int, count(*) FILTER (WHERE base_id IS NULL)) "
        f"FROM snapshots s WHERE created_at >= '{began}'"
    ).split()
    if checks[0] == "0":
        return "no new check rows"
    line = f"check rows {checks[1]} B (diff {checks[2]}, judge's texts {checks[3]})"
    if snapshots[0] != "0":
        line += f", {snapshots[0]} snapshot rows {snapshots[1]} B ({snapshots[2]} stored whole)"
    return line


STATEMENTS = os.environ.get("BENCH_CHECKS_STATEMENTS") == "1"


def statements(checks: int) -> str:
    """The statements PostgreSQL spent most time on in the round: time
    (planning included, and apart) and calls per check, and the statement's
    start."""
    rows = sql(
        "SELECT round(((total_exec_time + total_plan_time) * 1000 / " + str(checks) + ")::numeric) || ' µs (plan ' || "
        "round((total_plan_time * 1000 / " + str(checks) + ")::numeric) || '), ' || "
        "round((calls::numeric / " + str(checks) + "), 2) || ' calls: ' || "
        "left(regexp_replace(query, '\\s+', ' ', 'g'), 70) "
        "FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 12"
    )
    return "\n".join(f"{'':>22}{line}" for line in rows.splitlines())


def report(size: int, mode: str, elapsed: float, checks: int, cpu: dict, db_bytes: int, began: str) -> None:
    per_check = {name: used / CLK_TCK * 1000 / checks for name, used in cpu.items()}
    lookout = sum(per_check[name] for name in SERVICES if name in per_check)
    total = lookout + per_check.get("postgres", 0) + per_check.get("redis", 0)
    print(
        f"{size:>7} monitors  {mode:<9}  {checks / elapsed:8.1f} checks/s  "
        f"CPU {total:5.2f} ms/check (Lookout {lookout:.2f}, PostgreSQL {per_check.get('postgres', 0):.2f}, "
        f"Redis {per_check.get('redis', 0):.2f}; site apart {per_check.get('site', 0):.2f})  "
        f"DB {db_bytes / checks:8.0f} B/check",
        flush=True,
    )
    services = "  ".join(
        f"{name} {per_check[name]:.2f} ms, {rss_mib(PIDS[name]):.0f} MiB" for name in SERVICES if name in PIDS
    )
    print(f"{'':>20}per service: {services}", flush=True)
    print(f"{'':>20}{timings(began)}", flush=True)


def main() -> None:
    global KEY
    KEY = api_key(TOKEN)
    if STATEMENTS:
        sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    for size in SIZES:
        grow_fleet(size)
        for mode in MODES:
            set_mode(mode)
            # The first round after a mode change compares against the last
            # mode's text; the warm-up absorbs it (and the baselines).
            run_round(size)
            # A long-running database has autovacuum free the row versions
            # each check leaves behind (a claim and a record update each
            # monitor); freed here, so the round's growth is what it stores,
            # not room for the warm-up's dead versions.
            sql("VACUUM")
            if STATEMENTS:
                sql("SELECT pg_stat_statements_reset()")
            before_cpu = cpu_snapshot()
            before_db = int(sql("SELECT pg_database_size(current_database())"))
            before_relations = relation_sizes()
            elapsed, checks, began = run_round(size)
            after_cpu = cpu_snapshot()
            after_db = int(sql("SELECT pg_database_size(current_database())"))
            used = {name: after_cpu[name] - before_cpu[name] for name in PIDS}
            report(size, mode, elapsed, checks, used, after_db - before_db, began)
            print(f"{'':>20}{growth(before_relations, relation_sizes(), checks)} B/check", flush=True)
            print(f"{'':>20}{row_widths(began)}", flush=True)
            if STATEMENTS:
                print(f"{'':>20}PostgreSQL's time per check, by statement:\n{statements(checks)}", flush=True)


if __name__ == "__main__":
    main()
