#!/usr/bin/env bash
# The real-network tests (jest project `fabric`), one file at a time, whenever Fabric's binaries
# are found. Without them: one loud line saying they did not run and why, kept in
# network/test-run/NOT-RUN.txt so that .ci/run can repeat it at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/runtime.sh
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: npm run test:fabric [-- jest options, e.g. --runTestsByPath test/fabric/system.test.ts]"
  echo "  The real-network tests (jest project fabric, one file at a time) on a network of their own"
  echo "  (network/test-run, ports 27000+); without Fabric's binaries, one loud line saying they did not run."
  exit 0
fi
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
