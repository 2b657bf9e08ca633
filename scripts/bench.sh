#!/usr/bin/env bash
# `npm run bench`: every benchmark that can run on this machine, in one run, one after another
# (never two at once: on 2 cores they would measure each other). Each prints its own command,
# machine and figures; BENCHMARKS.md keeps the latest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: npm run bench   (environment: BENCH_STUDENTS, default 30000)"
  echo "  Every benchmark that can run here, one after another: bench:verify, bench:settle, bench:purse, bench:intake, bench:abuse"
  echo "  (paced and saturated), bench:burst, bench:edge, bench:issuance, bench:wallet, and where Fabric's binaries are found bench:fabric, bench:caliper and (as root) bench:multihost."
  exit 0
fi
STUDENTS="${BENCH_STUDENTS:-30000}"
step() { printf '\n== [bench %s] %s\n' "$1" "$2"; }

bash scripts/ensure-postgres.sh
npm run --silent build
export CORE_CHAINCODE_LOGGING_LEVEL=WARNING

step 1/14 "record verification: domain core vs raw node:crypto"
node scripts/dist/bench-verify.js --records 3000 --rounds 5
step 2/14 "settlement cost per batch size inside the contract alone (its unit-test stub, no ledger)"
node scripts/dist/bench-settle.js --payments 2000
step 3/14 "a purse purchase against a tap: verified, settled and funded inside the contract alone (stub, no ledger)"
node scripts/dist/bench-purse.js --payments 2000
step 4/14 "intake latency, 100 terminals paced at 100 batches/s"
node bench/dist/bench-intake.js --terminals 100 --batches 10 --records 50 --interval 1000
step 5/14 "intake at saturation, 100 terminals"
node bench/dist/bench-intake.js --terminals 100 --batches 10 --records 50
step 6/14 "reconnect burst, ${STUDENTS} students, 100 terminals, on the embedded ledger in PostgreSQL (not Fabric)"
node bench/dist/bench-burst.js --students "$STUDENTS" --terminals 100 --batch-size 200 --store postgres
step 7/14 "the gateway's door under abuse: slow connections, large unauthenticated bodies, wrong tokens, parallel reads, TLS handshakes"
node bench/dist/bench-abuse.js
step 8/14 "the site edge node: approval round trip and throughput on one core, replays stopped at the second stall, the hour with and without slices"
node bench/dist/bench-edge.js
step 9/14 "the morning refresh on the embedded ledger: ${STUDENTS} wallets, each a new certificate recorded (not Fabric)"
node bench/dist/bench-issuance.js --wallets "$STUDENTS" --concurrency 1000 --store postgres
step 10/14 "a payment code shown offline in Chromium: tap to QR on screen"
node bench/dist/bench-wallet.js --taps 300

if node -e "process.exit(require('./network/dist/binaries').binariesFound().found ? 0 : 1)"; then
  step 11/14 "settlement on the real Fabric network: batch sizes, certificate cache off/on, ${STUDENTS}-student burst, CPU per process"
  node bench/dist/bench-fabric.js --burst-students "$STUDENTS"
  step 12/14 "the same workload through Hyperledger Caliper (Fabric peer-gateway connector)"
  node bench/dist/caliper.js
  step 13/14 "the morning refresh on the real Fabric network: ${STUDENTS} wallets"
  node bench/dist/bench-issuance.js --wallets "$STUDENTS" --concurrency 1000 --ledger fabric
  step 14/14 "each organisation on its own host: the network across network namespaces, capped and cut links"
  if [[ "$(id -u)" == "0" ]]; then node bench/dist/multihost.js --cut-s 30; else printf '\n!!! bench:multihost NOT RUN: it needs root (network namespaces)\n'; fi
else
  printf '\n!!! settlement on the real Fabric network: NOT RUN. Fabric binaries not found (docs/network.md says how to get\n'
  printf '!!! them). Figures 2, 3 and 6 above are everything but Fabric.\n'
fi
