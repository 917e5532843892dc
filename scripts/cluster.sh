#!/usr/bin/env bash
# The production topology on loopback (make cluster / cluster-stop / cluster-status):
#
#   nginx :CLUSTER_PORT ──> web node 1 :PORT+1 (gevent :PORT+3) ──┐
#                      └──> web node 2 :PORT+2 (gevent :PORT+4) ──┤── PostgreSQL primary :PG_PORT
#                                                   cron node ────┘      │ streaming
#                              read-only routes of the web nodes ──> replica :PG_REPLICA_PORT
#
# All from Debian packages (nginx, postgresql-common's pg_createcluster) and
# Odoo's own options; the configuration files are the templates of deploy/,
# rendered into $CLUSTER_DIR/etc.  Its own PostgreSQL clusters: restarting
# them never touches the machine's main cluster (port 5432, used by the tests).
#
#   scripts/cluster.sh start|stop|status|destroy|rolling-restart|stop-node NODE|start-node NODE
#   (NODE: web1, web2, cron, or cron2... for another cron node; rolling-restart:
#   each Odoo node in turn, after a code change or when the replica is back)
#
# Environment (defaults in brackets; change the ports, names and directory to
# run a second cluster side by side):
#   CLUSTER_PORT=n          nginx [8090]; web nodes n+1, n+2; their gevent ports n+3, n+4
#   CLUSTER_PG_PORT=n       PostgreSQL primary [5441]
#   CLUSTER_PG_REPLICA_PORT PostgreSQL replica [CLUSTER_PG_PORT + 1]
#   CLUSTER_NAME=name       prefix of the PostgreSQL clusters' names [rdv]: NAME_primary, NAME_replica
#   CLUSTER_DB=name         database [rdv_cluster]
#   CLUSTER_DIR=path        configuration, shared data_dir, logs, pids [var/cluster]
#   CLUSTER_WORKERS=n       Odoo workers per web node [2]
#   CLUSTER_REPLICA=0       web nodes read from the primary only (no db_replica_*)
#   RESET=1                 (start) drop everything of this cluster first and recreate it
#   MODULES=a,b             addons installed in the database [the three rdv_* addons]
# The R_* variables are read by render() through indirection; the secrets come
# from $SECRETS.
# shellcheck disable=SC2034,SC2153
set -euo pipefail
# Bash 5.2 would read "&" in a replacement as the matched text (render()).
shopt -u patsub_replacement 2>/dev/null || true
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$RDV_ROOT"

PORT="${CLUSTER_PORT:-8090}"
PG_PORT="${CLUSTER_PG_PORT:-5441}"
PG_REPLICA_PORT="${CLUSTER_PG_REPLICA_PORT:-$((PG_PORT + 1))}"
NAME="${CLUSTER_NAME:-rdv}"
DB="${CLUSTER_DB:-rdv_cluster}"
DIR="${CLUSTER_DIR:-$RDV_ROOT/var/cluster}"
WORKERS="${CLUSTER_WORKERS:-2}"
USE_REPLICA="${CLUSTER_REPLICA:-1}"
for v in PORT PG_PORT PG_REPLICA_PORT WORKERS; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || rdv_die "$v must be a number: ${!v}"
done
[[ "$NAME" =~ ^[a-z][a-z0-9_]*$ ]] || rdv_die "CLUSTER_NAME: lowercase letters, digits, _: $NAME"
[[ "$DB" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || rdv_die "invalid CLUSTER_DB name: $DB"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

PG_PRIMARY="${NAME}_primary"
PG_REPLICA="${NAME}_replica"
PG_SLOT="${NAME}_replica"
DB_USER="${NAME}_odoo"
REPL_USER="${NAME}_replicator"
WEB_NODES=(web1 web2)
ETC="$DIR/etc"
LOG="$DIR/log"
RUN="$DIR/run"
DATA="$DIR/data"
SECRETS="$DIR/secrets.env"
WAL_ARCHIVE="$DIR/wal-archive"

http_port() { case "$1" in web1) echo $((PORT + 1)) ;; web2) echo $((PORT + 2)) ;; esac; }
gevent_port() { case "$1" in web1) echo $((PORT + 3)) ;; web2) echo $((PORT + 4)) ;; esac; }

