#!/usr/bin/env bash
# Side-by-side prefill/decode speed of AIDA's Gemma engine and llama.cpp on the same GGUF, in one
# run (the machine is noisy: compare only numbers from the same run). 310-token prompt, 64 new
# tokens, greedy, 2 threads, median of RUNS (default 3). Needs a release build of aida and
# scripts/build-llama-cpp.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aida"
GGUF="${1:-${AIDA_TEST_MODELS_DIR:-$CACHE/test-models}/gemma-3-270m-q4_k_m/gemma-3-270m-q4_k_m.gguf}"
LLAMA_BIN="${LLAMA_CPP_DIR:-$CACHE/llama.cpp}/bin"
RUNS="${RUNS:-3}"
THREADS="${THREADS:-2}"
AIDA="${AIDA_BIN:-${CARGO_TARGET_DIR:-target}/release/aida}"
[ -x "$AIDA" ] || cargo build --release --quiet
PROMPT=$(mktemp); trap 'rm -f "$PROMPT"' EXIT
# The same character prefix of the prose fixture for both engines (~310 Gemma tokens).
head -c 1330 tests/fixtures/llm/texts/prose.txt > "$PROMPT"
median() { sort -g | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]}'; }
declare -a AP AD LP LD
for i in $(seq "$RUNS"); do
  out=$(RAYON_NUM_THREADS=$THREADS "$AIDA" model generate --model "$GGUF" --prompt-file "$PROMPT" \
        --max-tokens 64 --format json)
  AP+=("$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prefill_tok_s"])')")
  AD+=("$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["decode_tok_s"])')")
  ptoks=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prompt_tokens"])')
  if [ -x "$LLAMA_BIN/llama-completion" ]; then
    log=$("$LLAMA_BIN/llama-completion" -m "$GGUF" -f "$PROMPT" -n 64 --temp 0 -t "$THREADS" \
          --ignore-eos -no-cnv -c 2048 2>&1 >/dev/null || true)
    LP+=("$(echo "$log" | sed -n 's/.*prompt eval time.*tokens.*, *\([0-9.]*\) tokens per second.*/\1/p' | tail -1)")
    LD+=("$(echo "$log" | sed -n 's/.*[^t] eval time.*runs.*, *\([0-9.]*\) tokens per second.*/\1/p' | tail -1)")
  fi
done
printf 'prompt tokens: %s, new tokens: 64, threads: %s, runs: %s (medians)\n' "$ptoks" "$THREADS" "$RUNS"
printf '| engine | prefill tok/s | decode tok/s |\n|---|---|---|\n'
printf '| aida (candle) | %s | %s |\n' "$(printf '%s\n' "${AP[@]}" | median)" "$(printf '%s\n' "${AD[@]}" | median)"
if [ "${#LP[@]}" -gt 0 ]; then
  printf '| llama.cpp | %s | %s |\n' "$(printf '%s\n' "${LP[@]}" | median)" "$(printf '%s\n' "${LD[@]}" | median)"
fi
