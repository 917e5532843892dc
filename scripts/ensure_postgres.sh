#!/usr/bin/env bash
# Make sure a PostgreSQL server is up and that the current OS user has a
# superuser role in it, so that Odoo connects over the unix socket with no
# password (as root: role "root").  Idempotent, quiet on success.
#
# If a server already answers (pg_isready, honouring PGHOST/PGPORT), nothing is
# started.  Otherwise the Debian cluster on port 5432 is started (created with
# pg_createcluster if there is none), and we wait until it is ready.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    rdv_die "PostgreSQL client tools (pg_isready, psql) not found.
    Install the server:  apt-get install -y postgresql   (or run: make deps)"
fi

port="${PGPORT:-5432}"
me="$(id -un)"

as_postgres() {
    # Runs "$@" as the postgres OS user.
    if [ "$me" = postgres ]; then
        "$@"
    elif [ "$(id -u)" -eq 0 ]; then
        # (cd /: postgres cannot enter root's working directory)
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            (cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
        fi
    elif command -v sudo >/dev/null 2>&1; then
        (cd / && sudo -n -u postgres "$@")
    else
        return 1
    fi
}

server_ready() {
    pg_isready -q -p "$port" >/dev/null 2>&1
}

if ! server_ready; then
    if [ -n "${PGHOST:-}" ] && [ "${PGHOST#/}" = "$PGHOST" ] && [ "$PGHOST" != localhost ]; then
        rdv_die "PGHOST=$PGHOST does not answer on port $port (pg_isready)."
    fi
    command -v pg_lsclusters >/dev/null 2>&1 ||
        rdv_die "no PostgreSQL server answers on port $port and Debian's cluster tools are
    missing.  Install the server:  apt-get install -y postgresql   (or run: make deps)"
    cluster="$(pg_lsclusters --no-header 2>/dev/null | awk -v p="$port" '$3 == p {print $1, $2; exit}')"
    if [ -z "$cluster" ]; then
        version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
            sort -V | tail -n 1)"
        [ -n "$version" ] || rdv_die "PostgreSQL server binaries not found in /usr/lib/postgresql.
    Install the server:  apt-get install -y postgresql"
        name=main
        [ ! -d "/etc/postgresql/$version/main" ] || name="main$port"
        rdv_log "creating PostgreSQL cluster $version/$name on port $port"
        as_postgres pg_createcluster --port "$port" "$version" "$name" >/dev/null ||
            rdv_die "pg_createcluster $version $name failed; run it as root."
        cluster="$version $name"
    fi
    rdv_log "starting PostgreSQL cluster $cluster"
    # pg_ctlcluster works as root (it switches to the cluster owner) or as postgres.
    # shellcheck disable=SC2086
    if [ "$(id -u)" -eq 0 ]; then
        pg_ctlcluster $cluster start || true
    else
        as_postgres pg_ctlcluster $cluster start || true
    fi
    for _ in $(seq 1 60); do
        server_ready && break
        sleep 0.5
    done
    server_ready || rdv_die "PostgreSQL cluster $cluster did not become ready on port $port.
    See: /var/log/postgresql/postgresql-${cluster// /-}.log"
fi

# The role of the current OS user, superuser, so Odoo (and createdb/dropdb)
# work over the unix socket with peer authentication and no password.
if [ "$(psql -X -Atq -p "$port" -d postgres -c 'SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user' 2>/dev/null || true)" != t ]; then
    if [ "$me" = postgres ]; then
        rdv_die "do not run as the OS user postgres: Odoo refuses the database role 'postgres'."
    fi
    rdv_log "creating PostgreSQL superuser role '$me'"
    as_postgres psql -X -q -p "$port" -d postgres -v ON_ERROR_STOP=1 -c \
        "DO \$\$BEGIN
            IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$me') THEN
                ALTER ROLE \"$me\" WITH LOGIN SUPERUSER CREATEDB;
            ELSE
                CREATE ROLE \"$me\" WITH LOGIN SUPERUSER CREATEDB;
            END IF;
        END\$\$;" ||
        rdv_die "could not create the PostgreSQL role '$me'. As root run:
    su postgres -c \"createuser --superuser $me\""
    [ "$(psql -X -Atq -p "$port" -d postgres -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" = t ] ||
        rdv_die "role '$me' exists but connecting as it fails (check pg_hba.conf: peer auth on the unix socket)."
fi
