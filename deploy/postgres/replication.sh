#!/bin/sh
# Run once by the postgres image when it creates the primary's data directory
# (docker-compose.yml mounts it in /docker-entrypoint-initdb.d): lets the
# streaming replica (profile "replica") connect for replication, with the
# same password as the application. An existing data directory needs this
# line added to its pg_hba.conf by hand (then: SELECT pg_reload_conf()).
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
