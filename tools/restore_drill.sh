#!/usr/bin/env bash
# Restore drill (docs/operations.md, "Backup and restore"): take a pg_dump of DATABASE_URL (or use the
# dump given as $1), restore it into a scratch database on the same server, check the restored copy
# the way a deploy would (no migration missing, Django's checks, /api/health/ answering with the
# scratch database), compare the row counts of the tables that matter, print the timings, and drop
# the scratch database (KEEP=1 keeps it). Exits non-zero when any step fails.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/salesone tools/restore_drill.sh [dump.pgc]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"

base_url=${DATABASE_URL%/*}
source_db=${DATABASE_URL##*/}
scratch_db="${source_db}_restore_drill_$(date -u +%Y%m%d%H%M%S)"
scratch_url="$base_url/$scratch_db"
workdir=$(mktemp -d)
dump=${1:-$workdir/$source_db.pgc}
now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.1f}')"; }

cleanup() {
  if [ "${KEEP:-0}" != 1 ]; then
    psql -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS \"$scratch_db\" WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

started=$(now)
if [ -z "${1:-}" ]; then
  # Custom format: compressed, restorable in parallel, table by table.
  pg_dump --format=custom --no-owner --file="$dump" "$DATABASE_URL"
fi
dumped=$(now)
echo "dump: $dump ($(du -h "$dump" | cut -f1)) in $(seconds "$started" "$dumped") s"

psql -q "$base_url/postgres" -c "CREATE DATABASE \"$scratch_db\""
pg_restore --no-owner --jobs=2 --exit-on-error --dbname="$scratch_url" "$dump"
restored=$(now)
echo "restore into $scratch_db: $(seconds "$dumped" "$restored") s"

DATABASE_URL=$scratch_url $PYTHON manage.py migrate --check --no-input >/dev/null \
  && echo "migrations: none missing" || { echo "ERROR: the restored database lacks migrations" >&2; exit 1; }
DATABASE_URL=$scratch_url $PYTHON manage.py check --database default --fail-level ERROR >/dev/null
echo "django check: ok"

DATABASE_URL=$scratch_url $PYTHON manage.py shell -v0 -c '
import json, sys
from django.test import Client
response = Client().get("/api/health/", HTTP_HOST="127.0.0.1")
body = response.json()
print("health:", response.status_code, body["status"], json.dumps(body["checks"]))
sys.exit(0 if response.status_code == 200 else 1)
'

tables="accounts_user leads_lead leads_leadlist campaigns_campaign campaigns_campaignleadresult tracking_trackingevent clients_client tasks_task workflows_workflow salesone_leads_salesonelead"
count() { psql -Atq "$1" -c "SELECT count(*) FROM $2"; }
mismatch=0
for table in $tables; do
  a=$(count "$DATABASE_URL" "$table"); b=$(count "$scratch_url" "$table")
  [ -n "${1:-}" ] && { echo "rows $table: $b"; continue; }  # a given dump may be older than the database
  printf 'rows %-32s source %10s  restored %10s\n' "$table" "$a" "$b"
  [ "$a" = "$b" ] || mismatch=1
done
[ "$mismatch" = 0 ] || echo "NOTE: counts differ: the source database was written to during the drill" >&2
echo "restore drill ok in $(seconds "$started" "$(now)") s (scratch database ${KEEP:+kept: }$scratch_db)"
