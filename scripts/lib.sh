# Shared helpers for the zkMLTrack scripts (sourced, not run).

# The contracts' pinned toolchain (contracts/rust-toolchain.toml) with the wasm32 target.
ensure_wasm_target() {
  local toolchain
  toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' contracts/rust-toolchain.toml)
  if ! rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -q wasm32-unknown-unknown; then
    echo "setup: installing Rust $toolchain with the wasm32-unknown-unknown target"
    rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy --target wasm32-unknown-unknown
  fi
}

# Pinned npm tools (tools/package.json) in tools/node_modules.
ensure_npm_tools() {
  if ! command -v npm >/dev/null; then
    echo "error: npm is required (Node.js 20+) to install the pinned tools in tools/" >&2
    exit 1
  fi
  if [[ ! -f tools/node_modules/.installed ]] || [[ tools/package-lock.json -nt tools/node_modules/.installed ]]; then
    echo "setup: installing pinned npm tools into tools/node_modules"
    (cd tools && npm ci --no-audit --no-fund --loglevel=error)
    touch tools/node_modules/.installed
  fi
}

# Headless Chromium for the browser checks of `zkmltrack serve` (Debian's package; browsers
# that download themselves do not install here). Needs root and apt, as on CI's machine.
ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    return
  fi
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    echo "setup: installing chromium (apt) for the browser checks"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: no /usr/bin/chromium and no root apt-get: the browser checks will be skipped" >&2
  fi
}
