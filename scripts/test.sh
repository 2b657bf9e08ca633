#!/usr/bin/env bash
# `npm test`, the README's second command: every test. Typecheck, lint, the unit project (unit,
# property, vector, bad-input, HTTP, console tests over the in-memory stub and PostgreSQL), then the
# real-network tests (scripts/test-fabric.sh), which say loudly when they did not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/runtime.sh
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: npm test"
  echo "  Every test: typecheck (tsc -b), lint (eslint), the jest project unit, then the real-network tests"
  echo "  (npm run test:fabric) whenever Fabric's binaries are found; without them it says loudly that they did not run."
  exit 0
fi
npm run --silent typecheck
npm run --silent lint
npx jest --selectProjects unit
bash scripts/test-fabric.sh
