#!/usr/bin/env bash
# Makes sure the database the gateways use answers. With DOL_DATABASE_URL set: that database, only
# checked (it is someone else's to start); the error names it (password hidden) and says why, as
# the gateway and ledger:verify do (gateway-api/src/database-problem.ts; this runs before a build).
# Without: the local PostgreSQL on 127.0.0.1:5432, starting the machine's cluster if it stopped.
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: bash scripts/ensure-postgres.sh   (environment: DOL_DATABASE_URL, default the local server on 127.0.0.1:5432)"
  exit 0
fi
if [[ -n "${DOL_DATABASE_URL:-}" ]]; then
  shown="$(printf '%s' "$DOL_DATABASE_URL" | sed -E 's#//([^:@/]*):[^@]*@#//\1:***@#')"
  if err="$(psql "$DOL_DATABASE_URL" -Atqc 'SELECT 1' 2>&1 >/dev/null)"; then
    echo "[postgres] ready: $shown (DOL_DATABASE_URL)"
    exit 0
  fi
  echo "[postgres] ERROR: cannot use the database DOL_DATABASE_URL names, $shown: ${err#psql: }" >&2
  echo "[postgres] Fix DOL_DATABASE_URL (postgres://user[:password]@host:port/database), or unset it to use the local server on 127.0.0.1:5432." >&2
  exit 1
fi
if pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "[postgres] ready on 127.0.0.1:5432"
  exit 0
fi
command -v pg_ctlcluster >/dev/null 2>&1 || { echo "[postgres] ERROR: not running and pg_ctlcluster is missing (apt-get install postgresql)" >&2; exit 1; }
version="$(ls /etc/postgresql | sort -V | tail -1)"
echo "[postgres] starting cluster $version/main"
pg_ctlcluster --skip-systemctl-redirect "$version" main start
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && { echo "[postgres] ready"; exit 0; }
  sleep 1
done
echo "[postgres] ERROR: did not become ready on 127.0.0.1:5432 within 30 s" >&2
exit 1
