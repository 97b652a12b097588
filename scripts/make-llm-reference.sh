#!/usr/bin/env bash
# Regenerates tests/fixtures/llm/ (reference token ids, NLLs, greedy continuation) from
# Hugging Face transformers (float32 on the dequantized GGUF) and llama.cpp. One-off; CI never
# runs it. Needs scripts/build-llama-cpp.sh first; installs torch+transformers+gguf from PyPI
# into a venv under ~/.cache/aida/venv-ref.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/aida"
VENV="${AIDA_REF_VENV:-$CACHE/venv-ref}"
GGUF="${1:-${AIDA_TEST_MODELS_DIR:-$CACHE/test-models}/gemma-3-270m-q4_k_m/gemma-3-270m-q4_k_m.gguf}"
LLAMA_BIN="${LLAMA_CPP_DIR:-$CACHE/llama.cpp}/bin"
[ -x "$LLAMA_BIN/llama-tokenize" ] || { echo "run scripts/build-llama-cpp.sh first" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch transformers gguf numpy accelerate
fi
"$VENV/bin/python" scripts/make-llm-reference.py "$GGUF" "$LLAMA_BIN" tests/fixtures/llm
