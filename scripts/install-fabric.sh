#!/usr/bin/env bash
# Finds Hyperledger Fabric's binaries, the project's prerequisite (DESIGN §3); never builds or ships them.
#
#   bash scripts/install-fabric.sh           find them; where absent, download the pinned official
#                                             release archives into .fabric/ (needs internet access)
#   bash scripts/install-fabric.sh --check   only say whether they are found (exit 0/1)
#
# Search order, the same as network/src/binaries.ts: $FABRIC_BIN, then $PATH, then .fabric/bin.
# The chaincode-as-a-service builder is $FABRIC_CCAAS_BUILDER or <bin>/../builders/ccaas, as laid
# out in Fabric's release archive.
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi

FABRIC_VERSION="2.5.16"
FABRIC_CA_VERSION="1.5.21"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.fabric"
TOOLS=(peer orderer configtxgen osnadmin fabric-ca-server fabric-ca-client)

say() { printf '[fabric:install] %s\n' "$*"; }

find_tool() {
  local t="$1" d
  if [[ -n "${FABRIC_BIN:-}" && -x "$FABRIC_BIN/$t" ]]; then echo "$FABRIC_BIN/$t"; return 0; fi
  if command -v "$t" >/dev/null 2>&1; then command -v "$t"; return 0; fi
  d="$DEST/bin/$t"
  if [[ -x "$d" ]]; then echo "$d"; return 0; fi
  return 1
}

version_of() { "$1" version 2>/dev/null | sed -n 's/^ *Version: *v\{0,1\}\([0-9][0-9.]*\).*/\1/p' | head -1; }

# Prints every problem; returns 0 when everything is found at the pinned versions.
check() {
  local problems=() t path v builder
  for t in "${TOOLS[@]}"; do
    if ! path="$(find_tool "$t")"; then problems+=("$t: not found"); continue; fi
    case "$t" in
      peer|orderer) v="$(version_of "$path")"; [[ "$v" == "$FABRIC_VERSION" ]] || problems+=("$t ($path) says version '${v:-?}', want $FABRIC_VERSION") ;;
      fabric-ca-server) v="$(version_of "$path")"; [[ "$v" == "$FABRIC_CA_VERSION" ]] || problems+=("$t ($path) says version '${v:-?}', want $FABRIC_CA_VERSION") ;;
    esac
  done
  builder="${FABRIC_CCAAS_BUILDER:-}"
  if [[ -z "$builder" ]] && path="$(find_tool peer)"; then builder="$(dirname "$path")/../builders/ccaas"; fi
  for t in detect build release; do
    [[ -n "$builder" && -x "$builder/bin/$t" ]] || { problems+=("chaincode-as-a-service builder: no bin/$t in ${builder:-(no peer found)}"); break; }
  done
  if ((${#problems[@]} > 0)); then
    for t in "${problems[@]}"; do say "  - $t"; done
    return 1
  fi
  say "found Fabric $FABRIC_VERSION and fabric-ca $FABRIC_CA_VERSION: $(dirname "$(find_tool peer)"); builder $(cd "$builder" && pwd)"
}

if check; then exit 0; fi
[[ "${1:-}" == "--check" ]] && exit 1

# Not found: fetch the official release archives (they hold bin/, config/ and builders/ccaas/).
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-amd64 ;;
  Linux-aarch64) platform=linux-arm64 ;;
  Darwin-x86_64) platform=darwin-amd64 ;;
  Darwin-arm64) platform=darwin-arm64 ;;
  *) say "no official Fabric release for $(uname -s)-$(uname -m)"; exit 1 ;;
esac
FABRIC_URL="https://github.com/hyperledger/fabric/releases/download/v$FABRIC_VERSION/hyperledger-fabric-$platform-$FABRIC_VERSION.tar.gz"
CA_URL="https://github.com/hyperledger/fabric-ca/releases/download/v$FABRIC_CA_VERSION/hyperledger-fabric-ca-$platform-$FABRIC_CA_VERSION.tar.gz"
mkdir -p "$DEST"
fetched=true
for url in "$FABRIC_URL" "$CA_URL"; do
  say "downloading $url"
  if ! curl -fsSL --connect-timeout 15 --max-time 600 "$url" | tar -xz -C "$DEST"; then fetched=false; break; fi
done
if $fetched && check; then say "installed into $DEST"; exit 0; fi

cat >&2 <<EOF
[fabric:install] ERROR: Fabric's binaries are not on this machine and could not be downloaded.
  What is needed: peer, orderer, configtxgen and osnadmin of Fabric $FABRIC_VERSION; fabric-ca-server
  and fabric-ca-client of fabric-ca $FABRIC_CA_VERSION; and the chaincode-as-a-service builder
  (detect, build, release) in <bin>/../builders/ccaas/bin or \$FABRIC_CCAAS_BUILDER.
  How to get them: on a machine with internet access this script unpacks the official release
  archives into .fabric/. Without internet access, build them from Fabric's own source (tag
  v$FABRIC_VERSION, cmd/<tool> and the Go module ccaas_builder/; fabric-ca tag v$FABRIC_CA_VERSION), put them
  in a folder on the PATH (or set FABRIC_BIN), and run this again. docs/network.md has the details.
  Without them, the real-network tests do not run (npm test says so loudly).
EOF
exit 1
