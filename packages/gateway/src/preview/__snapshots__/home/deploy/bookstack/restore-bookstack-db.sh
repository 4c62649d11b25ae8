#!/bin/sh
# Restore bookstack's database from a dump: restic restore latest --target /tmp/r, then run this with the restored bookstack.sql.
# Stop the app first (docker stop) so it does not write while the dump loads.
set -eu
SRC="${1:-/var/backups/booxstream/dumps/bookstack/bookstack.sql}"
DB_EXEC="${DB_EXEC-docker exec -i bookstack-db}"
DB_DEFAULTS_FILE="${DB_DEFAULTS_FILE:-/run/secrets/dump.cnf}"
test -s "$SRC" || { echo "no dump at $SRC" >&2; exit 1; }
$DB_EXEC mariadb --defaults-extra-file="$DB_DEFAULTS_FILE" bookstack < "$SRC"
