#!/usr/bin/env bash
# The README's first command (`npm start`): brings the whole system up on this machine and returns;
# `npm stop` stops it. With Fabric's binaries: the network (CAs, Raft orderer, three peers, one
# contract server per org) and one gateway API per organisation with users. Without them, or with
# `npm start -- --embedded`: one gateway API over the embedded ledger (not a Fabric network).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/runtime.sh
if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
  [[ -f network/dist/system.js ]] || npm run --silent build
  exec node network/dist/system.js start --help
fi
# Options (and DOL_PORT) are checked before the slow steps, so that a mistyped one fails at once; by
# the built parser, unless the sources are newer than it (then after the build, as part of the start).
if [[ network/dist/system.js -nt network/src/system.ts && network/dist/system-options.js -nt network/src/system-options.ts ]]; then
  node network/dist/system.js check start "$@"
fi
step() { printf '\n[start] %s\n' "$*"; }

step "1/4 dependencies"
if [[ -d node_modules/typescript ]]; then echo "node_modules present"; else npm ci --no-audit --no-fund; fi

step "2/4 build (tsc -b)"
npm run --silent build

step "3/4 PostgreSQL (gateway intake)"
bash scripts/ensure-postgres.sh

step "4/4 ledger"
if [[ " $* " == *" --embedded "* ]]; then
  echo "[start] --embedded: the embedded ledger was asked for"
  exec node network/dist/system.js start "$@"
fi
if bash scripts/install-fabric.sh --check; then
  exec node network/dist/system.js start "$@"
fi
echo "[start] Fabric's binaries were not found (above): starting the gateway API on the EMBEDDED LEDGER — NOT A FABRIC NETWORK." >&2
echo "[start] For the real network, get the binaries as docs/network.md says (or 'npm run fabric:install' where there is internet), then npm stop && npm start." >&2
exec node network/dist/system.js start --embedded "$@"
