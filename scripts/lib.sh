# Shared shell functions for the Leadbase scripts. Source it; do not run it.
# Every step checks before it installs or starts anything, so a second run is quick.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LEADBASE_DATA_DIR="${LEADBASE_DATA_DIR:-$ROOT/data}"
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_LEPTOS_VERSION="0.3.10"
WASM_OPT_VERSION="0.116.1"
PRIVATE_PG_PORT="${LEADBASE_PG_PORT:-5433}"

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The wasm-bindgen version that Cargo.lock pins: wasm-bindgen-cli must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust_tools() {
  command -v cargo >/dev/null || fail "cargo not found: install Rust with rustup first"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 30 minutes on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local wasm_bindgen_version
  wasm_bindgen_version="$(locked_wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wasm_bindgen_version\$"; then
    log "installing wasm-bindgen-cli $wasm_bindgen_version"
    # Without --locked: one of its locked dependencies is no longer on crates.io.
    cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
  fi
}

# wasm-opt shrinks the release WASM. Debian's binaryen 108 produces bundles
# that fail to hydrate, so it comes from crates.io instead.
ensure_wasm_opt() {
  if ! wasm-opt --version 2>/dev/null | grep -q "version 116"; then
    log "installing wasm-opt $WASM_OPT_VERSION (about 20 minutes on 2 cores, once)"
    cargo install wasm-opt --version "$WASM_OPT_VERSION"
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
}

ensure_node_packages() {
  command -v npm >/dev/null || { log "installing Node.js and npm"; apt_install nodejs npm; }
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ]; then
    log "installing the end-to-end test packages"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

pg_bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$dir" ]; then
    log "installing PostgreSQL from Debian's packages"
    apt_install postgresql postgresql-contrib
    dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  printf '%s\n' "$dir"
}

# Runs a PostgreSQL server program. PostgreSQL refuses to run as root, so root
# runs it as the postgres user.
run_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Sets PG_BASE_URL to a PostgreSQL server URL without a database name: the one
# in DATABASE_URL if set, else the server at 127.0.0.1:5432, else a private
# cluster under the data dir, started here.
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    PG_BASE_URL="${DATABASE_URL%/*}"
    return
  fi
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    PG_BASE_URL="postgres://postgres@127.0.0.1:5432"
    return
  fi

  local bin cluster
  bin="$(pg_bin_dir)"
  cluster="$LEADBASE_DATA_DIR/postgres"
  if [ ! -f "$cluster/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in $cluster"
    mkdir -p "$cluster"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$cluster"
    chmod 700 "$cluster"
    run_pg "$bin/initdb" -D "$cluster" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$PRIVATE_PG_PORT"; then
    log "starting the private PostgreSQL cluster on 127.0.0.1:$PRIVATE_PG_PORT"
    run_pg "$bin/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w \
      -o "-h 127.0.0.1 -p $PRIVATE_PG_PORT -k /tmp" start >/dev/null
  fi
  PG_BASE_URL="postgres://postgres@127.0.0.1:$PRIVATE_PG_PORT"
}