# Fails unless nothing listens on 127.0.0.1:$1 ($2 says what it was for).
require_free_port() {
    if "$PYTHON" -c 'import socket, sys; s = socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"; then
        rdv_die "port $1 ($2) is taken by another program: set CLUSTER_PORT, CLUSTER_PG_PORT or CLUSTER_PG_REPLICA_PORT (see $0)"
    fi
}

# --- PostgreSQL (Debian clusters) -------------------------------------------

pg_version() {
    local v
    v="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -n 1)"
    [ -n "$v" ] || rdv_die "no PostgreSQL server installed (make deps)"
    echo "$v"
}

# Runs a command as the postgres OS user (which owns the clusters' files).
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && sudo -u postgres "$@")
    fi
}

pg_cluster_exists() { pg_lsclusters -h "$PGV" "$1" >/dev/null 2>&1; }
pg_cluster_online() { pg_lsclusters -h "$PGV" "$1" 2>/dev/null | awk '{print $4}' | grep -q '^online'; }
pg_datadir() { pg_lsclusters -h "$PGV" "$1" | awk '{print $6}'; }
pg_ctl() {
    local cmd=(pg_ctlcluster "$PGV" "$2" "$1")
    [ "$(id -u)" -eq 0 ] || cmd=(sudo "${cmd[@]}")
    "${cmd[@]}"
}
# psql as postgres on one of our clusters: pg_psql PORT [psql args]
pg_psql() {
    local port="$1"
    shift
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"
}

# Renders a template of deploy/ (or stdin): each @KEY@ replaced by $R_KEY.
render() {
    local src="$1" dst="$2" text key
    text="$(cat "$src")"
    for key in $(grep -o '@[A-Z_]*@' "$src" | sort -u | tr -d '@'); do
        local var="R_$key"
        [ -n "${!var+set}" ] || rdv_die "render $src: no value for @$key@"
        text="${text//@$key@/${!var}}"
    done
    printf '%s\n' "$text" >"$dst.tmp"
    mv "$dst.tmp" "$dst"
}

install_pg_conf() {
    local cluster="$1" template="$2"
    R_LISTEN_ADDRESSES="127.0.0.1"
    R_ARCHIVE_MODE="on"
    R_ARCHIVE_COMMAND="test ! -f $WAL_ARCHIVE/%f && cp %p $WAL_ARCHIVE/%f"
    render "$template" "/etc/postgresql/$PGV/$cluster/conf.d/rdv.conf"
    chown postgres:postgres "/etc/postgresql/$PGV/$cluster/conf.d/rdv.conf" 2>/dev/null || true
}

# The PostgreSQL clusters are the machine's (/etc/postgresql): each remembers
# the directory of the RDV cluster that made it, so that a second RDV cluster
# started with the same CLUSTER_NAME stops instead of taking them over.
check_owner() {
    local owner_file="/etc/postgresql/$PGV/$1/rdv-cluster-dir" owner
    if [ -f "$owner_file" ]; then
        owner="$(cat "$owner_file")"
        [ "$owner" = "$DIR" ] || rdv_die "PostgreSQL cluster $PGV/$1 belongs to the RDV cluster in $owner.
    For a second cluster, set CLUSTER_NAME, CLUSTER_PORT, CLUSTER_PG_PORT and CLUSTER_DIR (see $0)."
    fi
}
set_owner() { echo "$DIR" >"/etc/postgresql/$PGV/$1/rdv-cluster-dir"; }
# create_pg_cluster NAME PORT ROLE: a new Debian cluster of this RDV cluster.
create_pg_cluster() {
    require_free_port "$2" "PostgreSQL $3"
    pg_createcluster -p "$2" --start-conf=manual "$PGV" "$1" >"$LOG/pg_createcluster-$3.log"
    set_owner "$1"
}

