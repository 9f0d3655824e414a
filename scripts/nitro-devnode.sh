#!/usr/bin/env bash
# Starts Offchain Labs' Nitro dev node with Docker (for users who have Docker;
# this repository's tests and demo otherwise use the embedded devnet).
# It listens on http://127.0.0.1:8547 (chain id 412346, the dev account
# 0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E funded) and, like the official
# nitro-devnode script, deploys the StylusDeployer the SDK deploys through.
# Then, for example:
#   NITRO_RPC_URL=http://127.0.0.1:8547 scripts/test            # e2e test on Nitro too
#   scripts/demo --external --rpc-url http://127.0.0.1:8547     # the demo on Nitro
set -euo pipefail
if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
  echo "error: a running Docker engine is needed for the Nitro dev node; use \`zkmltrack devnet\` instead" >&2
  exit 1
fi
dir=${NITRO_DEVNODE_DIR:-$HOME/.cache/zkmltrack/nitro-devnode}
if [[ ! -d "$dir" ]]; then
  git clone --depth 1 https://github.com/OffchainLabs/nitro-devnode.git "$dir"
fi
cd "$dir"
exec ./run-dev-node.sh "$@"
