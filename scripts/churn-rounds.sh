#!/usr/bin/env bash
# Churn rounds against one wschat server, to tell a leak from growth that levels off (docs/benchmarks.md
# "Churn: where the RSS after went"). Starts wschat as scripts/bench.sh does (SQLite in a fresh file, rate limits
# raised, nice -20, the same 200-connection fanout warm-up), then runs ROUNDS loadgen churn rounds one after the
# other on the same server (each: connect the idle base, churn, close everything). After each round it records
# /proc/PID/status, an smaps summary (scripts/smaps-summary.py) and the GC's figures (dotnet-counters, if on PATH).
# A leak grows every round; one-off growth stops.
#
#   flock /work/team/bench.lock scripts/churn-rounds.sh                  # 4 rounds of 60 s, the first one 20 s
#   ROUNDS=6 DURATION=60 FIRST_DURATION=60 scripts/churn-rounds.sh
#   SERVER_ENV="WSCHAT_GC__CHECKINTERVAL=00:00:00" scripts/churn-rounds.sh   # with the host's gen2 cap off
#
# Results: artifacts/churn-rounds/<stamp>/ (rN.json per round, rN.status, rN.smaps.json, loadavg.txt, summary.txt).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="${OUT:-$ROOT/artifacts/churn-rounds/$(date -u +%Y%m%d-%H%M%S)}"
ROUNDS="${ROUNDS:-4}"; DURATION="${DURATION:-60}"; FIRST_DURATION="${FIRST_DURATION:-20}"
CONNS="${CONNECTIONS:-10000}"; ROOMS="${ROOMS:-100}"; RATE="${RATE:-200}"; PORT="${PORT:-18380}"
SECRET="bench-secret-not-for-production-0123456789"; SOURCES="127.0.0.1-127.0.0.8"
export PATH="$PATH:$HOME/.dotnet/tools"
mkdir -p "$OUT/data"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

dotnet build src/WsChat.Host -c Release -v q -nologo >"$OUT/build.log" 2>&1 && dotnet build tools/loadgen -c Release -v q -nologo >>"$OUT/build.log" 2>&1 \
  || { echo "build failed: $OUT/build.log" >&2; exit 1; }
LOADGEN=(nice -n -20 dotnet "$ROOT/tools/loadgen/bin/Release/net10.0/loadgen.dll")
DB="$OUT/data/wschat.db"
# shellcheck disable=SC2086  # SERVER_ENV is a list of NAME=value words
env ${SERVER_ENV:-} nice -n -20 dotnet "$ROOT/src/WsChat.Host/bin/Release/net10.0/wschat.dll" \
  --WsChat:Address=127.0.0.1 --WsChat:Port="$PORT" --WsChat:JwtSecret="$SECRET" --WsChat:Storage:SqlitePath="$DB" \
  --WsChat:UserRatePerSecond=100000 --WsChat:UserRateBurst=100000 \
  --WsChat:ConnectionRatePerSecond=100000 --WsChat:ConnectionRateBurst=100000 \
  --Logging:LogLevel:Default=Warning >"$OUT/server.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; sleep 3; kill -KILL $PID 2>/dev/null' EXIT
for _ in $(seq 150); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

snapshot() {   # snapshot NAME: the server's memory now
  { date -u +%T; grep -E '^(VmRSS|RssAnon|RssFile|Threads)' "/proc/$PID/status"; ls -l "$DB"* | awk '{print $5, $9}'; } >"$OUT/$1.status"
  python3 scripts/smaps-summary.py read "$PID" >"$OUT/$1.smaps.json"
  if command -v dotnet-counters >/dev/null; then
    timeout 20 dotnet-counters collect -p "$PID" --counters System.Runtime --duration 00:00:00:03 --format json -o "$OUT/$1.counters.json" >/dev/null 2>&1
    python3 - "$OUT/$1.counters.json" >>"$OUT/$1.status" <<'PY' || true
import json, sys
last = {}
for e in json.load(open(sys.argv[1]))['Events']:
    if 'last_collection' in e['name']:
        last[(e['name'].split(' ')[0].replace('dotnet.gc.last_collection.', 'gc '), e.get('tags', '').replace('gc.heap.generation=', ''))] = e['value']
for (name, tag), value in sorted(last.items()):
    print(f'{name} {tag}: {value / 1048576:.1f} MiB')
PY
  fi
}

"${LOADGEN[@]}" fanout "ws://127.0.0.1:$PORT/ws" --secret "$SECRET" --connections 200 --rooms 10 --rate 200 --duration 3 --warmup 1 --quiet >"$OUT/warmup.txt" 2>&1
sleep 2; snapshot r0
for r in $(seq "$ROUNDS"); do
  duration=$DURATION; [ "$r" = 1 ] && duration=$FIRST_DURATION
  echo "round $r: load average before $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/loadavg.txt"
  "${LOADGEN[@]}" churn "ws://127.0.0.1:$PORT/ws" --secret "$SECRET" --source-addresses "$SOURCES" --connections "$CONNS" --rooms "$ROOMS" \
    --rate "$RATE" --duration "$duration" --workers 1 --server-pid "$PID" --json "$OUT/r$r.json" --quiet >"$OUT/r$r.txt" 2>&1
  echo "round $r: load average after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/loadavg.txt"
  sleep 3; snapshot "r$r"
  { printf 'round %s (%s s): ' "$r" "$duration"; grep -E 'churn RSS' "$OUT/r$r.txt" | tr -s ' '; printf '  after closing: '; grep -E 'VmRSS|RssAnon' "$OUT/r$r.status" | tr -s ' \t' ' ' | tr '\n' ' '; echo; } | tee -a "$OUT/summary.txt"
done
python3 scripts/smaps-summary.py diff "$OUT/r1.smaps.json" "$OUT/r$ROUNDS.smaps.json" 6 | tee -a "$OUT/summary.txt"
echo "results: $OUT" >&2
