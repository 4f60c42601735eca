#!/usr/bin/env bash
# Scale-out benchmark (issue 8): the same loadgen fanout against one wschat node and against two nodes sharing
# rooms through Redis, both with PostgreSQL storage (a cluster needs shared storage). Every node, Redis,
# PostgreSQL and the loadgen share this machine's cores, so this shows what the backplane costs and that the
# cluster keeps order under load; it cannot show the gain of a second machine.
#
#   scripts/bench-cluster.sh                      # 2,000 connections, 20 rooms of 100, ramp of 50 msg/s steps for 60 s
#   BENCH_CONNECTIONS=4000 scripts/bench-cluster.sh
#
# Starts a private PostgreSQL and Redis on loopback (like scripts/test.sh), stops everything at the end.
# Results: artifacts/bench-cluster/<stamp>/ (JSON per run, tables.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="${BENCH_OUT:-$ROOT/artifacts/bench-cluster/$STAMP}"
mkdir -p "$OUT"
PG_PORT="${BENCH_PG_PORT:-25499}"   # below the ephemeral range (see scripts/test.sh)
REDIS_PORT="${BENCH_REDIS_PORT:-26499}"
CONNS="${BENCH_CONNECTIONS:-2000}"
ROOMS=$((CONNS / 100))
RAMP="${BENCH_RAMP:-50:50:5}"
RAMP_S="${BENCH_RAMP_SECONDS:-60}"
SECRET="bench-secret-not-for-production-0123456789"
STATE=$(mktemp -d /tmp/wschat-bench-cluster.XXXXXX)
NICE="${BENCH_NICE:-0}"
PRIO=(); [ "$NICE" != 0 ] && PRIO=(nice -n "$NICE")
log() { printf '[bench-cluster] %s\n' "$*" >&2; }

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && pg_bin="$dir"; done
[ -n "$pg_bin" ] && command -v redis-server >/dev/null || { log "needs postgresql and redis-server (scripts/test.sh installs them)"; exit 2; }
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

NODE_PIDS=()
cleanup() {
  for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  run_pg "$pg_bin/pg_ctl" -D "$STATE/pg" -m immediate stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

mkdir -p "$STATE/pg"
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$STATE" && chmod 755 "$STATE"
run_pg "$pg_bin/initdb" -D "$STATE/pg" -U postgres -A trust >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$STATE/pg" -l "$STATE/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$STATE -c max_connections=200" start >/dev/null
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes --dir "$STATE" --logfile "$STATE/redis.log" >/dev/null
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

dotnet build src/WsChat.Host -c Release -v q -nologo >"$OUT/build.log" 2>&1
dotnet build tools/loadgen -c Release -v q -nologo >>"$OUT/build.log" 2>&1
ulimit -n 20000 2>/dev/null || true

# start_nodes N DATABASE: N nodes on ports 18301.., one fresh database per run so ids start from nothing.
start_nodes() {
  local count=$1 database=$2 urls=()
  run_pg "$pg_bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $database" >/dev/null
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  NODE_PIDS=()
  for i in $(seq "$count"); do
    local port=$((18300 + i)) redis=()
    [ "$count" -gt 1 ] && redis=(--WsChat:Redis:ConnectionString="127.0.0.1:$REDIS_PORT")
    "${PRIO[@]}" dotnet "$ROOT/src/WsChat.Host/bin/Release/net10.0/wschat.dll" \
      --WsChat:Address=127.0.0.1 --WsChat:Port="$port" --WsChat:JwtSecret="$SECRET" \
      --WsChat:UserRatePerSecond=100000 --WsChat:UserRateBurst=100000 \
      --WsChat:ConnectionRatePerSecond=100000 --WsChat:ConnectionRateBurst=100000 \
      --WsChat:Storage:PostgresConnectionString="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$database" \
      "${redis[@]}" --Logging:LogLevel:Default=Warning >"$OUT/$database-node$i.log" 2>&1 &
    NODE_PIDS+=($!)
    urls+=("ws://127.0.0.1:$port/ws")
  done
  for i in $(seq "$count"); do
    local port=$((18300 + i)) ok=""
    for _ in $(seq 300); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { ok=1; break; }; sleep 0.2; done
    [ -n "$ok" ] || { log "node $i did not become ready:"; tail -20 "$OUT/$database-node$i.log" >&2; exit 1; }
  done
  URLS=$(IFS=,; echo "${urls[*]}")
}

stop_nodes() {
  for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  NODE_PIDS=()
}

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
for nodes in 1 2; do
  label="wschat-${nodes}node"
  log "$label: $CONNS connections, $ROOMS rooms, ramp $RAMP for ${RAMP_S}s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  start_nodes "$nodes" "bench_${nodes}node"
  # --server-pid samples one process: the first node (with two nodes, each holds half the connections).
  "${PRIO[@]}" dotnet tools/loadgen/bin/Release/net10.0/loadgen.dll fanout "$URLS" --secret "$SECRET" \
    --source-addresses 127.0.0.1-127.0.0.4 --connections "$CONNS" --rooms "$ROOMS" --senders $((ROOMS * 10)) \
    --ramp "$RAMP" --duration "$RAMP_S" --warmup 3 --message-size 64 --server-pid "${NODE_PIDS[0]}" --label "$label" \
    --json "$OUT/$label.json" 2>&1 | tee "$OUT/$label.txt" | grep -v '^\[' || true
  echo "loadgen fanout $URLS --secret \$SECRET --source-addresses 127.0.0.1-127.0.0.4 --connections $CONNS --rooms $ROOMS --senders $((ROOMS * 10)) --ramp $RAMP --duration $RAMP_S --warmup 3 --message-size 64 --server-pid \$PID --label $label" >>"$OUT/commands.txt"
  stop_nodes
done

dotnet tools/loadgen/bin/Release/net10.0/loadgen.dll report "$OUT"/*.json >"$OUT/tables.md" || true
echo "load average before: $LOADAVG_START, after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/tables.md"
cat "$OUT/tables.md"
log "results: $OUT"
