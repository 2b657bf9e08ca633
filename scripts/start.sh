#!/usr/bin/env bash
# The README's first command (`npm start`): brings the whole system up on this machine and returns;
# `npm stop` stops it. With Fabric's binaries: the network (CAs, Raft orderer, three peers, one
# contract server per org) and one gateway API per organisation with users.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
step() { printf '\n[start] %s\n' "$*"; }

step "1/4 dependencies"
if [[ -d node_modules/typescript ]]; then echo "node_modules present"; else npm ci --no-audit --no-fund; fi

step "2/4 build (tsc -b)"
npm run --silent build

step "3/4 PostgreSQL (gateway intake)"
bash scripts/ensure-postgres.sh

step "4/4 Fabric binaries"
if bash scripts/install-fabric.sh --check; then
  exec node network/dist/system.js start "$@"
fi
echo "[start] ERROR: Fabric's binaries were not found (above), and this revision has no embedded ledger to fall back on yet." >&2
echo "[start] Get the binaries as docs/network.md says (or run 'npm run fabric:install' where there is internet access), then npm start again." >&2
exit 1