start_primary() {
    check_owner "$PG_PRIMARY"
    if ! pg_cluster_exists "$PG_PRIMARY"; then
        rdv_log "creating PostgreSQL cluster $PGV/$PG_PRIMARY on port $PG_PORT"
        create_pg_cluster "$PG_PRIMARY" "$PG_PORT" primary
        install -d -o postgres -g postgres -m 700 "$WAL_ARCHIVE"
        install_pg_conf "$PG_PRIMARY" deploy/postgresql/primary.conf
    fi
    if ! pg_cluster_online "$PG_PRIMARY"; then
        rdv_log "starting PostgreSQL $PGV/$PG_PRIMARY (port $PG_PORT)"
        pg_ctl start "$PG_PRIMARY"
    fi
    # Roles: Odoo's (creates its database, no superuser), the replica's.
    pg_psql "$PG_PORT" <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$DB_USER')
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
SELECT format('CREATE ROLE %I LOGIN REPLICATION', '$REPL_USER')
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$REPL_USER') \gexec
ALTER ROLE "$DB_USER" PASSWORD '$DB_PASSWORD';
ALTER ROLE "$REPL_USER" PASSWORD '$REPL_PASSWORD';
SQL
}

start_replica() {
    check_owner "$PG_REPLICA"
    if ! pg_cluster_exists "$PG_REPLICA"; then
        rdv_log "creating the streaming replica $PGV/$PG_REPLICA on port $PG_REPLICA_PORT (pg_basebackup)"
        create_pg_cluster "$PG_REPLICA" "$PG_REPLICA_PORT" replica
        local datadir
        datadir="$(pg_datadir "$PG_REPLICA")"
        # The replica is a copy of the primary, not the empty cluster just made.
        find "$datadir" -mindepth 1 -delete
        pg_psql "$PG_PORT" -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$PG_SLOT'" >/dev/null
        # -R: standby.signal + primary_conninfo; -C -S: through a replication slot.
        as_postgres env PGPASSWORD="$REPL_PASSWORD" pg_basebackup -h 127.0.0.1 -p "$PG_PORT" -U "$REPL_USER" \
            -D "$datadir" -R -X stream -c fast -C -S "$PG_SLOT" >"$LOG/pg_basebackup.log" 2>&1 ||
            rdv_die "pg_basebackup failed: see $LOG/pg_basebackup.log"
        install_pg_conf "$PG_REPLICA" deploy/postgresql/replica.conf
    fi
    if ! pg_cluster_online "$PG_REPLICA"; then
        rdv_log "starting PostgreSQL $PGV/$PG_REPLICA (port $PG_REPLICA_PORT, hot standby)"
        pg_ctl start "$PG_REPLICA"
    fi
}

# --- secrets and configuration files ----------------------------------------

load_secrets() {
    if [ ! -f "$SECRETS" ]; then
        (
            umask 077
            {
                echo "DB_PASSWORD=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
                echo "REPL_PASSWORD=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
                echo "ADMIN_PASSWD=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
            } >"$SECRETS"
        )
    fi
    # shellcheck disable=SC1090
    . "$SECRETS"
}

