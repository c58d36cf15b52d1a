#!/usr/bin/env bash
# Restore rehearsal (README "Backups"): back up SOURCE_DB with pg_dump, restore
# the dump into a fresh database with pg_restore, and check that every table
# holds the same number of rows in both. Exits non-zero on any difference.
#
#   scripts/restore-rehearsal.sh SOURCE_DB [TARGET_DB]
#
# Connection settings come from the usual libpq variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD); the defaults suit .ci/run (127.0.0.1, user postgres).
# TARGET_DB (default SOURCE_DB_rehearsal) is dropped and created; it is
# dropped again at the end unless KEEP=1.
set -euo pipefail
SOURCE=${1:?usage: $0 SOURCE_DB [TARGET_DB]}
TARGET=${2:-${SOURCE}_rehearsal}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
[ "$SOURCE" != "$TARGET" ] || { echo "the target must differ from the source" >&2; exit 2; }

WORK=$(mktemp -d)
cleanup() {
  rm -rf "$WORK"
  if [ "${KEEP:-0}" != 1 ]; then
    psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$TARGET\"" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "backup:  pg_dump -Fc $SOURCE"
pg_dump -Fc -d "$SOURCE" -f "$WORK/backup.dump"
echo "         $(du -h "$WORK/backup.dump" | cut -f1) in $WORK/backup.dump"

echo "restore: pg_restore into a fresh $TARGET"
psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$TARGET\"" -c "CREATE DATABASE \"$TARGET\""
pg_restore --no-owner --exit-on-error -d "$TARGET" "$WORK/backup.dump"

# Exact row counts of every table, one "table count" line each.
counts() {
  local db=$1 table
  psql -At -d "$db" -c "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename" |
    while read -r table; do
      printf '%s %s\n' "$table" "$(psql -At -d "$db" -c "SELECT count(*) FROM $table")"
    done
}
counts "$SOURCE" >"$WORK/source.txt"
counts "$TARGET" >"$WORK/target.txt"

tables=$(wc -l <"$WORK/source.txt")
rows=$(awk '{ n += $2 } END { print n + 0 }' "$WORK/source.txt")
if ! diff -u "$WORK/source.txt" "$WORK/target.txt"; then
  echo "FAILED: the restored database differs from $SOURCE (above)" >&2
  exit 1
fi
[ "$tables" -gt 0 ] || { echo "FAILED: $SOURCE has no tables" >&2; exit 1; }
echo "OK: $tables tables, $rows rows, the same in $SOURCE and its restored copy $TARGET"
