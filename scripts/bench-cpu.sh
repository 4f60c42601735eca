#!/usr/bin/env bash
# Server CPU per delivery at a fixed fan-out rate (docs/benchmarks.md "Server CPU per delivery"): every run does the
# same work, unlike bench.sh's ramp, so runs of two builds or settings compare. One server per invocation.
#
#   scripts/bench-cpu.sh wschat-mem [server args...]   # wschat, Storage:Provider=none (+ e.g. --WsChat:IoUringSends=false)
#   scripts/bench-cpu.sh kestrel                       # the Kestrel baseline
#
# Env: BENCH_BIN (see below), BENCH_OUT (folder; default artifacts/bench-cpu/<stamp>), BENCH_NICE (e.g. -20), BENCH_RATE (messages/s,
# default 250: 25,000 deliveries/s), BENCH_SECONDS (measured, default 20), BENCH_LABEL (default: the server name).
# Run it under the team's lock: flock /work/team/bench.lock scripts/bench-cpu.sh ...   Build first (Release):
# dotnet build src/WsChat.Host -c Release; dotnet build tools/loadgen -c Release; dotnet build benchmarks/baselines/kestrel -c Release
#
# Prints one line: label, deliveries/s, the loadgen's server CPU µs per delivery (its measured step), user and system
# µs per delivery from /proc/PID/stat over the last 15 s of that step, p50/p99, lost/duplicated, load averages.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NAME=$1; shift
LABEL="${BENCH_LABEL:-$NAME}"
OUT="${BENCH_OUT:-$ROOT/artifacts/bench-cpu/$(date -u +%Y-%m-%d-%H%M)}"; mkdir -p "$OUT"
NICE="${BENCH_NICE:-0}"; RATE="${BENCH_RATE:-250}"; SECONDS_MEASURED="${BENCH_SECONDS:-20}"
SECRET="bench-secret-not-for-production-0123456789"
PORT=18280
# BENCH_BIN: a copy of the Release outputs (wschat/, loadgen/, kestrel/) so that builds during a long series of runs
# do not change the binaries under measurement; default: the repository's own bin folders.
WSCHAT_DLL="${BENCH_BIN:+$BENCH_BIN/wschat/wschat.dll}"; WSCHAT_DLL="${WSCHAT_DLL:-$ROOT/src/WsChat.Host/bin/Release/net10.0/wschat.dll}"
LOADGEN_DLL="${BENCH_BIN:+$BENCH_BIN/loadgen/loadgen.dll}"; LOADGEN_DLL="${LOADGEN_DLL:-$ROOT/tools/loadgen/bin/Release/net10.0/loadgen.dll}"
KESTREL_DLL="${BENCH_BIN:+$BENCH_BIN/kestrel/kestrel-chat.dll}"; KESTREL_DLL="${KESTREL_DLL:-$ROOT/benchmarks/baselines/kestrel/bin/Release/net10.0/kestrel-chat.dll}"
LOADGEN=(nice -n "$NICE" dotnet "$LOADGEN_DLL")
TICK=$(getconf CLK_TCK)

case "$NAME" in
  wschat-mem)
    nice -n "$NICE" dotnet "$WSCHAT_DLL" --WsChat:Address=127.0.0.1 --WsChat:Port=$PORT \
      --WsChat:JwtSecret="$SECRET" --WsChat:Storage:Provider=none \
      --WsChat:UserRatePerSecond=100000 --WsChat:UserRateBurst=100000 --WsChat:ConnectionRatePerSecond=100000 \
      --WsChat:ConnectionRateBurst=100000 --Logging:LogLevel:Default=Warning "$@" >"$OUT/$LABEL.log" 2>&1 & ;;
  kestrel)
    nice -n "$NICE" dotnet "$KESTREL_DLL" \
      --Urls "http://127.0.0.1:$PORT" --Chat:JwtSecret="$SECRET" "$@" >"$OUT/$LABEL.log" 2>&1 & ;;
  *) echo "unknown server $NAME" >&2; exit 2 ;;
esac
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 150); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# The same warm-up as bench.sh (JIT, pools), not measured.
"${LOADGEN[@]}" fanout "ws://127.0.0.1:$PORT/ws" --secret "$SECRET" --connections 200 --rooms 10 --rate 200 --duration 3 \
  --warmup 1 --quiet >"$OUT/$LABEL.warmup.txt" 2>&1 || true
sleep 2

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
"${LOADGEN[@]}" fanout "ws://127.0.0.1:$PORT/ws" --secret "$SECRET" --source-addresses 127.0.0.1-127.0.0.8 \
  --connections 10000 --rooms 100 --senders 1000 --rate "$RATE" --duration "$SECONDS_MEASURED" --warmup 3 --message-size 64 \
  --server-pid $PID --label "$LABEL" --json "$OUT/$LABEL.json" >"$OUT/$LABEL.txt" 2>&1 &
LG=$!
: >"$OUT/$LABEL.stat"
while kill -0 $LG 2>/dev/null; do   # utime and stime (fields 14, 15) once a second
  echo "$(date +%s.%N) $(awk '{print $14, $15}' /proc/$PID/stat)" >>"$OUT/$LABEL.stat"
  sleep 1
done
wait $LG || true
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$OUT/$LABEL.json" "$OUT/$LABEL.stat" "$TICK" "$LABEL" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, sys
result, stat, tick, label, before, after = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
r = json.load(open(result))
step = r["steps"][-1]
rows = [l.split() for l in open(stat) if len(l.split()) == 3]
end = float(rows[-1][0])
# the last 15 s of the measured step (the loadgen ended within a second of the last sample)
window = [x for x in rows if end - 16 <= float(x[0]) <= end - 1]
a, b = window[0], window[-1]
seconds = float(b[0]) - float(a[0])
deliveries = step["deliveries_per_second"] * seconds
user = (int(b[1]) - int(a[1])) / tick * 1e6 / deliveries
system = (int(b[2]) - int(a[2])) / tick * 1e6 / deliveries
d = r.get("delivery") or {}
lat = step["latency"]
print(f"{label}: {step['deliveries_per_second']:,.0f} deliveries/s, loadgen {step['server_cpu_micros_per_delivery']:.2f} µs/delivery; "
      f"/proc user {user:.2f} + sys {system:.2f} = {user + system:.2f} µs/delivery; p50 {lat['p50_ms']:.1f} p99 {lat['p99_ms']:.1f} ms; "
      f"lost {d.get('lost')} dup {d.get('duplicated')}; load {before} -> {after}")
PY
