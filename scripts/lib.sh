# Shared helpers for Lookout's scripts. Sourced, never run.
# shellcheck shell=bash

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

APT_UPDATED=""
# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root; then
    command -v sudo >/dev/null || die "missing packages: ${missing[*]} (install them, or run as root)"
    SUDO=sudo
  fi
  log "installing ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then
    ${SUDO:-} apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# pg_bindir: the directory holding initdb and postgres.
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || return 1
  echo "$dir"
}

ensure_postgres_binaries() { pg_bindir >/dev/null || apt_install postgresql; pg_bindir >/dev/null || die "PostgreSQL server binaries not found after install"; }
ensure_redis_binaries() { command -v redis-server >/dev/null || apt_install redis-server; }

# npm_ci DIR: installs DIR's pinned node packages (package-lock.json) unless
# they already are, with Debian's Node.js when there is none.
npm_ci() {
  local dir=$1
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund --silent || die "npm ci in $dir failed"
  fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
# Ports handed out by this run (callers use $(free_port), a subshell, so the
# list lives in a file named after the top-level script's PID).
FREE_PORTS_FILE="${TMPDIR:-/tmp}/lookout-ports.$$"
free_port() {
  local low high port
  # Below the kernel's ephemeral range: a port chosen there could be taken
  # as the local end of some outgoing connection before the service binds it.
  read -r high _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || high=32768
  low=$(( high > 12000 ? high - 12000 : 1024 ))
  find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'lookout-ports.*' -mmin +1440 -delete 2>/dev/null || true
  for _ in $(seq 1 200); do
    port=$(( low + RANDOM % (high - low) ))
    grep -qx "$port" "$FREE_PORTS_FILE" 2>/dev/null && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port" >>"$FREE_PORTS_FILE"
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}

wait_for_port() { # PORT SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# start_postgres DIR PORT: a throwaway cluster in DIR (kept if it exists),
# with POSTGRES_EXTRA_OPTIONS (server `-c` settings) when set.
# PostgreSQL refuses to run as root, so as root it runs as the postgres user.
# A server an unclean stop left running on DIR (a killed terminal) is stopped
# first, so the new one does not fail on its lock.
start_postgres() {
  local dir=$1 port=$2 bindir run_as=()
  bindir=$(pg_bindir)
  stop_postgres "$dir"
  mkdir -p "$dir"
  if is_root; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    chown -R postgres:postgres "$dir"
    run_as=(runuser -u postgres --)
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed, see $dir/initdb.log"
  fi
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 ${POSTGRES_EXTRA_OPTIONS:-}" \
    start >/dev/null || die "PostgreSQL did not start, see $dir/postgres.log"
}

stop_postgres() { # DIR
  local dir=$1 bindir run_as=()
  [ -f "$dir/data/postmaster.pid" ] || return 0
  bindir=$(pg_bindir) || return 0
  is_root && run_as=(runuser -u postgres --)
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# Builds a store example in release and runs it with ARGS against a throwaway
# PostgreSQL (fsync off) in a database of its own, with DATABASE_URL and
# POSTMASTER_PID (whose children's CPU it may read) set; the benchmarks of
# the store alone (bench-claim, bench-retention). Stops and removes it all on
# exit.
run_store_example() { # EXAMPLE ARGS...
  local example=$1 port
  shift
  ensure_postgres_binaries
  log "release build of the $example benchmark"
  cargo build --release -p store --example "$example" --quiet
  STORE_EXAMPLE_DIR="$PWD/.local/$example-$$"
  trap 'rm -f "$FREE_PORTS_FILE"; stop_postgres "$STORE_EXAMPLE_DIR/postgres"; rm -rf "$STORE_EXAMPLE_DIR"' EXIT
  port=$(free_port)
  start_postgres "$STORE_EXAMPLE_DIR/postgres" "$port"
  "$(pg_bindir)/createdb" -h 127.0.0.1 -p "$port" -U postgres bench
  log "PostgreSQL with fsync off (scripts/lib.sh) and its default memory settings, on $(nproc) cores"
  DATABASE_URL="postgres://postgres@127.0.0.1:$port/bench" \
  POSTMASTER_PID=$(head -1 "$STORE_EXAMPLE_DIR/postgres/data/postmaster.pid") \
    "$(bin_dir release)/examples/$example" "$@"
}

# start_redis DIR PORT: a throwaway Redis that keeps nothing on disk. One an
# unclean stop left running on DIR is stopped first.
start_redis() {
  local dir=$1 port=$2
  stop_redis "$dir"
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null \
    || die "Redis did not start, see $dir/redis.log"
  wait_for_port "$port" 15 || die "Redis did not open port $port"
}

stop_redis() { # DIR
  local dir=$1 pid
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    # Wait for it to exit: a Redis still writing its log makes removing
    # DIR fail ("Directory not empty").
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$dir/redis.pid"
}

random_secret() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 48; }

# bin_dir PROFILE: where cargo puts the binaries of PROFILE (debug or
# release), honouring CARGO_TARGET_DIR; the one place scripts find them.
bin_dir() {
  echo "$(realpath -m "${CARGO_TARGET_DIR:-target}")/$1"
}
