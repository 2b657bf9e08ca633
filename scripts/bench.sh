#!/usr/bin/env bash
# `npm run bench`: every benchmark that can run on this machine, in one run, one after another
# (never two at once: on 2 cores they would measure each other). Each prints its own command,
# machine and figures; BENCHMARKS.md keeps the latest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STUDENTS="${BENCH_STUDENTS:-30000}"
step() { printf '\n== [bench %s] %s\n' "$1" "$2"; }

bash scripts/ensure-postgres.sh
npm run --silent build
export CORE_CHAINCODE_LOGGING_LEVEL=WARNING

step 1/5 "record verification: domain core vs raw node:crypto"
node scripts/dist/bench-verify.js --records 3000 --rounds 5
step 2/5 "settlement cost per batch size inside the contract (stub, no Fabric)"
node scripts/dist/bench-settle.js --payments 2000
step 3/5 "intake latency, 100 terminals paced at 100 batches/s"
node gateway-api/dist/bench-intake.js --terminals 100 --batches 10 --records 50 --interval 1000
step 4/5 "intake at saturation, 100 terminals"
node gateway-api/dist/bench-intake.js --terminals 100 --batches 10 --records 50
step 5/5 "reconnect burst, ${STUDENTS} students, 100 terminals (gateway + intake + contract on the stub, no Fabric)"
node gateway-api/dist/bench-burst.js --students "$STUDENTS" --terminals 100 --batch-size 200

printf '\n== settlement on the real Fabric network: NOT RUN. The Fabric binaries cannot be built on this machine\n'
printf '   (the Go module proxy refuses github.com/hyperledger/*), so no network exists to measure; README,\n'
printf '   "Status of the Fabric network". Figures 2 and 5 above are everything but Fabric.\n'
