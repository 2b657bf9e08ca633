#!/usr/bin/env bash
# The real-network tests (jest project `fabric`), one file at a time, whenever Fabric's binaries
# are found. Without them: one loud line saying they did not run and why, kept in
# network/test-run/NOT-RUN.txt so that .ci/run can repeat it at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/runtime.sh
mkdir -p network/test-run
rm -f network/test-run/NOT-RUN.txt
if why="$(node -e "
  const r = require('./network/dist/binaries').binariesFound();
  if (!r.found) { process.stdout.write(r.why); process.exit(1); }")"; then
  exec npx jest --selectProjects fabric --runInBand "$@"
fi
line="REAL-NETWORK TESTS DID NOT RUN: Fabric's binaries were not found ($why). See docs/network.md."
printf '%s\n' "$line" >network/test-run/NOT-RUN.txt
printf '\n!!!!!!!!!!\n!!! %s\n!!!!!!!!!!\n\n' "$line" >&2
