#!/usr/bin/env bash
# The local production-like cluster of issue 16, on loopback: `make cluster` / `make cluster-stop` (README "Production").
#
#   scripts/cluster.sh start | stop | status | env | seed | deps
#
#   load balancer  haproxy  127.0.0.1:$CLUSTER_LB_PORT (8180)   round robin, probes GET /healthz every 2 s,
#                                                                stats on :$CLUSTER_STATS_PORT (8188)
#                           127.0.0.1:$CLUSTER_TLS_PORT (8443)  the same, TLS ended by haproxy with a self-signed
#                                                                certificate made here (var/cluster/tls/, openssl);
#                                                                X-Forwarded-Proto set by haproxy on both ports
#   app node 1     gunicorn 127.0.0.1:8181   DEBUG=0, production settings, $CLUSTER_APP_WORKERS sync workers
#   app node 2     gunicorn 127.0.0.1:8182
#   workers        scripts/supervise.py: 2 × `manage.py db_worker`, restarted on exit, their tasks reclaimed
#   database       PostgreSQL 127.0.0.1:5432, database $CLUSTER_DB (wangbao_cluster), created if missing
#   cache          Redis 127.0.0.1:6379 db $CLUSTER_REDIS_DB (5), key prefix wangbao-cluster
#   object store   moto in server mode 127.0.0.1:8189 (its own venv, var/cluster/moto-venv), bucket wangbao-cluster —
#                  a test stand-in kept in memory: a real deployment uses a real S3-compatible store (docs/deploy.md)
#
# Everything it starts is recorded in var/cluster/pids/*.pid (each in a process group of its own) with its log in
# var/cluster/logs/; `stop` ends exactly those process groups, nothing else. The environment of the nodes is in
# var/cluster/env (`set -a; . var/cluster/env; set +a` to run manage.py against the cluster).
# Deploy steps, in order: check --deploy, migrate, load_reference_data, bootstrap_roles, collectstatic (skipped when
# the manifest is newer than every source), build_manual (cached by fingerprint). `seed` loads the demo units and
# accounts (devdata's load_demo_data, run with DEBUG=1 for that command only) for bench/load.py.
# TLS: the nodes run with HTTPS=1 (secure cookies, HSTS, X-Forwarded-Proto trusted: SECURE_PROXY_SSL_HEADER, since
# TRUSTED_PROXY_COUNT=1) but SECURE_SSL_REDIRECT=0, so the plain port keeps serving the benchmarks and fault scripts
# (bench/load.py sends its cookies whatever their Secure flag); production redirects to https at the balancer
# (deploy/haproxy/haproxy.cfg). CLUSTER_HTTPS=0: the nodes without HTTPS=1 (the TLS port still works).
set -Eeuo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

RUN=${CLUSTER_DIR:-$ROOT/var/cluster}
LB_PORT=${CLUSTER_LB_PORT:-8180}
APP_PORTS=(${CLUSTER_APP_PORTS:-8181 8182})
S3_PORT=${CLUSTER_S3_PORT:-8189}
STATS_PORT=${CLUSTER_STATS_PORT:-8188}
TLS_PORT=${CLUSTER_TLS_PORT:-8443}
DB=${CLUSTER_DB:-wangbao_cluster}
REDIS_DB=${CLUSTER_REDIS_DB:-5}
APP_WORKERS=${CLUSTER_APP_WORKERS:-3}
TASK_WORKERS=${CLUSTER_TASK_WORKERS:-2}
START_TIMEOUT=${CLUSTER_START_TIMEOUT:-90}
PY=$ROOT/.venv/bin/python
MOTO_VENV=${CLUSTER_MOTO_VENV:-$ROOT/var/cluster/moto-venv}
MOTO_REQ="moto[server]==5.2.5"

