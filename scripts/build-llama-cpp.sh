#!/usr/bin/env bash
# Builds the reference llama.cpp tools (llama-tokenize, llama-perplexity, llama-completion,
# llama-bench) from the llama-cpp-python sdist on PyPI, which bundles llama.cpp's sources.
# Used only to produce reference fixtures and side-by-side benchmarks; CI never runs it.
# Output: $LLAMA_CPP_DIR/bin (default ~/.cache/aida/llama.cpp/bin). Takes ~8 min on 2 cores.
set -euo pipefail
ROOT="${LLAMA_CPP_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/llama.cpp}"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-}"
mkdir -p "$ROOT"
cd "$ROOT"
if [ ! -x tools/bin/cmake ] || [ ! -x tools/bin/ninja ]; then
  python3 -m venv tools
  tools/bin/pip install -q cmake ninja
fi
if [ ! -d src ]; then
  # `pip download` of an sdist would build its build-dependencies from source just to read
  # metadata; fetch the sdist file named by PyPI's JSON API instead.
  url=$(tools/bin/python - "$VERSION" <<'PY'
import json, sys, urllib.request
version = sys.argv[1]
path = f"llama-cpp-python/{version}/json" if version else "llama-cpp-python/json"
from urllib.parse import urljoin
api = f"https://pypi.org/pypi/{path}"
info = json.load(urllib.request.urlopen(api))
# Mirrors may answer with relative file URLs.
print(urljoin(api, next(u["url"] for u in info["urls"] if u["packagetype"] == "sdist")))
PY
)
  mkdir -p sdist
  tools/bin/python -c "import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])" "$url" sdist/llama_cpp_python.tar.gz
  mkdir -p src
  tar -xzf sdist/llama_cpp_python.tar.gz -C src --strip-components=1
fi
LLAMA="$ROOT/src/vendor/llama.cpp"
[ -f "$LLAMA/CMakeLists.txt" ] || { echo "no vendored llama.cpp in the sdist" >&2; exit 1; }
PATH="$ROOT/tools/bin:$PATH"
cmake -S "$LLAMA" -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DBUILD_SHARED_LIBS=OFF
targets=()
for t in llama-tokenize llama-perplexity llama-completion llama-cli llama-bench; do
  if ninja -C build -t query "$t" >/dev/null 2>&1; then targets+=("$t"); fi
done
ninja -C build -j "${JOBS:-2}" "${targets[@]}"
mkdir -p bin
for t in "${targets[@]}"; do cp "build/bin/$t" bin/; done
echo "built: ${targets[*]} in $ROOT/bin"
