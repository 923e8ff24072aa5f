#!/bin/bash
# The streaming replica: on an empty data directory, copy the primary with
# pg_basebackup (which writes standby.signal and primary_conninfo naming the
# slot), then run as a hot standby.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  export PGPASSWORD="$REPLICATION_PASSWORD"
  until pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -X stream -S replica1; do
    echo "waiting for the primary" >&2
    rm -rf "$PGDATA"
    sleep 2
  done
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c max_connections=300
