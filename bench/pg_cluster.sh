#!/bin/sh
# A private PostgreSQL cluster for bench/licence_verify.py's 42-million-row runs.
#
# The shared server on :5432 cannot be restarted or reconfigured by one benchmark, so the big runs use
# their own cluster (same PostgreSQL binaries, initdb's default configuration) that can be restarted
# with a memory limit. Run as root (the server itself runs as the `postgres` user).
#
#   bench/pg_cluster.sh init                 # initdb into $DIR (default /var/tmp/tongban-licences-pg), port $PORT (5440)
#   bench/pg_cluster.sh start                # default configuration
#   bench/pg_cluster.sh start-load           # for the bulk load only: wal_level=minimal (the load's table is
#                                            # truncated in the loading transaction, so its rows skip the WAL),
#                                            # bigger max_wal_size and maintenance_work_mem for the index builds
#   bench/pg_cluster.sh start-limited 2G     # larger than memory: evict the cluster's files from the OS page
#                                            # cache, then start the server inside a cgroup (v1) whose memory
#                                            # limit (page cache included) is 2 GiB
#   bench/pg_cluster.sh stop
#   bench/pg_cluster.sh restart-fast         # restart at once, cutting every connection (bench/soak.py)
#   bench/pg_cluster.sh destroy              # stop and delete the data directory
#
# Then: TONGBAN_BENCH_PG=postgres://postgres@127.0.0.1:5440 .venv/bin/python bench/licence_verify.py ...
set -eu

DIR=${TONGBAN_BENCH_PG_DIR:-/var/tmp/tongban-licences-pg}
PORT=${TONGBAN_BENCH_PG_PORT:-5440}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
CGROUP=/sys/fs/cgroup/memory/tongban_licences_pg

# The server must not inherit the caller's open files: run under `flock /tmp/tongban-bench.lock`, it would
# otherwise hold the benchmark lock for as long as it runs.
as_pg() { su postgres -s /bin/sh -c "$*" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; }

start() {
    as_pg "$BIN/pg_ctl -D $DIR -l $DIR/server.log -w -t 600 start -o \"$1\""
}

stop() {
    if [ -f "$DIR/postmaster.pid" ]; then as_pg "$BIN/pg_ctl -D $DIR -w -t 600 stop -m fast"; fi
}

evict() {
    # Drop the cluster's files (and only those) from the OS page cache: POSIX_FADV_DONTNEED on every
    # file after a sync. Other processes' cached pages are left alone.
    sync
    python3 - "$DIR" <<'EOF'
import os, sys
n = 0
for root, _dirs, files in os.walk(sys.argv[1]):
    for name in files:
        try:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            n += 1
        finally:
            os.close(fd)
print(f"evicted {n} files of {sys.argv[1]} from the page cache")
EOF
}

case "${1:-}" in
init)
    mkdir -p "$DIR"
    chown postgres:postgres "$DIR"
    chmod 700 "$DIR"
    as_pg "$BIN/initdb -D $DIR -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null"
    cat >>"$DIR/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
EOF
    echo "initialised $DIR (port $PORT)"
    ;;
start)
    start ""
    ;;
start-load)
    start "-c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=16GB -c checkpoint_timeout=30min -c maintenance_work_mem=1GB"
    ;;
start-limited)
    limit=${2:?give a memory limit such as 2G}
    stop
    evict
    mkdir -p "$CGROUP"
    echo "$limit" >"$CGROUP/memory.limit_in_bytes"
    # Anything charged to the group before (an earlier limited run) is dropped.
    echo 0 >"$CGROUP/memory.force_empty" 2>/dev/null || true
    # This shell joins the group, and the server it starts inherits the membership.
    sh -c "echo \$\$ > $CGROUP/cgroup.procs; exec su postgres -s /bin/sh -c '$BIN/pg_ctl -D $DIR -l $DIR/server.log -w -t 600 start'" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
    echo "started in $CGROUP (memory.limit_in_bytes = $(cat "$CGROUP/memory.limit_in_bytes"))"
    ;;
stop)
    stop
    ;;
restart-fast)
    # every connection is cut (the soak benchmark's database restart)
    as_pg "$BIN/pg_ctl -D $DIR -l $DIR/server.log -w -t 600 restart -m fast"
    ;;
evict)
    evict
    ;;
destroy)
    stop
    rm -rf "$DIR"
    if [ -d "$CGROUP" ]; then rmdir "$CGROUP" || true; fi
    echo "removed $DIR"
    ;;
*)
    sed -n '2,20p' "$0"
    exit 2
    ;;
esac
