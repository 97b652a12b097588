# Shared helpers for AIDA's scripts. Source it; do not run it.

# Bold only on a terminal and without NO_COLOR (https://no-color.org): logs are often redirected.
log() {
  if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
    printf '\033[1m==> %s\033[0m\n' "$*" >&2
  else
    printf '==> %s\n' "$*" >&2
  fi
}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (install sudo or run as root)"; fi
}

APT_UPDATED=""
# apt_install PKG...: installs the Debian packages not yet installed (idempotent).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get to install them"
  log "installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The build needs a C compiler (SQLite, ring, zstd are built from source), pip and unzip for models.
ensure_build_deps() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain (https://rustup.rs) first"
  local want=(ca-certificates unzip)
  command -v cc >/dev/null 2>&1 || want+=(build-essential)
  command -v pip3 >/dev/null 2>&1 || python3 -m pip --version >/dev/null 2>&1 || want+=(python3-pip)
  command -v python3 >/dev/null 2>&1 || want+=(python3)
  apt_install "${want[@]}"
}

# One target directory per machine, reused across clones so CI and quickstart rebuild only AIDA.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aida/target}"

# stop_pidfile FILE: stops the process whose pid FILE holds (TERM, then KILL), removes FILE.
stop_pidfile() {
  local pidfile="$1"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; sleep 0.5; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
}
