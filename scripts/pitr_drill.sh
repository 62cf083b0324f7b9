#!/usr/bin/env bash
# Point-in-time recovery drill (docs/deploy.md "Backups and restore"), on PostgreSQL clusters of its own — never the
# machine's main cluster on 5432 (only read from, by pg_dump, for the starting data):
#
#   primary   127.0.0.1:$PITR_PORT (5440)    wal_level=replica, archive_mode=on, archive_command copying every WAL
#                                            segment into $PITR_DIR/archive (the stand-in for a second store)
#   replica   127.0.0.1:$PITR_PORT+1 (5441)  streaming replica (pg_basebackup -R), hot standby; promoted at the end
#   recovered 127.0.0.1:$PITR_PORT+2 (5442)  the base backup restored, WAL replayed from the archive up to a time
#
# Steps, each timed: initdb and start the primary; load the starting data (pg_dump of $PITR_SOURCE_DB from the main
# cluster if it exists — by default the local cluster's wangbao_cluster — plus a table pitr_drill); a base backup
# (pg_basebackup -Ft -z -X stream); a streaming replica from a second base backup; writes ("before"); the target time
# noted; more writes and "the mistake" (the starting rows of pitr_drill deleted, a table of the application
# truncated); the WAL switched and archived; the replica checked (it has the mistake too: a replica is no backup);
# the replica promoted (failover) and written to; the base backup restored into a third data directory with restore_command + recovery_target_time, promoted at the
# target; every table's row count compared with the counts taken at the target time.
#
#   scripts/pitr_drill.sh            # PITR_ROWS=100000 rows per phase; PITR_KEEP=1 keeps the clusters running
#   scripts/pitr_drill.sh clean      # stop and remove what a kept (or interrupted) drill left
#
# Idempotent: it first stops and removes what an earlier run left in $PITR_DIR; on exit (also on failure) it stops
# the three servers and removes $PITR_DIR. Runs as root (the servers as the postgres user) or as a user who may run
# initdb. Exit status 0 only when every check holds.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PITR_DIR=${PITR_DIR:-/tmp/wangbao-pitr}
PORT=${PITR_PORT:-5440}
REPLICA_PORT=$((PORT + 1))
RECOVER_PORT=$((PORT + 2))
ROWS=${PITR_ROWS:-100000}
SOURCE_DB=${PITR_SOURCE_DB:-wangbao_cluster}
DB=wangbao
[ -x "$PGBIN/initdb" ] || { echo "pitr drill: no PostgreSQL binaries (PGBIN=$PGBIN)" >&2; exit 1; }
case "$PORT" in 5432) echo "pitr drill: port 5432 is the main cluster's; choose another PITR_PORT" >&2; exit 1 ;; esac

