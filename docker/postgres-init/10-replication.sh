#!/bin/sh
# Runs once, when the postgres:15 container initialises its data directory (docker-entrypoint-initdb.d).
# The image only lets "all" databases in over the network, which does not cover replication
# connections: allow them (password checked) so `siem backup` can take base backups with pg_basebackup.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
