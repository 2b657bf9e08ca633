#!/usr/bin/env bash
# Builds Hyperledger Fabric's binaries from their Go modules into .fabric/bin (git-ignored), once.
#
#   bash scripts/install-fabric.sh            build, or reuse what the same version already built
#   bash scripts/install-fabric.sh --check    only say whether the pinned version is built (exit 0/1)
#
# Fabric's go.mod says `module github.com/hyperledger/fabric` (no /v2 suffix), so its v2.x tags
# are not valid Go module versions; the pin is therefore the release tag's commit, which Go turns
# into a pseudo-version. The tag is kept beside it for people.
set -euo pipefail

FABRIC_TAG="v2.5.16"
FABRIC_COMMIT="f871cf92a026aba7b12e6f06d71ded3e6e659d71"   # the commit that released v2.5.16 (latest of the 2.5 LTS line)
FABRIC_CA_VERSION="v1.5.15"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.fabric"
BIN="$DEST/bin"
STAMP="$DEST/VERSION"
WANT="fabric=$FABRIC_TAG@$FABRIC_COMMIT fabric-ca=$FABRIC_CA_VERSION"
TOOLS_FABRIC=(peer orderer configtxgen osnadmin)
TOOLS_CA=(fabric-ca-server fabric-ca-client)

say() { printf '[fabric:install] %s\n' "$*"; }
fail() { printf '[fabric:install] ERROR: %s\n' "$*" >&2; exit 1; }

built() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]] || return 1
  local t
  for t in "${TOOLS_FABRIC[@]}" "${TOOLS_CA[@]}"; do [[ -x "$BIN/$t" ]] || return 1; done
}

if [[ "${1:-}" == "--check" ]]; then
  if built; then say "built: $WANT in $BIN"; exit 0; fi
  say "not built: $WANT"; exit 1
fi

if built; then
  say "already built ($WANT): nothing to do"
  exit 0
fi

command -v go >/dev/null 2>&1 || fail "Go is not installed or not on PATH; install Go 1.22+ and run again."
say "using $(go version)"
PROXY="$(go env GOPROXY)"
[[ -n "$PROXY" && "$PROXY" != "off" ]] || fail "GOPROXY is '$PROXY'; the Go module proxy is needed to fetch Fabric's modules."

# Ask the proxy first, so a refusal is reported plainly instead of as a wall of go errors.
probe() {
  local module="$1" version="$2" out
  if ! out="$(GOFLAGS=-mod=mod go list -m -json "$module@$version" 2>&1)"; then
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    fail "the Go module proxy ($PROXY) will not serve $module@$version.
    Without it the Fabric binaries cannot be built on this machine (no Docker, no other download is reachable).
    See README.md, section 'Status of the Fabric network'."
  fi
}
say "asking the module proxy for github.com/hyperledger/fabric@$FABRIC_COMMIT ($FABRIC_TAG)"
probe github.com/hyperledger/fabric "$FABRIC_COMMIT"
say "asking the module proxy for github.com/hyperledger/fabric-ca@$FABRIC_CA_VERSION"
probe github.com/hyperledger/fabric-ca "$FABRIC_CA_VERSION"

mkdir -p "$BIN"
start=$(date +%s)
for t in "${TOOLS_FABRIC[@]}"; do
  say "building $t ($FABRIC_TAG)..."
  GOBIN="$BIN" CGO_ENABLED=0 go install "github.com/hyperledger/fabric/cmd/$t@$FABRIC_COMMIT" || fail "go install of $t failed (see above)"
done
for t in "${TOOLS_CA[@]}"; do
  say "building $t ($FABRIC_CA_VERSION)..."
  GOBIN="$BIN" go install "github.com/hyperledger/fabric-ca/cmd/$t@$FABRIC_CA_VERSION" || fail "go install of $t failed (see above)"
done
printf '%s' "$WANT" >"$STAMP"
say "built ${TOOLS_FABRIC[*]} ${TOOLS_CA[*]} into $BIN in $(( $(date +%s) - start )) s"