if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); else AS=(); fi
pg() { "${AS[@]}" "$PGBIN/$@"; }
q() { # PORT SQL -> unaligned result
  "$PGBIN/psql" -X -h 127.0.0.1 -p "$1" -U postgres -d "${3:-$DB}" -tAqc "$2"
}
now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }
say() { printf '%s pitr: %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

stop_all() {
  local d
  for d in primary replica recovered; do
    if [ -f "$PITR_DIR/$d/postmaster.pid" ]; then
      pg pg_ctl -D "$PITR_DIR/$d" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
  done
}
clean() {
  stop_all
  # only what this script makes: a folder holding its marker
  if [ -d "$PITR_DIR" ]; then
    [ -f "$PITR_DIR/.pitr_drill" ] || fail "$PITR_DIR exists and is not a drill folder: not removing it"
    rm -rf "$PITR_DIR"
  fi
}
finish() {
  local rc=$?
  trap - EXIT
  if [ -n "${PITR_KEEP:-}" ] && [ $rc -eq 0 ]; then
    say "kept: $PITR_DIR (ports $PORT $REPLICA_PORT $RECOVER_PORT); 'scripts/pitr_drill.sh clean' removes it"
  else
    [ $rc -ne 0 ] && for d in primary replica recovered; do
      [ -f "$PITR_DIR/$d.log" ] && { echo "--- last lines of $d.log" >&2; tail -n 8 "$PITR_DIR/$d.log" >&2; }
    done
    clean
  fi
  exit $rc
}

if [ "${1:-}" = clean ]; then clean; say "cleaned"; exit 0; fi
clean
trap finish EXIT
T0=$(now)
mkdir -p "$PITR_DIR/archive"
touch "$PITR_DIR/.pitr_drill"
[ ${#AS[@]} -gt 0 ] && chown -R postgres: "$PITR_DIR"
say "$("$PGBIN/postgres" --version); $ROWS rows per phase; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# ---------------------------------------------------------------------------------------------------------- primary
t=$(now)
pg initdb -D "$PITR_DIR/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PITR_DIR/initdb.log"
cat >>"$PITR_DIR/primary/postgresql.conf" <<EOF
# pitr_drill.sh
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PITR_DIR'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $PITR_DIR/archive/%f && cp %p $PITR_DIR/archive/%f'
archive_timeout = 60
max_wal_senders = 5
hot_standby = on
shared_buffers = 64MB
fsync = on
EOF
echo "host replication postgres 127.0.0.1/32 trust" >>"$PITR_DIR/primary/pg_hba.conf"
pg pg_ctl -D "$PITR_DIR/primary" -l "$PITR_DIR/primary.log" -w -t 60 start >/dev/null
q "$PORT" "CREATE DATABASE $DB" postgres
say "primary on :$PORT (archive_mode on, archive_command cp to $PITR_DIR/archive) in $(since "$t") s"

t=$(now)
if "$PGBIN/psql" -X -h 127.0.0.1 -p 5432 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$SOURCE_DB'" postgres 2>/dev/null | grep -q 1; then
  "$PGBIN/pg_dump" -h 127.0.0.1 -p 5432 -U postgres -Fc "$SOURCE_DB" \
    | "$PGBIN/pg_restore" -h 127.0.0.1 -p "$PORT" -U postgres --no-owner -d "$DB"
  say "starting data: $SOURCE_DB (main cluster, pg_dump | pg_restore) in $(since "$t") s"
else
  say "starting data: no database $SOURCE_DB on the main cluster, the drill table only"
fi
q "$PORT" "CREATE TABLE pitr_drill (id bigserial PRIMARY KEY, phase text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(), payload text NOT NULL)"
insert() { # PORT PHASE: ROWS rows, one transaction
  q "$1" "INSERT INTO pitr_drill (phase, payload) SELECT '$2', md5(g::text) FROM generate_series(1, $ROWS) g"
}
t=$(now)
insert "$PORT" base
say "$ROWS rows (phase base) in $(since "$t") s; database $(q "$PORT" "SELECT pg_size_pretty(pg_database_size('$DB'))")"

# ------------------------------------------------------------------------------------------------------ base backup
t=$(now)
pg pg_basebackup -h 127.0.0.1 -p "$PORT" -U postgres -D "$PITR_DIR/base" -Ft -z -X stream -c fast
BASE_S=$(since "$t")
say "base backup (pg_basebackup -Ft -z -X stream -c fast): $BASE_S s, $(du -sh "$PITR_DIR/base" | cut -f1)"

# -------------------------------------------------------------------------------------------------- streaming replica
t=$(now)
pg pg_basebackup -h 127.0.0.1 -p "$PORT" -U postgres -D "$PITR_DIR/replica" -X stream -c fast -R
cat >>"$PITR_DIR/replica/postgresql.auto.conf" <<EOF
port = $REPLICA_PORT
archive_mode = off
EOF
pg pg_ctl -D "$PITR_DIR/replica" -l "$PITR_DIR/replica.log" -w -t 60 start >/dev/null
for _ in $(seq 1 60); do
  [ "$(q "$PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" postgres)" = 1 ] && break
  sleep 0.5
done
[ "$(q "$PORT" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" postgres)" = 1 ] \
  || fail "the replica is not streaming"
say "streaming replica on :$REPLICA_PORT (pg_basebackup -R, hot standby) streaming after $(since "$t") s"

# --------------------------------------------------------------------------------------------------------- the writes
t=$(now)
insert "$PORT" before
q "$PORT" "UPDATE pitr_drill SET payload = 'changed before the target' WHERE phase = 'base' AND id % 10 = 0"
say "writes after the base backup: $ROWS rows inserted (phase before), $((ROWS / 10)) updated, in $(since "$t") s"

count_tables() { # PORT -> "table rows" lines, every table of the public schema (exact counts)
  q "$1" "SELECT format('SELECT %L || '' '' || count(*) FROM %I.%I;', tablename, schemaname, tablename)
    FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename" | "$PGBIN/psql" -X -h 127.0.0.1 -p "$1" -U postgres -d "$DB" -tAq
}
sleep 1
TARGET=$(q "$PORT" "SELECT clock_timestamp()")
count_tables "$PORT" >"$PITR_DIR/counts-at-target"
PHASES_AT_TARGET=$(q "$PORT" "SELECT string_agg(phase || '=' || n, ' ' ORDER BY phase) FROM (SELECT phase, count(*) n FROM pitr_drill GROUP BY phase) p")
say "target time noted: $TARGET ($(wc -l <"$PITR_DIR/counts-at-target") tables; pitr_drill: $PHASES_AT_TARGET)"
sleep 1

t=$(now)
insert "$PORT" after
q "$PORT" "DELETE FROM pitr_drill WHERE phase = 'base'"
VICTIM=$(q "$PORT" "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname IN ('placements_placementmonth', 'django_session')
  ORDER BY c.relname DESC LIMIT 1")
[ -n "$VICTIM" ] && q "$PORT" "TRUNCATE $VICTIM CASCADE"
say "after the target: $ROWS rows inserted (phase after), then the mistake: the $ROWS base rows deleted${VICTIM:+, $VICTIM truncated}, in $(since "$t") s"

t=$(now)
LAST_WAL=$(q "$PORT" "SELECT pg_walfile_name(pg_switch_wal())" postgres)
for _ in $(seq 1 120); do
  [ -f "$PITR_DIR/archive/$LAST_WAL" ] && break
  sleep 0.5
done
[ -f "$PITR_DIR/archive/$LAST_WAL" ] || fail "WAL segment $LAST_WAL not archived within 60 s"
say "WAL switched and archived up to $LAST_WAL in $(since "$t") s: $(ls "$PITR_DIR/archive" | grep -c '^[0-9A-F]\{24\}$') segments, $(du -sh "$PITR_DIR/archive" | cut -f1); archiver failures $(q "$PORT" "SELECT failed_count FROM pg_stat_archiver" postgres)"

# the replica: caught up, read-only, and it has the mistake too
PRIMARY_LSN=$(q "$PORT" "SELECT pg_current_wal_lsn()" postgres)
t=$(now)
for _ in $(seq 1 120); do
  [ "$(q "$REPLICA_PORT" "SELECT pg_last_wal_replay_lsn() >= '$PRIMARY_LSN'::pg_lsn" postgres)" = t ] && break
  sleep 0.25
done
REPLICA_PHASES=$(q "$REPLICA_PORT" "SELECT string_agg(phase || '=' || n, ' ' ORDER BY phase) FROM (SELECT phase, count(*) n FROM pitr_drill GROUP BY phase) p")
PRIMARY_PHASES=$(q "$PORT" "SELECT string_agg(phase || '=' || n, ' ' ORDER BY phase) FROM (SELECT phase, count(*) n FROM pitr_drill GROUP BY phase) p")
[ "$REPLICA_PHASES" = "$PRIMARY_PHASES" ] || fail "replica ($REPLICA_PHASES) differs from the primary ($PRIMARY_PHASES)"
if q "$REPLICA_PORT" "INSERT INTO pitr_drill (phase, payload) VALUES ('x', 'x')" 2>/dev/null; then
  fail "the replica accepted a write"
fi
say "replica caught up with the primary ($PRIMARY_LSN) in $(since "$t") s; same rows as the primary ($REPLICA_PHASES); a write refused (read-only)"

# failover: the replica promoted (the primary lost, say) takes writes at once, with every row it had
t=$(now)
pg pg_ctl -D "$PITR_DIR/replica" -w -t 60 promote >/dev/null
[ "$(q "$REPLICA_PORT" "SELECT pg_is_in_recovery()" postgres)" = f ] || fail "the promoted replica is still in recovery"
q "$REPLICA_PORT" "INSERT INTO pitr_drill (phase, payload) VALUES ('failover', 'written on the promoted replica')"
PROMOTED_PHASES=$(q "$REPLICA_PORT" "SELECT string_agg(phase || '=' || n, ' ' ORDER BY phase) FROM (SELECT phase, count(*) n FROM pitr_drill GROUP BY phase) p")
[ "$PROMOTED_PHASES" = "after=$ROWS before=$ROWS failover=1" ] || fail "the promoted replica has $PROMOTED_PHASES"
say "failover: the replica promoted (pg_ctl promote) in $(since "$t") s, a write accepted; $PROMOTED_PHASES (new WAL timeline: $(q "$REPLICA_PORT" "SELECT pg_walfile_name(pg_current_wal_lsn())" postgres | cut -c1-8))"

# ---------------------------------------------------------------------------------------------------------- recovery
t=$(now)
mkdir -p "$PITR_DIR/recovered"
tar -xzf "$PITR_DIR/base/base.tar.gz" -C "$PITR_DIR/recovered"
tar -xzf "$PITR_DIR/base/pg_wal.tar.gz" -C "$PITR_DIR/recovered/pg_wal"
cat >>"$PITR_DIR/recovered/postgresql.auto.conf" <<EOF
# pitr_drill.sh: recovery to the target time
port = $RECOVER_PORT
archive_mode = off
restore_command = 'cp $PITR_DIR/archive/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
EOF
touch "$PITR_DIR/recovered/recovery.signal"
[ ${#AS[@]} -gt 0 ] && chown -R postgres: "$PITR_DIR/recovered"
chmod 700 "$PITR_DIR/recovered"
UNPACK_S=$(since "$t")
pg pg_ctl -D "$PITR_DIR/recovered" -l "$PITR_DIR/recovered.log" -w -t 300 start >/dev/null
for _ in $(seq 1 600); do
  [ "$(q "$RECOVER_PORT" "SELECT pg_is_in_recovery()" postgres 2>/dev/null)" = f ] && break
  sleep 0.5
done
[ "$(q "$RECOVER_PORT" "SELECT pg_is_in_recovery()" postgres)" = f ] || fail "the recovered server did not leave recovery"
RECOVER_S=$(since "$t")
STOPPED=$(grep -o 'recovery stopping before commit of transaction [0-9]*, time [^"]*' "$PITR_DIR/recovered.log" | head -1 || true)
RESTORED=$(grep -c 'restored log file' "$PITR_DIR/recovered.log" || true)
say "recovered to $TARGET on :$RECOVER_PORT in $RECOVER_S s (unpacking the base backup $UNPACK_S s; $RESTORED WAL segments restored from the archive; ${STOPPED:-no stop line})"

count_tables "$RECOVER_PORT" >"$PITR_DIR/counts-recovered"
RECOVERED_PHASES=$(q "$RECOVER_PORT" "SELECT string_agg(phase || '=' || n, ' ' ORDER BY phase) FROM (SELECT phase, count(*) n FROM pitr_drill GROUP BY phase) p")
CHANGED=$(q "$RECOVER_PORT" "SELECT count(*) FROM pitr_drill WHERE payload = 'changed before the target'")
if ! diff "$PITR_DIR/counts-at-target" "$PITR_DIR/counts-recovered" >"$PITR_DIR/counts.diff"; then
  cat "$PITR_DIR/counts.diff" >&2
  fail "row counts differ from those at the target time"
fi
[ "$RECOVERED_PHASES" = "$PHASES_AT_TARGET" ] || fail "pitr_drill: $RECOVERED_PHASES, at the target $PHASES_AT_TARGET"
[ "$CHANGED" = $((ROWS / 10)) ] || fail "$CHANGED rows carry the update made before the target, expected $((ROWS / 10))"
TOTAL=$(awk '{ s += $2 } END { print s }' "$PITR_DIR/counts-recovered")
say "checked: all $(wc -l <"$PITR_DIR/counts-recovered") tables' row counts equal those at the target time ($TOTAL rows);" \
  "pitr_drill $RECOVERED_PHASES (the primary now: $PRIMARY_PHASES); the $CHANGED updates before the target kept${VICTIM:+; $VICTIM back: $(grep "^$VICTIM " "$PITR_DIR/counts-recovered" | cut -d' ' -f2) rows}"
say "OK in $(since "$T0") s (base backup $BASE_S s, recovery $RECOVER_S s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
