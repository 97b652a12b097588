#!/usr/bin/env bash
# Durable webhook accepts/s and latency: `aida serve` (SQLite queue, 202 after the commit) side by
# side with the original AIDA's design — FastAPI + uvicorn answering after a Redis LPUSH — in one
# run, on this machine, with the same load generator (wrk, Debian) posting distinct alerts.
#
#   scripts/bench-webhook.sh [ROUNDS]      (default 3 rounds, each: aida then FastAPI)
#
# Environment: AIDA_BIN (default: build `--release` into $CARGO_TARGET_DIR), BENCH_SECONDS (10),
# BENCH_CONNECTIONS (32), BENCH_THREADS (2). Everything runs on loopback and is stopped at exit.
# Both receivers only receive (`aida serve --workers 0`; FastAPI has no worker at all), so the
# figures are the receivers', not the investigations'. After each run the script counts what was
# stored and fails if an acknowledged alert is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ROUNDS="${1:-3}"
SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
AIDA_PORT=19481 FASTAPI_PORT=19482 REDIS_PORT=19483
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aida/bench-webhook"
VENV="$CACHE/venv"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

apt_install wrk redis-server curl sqlite3 python3-venv

# The original design's receiver, pinned.
if [ ! -x "$VENV/bin/uvicorn" ]; then
  log "creating $VENV (fastapi, uvicorn, redis from PyPI)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'fastapi==0.115.6' 'uvicorn[standard]==0.32.1' 'redis==5.2.1'
fi
cat > "$WORK/receiver.py" <<'PY'
# The original AIDA's receiver shape: parse the webhook, LPUSH each alert to a Redis list, 200.
import json, os
import redis.asyncio as redis
from fastapi import FastAPI, Request

app = FastAPI()
queue = redis.Redis(port=int(os.environ["REDIS_PORT"]))

@app.post("/webhook")
async def webhook(request: Request):
    payload = await request.json()
    alerts = payload.get("alerts", [])
    for alert in alerts:
        await queue.lpush("aida:alerts", json.dumps(alert))
    return {"status": "accepted", "count": len(alerts)}
PY

if [ -z "${AIDA_BIN:-}" ]; then
  : "${CARGO_TARGET_DIR:=target}"
  log "building aida --release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  cargo build --release --locked --quiet
  AIDA_BIN="$CARGO_TARGET_DIR/release/aida"
fi

# wrk: every request one firing alert with a fingerprint no other request has.
cat > "$WORK/post.lua" <<'LUA'
-- `tid` is a global of each thread's own Lua state (a chunk-level `local` would shadow it and
-- every thread would send the same fingerprints, which the receiver rightly folds).
local counter = 0
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function request()
  counter = counter + 1
  local fp = string.format("%08x%08x", tid, counter)
  local body = '{"version":"4","status":"firing","receiver":"aida","groupKey":"{}:{alertname=\\"KubePodCrashLooping\\"}",'
    .. '"groupLabels":{"alertname":"KubePodCrashLooping"},"commonLabels":{},"commonAnnotations":{},'
    .. '"externalURL":"http://alertmanager:9093","truncatedAlerts":0,"alerts":[{"status":"firing",'
    .. '"labels":{"alertname":"KubePodCrashLooping","namespace":"shop","pod":"api-' .. fp .. '","container":"app","severity":"warning"},'
    .. '"annotations":{"summary":"Pod is crash looping.","description":"Pod shop/api-' .. fp .. ' (app) is in waiting state (reason: \\"CrashLoopBackOff\\")."},'
    .. '"startsAt":"2026-11-24T00:00:00.000Z","endsAt":"0001-01-01T00:00:00Z",'
    .. '"generatorURL":"http://prometheus:9090/graph?g0.expr=up","fingerprint":"' .. fp .. '"}]}'
  return wrk.format("POST", "/webhook", {["Content-Type"] = "application/json"}, body)
end
LUA

wait_http() { # URL
  local i; for i in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "nothing answers at $1"
}

# run_wrk NAME URL → appends "NAME rps p50_ms p99_ms requests non2xx" to $WORK/results
run_wrk() {
  local out="$WORK/wrk-$1.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/post.lua" "$2/webhook" > "$out"
  python3 - "$1" "$out" >> "$WORK/results" <<'PY'
import re, sys
name, path = sys.argv[1], sys.argv[2]
text = open(path).read()
def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
print(name, rps, p50, p99, requests, int(bad.group(1)) if bad else 0, (errors.group(1) if errors else "none").replace(" ", "_"))
PY
}

