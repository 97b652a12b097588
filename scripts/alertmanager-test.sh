# Real Alertmanager (Debian's prometheus-alertmanager) for the end-to-end webhook test. Source it
# (scripts/test.sh does) after scripts/prometheus-test.sh, then:
#   alertmanager_test_start   installs, starts Alertmanager on loopback routing every alert to
#                             the webhook receiver address tests/serve.rs serves `aida serve` on;
#                             exports AIDA_TEST_ALERTMANAGER_URL and AIDA_TEST_ALERTMANAGER_RECEIVER
#   alertmanager_test_stop    stops it (by pid)
# The test Prometheus (scripts/prometheus-test.sh) sends its firing rules here. Until a test
# listens on the receiver address, Alertmanager's deliveries fail and it keeps retrying — the
# behaviour the test relies on: the alert arrives once `aida serve` is up.

AM_TEST_DIR="${AM_TEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/alertmanager-test}"
ALERTMANAGER_TEST_PORT="${ALERTMANAGER_TEST_PORT:-19193}"
AM_TEST_RECEIVER="${AM_TEST_RECEIVER:-127.0.0.1:19194}"

alertmanager_test_stop() {
  stop_pidfile "$AM_TEST_DIR/alertmanager.pid"
}

alertmanager_test_start() {
  apt_install prometheus-alertmanager curl
  mkdir -p "$AM_TEST_DIR"
  export AIDA_TEST_ALERTMANAGER_URL="http://127.0.0.1:$ALERTMANAGER_TEST_PORT"
  export AIDA_TEST_ALERTMANAGER_RECEIVER="$AM_TEST_RECEIVER"
  # Short waits so a test sees its alert within seconds; repeats every 10 s so a re-notification
  # (which `aida serve` must fold into the first) arrives while the test runs.
  cat > "$AM_TEST_DIR/alertmanager.yml.new" <<CONF
route:
  receiver: aida
  group_by: [alertname, namespace, pod]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 10s
receivers:
  - name: aida
    webhook_configs:
      - url: http://$AM_TEST_RECEIVER/webhook
        send_resolved: true
CONF
  if cmp -s "$AM_TEST_DIR/alertmanager.yml.new" "$AM_TEST_DIR/alertmanager.yml" \
     && [ -f "$AM_TEST_DIR/alertmanager.pid" ] && kill -0 "$(cat "$AM_TEST_DIR/alertmanager.pid")" 2>/dev/null \
     && curl -fsS "$AIDA_TEST_ALERTMANAGER_URL/-/ready" >/dev/null 2>&1; then
    rm -f "$AM_TEST_DIR/alertmanager.yml.new"
    log "Alertmanager for tests already running at $AIDA_TEST_ALERTMANAGER_URL"
    return 0
  fi
  alertmanager_test_stop
  mv "$AM_TEST_DIR/alertmanager.yml.new" "$AM_TEST_DIR/alertmanager.yml"
  rm -rf "$AM_TEST_DIR/data"
  # --cluster.listen-address= turns gossip off: one instance, loopback only.
  prometheus-alertmanager --config.file="$AM_TEST_DIR/alertmanager.yml" --storage.path="$AM_TEST_DIR/data" \
    --web.listen-address="127.0.0.1:$ALERTMANAGER_TEST_PORT" --cluster.listen-address= \
    >"$AM_TEST_DIR/alertmanager.log" 2>&1 &
  echo $! > "$AM_TEST_DIR/alertmanager.pid"
  local i
  for i in $(seq 1 60); do
    curl -fsS "$AIDA_TEST_ALERTMANAGER_URL/-/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "$AIDA_TEST_ALERTMANAGER_URL/-/ready" >/dev/null 2>&1 || { tail -20 "$AM_TEST_DIR/alertmanager.log" >&2; die "Alertmanager did not start"; }
  log "Alertmanager for tests at $AIDA_TEST_ALERTMANAGER_URL, sending to http://$AM_TEST_RECEIVER/webhook"
}
