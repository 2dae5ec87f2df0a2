#!/usr/bin/env bash
# docker/initdb/lifted-initdb.sh — roles, database and pg_hba.conf of a
# Lifted PostgreSQL container (docs/deployment.md).
#
# The official postgres image runs this once, on the first start of an
# empty data directory, from /docker-entrypoint-initdb.d/ (as the OS user
# postgres, against its temporary socket-only server). It can be run again
# at any time (idempotent), e.g. after a password change:
#
#   docker-compose exec -u postgres app-db /docker-entrypoint-initdb.d/10-lifted-roles.sh
#
# It feeds psql, through stdin, one `\set <role>_password '...'` line per
# role (read from the secret files) followed by docker/initdb/<db>-roles.sql,
# the same file scripts/stack runs: passwords never appear on a command
# line. Then it rewrites pg_hba.conf and reloads the server.
#
# Environment (set in the compose files; none of them is a LIFTED_* name):
#   INITDB_DATABASE      app | cms                        (required)
#   INITDB_NETWORK_CIDR  the address range of the containers on this host
#                        that may connect with a password (the compose
#                        network's subnet)                 (required)
#   INITDB_CMS_CIDR      App database only: the CMS host's address(es),
#                        admitted for cms_publisher only   (required for app)
#   INITDB_SECRETS_DIR   where <role>_password files are   (/run/secrets)
#   INITDB_SQL_DIR       where <db>-roles.sql is           (/lifted-initdb)
#   PGDATA, PGPORT       set by the image / the compose file
set -euo pipefail

die() {
    echo "lifted-initdb: $*" >&2
    exit 1
}

which=${INITDB_DATABASE:-}
secrets=${INITDB_SECRETS_DIR:-/run/secrets}
sqldir=${INITDB_SQL_DIR:-/lifted-initdb}
net=${INITDB_NETWORK_CIDR:-}
cms=${INITDB_CMS_CIDR:-}
[[ -n ${PGDATA:-} && -f $PGDATA/PG_VERSION ]] || die "PGDATA does not name a cluster"
[[ ${POSTGRES_USER:-postgres} == postgres ]] ||
    die "POSTGRES_USER must be postgres (the superuser logs in by peer over the socket only)"

case $which in
app)
    db=lifted_app
    roles=(app_owner app_reader cms_publisher)
    [[ -n $cms ]] || die "INITDB_CMS_CIDR (the CMS host's address) is required for the App database"
    ;;
cms)
    db=lifted_cms
    roles=(cms_owner scraper)
    ;;
*) die "INITDB_DATABASE must be app or cms (got '$which')" ;;
esac

cidr_ok() {
    [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ || $1 =~ ^[0-9A-Fa-f:]+/[0-9]{1,3}$ ]]
}
[[ -n $net ]] || die "INITDB_NETWORK_CIDR is required"
for c in $net $cms; do cidr_ok "$c" || die "'$c' is not an address/prefix (CIDR)"; done
[[ -f $sqldir/$which-roles.sql ]] || die "$sqldir/$which-roles.sql is missing"

{
    for r in "${roles[@]}"; do
        f=$secrets/${r}_password
        [[ -s $f ]] || die "$f is missing or empty (docker/make-secrets creates it)"
        pw=$(<"$f")
        pw=${pw%$'\r'}
        [[ $pw =~ ^[A-Za-z0-9._~-]+$ ]] ||
            die "$f may hold only letters, digits and ._~- (it goes into URLs too)"
        printf "\\\\set %s_password '%s'\n" "$r" "$pw"
    done
    cat "$sqldir/$which-roles.sql"
} | psql -X -q -v ON_ERROR_STOP=1 --username postgres --dbname postgres

# Who may connect: the superuser only through the socket as its own OS
# user; the project's roles only with a password, only to their database,
# only from this host's containers; on the App database, cms_publisher
# also from the CMS host (SPEC 2: the App host and the CMS host, nobody
# else).
hba=$PGDATA/pg_hba.conf
{
    echo "# written by lifted-initdb.sh (rewritten on each run)"
    echo "# TYPE  DATABASE  USER  ADDRESS  METHOD"
    echo "local   all  postgres  peer"
    roles_csv=$(IFS=,; echo "${roles[*]}")
    for c in $net; do
        echo "host    $db  $roles_csv  $c  scram-sha-256"
    done
    for c in $cms; do
        echo "host    $db  cms_publisher  $c  scram-sha-256"
    done
} >"$hba.tmp"
chmod 0600 "$hba.tmp"
mv "$hba.tmp" "$hba"
psql -X -q -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
    -c 'SELECT pg_reload_conf()' >/dev/null
echo "lifted-initdb: roles ${roles[*]}, database $db and pg_hba.conf are in place"
