#!/usr/bin/env bash
# `npm stop`: stops the gateways and the Fabric network that `npm start` brought up; ledgers are kept unless --purge.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/runtime.sh
[[ -f network/dist/system.js ]] || npm run --silent build
exec node network/dist/system.js stop "$@"
