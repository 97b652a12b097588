#!/usr/bin/env bash
# Fuzzing on stable Rust: the property tests of tests/properties.rs (every parser of outside
# input, fed arbitrary, mutated and generated documents) with enough cases for TOTAL generated
# inputs in all (default 10,000,000), in a release build. CI runs the same properties with
# proptest's default 256 cases each.
#
#   scripts/fuzz.sh                              # 10 million inputs
#   scripts/fuzz.sh 1000000                      # fewer
#   nohup scripts/fuzz.sh > fuzz.log 2>&1 &      # in the background; `tail -f fuzz.log`
#
# Output is plain lines (no progress bars): each property reports every tenth of its cases and
# its total; the last line adds them up. Exit status 0 when every property held. A failure is
# shrunk to a minimal input, printed, and saved in tests/properties.proptest-regressions, which
# every later run (CI's included) replays first. FUZZ_THREADS sets the parallel properties
# (default: the CPUs).
set -euo pipefail
cd "$(dirname "$0")/.."

total=${1:-10000000}
if ! [[ $total =~ ^[0-9]+$ ]] || ((total < 1)); then
  echo "usage: scripts/fuzz.sh [TOTAL_INPUTS]" >&2
  exit 2
fi
log() { printf '[fuzz %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

log "building tests/properties.rs (release)"
cargo test --release --test properties --no-run

# Properties are the top-level tests; helper checks live in modules (`mutate::...`).
properties=$(cargo test --release --test properties -q -- --list 2>/dev/null |
  sed -n 's/: test$//p' | grep -v '::' || true)
count=$(grep -c . <<<"$properties" || true)
if ((count == 0)); then
  echo "scripts/fuzz.sh: no properties found in tests/properties.rs" >&2
  exit 1
fi
per=$(((total + count - 1) / count))
if ((per > 4294967295)); then
  echo "scripts/fuzz.sh: $per cases per property is more than proptest counts (u32)" >&2
  exit 2
fi
log "$count properties x $per cases = $((per * count)) inputs, ${FUZZ_THREADS:-$(nproc)} at a time"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
set +e
PROPTEST_CASES=$per AIDA_PROPERTY_PROGRESS=1 \
  cargo test --release --test properties -- --nocapture --test-threads "${FUZZ_THREADS:-$(nproc)}" \
  2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e
seconds=$(($(date +%s) - start))

# harness.rs prints `property NAME: N inputs in S s: ok|FAILED` when a property ends.
inputs=$(awk '$1 == "property" && $4 == "inputs" && $5 == "in" { n += $3 } END { print n + 0 }' "$out")
failed=$(grep -c '^property .* inputs in .*: FAILED$' "$out" || true)
if ((status == 0)); then
  result=ok
else
  result="FAILED ($failed properties; minimal inputs above, saved in tests/properties.proptest-regressions)"
fi
log "total: $inputs generated inputs across $count properties in ${seconds} s: $result"
exit "$status"