mkdir -p "$RUN/pids" "$RUN/logs"
log() { printf '%s cluster: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '%s cluster: ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------- processes
alive() { # NAME -> 0 when its recorded process is running and is still the one we started
  local f="$RUN/pids/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa "$ROOT\|moto_server\|haproxy\|redis-server" "/proc/$pid/cmdline" 2>/dev/null
}

launch() { # NAME CMD... : in a new session (process group = pid), output appended to logs/NAME.log
  local name=$1; shift
  if alive "$name"; then log "$name already running (pid $(cat "$RUN/pids/$name.pid"))"; return 0; fi
  echo "=== $(date -Is) start: $*" >>"$RUN/logs/$name.log"
  setsid "$@" >>"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/pids/$name.pid"
  log "$name started (pid $!)"
}

stop_one() { # NAME [GRACE]: SIGTERM to its process group, SIGKILL after GRACE seconds
  local name=$1 grace=${2:-20} f="$RUN/pids/$1.pid" pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if alive "$name"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 5; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in ${grace}s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    # children left in the group (gunicorn workers of a SIGKILLed master)
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "$name stopped"
  fi
  rm -f "$f"
}

wait_http() { # NAME URL [TIMEOUT]: until the URL answers 200
  local name=$1 url=$2 timeout=${3:-$START_TIMEOUT} i
  for ((i = 0; i < timeout * 2; i++)); do
    if curl -fsS -m 3 -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if [ -n "${4:-}" ] && ! alive "$4"; then
      tail -n 30 "$RUN/logs/$4.log" >&2 || true
      die "$name exited while starting (log: $RUN/logs/$4.log)"
    fi
    sleep 0.5
  done
  [ -n "${4:-}" ] && tail -n 30 "$RUN/logs/$4.log" >&2
  die "$name did not answer $url within ${timeout}s"
}

# ------------------------------------------------------------------------------------------------------- environment
write_env() {
  [ -s "$RUN/secret_key" ] || "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$RUN/secret_key"
  chmod 600 "$RUN/secret_key"
  cat >"$RUN/env" <<EOF
# The environment of the local cluster's nodes (written by scripts/cluster.sh; production: /etc/wangbao/env).
DEBUG=0
DEVDATA=0
SECRET_KEY=$(cat "$RUN/secret_key")
ALLOWED_HOSTS=127.0.0.1,localhost
CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$LB_PORT,http://localhost:$LB_PORT,https://127.0.0.1:$TLS_PORT,https://localhost:$TLS_PORT
PUBLIC_BASE_URL=https://wangbao.cluster.invalid
TRUSTED_PROXY_COUNT=1
FORWARDED_ALLOW_IPS=127.0.0.1
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
DB_CONN_MAX_AGE=60
REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
CACHE_KEY_PREFIX=$(basename "$RUN")
TASK_BACKEND=database
STORAGE_BACKEND=s3
S3_BUCKET=${CLUSTER_BUCKET:-wangbao-cluster}
S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT
S3_REGION=us-east-1
S3_ADDRESSING_STYLE=path
S3_CONNECT_TIMEOUT=2
S3_READ_TIMEOUT=5
S3_MAX_ATTEMPTS=2
AWS_ACCESS_KEY_ID=cluster
AWS_SECRET_ACCESS_KEY=cluster-secret
EMAIL_HOST=127.0.0.1
EMAIL_PORT=2525
STATIC_ROOT=$RUN/static
TAX_EXPORT_DIR=$RUN/exports/tax
LOG_LEVEL=WARNING
GUNICORN_WORKERS=$APP_WORKERS
GUNICORN_TIMEOUT=30
EOF
  if [ "${CLUSTER_HTTPS:-1}" = 1 ]; then
    printf 'HTTPS=1\nSECURE_SSL_REDIRECT=0\n' >>"$RUN/env"
  fi
  if [ -n "${CLUSTER_STATICFILES_BACKEND:-}" ]; then
    echo "STATICFILES_BACKEND=$CLUSTER_STATICFILES_BACKEND" >>"$RUN/env"
  fi
}

load_env() { set -a; . "$RUN/env"; set +a; }

manage() { "$PY" manage.py "$@"; }

# ------------------------------------------------------------------------------------------------------ dependencies
ensure_deps() {
  [ -x "$PY" ] || die ".venv missing: run 'make setup' first"
  command -v haproxy >/dev/null 2>&1 || die "haproxy missing: run 'make setup' (scripts/setup.sh installs it) or apt-get install haproxy"
  command -v curl >/dev/null 2>&1 || die "curl missing: apt-get install curl"
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    log "creating the S3 stand-in's own environment ($MOTO_REQ) in $MOTO_VENV"
    "$(readlink -f "$PY")" -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "$MOTO_REQ" || die "pip install $MOTO_REQ failed"
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    log "PostgreSQL not answering: starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || die "cannot start PostgreSQL"
  fi
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" postgres | grep -q 1 \
    || { psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" postgres && log "database $DB created"; }
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    command -v redis-server >/dev/null 2>&1 || die "Redis is not answering on 127.0.0.1:6379 and redis-server is missing"
    launch redis redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no
    for _ in $(seq 1 20); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.25; done
  fi
}

