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
