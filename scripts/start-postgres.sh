#!/usr/bin/env bash
# Start the Debian PostgreSQL cluster for the test suite and print the admin URL the tests use.
# Needs root and the Debian `postgresql` package (scripts/setup.sh installs it).
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h /var/run/postgresql && break
  sleep 1
done
pg_isready -q -h /var/run/postgresql
me=$(id -un)
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='$me'\"" | grep -q 1 \
  || su postgres -c "createuser --superuser $me" >&2
echo "postgresql://$me@/postgres?host=/var/run/postgresql"
