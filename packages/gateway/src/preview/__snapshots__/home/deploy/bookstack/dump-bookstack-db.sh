#!/bin/sh
# Nightly dump of bookstack's database into the restic backup set. Rendered by @booxstream/gateway.
# DB_EXEC and DB_DEFAULTS_FILE may be overridden (tests run it against a local server).
set -eu
DEST="${BACKUP_DUMP_DIR:-/var/backups/booxstream/dumps/bookstack}"
DB_EXEC="${DB_EXEC-docker exec -i bookstack-db}"
DB_DEFAULTS_FILE="${DB_DEFAULTS_FILE:-/run/secrets/dump.cnf}"
umask 077
mkdir -p "$DEST"
partial="$DEST/.bookstack.sql.partial"
$DB_EXEC mariadb-dump --defaults-extra-file="$DB_DEFAULTS_FILE" --single-transaction --quick --routines --triggers --events --hex-blob --skip-dump-date bookstack > "$partial"
# mariadb-dump writes this line last: without it the dump stopped midway.
if ! tail -n 1 "$partial" | grep -q '^-- Dump completed'; then echo "dump of bookstack incomplete" >&2; rm -f "$partial"; exit 1; fi
mv "$partial" "$DEST/bookstack.sql"
