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

# Solidity packages the devnet tests compile (Chainlink's VRFCoordinatorV2_5Mock and the
# OpenZeppelin library it imports), pinned by version and integrity in
# tools/solidity-packages.tsv. They come as the registry's tarballs (`npm pack`): installing
# @chainlink/contracts would also pull its own dependencies, one of them from a git host.
ensure_solidity_packages() {
  local name version integrity dir tmp tgz got
  while IFS=$'\t' read -r name version integrity; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    dir="tools/solidity/$name@$version"
    [[ -f "$dir/.verified" ]] && continue
    echo "setup: fetching $name@$version (npm pack) into $dir"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent --loglevel=error "$name@$version" >/dev/null)
    tgz=$(ls "$tmp"/*.tgz)
    got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [[ "$got" != "$integrity" ]]; then
      echo "error: $name@$version has integrity $got, tools/solidity-packages.tsv pins $integrity" >&2
      rm -rf "$tmp"
      exit 1
    fi
    rm -rf "$dir" && mkdir -p "$dir" && tar xzf "$tgz" -C "$dir" --strip-components=1
    touch "$dir/.verified"
    rm -rf "$tmp"
  done < tools/solidity-packages.tsv
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
