# Real Redis (Debian's redis-server) for the Redis Streams tests. Source it (scripts/test.sh
# does), then:
#   redis_test_start   installs (Debian package), starts redis-server on loopback with no
#                      persistence (the tests need none) and exports AIDA_TEST_REDIS_URL
#   redis_test_stop    stops what redis_test_start started (by pid)
# Idempotent: a second start reuses a healthy server or replaces a stale one. Each test uses its
# own stream names, so one server serves every test at once.

REDIS_TEST_DIR="${REDIS_TEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/redis-test}"
REDIS_TEST_PORT="${REDIS_TEST_PORT:-19379}"

redis_test_stop() {
  stop_pidfile "$REDIS_TEST_DIR/redis.pid"
}

redis_test_start() {
  apt_install redis-server
  mkdir -p "$REDIS_TEST_DIR"
  export AIDA_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_TEST_PORT"
  if [ -f "$REDIS_TEST_DIR/redis.pid" ] && kill -0 "$(cat "$REDIS_TEST_DIR/redis.pid")" 2>/dev/null \
     && redis-cli -p "$REDIS_TEST_PORT" ping 2>/dev/null | grep -q PONG; then
    log "Redis for tests already running at $AIDA_TEST_REDIS_URL"
    return 0
  fi
  redis_test_stop
  # Foreground (no daemonize) so $! is the server; no RDB snapshots, no AOF: test data only.
  redis-server --bind 127.0.0.1 --port "$REDIS_TEST_PORT" --save '' --appendonly no \
    --dir "$REDIS_TEST_DIR" --daemonize no >"$REDIS_TEST_DIR/redis.log" 2>&1 &
  echo $! > "$REDIS_TEST_DIR/redis.pid"
  local i
  for i in $(seq 1 40); do
    redis-cli -p "$REDIS_TEST_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.25
  done
  redis-cli -p "$REDIS_TEST_PORT" ping 2>/dev/null | grep -q PONG || { tail -20 "$REDIS_TEST_DIR/redis.log" >&2; die "Redis did not start"; }
  log "Redis for tests at $AIDA_TEST_REDIS_URL (log in $REDIS_TEST_DIR)"
}