tls_cert() { # a self-signed certificate for 127.0.0.1 and localhost (key and certificate in one file, as haproxy
  # wants), made again when missing or ending within a day
  local pem="$RUN/tls/cluster.pem"
  if [ -s "$pem" ] && openssl x509 -in "$pem" -noout -checkend 86400 >/dev/null 2>&1; then return 0; fi
  command -v openssl >/dev/null 2>&1 || die "openssl missing: apt-get install openssl"
  mkdir -p "$RUN/tls"
  chmod 700 "$RUN/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/O=wangbao local cluster/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$RUN/tls/key.pem" -out "$RUN/tls/cert.pem" 2>/dev/null \
    || die "openssl could not make the cluster's certificate"
  cat "$RUN/tls/cert.pem" "$RUN/tls/key.pem" >"$pem"
  chmod 600 "$pem" "$RUN/tls/key.pem"
  log "self-signed TLS certificate made: $RUN/tls/cert.pem ($(openssl x509 -in "$pem" -noout -enddate))"
}

write_haproxy_cfg() {
  tls_cert
  cat >"$RUN/haproxy.cfg" <<EOF
# Written by scripts/cluster.sh (the production equivalent: deploy/haproxy/haproxy.cfg).
global
    log stdout format raw local0 info
    maxconn 2000
    pidfile $RUN/pids/haproxy-master.pid

defaults
    mode http
    log global
    option httplog
    option forwardfor
    option redispatch 1          # every retry of a refused connection goes to another node
    retries 2
    retry-on conn-failure empty-response
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    errorfile 503 $ROOT/deploy/haproxy/503.http

frontend wangbao
    bind 127.0.0.1:$LB_PORT
    # TLS ends here (production: deploy/haproxy/haproxy.cfg, a real certificate, :80 redirecting to :443)
    bind 127.0.0.1:$TLS_PORT ssl crt $RUN/tls/cluster.pem alpn h2,http/1.1 ssl-min-ver TLSv1.2
    unique-id-format %{+X}o%ci%cp%fp%Ts%rt%pid
    unique-id-header X-Request-ID
    # The proto is ours, never the client's: the nodes trust it (SECURE_PROXY_SSL_HEADER), and Django then sends
    # HSTS and treats the request as secure only when it came in over TLS.
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Forwarded-Proto http unless { ssl_fc }
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz?probe=lb ver HTTP/1.1 hdr Host 127.0.0.1
    # In: the node's process answers and reaches the database ("database": {"ok": true} in /healthz, 200 or 503).
    # A shared dependency down for every node (S3, Redis) does not take every node out: the pages that do not
    # need it keep working and the others answer the application's 503 page (ADR 0013).
    http-check expect string "\\"database\\": {\\"ok\\": true"
    # A node's sync workers all busy must not look like a dead node: the probe waits up to 10 s (a killed node
    # refuses the connection at once and is out after 3 probes); requests beyond the workers wait here, not in
    # the node's listen backlog (maxconn = gunicorn workers), at most 30 s.
    timeout check 10s
    timeout queue 30s
    # observe layer4: a refused or reset connection marks the node DOWN at once, without waiting for the probes
    default-server inter 2s fall 3 rise 2 slowstart 5s maxconn $APP_WORKERS observe layer4 error-limit 1 on-error mark-down
EOF
  local i=1
  for port in "${APP_PORTS[@]}"; do
    echo "    server app$i 127.0.0.1:$port check" >>"$RUN/haproxy.cfg"
    i=$((i + 1))
  done
  cat >>"$RUN/haproxy.cfg" <<EOF

listen stats
    bind 127.0.0.1:$STATS_PORT
    stats enable
    stats uri /
    stats refresh 5s
EOF
  haproxy -c -q -f "$RUN/haproxy.cfg" || die "haproxy refused $RUN/haproxy.cfg"
}

static_up_to_date() { # the manifest exists and is newer than every source file (and the npm lock stamp)
  local manifest="$RUN/static/staticfiles.json"
  [ -f "$manifest" ] && [ -z "$(find static node_modules/.lock.sha -newer "$manifest" -print -quit 2>/dev/null)" ]
}

start_s3() { launch_s3; s3_ready; }

launch_s3() { launch s3 "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT"; }

s3_ready() {
  wait_http "S3 (moto)" "http://127.0.0.1:$S3_PORT/" 60 s3
  "$PY" - <<'EOF'
import os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name=os.environ["S3_REGION"])
if os.environ["S3_BUCKET"] not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
    s3.create_bucket(Bucket=os.environ["S3_BUCKET"])
    s3.put_bucket_versioning(Bucket=os.environ["S3_BUCKET"], VersioningConfiguration={"Status": "Enabled"})
EOF
  log "S3 bucket $S3_BUCKET ready (versioning on)"
}

launch_app() { # N: app node N on the Nth port
  GUNICORN_BIND=127.0.0.1:${APP_PORTS[$(($1 - 1))]} launch "app$1" "$ROOT/.venv/bin/gunicorn" -c config/gunicorn.conf.py
}