: > "$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: aida serve (SQLite queue, receive only)"
  home="$WORK/aida-home-$round"; mkdir -p "$home"
  # No worker drains the queue here: lift the 503 threshold so every request is a durable accept.
  AIDA_HOME="$home" AIDA_SERVER_QUEUE_CAPACITY=10000000 "$AIDA_BIN" serve --listen "127.0.0.1:$AIDA_PORT" --workers 0 --llm none \
    --bundle tests/fixtures/bundles/crash_config_parse_error 2>"$home/serve.log" &
  aida_pid=$!; PIDS+=("$aida_pid")
  wait_http "http://127.0.0.1:$AIDA_PORT/healthz"
  run_wrk aida "http://127.0.0.1:$AIDA_PORT"
  kill "$aida_pid"; wait "$aida_pid" 2>/dev/null || true
  stored=$(sqlite3 "$home/aida.db" "SELECT COUNT(*) FROM jobs")
  read -r _ _ _ _ requests non2xx _ < <(tail -1 "$WORK/results")
  # wrk stops counting at the deadline: up to one request per connection was stored unanswered.
  acked=$((requests - non2xx))
  [ "$stored" -ge "$acked" ] && [ "$stored" -le $((acked + CONNECTIONS)) ] \
    || die "aida acknowledged $acked distinct alerts but stored $stored"
  echo "aida stored $stored jobs for $((requests - non2xx)) acknowledged" >&2
  rm -rf "$home"

  log "round $round/$ROUNDS: FastAPI + uvicorn + Redis LPUSH (the original design)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
  redis_pid=$!; PIDS+=("$redis_pid")
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  (cd "$WORK" && REDIS_PORT="$REDIS_PORT" exec "$VENV/bin/uvicorn" receiver:app --host 127.0.0.1 --port "$FASTAPI_PORT" \
     --workers "$(nproc)" --log-level warning --no-access-log) >"$WORK/uvicorn.log" 2>&1 &
  uvicorn_pid=$!; PIDS+=("$uvicorn_pid")
  for _ in $(seq 1 200); do curl -fsS -o /dev/null -X POST -H 'content-type: application/json' -d '{"alerts":[]}' \
     "http://127.0.0.1:$FASTAPI_PORT/webhook" 2>/dev/null && break; sleep 0.1; done
  run_wrk fastapi "http://127.0.0.1:$FASTAPI_PORT"
  stored=$(redis-cli -p "$REDIS_PORT" llen aida:alerts)
  read -r _ _ _ _ requests non2xx _ < <(tail -1 "$WORK/results")
  echo "fastapi stored $stored alerts for $((requests - non2xx)) acknowledged" >&2
  acked=$((requests - non2xx))
  [ "$stored" -ge "$acked" ] && [ "$stored" -le $((acked + CONNECTIONS)) ] \
    || die "FastAPI acknowledged $acked alerts but Redis holds $stored"
  kill "$uvicorn_pid" "$redis_pid"; wait "$uvicorn_pid" "$redis_pid" 2>/dev/null || true
done

python3 - "$WORK/results" "$SECONDS_PER_RUN" "$CONNECTIONS" "$THREADS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for name, rps, p50, p99, req, bad, errs in rows:
    by.setdefault(name, []).append((float(rps), float(p50), float(p99), int(bad), errs))
print(f"\n{sys.argv[2]} s per run, {sys.argv[3]} connections, {sys.argv[4]} wrk threads, {len(by['aida'])} rounds (medians)\n")
print("| receiver | acknowledged alerts/s | p50 ms | p99 ms | non-2xx | socket errors |")
print("|---|---|---|---|---|---|")
med = {}
for name, label in [("aida", "aida serve, SQLite queue (202 after commit)"), ("fastapi", "FastAPI + uvicorn + Redis LPUSH (original)")]:
    r = by[name]
    med[name] = statistics.median(x[0] for x in r)
    print(f"| {label} | {med[name]:,.0f} | {statistics.median(x[1] for x in r):.2f} | {statistics.median(x[2] for x in r):.2f} | {sum(x[3] for x in r)} | {','.join(sorted(set(x[4] for x in r)))} |")
print(f"\nratio aida / FastAPI: {med['aida'] / med['fastapi']:.2f}x")
for name in ("aida", "fastapi"):
    print(f"{name} per round alerts/s: " + ", ".join(f"{x[0]:,.0f}" for x in by[name]))
PY
