#!/usr/bin/env bash
# Runs the whole wschat test suite on a fresh Debian machine that has only the .NET SDK.
#
# 1. installs what the tests need when it is missing (Debian packages: postgresql, redis-server,
#    chromium) — PostgreSQL, Redis and a browser are real in these tests, never mocked;
# 2. starts a private PostgreSQL and Redis on loopback, on ports of their own, in a temporary folder;
# 3. runs `dotnet test` with their addresses in WSCHAT_TEST_* variables, then stops them.
#
# With CI=true (set by .ci/run) a test whose service is missing fails instead of being skipped,
# so a green run means every test ran. Extra arguments go to `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")/.."

# Below Linux's ephemeral range (32768-60999 by default): a port in it can be held by any outgoing connection of
# the machine at the moment PostgreSQL or Redis starts ("Address already in use"), and the tests open thousands.
PG_PORT="${WSCHAT_TEST_PG_PORT:-25432}"
REDIS_PORT="${WSCHAT_TEST_REDIS_PORT:-26379}"
STATE="${WSCHAT_TEST_STATE:-}"
OWN_STATE=""
if [ -z "$STATE" ]; then STATE=$(mktemp -d /tmp/wschat-test.XXXXXX); OWN_STATE=1; fi

log() { printf '[test.sh] %s\n' "$*" >&2; }

missing=()
pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && pg_bin="$dir"; done
[ -n "$pg_bin" ] || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (Debian packages)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && pg_bin="$dir"; done
fi

cleanup() {
  local rc=$?
  log "stopping services"
  if [ -n "${PG_STARTED:-}" ]; then run_pg "$pg_bin/pg_ctl" -D "$STATE/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ -n "${REDIS_STARTED:-}" ]; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
  # Our own temporary folder (database files) goes with the services after a green run; after a failure it stays
  # for its logs (pg.log, redis.log), as does one given by WSCHAT_TEST_STATE.
  if [ -n "$OWN_STATE" ] && [ "$rc" -eq 0 ]; then rm -rf "$STATE" 2>/dev/null || true
  elif [ -n "$OWN_STATE" ]; then log "service logs kept in $STATE"; fi
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: as root, run it as the 'postgres' user the package creates.
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

log "starting PostgreSQL on 127.0.0.1:$PG_PORT ($STATE/pg)"
mkdir -p "$STATE/pg"
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$STATE" && chmod 755 "$STATE"
run_pg "$pg_bin/initdb" -D "$STATE/pg" -U postgres -A trust >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$STATE/pg" -l "$STATE/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$STATE -c fsync=on -c max_connections=200" start >/dev/null
PG_STARTED=1

log "starting Redis on 127.0.0.1:$REDIS_PORT"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
  --dir "$STATE" --logfile "$STATE/redis.log" >/dev/null
REDIS_STARTED=1
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export WSCHAT_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
export WSCHAT_TEST_POSTGRES_DATA="$STATE/pg"
export WSCHAT_TEST_POSTGRES_BIN="$pg_bin"
export WSCHAT_TEST_REDIS="127.0.0.1:$REDIS_PORT"
export WSCHAT_TEST_REDIS_PORT="$REDIS_PORT"
export WSCHAT_TEST_CHROMIUM="$(command -v chromium)"

log "dotnet test"
dotnet test WsChat.sln -c Release --logger "console;verbosity=normal" "$@"
