#!/usr/bin/env bash
# The README's first command (`npm start`): brings the whole system up on this machine.
# Today: dependencies, build, Fabric binaries. Network, chaincode and gateway follow once the
# binaries can be built (README, 'Status of the Fabric network').
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
bash scripts/install-fabric.sh

step "network"
echo "[start] ERROR: the Fabric network scripts (network/) are not in this revision: see README, 'Status of the Fabric network'." >&2
exit 1
