# Real Prometheus for the evidence tests. Source it (scripts/test.sh does), then:
#   prometheus_test_start   installs (Debian packages), starts node-exporter serving known series
#                           from its textfile collector and Prometheus scraping it every 1 s, on
#                           loopback, sending its always-firing rule to the Alertmanager of
#                           scripts/alertmanager-test.sh; exports AIDA_TEST_PROMETHEUS_URL
#   prometheus_test_stop    stops what prometheus_test_start started (by pid)
# Idempotent: a second start reuses a healthy pair or replaces a stale one.

PROM_TEST_DIR="${PROM_TEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/prometheus-test}"
PROM_TEST_PORT="${PROM_TEST_PORT:-19190}"
PROM_TEST_EXPORTER_PORT="${PROM_TEST_EXPORTER_PORT:-19191}"
# Where scripts/alertmanager-test.sh listens; Prometheus only logs while nothing does.
ALERTMANAGER_TEST_PORT="${ALERTMANAGER_TEST_PORT:-19193}"

prometheus_test_stop() {
  stop_pidfile "$PROM_TEST_DIR/prometheus.pid"
  stop_pidfile "$PROM_TEST_DIR/node-exporter.pid"
}

prometheus_test_start() {
  apt_install prometheus prometheus-node-exporter curl
  mkdir -p "$PROM_TEST_DIR/textfile"
  export AIDA_TEST_PROMETHEUS_URL="http://127.0.0.1:$PROM_TEST_PORT"
  # The known series the tests assert on (textfile collector format).
  cat > "$PROM_TEST_DIR/textfile/aida.prom.tmp" <<'PROM'
# HELP aida_test_known_value A constant the AIDA tests query.
# TYPE aida_test_known_value gauge
aida_test_known_value{case="a"} 42
aida_test_known_value{case="b"} 7
# kube-state-metrics' series for the pod of tests/fixtures/bundles/crash_config_parse_error, so a
# real KubePodCrashLooping fires through Alertmanager into `aida serve` (tests/serve.rs).
# HELP kube_pod_container_status_waiting_reason Describes the reason the container is currently in waiting state.
# TYPE kube_pod_container_status_waiting_reason gauge
kube_pod_container_status_waiting_reason{namespace="payments",pod="ledger-7b8c9d6f5-m4n7p",container="app",reason="CrashLoopBackOff"} 1
PROM
  mv "$PROM_TEST_DIR/textfile/aida.prom.tmp" "$PROM_TEST_DIR/textfile/aida.prom"
  cat > "$PROM_TEST_DIR/rules.yml" <<'RULES'
groups:
  - name: aida-test
    rules:
      - alert: AidaTestAlwaysFiring
        expr: aida_test_known_value{case="a"} > 10
        labels: {severity: warning}
        annotations: {summary: "known value above 10"}
  # kube-prometheus' rule (Apache-2.0), unchanged but for `for: 0s` and the scrape job's name.
  - name: kubernetes-apps
    rules:
      - alert: KubePodCrashLooping
        annotations:
          description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is in waiting state (reason: "CrashLoopBackOff") on cluster {{ $labels.cluster }}.'
          runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping
          summary: Pod is crash looping.
        expr: max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="aida-test"}[5m]) >= 1
        for: 0s
        labels: {severity: warning}
RULES
  cat > "$PROM_TEST_DIR/prometheus.yml.new" <<CONF
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: ['127.0.0.1:$ALERTMANAGER_TEST_PORT']}]}]
scrape_configs:
  - job_name: aida-test
    static_configs: [{targets: ['127.0.0.1:$PROM_TEST_EXPORTER_PORT']}]
CONF
  # A healthy pair started with this very configuration is reused; anything else is replaced.
  if cmp -s "$PROM_TEST_DIR/prometheus.yml.new" "$PROM_TEST_DIR/prometheus.yml" \
     && [ -f "$PROM_TEST_DIR/prometheus.pid" ] && kill -0 "$(cat "$PROM_TEST_DIR/prometheus.pid")" 2>/dev/null \
     && curl -fsS "$AIDA_TEST_PROMETHEUS_URL/-/ready" >/dev/null 2>&1; then
    rm -f "$PROM_TEST_DIR/prometheus.yml.new"
    log "Prometheus for tests already running at $AIDA_TEST_PROMETHEUS_URL"
    return 0
  fi
  prometheus_test_stop
  mv "$PROM_TEST_DIR/prometheus.yml.new" "$PROM_TEST_DIR/prometheus.yml"
  rm -rf "$PROM_TEST_DIR/data"
  prometheus-node-exporter --web.listen-address="127.0.0.1:$PROM_TEST_EXPORTER_PORT" --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$PROM_TEST_DIR/textfile" >"$PROM_TEST_DIR/node-exporter.log" 2>&1 &
  echo $! > "$PROM_TEST_DIR/node-exporter.pid"
  (cd "$PROM_TEST_DIR" && exec prometheus --config.file=prometheus.yml --storage.tsdb.path=data \
    --web.listen-address="127.0.0.1:$PROM_TEST_PORT" >"$PROM_TEST_DIR/prometheus.log" 2>&1) &
  echo $! > "$PROM_TEST_DIR/prometheus.pid"
  local i
  for i in $(seq 1 60); do
    curl -fsS "$AIDA_TEST_PROMETHEUS_URL/-/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "$AIDA_TEST_PROMETHEUS_URL/-/ready" >/dev/null 2>&1 || { tail -20 "$PROM_TEST_DIR/prometheus.log" >&2; die "Prometheus did not start"; }
  log "Prometheus for tests at $AIDA_TEST_PROMETHEUS_URL (data in $PROM_TEST_DIR)"
}
