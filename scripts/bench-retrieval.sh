#!/usr/bin/env bash
# Retrieval benchmark: ingests the shared runbook corpus, scores the dev queries (recall@1/3, MRR
# per mode and variant, strict and lenient), measures ingest time, warm query latency and
# embedding throughput, and embeds the same texts with sentence-transformers for comparison.
#
#   scripts/bench-retrieval.sh [DATA_DIR]      DATA_DIR defaults to tests/data
# Env: BENCH_PROFILE=release|dev (default release), AIDA_TEST_MODELS_DIR (MiniLM location),
#      ST_VENV (Python venv with sentence-transformers; created on first use).
# Prints a JSON summary on stdout; raw outputs stay in $BENCH_WORK (default /tmp/aida-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DATA="${1:-tests/data}"
CORPUS="$DATA/runbook-corpus"
QUERIES="$DATA/retrieval-dev/queries.jsonl"
[ -d "$CORPUS" ] || die "no corpus at $CORPUS"
[ -f "$QUERIES" ] || die "no queries at $QUERIES"
MODEL="${AIDA_TEST_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/test-models}/all-MiniLM-L6-v2"
[ -f "$MODEL/model.safetensors" ] || die "no MiniLM at $MODEL: run scripts/fetch-models.sh"
WORK="${BENCH_WORK:-/tmp/aida-bench}"
mkdir -p "$WORK"
PROFILE="${BENCH_PROFILE:-release}"

log "building the benchmark ($PROFILE profile)"
if [ "$PROFILE" = release ]; then
  cargo build --release --locked --example bench_retrieval
  BIN="$CARGO_TARGET_DIR/release/examples/bench_retrieval"
else
  cargo build --locked --example bench_retrieval
  BIN="$CARGO_TARGET_DIR/debug/examples/bench_retrieval"
fi

log "running the AIDA side"
"$BIN" "$CORPUS" "$QUERIES" "$MODEL" "$WORK" > "$WORK/aida.json"

ST_VENV="${ST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/st-venv}"
if ! "$ST_VENV/bin/python" -c "import sentence_transformers" 2>/dev/null; then
  log "creating $ST_VENV with sentence-transformers (one-off; torch comes from PyPI)"
  python3 -m venv "$ST_VENV"
  "$ST_VENV/bin/pip" install -q sentence-transformers
fi
log "running sentence-transformers on the same texts"
MAX_TOKENS="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["embedding"]["max_tokens"])' "$WORK/aida.json")"
HF_HUB_OFFLINE=1 "$ST_VENV/bin/python" scripts/bench_st.py "$MODEL" "$WORK/texts.jsonl" "$MAX_TOKENS" \
  "$WORK/query_texts.jsonl" > "$WORK/st.json"

python3 - "$WORK/aida.json" "$WORK/st.json" <<'PY'
import json, sys
aida = json.load(open(sys.argv[1])); st = json.load(open(sys.argv[2]))
print(f"ingest: {aida['ingest']['files']} files, {aida['ingest']['chunks']} chunks, "
      f"{aida['ingest']['seconds']:.1f} s (unchanged re-ingest {aida['ingest']['reingest_unchanged_seconds']:.2f} s)")
print(f"{'mode':8} {'variant':8} | {'R@1':>5} {'R@3':>5} {'MRR':>5} (lenient) | {'R@1':>5} {'R@3':>5} {'MRR':>5} (strict)")
for c in aida["cells"]:
    l, s = c["lenient"], c["strict"]
    print(f"{c['mode']:8} {c['variant']:8} | {l['recall_at_1']:5.3f} {l['recall_at_3']:5.3f} {l['mrr']:5.3f}           "
          f"| {s['recall_at_1']:5.3f} {s['recall_at_3']:5.3f} {s['mrr']:5.3f}")
for mode, lat in aida["latency"].items():
    print(f"latency {mode}: p50 {lat['p50_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms over {lat['queries']} queries")
e = aida["embedding"]
print(f"embeddings ({e['texts']} chunk texts, {e['tokens']} tokens, max {e['max_tokens']}): "
      f"aida {e['sentences_per_s']:.1f}/s, sentence-transformers {st['sentences_per_s']:.1f}/s "
      f"(torch {st['torch']}, {st['threads']} threads) -> {e['sentences_per_s']/st['sentences_per_s']:.2f}x")
q, sq = aida["query_embedding"], st["query"]
print(f"one query embedding ({q['queries']} alert queries, median {q['median_tokens']} tokens): "
      f"aida {'int8' if q['int8'] else 'f32'} p50 {q['p50_ms']:.2f} ms / p99 {q['p99_ms']:.2f} ms "
      f"(f32 p50 {q['f32_p50_ms']:.2f} ms / p99 {q['f32_p99_ms']:.2f} ms; cosine to f32 min "
      f"{q['cosine_to_f32_min']:.4f}, median {q['cosine_to_f32_median']:.4f}), "
      f"sentence-transformers p50 {sq['p50_ms']:.2f} ms / p99 {sq['p99_ms']:.2f} ms")
PY
