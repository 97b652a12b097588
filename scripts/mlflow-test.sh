# Real MLflow for the sync tests. Source it (scripts/test.sh does), then:
#   mlflow_test_start   creates once a venv with the pinned PyPI mlflow, starts `mlflow server`
#                       on loopback (sqlite backend, --serve-artifacts, a fresh data directory per
#                       start); exports AIDA_TEST_MLFLOW_URI
#   mlflow_test_stop    stops what mlflow_test_start started (by pid)
# Idempotent: a second start reuses a healthy server or replaces a stale one.

MLFLOW_TEST_VERSION="${MLFLOW_TEST_VERSION:-3.17.2}"
MLFLOW_TEST_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aida"
MLFLOW_TEST_VENV="${MLFLOW_TEST_VENV:-$MLFLOW_TEST_CACHE/mlflow-venv-$MLFLOW_TEST_VERSION}"
MLFLOW_TEST_DIR="${MLFLOW_TEST_DIR:-$MLFLOW_TEST_CACHE/mlflow-test}"
MLFLOW_TEST_PORT="${MLFLOW_TEST_PORT:-19250}"

mlflow_test_stop() {
  local pidfile="$MLFLOW_TEST_DIR/mlflow.pid"
  if [ -f "$pidfile" ]; then
    local pid; pid="$(cat "$pidfile")"
    # The server runs in its own process group (setsid): its workers go with it.
    if kill -0 "$pid" 2>/dev/null; then kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; sleep 1; kill -9 -- "-$pid" 2>/dev/null || true; fi
    rm -f "$pidfile"
  fi
}

mlflow_test_install() {
  if [ -x "$MLFLOW_TEST_VENV/bin/mlflow" ] && "$MLFLOW_TEST_VENV/bin/python" -c "import mlflow, sys; sys.exit(mlflow.__version__ != '$MLFLOW_TEST_VERSION')" 2>/dev/null; then
    return 0
  fi
  apt_install python3-venv curl
  log "installing mlflow==$MLFLOW_TEST_VERSION into $MLFLOW_TEST_VENV (once)"
  rm -rf "$MLFLOW_TEST_VENV.tmp"
  python3 -m venv "$MLFLOW_TEST_VENV.tmp" || die "python3 -m venv failed"
  "$MLFLOW_TEST_VENV.tmp/bin/pip" install -q --disable-pip-version-check "mlflow==$MLFLOW_TEST_VERSION" \
    || die "pip could not install mlflow==$MLFLOW_TEST_VERSION"
  rm -rf "$MLFLOW_TEST_VENV"
  mv "$MLFLOW_TEST_VENV.tmp" "$MLFLOW_TEST_VENV"
  # The venv's scripts name the .tmp path in their shebangs: rewrite them for the final one.
  sed -i "1s|$MLFLOW_TEST_VENV.tmp|$MLFLOW_TEST_VENV|" "$MLFLOW_TEST_VENV"/bin/*
}

mlflow_test_start() {
  mlflow_test_install
  export AIDA_TEST_MLFLOW_URI="http://127.0.0.1:$MLFLOW_TEST_PORT"
  if [ -f "$MLFLOW_TEST_DIR/mlflow.pid" ] && kill -0 "$(cat "$MLFLOW_TEST_DIR/mlflow.pid")" 2>/dev/null \
     && curl -fsS "$AIDA_TEST_MLFLOW_URI/health" >/dev/null 2>&1; then
    log "MLflow for tests already running at $AIDA_TEST_MLFLOW_URI"
    return 0
  fi
  mlflow_test_stop
  rm -rf "$MLFLOW_TEST_DIR/data"
  mkdir -p "$MLFLOW_TEST_DIR/data/artifacts"
  # No network at run time: MLflow's usage telemetry stays off.
  MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true \
  setsid "$MLFLOW_TEST_VENV/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_TEST_PORT" --workers 2 \
    --backend-store-uri "sqlite:///$MLFLOW_TEST_DIR/data/mlflow.db" \
    --serve-artifacts --artifacts-destination "$MLFLOW_TEST_DIR/data/artifacts" \
    >"$MLFLOW_TEST_DIR/mlflow.log" 2>&1 < /dev/null &
  echo $! > "$MLFLOW_TEST_DIR/mlflow.pid"
  local i
  for i in $(seq 1 180); do
    curl -fsS "$AIDA_TEST_MLFLOW_URI/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "$AIDA_TEST_MLFLOW_URI/health" >/dev/null 2>&1 || { tail -30 "$MLFLOW_TEST_DIR/mlflow.log" >&2; die "MLflow did not start"; }
  log "MLflow for tests at $AIDA_TEST_MLFLOW_URI (data in $MLFLOW_TEST_DIR/data)"
}
