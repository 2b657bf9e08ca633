#!/usr/bin/env bash
# Makes sure the local PostgreSQL answers on 127.0.0.1:5432, starting the machine's cluster if it stopped.
set -euo pipefail
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
