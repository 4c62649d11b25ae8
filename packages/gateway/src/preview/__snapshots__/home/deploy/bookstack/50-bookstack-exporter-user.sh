# shellcheck shell=bash
# bookstack's database: the Prometheus exporter's account. Rendered by @booxstream/gateway.
exporter_password="$(cat "${SECRETS_DIR:-/run/secrets}/exporter_password")"
docker_process_sql <<SQL
CREATE USER IF NOT EXISTS 'exporter'@'172.30.10.4' IDENTIFIED BY '${exporter_password}' WITH MAX_USER_CONNECTIONS 3;
GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'exporter'@'172.30.10.4';
SQL
unset exporter_password