wait_app() {
  wait_http "app node $1" "http://127.0.0.1:${APP_PORTS[$(($1 - 1))]}/healthz" "$START_TIMEOUT" "app$1"
  log "app node $1 answers on 127.0.0.1:${APP_PORTS[$(($1 - 1))]}"
}

# ------------------------------------------------------------------------------------------------------------ start
start() {
  local t0=$SECONDS
  ensure_deps
  write_env
  load_env
  mkdir -p "$TAX_EXPORT_DIR"
  trap 'rc=$?; if [ $rc -ne 0 ]; then echo "cluster: start failed (exit $rc), stopping what was started" >&2; stop; fi' EXIT

  launch_s3 # it starts while the deploy steps run (none of them needs the object store)

  log "deploy steps (scripts/deploy_steps.py): check --deploy, migrate, load_reference_data, bootstrap_roles, collectstatic, build_manual"
  local skip=()
  static_up_to_date && skip+=(--skip-collectstatic) && log "collectstatic: the manifest is newer than every source, skipped"
  [ -n "${CLUSTER_SKIP_MANUAL:-}" ] && skip+=(--skip-manual)
  "$PY" scripts/deploy_steps.py "${skip[@]}" || die "a deploy step failed (above)"

  s3_ready
  local i
  # started together, then waited for (each process sets Django up: seconds on a busy machine)
  for ((i = 1; i <= ${#APP_PORTS[@]}; i++)); do launch_app "$i"; done
  launch workers "$PY" scripts/supervise.py --workers "$TASK_WORKERS" --name "$(basename "$RUN")" \
    --reclaim-every "${CLUSTER_RECLAIM_EVERY:-60}" --reclaim-after "${CLUSTER_RECLAIM_AFTER:-10m}" --grace 20 \
    -- "$PY" manage.py db_worker --interval 1 --no-startup-delay --no-reload
  write_haproxy_cfg
  launch lb haproxy -W -db -f "$RUN/haproxy.cfg"
  for ((i = 1; i <= ${#APP_PORTS[@]}; i++)); do wait_app "$i"; done
  wait_http "load balancer" "http://127.0.0.1:$LB_PORT/healthz" 30 lb
  trap - EXIT
  log "up in $((SECONDS - t0)) s: http://127.0.0.1:$LB_PORT/ and https://127.0.0.1:$TLS_PORT/ (self-signed; nodes :${APP_PORTS[*]}; haproxy stats http://127.0.0.1:$STATS_PORT/)"
  log "run folder $RUN (pids/, logs/, env); stop with 'make cluster-stop'"
}

# ------------------------------------------------------------------------------------------------------------- stop
stop() {
  trap - EXIT
  stop_one lb 10
  local i
  for ((i = 1; i <= ${#APP_PORTS[@]}; i++)); do stop_one "app$i" 35; done
  stop_one workers 30
  stop_one s3 10
  stop_one redis 10
  # Anything left recorded (e.g. a node added by a fault script)
  local f
  for f in "$RUN"/pids/*.pid; do
    [ -e "$f" ] || continue
    case $(basename "$f" .pid) in haproxy-master) rm -f "$f" ;; *) stop_one "$(basename "$f" .pid)" 10 ;; esac
  done
  log "stopped"
}

status() {
  local f name code=0
  for f in "$RUN"/pids/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    [ "$name" = haproxy-master ] && continue
    if alive "$name"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: NOT running"; code=1; fi
  done
  curl -sS -m 3 "http://127.0.0.1:$LB_PORT/healthz" 2>/dev/null && echo || { echo "load balancer: no answer"; code=1; }
  return $code
}

seed() {
  load_env
  log "loading the demo data into $DB (devdata, DEBUG=1 for this command only)"
  DEBUG=1 DEVDATA=1 STORAGE_BACKEND=s3 "$PY" manage.py load_demo_data | tail -n 3
}

case "${1:-}" in
  start) start ;;
  deps) ensure_deps ;;
  stop) stop ;;
  status) status ;;
  env) cat "$RUN/env" ;;
  seed) seed ;;
  # for the fault scripts (bench/faults/): one component again
  node-start) load_env; launch_app "$2"; wait_app "$2" ;;
  node-stop) stop_one "app$2" 35 ;;
  s3-start) load_env; start_s3 ;;
  s3-stop) stop_one s3 10 ;;
  lb-restart) load_env; stop_one lb 10; write_haproxy_cfg; launch lb haproxy -W -db -f "$RUN/haproxy.cfg"
    wait_http "load balancer" "http://127.0.0.1:$LB_PORT/healthz" 30 lb ;;
  *) echo "usage: $0 start|stop|status|env|seed|node-start N|node-stop N|s3-start|s3-stop" >&2; exit 2 ;;
esac