render_configs() {
    mkdir -p "$ETC" "$LOG" "$RUN" "$DATA" "$DIR/nginx/cache" "$DIR/nginx/tmp"
    # Sessions, the filestore (PDFs of citizens' appointments) and logs (logins,
    # addresses): for the owner only.
    chmod 700 "$DATA" "$LOG"
    R_DB_NAME="$DB"
    R_ADMIN_PASSWD="$ADMIN_PASSWD"
    R_DB_HOST="127.0.0.1"
    R_DB_PORT="$PG_PORT"
    R_DB_USER="$DB_USER"
    R_DB_PASSWORD="$DB_PASSWORD"
    R_DB_REPLICA_HOST="127.0.0.1"
    R_DB_REPLICA_PORT="$PG_REPLICA_PORT"
    R_DATA_DIR="$DATA"
    R_ADDONS_PATH="$ADDONS_PATH"
    R_HTTP_INTERFACE="127.0.0.1"
    R_WORKERS="$WORKERS"
    local node
    for node in "${WEB_NODES[@]}"; do
        R_HTTP_PORT="$(http_port "$node")"
        R_GEVENT_PORT="$(gevent_port "$node")"
        R_LOG_FILE="$LOG/$node.log"
        R_PID_FILE="$RUN/$node.pid"
        render deploy/odoo-web.conf "$ETC/$node.conf"
        if [ "$USE_REPLICA" = 0 ]; then
            sed -i '/^db_replica_/d' "$ETC/$node.conf"
        fi
    done
    R_LOG_FILE="$LOG/cron.log"
    R_PID_FILE="$RUN/cron.pid"
    render deploy/odoo-cron.conf "$ETC/cron.conf"
    # One-off commands (install, update, shell, restore): the cron node's
    # settings, logging to the terminal, no pid file, in one process.
    sed '/^logfile/d;/^pidfile/d;s/^workers = .*/workers = 0/' "$ETC/cron.conf" >"$ETC/admin.conf"
    chmod 600 "$ETC"/*.conf

    render_nginx_site
    # The main file around the site file, as Debian's /etc/nginx/nginx.conf
    # is: our own pid, logs and temporary files, so that it runs beside (or
    # without) the machine's nginx.
    local user_line=""
    [ "$(id -u)" -ne 0 ] || user_line="user www-data;"
    cat >"$ETC/nginx.conf" <<EOF
# Rendered by scripts/cluster.sh: the loopback cluster's nginx.
$user_line
worker_processes 2;
# A reload waits this long at most for the old workers' open websockets
# (the back office reconnects by itself): a drain is not held up by them.
worker_shutdown_timeout 20s;
pid $RUN/nginx.pid;
error_log $LOG/nginx-error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    access_log $LOG/nginx-access.log;
    client_body_temp_path $DIR/nginx/tmp/body;
    proxy_temp_path $DIR/nginx/tmp/proxy;
    fastcgi_temp_path $DIR/nginx/tmp/fastcgi;
    uwsgi_temp_path $DIR/nginx/tmp/uwsgi;
    scgi_temp_path $DIR/nginx/tmp/scgi;
    include $ETC/nginx-rdv.conf;
}
EOF
}

# The nginx site of the cluster; the web nodes named in $1 (a space-separated
# list), if any, marked "down": nginx sends them nothing new (being
# restarted, or stopped).
render_nginx_site() {
    local down=" ${1:-} " flag node
    R_WEB_SERVERS=""
    R_GEVENT_SERVERS=""
    for node in "${WEB_NODES[@]}"; do
        flag=""
        [[ "$down" != *" $node "* ]] || flag=" down"
        R_WEB_SERVERS+="    server 127.0.0.1:$(http_port "$node") max_fails=1 fail_timeout=5s$flag;"$'\n'
        R_GEVENT_SERVERS+="    server 127.0.0.1:$(gevent_port "$node")$flag;"$'\n'
    done
    R_WEB_SERVERS="${R_WEB_SERVERS%$'\n'}"
    R_GEVENT_SERVERS="${R_GEVENT_SERVERS%$'\n'}"
    R_CACHE_DIR="$DIR/nginx/cache"
    R_LISTEN="127.0.0.1:$PORT"
    R_SERVER_NAME="localhost"
    R_MAINTENANCE_ROOT="$RDV_ROOT/rdv_booking_portal/static"
    R_MAINTENANCE_FLAG="$DIR/maintenance.on"
    render deploy/nginx/rdv.conf "$ETC/nginx-rdv.conf"
}

# --- the database ------------------------------------------------------------

# Environment for psql and Odoo's one-off commands on the cluster's primary.
primary_env=()
set_primary_env() {
    primary_env=(PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER="$DB_USER" PGPASSWORD="$DB_PASSWORD" ODOO_RC="$ETC/admin.conf")
}

ensure_database() {
    # scripts/demo.sh makes it (the three addons, demo data, the admin
    # password), on the cluster's primary and with its data_dir, and returns
    # instead of serving it.
    env "${primary_env[@]}" DEMO_DB="$DB" DEMO_SERVE=0 DEMO_PORT="$PORT" \
        RESET="" scripts/demo.sh
    # The cron node prints the PDFs (confirmations) without HTTP of its own:
    # wkhtmltopdf loads their styles from report.url, else from web.base.url
    # (localhost:8069, nobody here: each PDF waited for its time-outs).
    # web.base.url is the service's public address, nginx's (the pages'
    # canonical links, the links of messages sent by the cron node), kept
    # as it is by the admin's logins (freeze).
    env "${primary_env[@]}" psql -X -q -v ON_ERROR_STOP=1 -d "$DB" <<SQL
INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
VALUES ('report.url', 'http://127.0.0.1:$PORT', 1, 1, now(), now()),
       ('web.base.url', 'http://127.0.0.1:$PORT', 1, 1, now(), now()),
       ('web.base.url.freeze', 'True', 1, 1, now(), now())
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = now();
SQL
}

# --- Odoo nodes and nginx ------------------------------------------------------

# Whether process $1 runs: a zombie does not (killed, its status not yet read
# by its parent: init, which on some machines reads it a while later).
running() {
    local state
    [[ "$1" =~ ^[0-9]+$ ]] || return 1
    state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [ -n "$state" ] && [[ "$state" != Z* ]]
}

pid_alive() {
    local f="$1" pid
    [ -f "$f" ] || return 1
    pid="$(cat "$f" 2>/dev/null)"
    running "$pid"
}

wait_http() {
    local url="$1" what="$2" tries="${3:-120}"
    for ((i = 0; i < tries; i++)); do
        if curl -fsS -o /dev/null --max-time 5 "$url" 2>/dev/null; then
            return 0
        fi
        sleep 1
    done
    rdv_die "$what does not answer on $url (see $LOG)"
}

# The session of node $1's processes: its master's pid (start_node runs it
# with setsid), read from its pid file, which a master killed with -9 leaves.
node_sid() {
    local pid
    pid="$(cat "$RUN/$1.pid" 2>/dev/null)" || true
    [[ "$pid" =~ ^[0-9]+$ ]] && echo "$pid"
    return 0
}

# The pids of the processes of session $1: a node's master, and the workers a
# master killed alone leaves running (a cron process ends its job before it
# sees its master gone), which no pid file names. Linux keeps a session's id
# from being given to another process while any of its members runs.
session_processes() {
    [ -n "$1" ] || return 0
    # Not the zombies (dead, waiting for their parent to read their status).
    ps -o pid=,stat= -s "$1" 2>/dev/null | awk '$2 !~ /^Z/ {print $1}' || true
}

# Stops what node $1's master (session $2) left running when it died, as
# systemd's KillMode=mixed does before it restarts a unit: TERM, then KILL
# after 10 s. A cron process killed in a job leaves nothing half-done (the
# outbox settles what it had under way).
stop_leftovers() {
    local node="$1" sid="$2" pids
    pids="$(session_processes "$sid")"
    [ -n "$pids" ] || return 0
    rdv_warn "node $node: its master is gone but $(echo "$pids" | wc -l) of its processes run ($(echo "$pids" | xargs)): stopping them"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
        [ -n "$(session_processes "$sid")" ] || return 0
        sleep 0.5
    done
    pids="$(session_processes "$sid")"
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

start_node() {
    local node="$1"
    if pid_alive "$RUN/$node.pid"; then
        return 0
    fi
    stop_leftovers "$node" "$(node_sid "$node")"
    if [ "$node" != cron ] && [[ "$node" != cron* ]]; then
        require_free_port "$(http_port "$node")" "Odoo node $node"
        require_free_port "$(gevent_port "$node")" "Odoo node $node, websocket"
    fi
    rdv_log "starting Odoo node $node$([ "$node" = cron ] || echo " (http $(http_port "$node"), gevent $(gevent_port "$node"), $WORKERS workers)")"
    # Its own session, so that a ^C of make does not reach it; stdout/stderr
    # (before Odoo opens its logfile) next to its log.
    # wkhtmltopdf (Qt) wants a private runtime directory (it logs a warning at each PDF without).
    install -d -m 700 "$RUN/xdg"
    XDG_RUNTIME_DIR="$RUN/xdg" setsid "${ODOO_BIN[@]}" -c "$ETC/$node.conf" >>"$LOG/$node.stdout" 2>&1 </dev/null &
    # Odoo writes its pid file once started: wait for it.
    for ((i = 0; i < 60; i++)); do
        pid_alive "$RUN/$node.pid" && return 0
        sleep 0.5
    done
    rdv_die "Odoo node $node did not start: see $LOG/$node.log and $LOG/$node.stdout"
}

# Stops the process of pid file $1 ($2: what it is) with $3 (default TERM),
# then KILL if it is still there after 30 s.
stop_pidfile() {
    local f="$1" what="$2" signal="${3:-TERM}" pid
    # Read once: the process removes its pid file as it exits.
    pid="$(cat "$f" 2>/dev/null)" || true
    if ! running "$pid"; then
        rm -f "$f"
        return 0
    fi
    rdv_log "stopping $what (pid $pid)"
    kill -"$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do
        running "$pid" || break
        sleep 0.5
    done
    if running "$pid"; then
        rdv_warn "$what did not stop in 30 s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

stop_node() {
    local sid
    sid="$(node_sid "$1")"
    stop_pidfile "$RUN/$1.pid" "Odoo node $1"
    stop_leftovers "$1" "$sid"
}

# What runs of node $1 when its master is gone ("" when nothing does).
leftovers_note() {
    local pids
    pids="$(session_processes "$(node_sid "$1")")"
    [ -z "$pids" ] || echo ", but $(echo "$pids" | wc -l) processes its master left run (pids $(echo "$pids" | xargs); start-node or stop-node stops them)"
}

# The web nodes whose process is not running, space-separated.
stopped_web_nodes() {
    local node out=""
    for node in "${WEB_NODES[@]}"; do
        pid_alive "$RUN/$node.pid" || out+="$node "
    done
    echo "$out"
}

# Whether the web node $1 answers its health check.
node_healthy() {
    curl -fsS -o /dev/null --max-time 10 "http://127.0.0.1:$(http_port "$1")/web/health" 2>/dev/null
}

# Takes the web node $1 out of nginx's rotation and waits until nginx has no
# request in progress on it (the workers of the old configuration gone, its
# connections to the node closed; at most proxy_read_timeout): stopping it
# then cuts no request, and no request queued in its listen backlog is lost.
drain_node() {
    local node="$1" port
    port="$(http_port "$node")"
    pid_alive "$RUN/nginx.pid" || return 0
    # The workers of the old configuration: a reload only signals them, and
    # they take new requests until they have read it; they exit once their
    # requests are answered.
    local old_workers pid
    old_workers="$(pgrep -P "$(cat "$RUN/nginx.pid")" | tr '\n' ' ')"
    # Out with it: the nodes already stopped (they stay out).
    render_nginx_site "$node $(stopped_web_nodes)"
    start_nginx
    rdv_log "draining web node $node from nginx"
    for ((i = 0; i < 260; i++)); do
        local left=0
        for pid in $old_workers; do
            # A worker process of nginx (not a pid reused since).
            if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ]; then
                left=1
            fi
        done
        [ "$left" = 1 ] || break
        sleep 0.2
    done
    for ((i = 0; i < 260; i++)); do
        # nginx's connections to the node (its idle keep-alive ones close
        # with the old workers, once their last request is answered).
        if [ -z "$(ss -Htn state established "( dport = :$port )" 2>/dev/null)" ]; then
            return 0
        fi
        sleep 0.5
    done
    rdv_warn "web node $node still had connections after 130 s"
}

# Warms the web node $1 (each worker's first request loads what the next
# ones reuse), then puts it back into nginx's rotation, every node with a
# fresh state (nginx forgets the failures it saw while a node was away).
undrain_node() {
    local node="$1" base
    base="http://127.0.0.1:$(http_port "$node")"
    wait_http "$base/web/health" "Odoo node $node"
    for ((i = 0; i < WORKERS * 2; i++)); do
        curl -fsS -o /dev/null --max-time 30 "$base/web/login" 2>/dev/null || true
        curl -fsS -o /dev/null --max-time 30 "$base/rdv" 2>/dev/null || true
    done
    pid_alive "$RUN/nginx.pid" || return 0
    render_nginx_site "$(stopped_web_nodes)"
    start_nginx
}

start_nginx() {
    local nginx_bin
    nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
    "$nginx_bin" -t -q -p "$DIR/nginx" -c "$ETC/nginx.conf" 2>>"$LOG/nginx-error.log" ||
        rdv_die "nginx configuration invalid: $nginx_bin -t -p $DIR/nginx -c $ETC/nginx.conf"
    if pid_alive "$RUN/nginx.pid"; then
        "$nginx_bin" -p "$DIR/nginx" -c "$ETC/nginx.conf" -s reload
    else
        require_free_port "$PORT" nginx
        rdv_log "starting nginx on http://127.0.0.1:$PORT"
        "$nginx_bin" -p "$DIR/nginx" -c "$ETC/nginx.conf"
    fi
}

# --- commands ----------------------------------------------------------------

# Everything this cluster made: its processes, its PostgreSQL clusters, $DIR.
cmd_destroy() {
    cmd_stop
    rdv_log "dropping the PostgreSQL clusters $PG_PRIMARY, $PG_REPLICA and removing $DIR"
    local c
    for c in "$PG_REPLICA" "$PG_PRIMARY"; do
        if pg_cluster_exists "$c"; then
            pg_dropcluster --stop "$PGV" "$c"
        fi
        # pg_dropcluster leaves the files it does not know, and their directories.
        rm -f "/etc/postgresql/$PGV/$c/rdv-cluster-dir" "/etc/postgresql/$PGV/$c/conf.d/rdv.conf"
        rmdir "/etc/postgresql/$PGV/$c/conf.d" "/etc/postgresql/$PGV/$c" 2>/dev/null || true
    done
    rm -rf "$DIR"
}

cmd_start() {
    if [ -n "${RESET:-}" ] && [ "$RESET" != 0 ]; then
        cmd_destroy
        mkdir -p "$DIR"
    fi
    mkdir -p "$LOG" "$RUN"
    load_secrets
    start_primary
    render_configs
    set_primary_env
    ensure_database
    if [ "$USE_REPLICA" != 0 ]; then
        start_replica
    fi
    for node in "${WEB_NODES[@]}" cron; do
        start_node "$node"
    done
    for node in "${WEB_NODES[@]}"; do
        wait_http "http://127.0.0.1:$(http_port "$node")/web/health" "Odoo node $node"
    done
    start_nginx
    wait_http "http://127.0.0.1:$PORT/web/health" "nginx"
    cmd_status
    cat <<EOF

[rdv] ================================================================
[rdv]  RDV cluster:  http://127.0.0.1:$PORT/rdv   (database: $DB)
[rdv]  back office login: admin (admin when the database was made; make demo's logins, see README)
[rdv]  web nodes:   $(for n in "${WEB_NODES[@]}"; do printf 'http://127.0.0.1:%s ' "$(http_port "$n")"; done)
[rdv]  PostgreSQL:  primary 127.0.0.1:$PG_PORT, replica 127.0.0.1:$PG_REPLICA_PORT (role $DB_USER; password in $SECRETS)
[rdv]  files:       $ETC (configuration), $LOG (logs)
[rdv]  stop:        make cluster-stop
[rdv] ================================================================
EOF
}

cmd_stop() {
    # QUIT: nginx finishes the requests in progress, then exits.
    stop_pidfile "$RUN/nginx.pid" nginx QUIT
    local f
    for f in "$RUN"/*.pid; do
        [ -e "$f" ] || continue
        stop_node "$(basename "$f" .pid)"
    done
    local c
    for c in "$PG_REPLICA" "$PG_PRIMARY"; do
        check_owner "$c"
        if pg_cluster_exists "$c" && pg_cluster_online "$c"; then
            rdv_log "stopping PostgreSQL $PGV/$c"
            pg_ctl stop "$c" || rdv_warn "could not stop PostgreSQL $PGV/$c"
        fi
    done
}

cmd_status() {
    local node state
    for node in "${WEB_NODES[@]}"; do
        state="stopped$(leftovers_note "$node")"
        if pid_alive "$RUN/$node.pid"; then
            state="running (pid $(cat "$RUN/$node.pid")), /web/health: $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$(http_port "$node")/web/health" || true)"
        fi
        printf '[rdv]   %-8s %s\n' "$node" "$state"
    done
    for node in cron "$RUN"/cron?*.pid; do
        node="$(basename "$node" .pid)"
        [ "$node" != "cron?*" ] || continue
        pid_alive "$RUN/$node.pid" && state="running (pid $(cat "$RUN/$node.pid"))" || state="stopped$(leftovers_note "$node")"
        printf '[rdv]   %-8s %s\n' "$node" "$state"
    done
    pid_alive "$RUN/nginx.pid" && state="running on :$PORT (pid $(cat "$RUN/nginx.pid"))" || state="stopped"
    printf '[rdv]   %-8s %s\n' nginx "$state"
    local c
    for c in "$PG_PRIMARY" "$PG_REPLICA"; do
        if pg_cluster_exists "$c"; then
            state="$(pg_lsclusters -h "$PGV" "$c" | awk '{print $4 " on port " $3}')"
        else
            state="not created"
        fi
        printf '[rdv]   %-8s %s\n' "${c#"${NAME}"_}" "$state"
    done
    if pg_cluster_exists "$PG_PRIMARY" && pg_cluster_online "$PG_PRIMARY"; then
        pg_psql "$PG_PORT" -At -F ' ' -c "
            SELECT '[rdv]   replica ' || application_name || ': ' || state
                || ', replay lag ' || coalesce(replay_lag::text, '0')
                || ', ' || pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) || ' bytes behind'
            FROM pg_stat_replication" || true
    fi
}

PGV="$(pg_version)"
ADDONS_PATH="$(rdv_addons_path)"
case "${1:-}" in
    start) cmd_start ;;
    destroy) cmd_destroy ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    rolling-restart)
        # One node at a time, each back before the next stops: taken out of
        # nginx's rotation and drained first, warmed and put back after, so
        # that no request is cut or waits for a node that starts (new code,
        # a replica back).
        load_secrets
        # First the nodes that do not answer (stopped, killed, hung): nginx
        # has nothing to lose from them, and the others must be up before
        # any of them is drained.
        healthy=()
        for node in "${WEB_NODES[@]}"; do
            if node_healthy "$node"; then
                healthy+=("$node")
            else
                rdv_log "web node $node does not answer: restarting it first"
                stop_node "$node"
                start_node "$node"
                undrain_node "$node"
            fi
        done
        for node in "${healthy[@]}"; do
            for other in "${WEB_NODES[@]}"; do
                [ "$other" = "$node" ] || node_healthy "$other" ||
                    rdv_die "web node $other does not answer: restarting $node now would stop the service (start $other first: $0 start-node $other)"
            done
            drain_node "$node"
            stop_node "$node"
            start_node "$node"
            undrain_node "$node"
        done
        for f in "$RUN"/cron*.pid; do
            [ -e "$f" ] || continue
            node="$(basename "$f" .pid)"
            stop_node "$node"
            start_node "$node"
        done
        ;;
    start-node | stop-node)
        node="${2:-}"
        [[ "$node" =~ ^(web1|web2|cron[0-9]*)$ ]] || rdv_die "usage: $0 ${1} web1|web2|cron|cronN"
        load_secrets
        web=0
        [[ "$node" != web* ]] || web=1
        if [ "$1" = stop-node ]; then
            # A web node leaves nginx's rotation first (it stays out until start-node).
            [ "$web" = 0 ] || drain_node "$node"
            stop_node "$node"
        else
            # A second cron node (cron2, ...): the cron node's settings, its own log and pid.
            if [ "$node" != cron ] && [[ "$node" == cron* ]]; then
                sed -e "s#^logfile = .*#logfile = $LOG/$node.log#" -e "s#^pidfile = .*#pidfile = $RUN/$node.pid#" \
                    "$ETC/cron.conf" >"$ETC/$node.conf"
            fi
            start_node "$node"
            [ "$web" = 0 ] || undrain_node "$node"
        fi
        ;;
    *) rdv_die "usage: $0 start|stop|status|destroy|rolling-restart|start-node NODE|stop-node NODE" ;;
esac
