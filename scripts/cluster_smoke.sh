#!/usr/bin/env bash
# Cluster smoke test (issue 16; `make cluster-smoke`, run by .ci/run after the test suite):
# start a cluster of its own (scripts/cluster.sh: haproxy, 2 gunicorn nodes with DEBUG=0, 2 supervised db_workers,
# a fresh PostgreSQL database, Redis db 6, moto S3), then
#   1. one request to each app node directly (the login page, 200, linking fingerprinted static files),
#      and one through the balancer (a static file named in the page's manifest, 200);
#   1b. one https request through the balancer (TLS ended by haproxy with the self-signed certificate cluster.sh made,
#      checked against it): 200 with Django's Strict-Transport-Security, which Django sends only when it trusts the
#      balancer's X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER); a plain request claiming X-Forwarded-Proto: https
#      gets none (haproxy overwrites the client's header);
#   2. one task through a worker (queued in the task table, finished by a db_worker);
#   3. one upload through S3 (Django's default storage = S3Storage against moto: stored, read back, deleted);
# and stop — always, whatever failed (a trap), dropping its database. Every step is bounded in time, the whole run
# by SMOKE_TIMEOUT (300 s: a hard limit with room for a busy machine; it takes under 2 minutes on an idle one, the
# time is printed). On failure it names the step and prints the tail of the logs of the cluster's processes.
#
# It uses its own ports (8280–8289, TLS on 8283), run folder (var/cluster-smoke), database and bucket, so it can run beside a
# developer's `make cluster`. Static files: Django's ManifestStaticFilesStorage (fingerprinted, not compressed:
# compressing every file takes minutes on two cores; the compressed storage is what `make cluster` uses).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
T0=$SECONDS
export CLUSTER_DIR=$ROOT/var/cluster-smoke
export CLUSTER_LB_PORT=8280 CLUSTER_APP_PORTS="8281 8282" CLUSTER_STATS_PORT=8288 CLUSTER_S3_PORT=8289
export CLUSTER_TLS_PORT=8283
export CLUSTER_DB=wangbao_smoke_$$ CLUSTER_REDIS_DB=6 CLUSTER_BUCKET=wangbao-smoke
export CLUSTER_APP_WORKERS=1 CLUSTER_START_TIMEOUT=60
# The deploy steps have just run check --deploy with the same environment: the nodes do not run it again.
export GUNICORN_SKIP_CHECKS=1
export CLUSTER_STATICFILES_BACKEND=${CLUSTER_STATICFILES_BACKEND:-django.contrib.staticfiles.storage.ManifestStaticFilesStorage}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-300}
PY=$ROOT/.venv/bin/python
step="start"

finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${watchdog:-}" ]; then # its sleep, then itself, silently (no "Terminated" line)
    local sleeper
    sleeper=$(pgrep -P "$watchdog" 2>/dev/null || true)
    kill -KILL "$watchdog" 2>/dev/null
    [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  fi
  if [ $rc -ne 0 ]; then
    echo "CLUSTER SMOKE FAILED at step: $step (exit $rc, after $((SECONDS - T0)) s)" >&2
    for f in "$CLUSTER_DIR"/logs/*.log; do
      [ -e "$f" ] || continue
      echo "--- last lines of $f" >&2
      tail -n 15 "$f" >&2
    done
  fi
  timeout 120 bash scripts/cluster.sh stop >/dev/null 2>&1 || echo "cluster smoke: stop did not finish cleanly" >&2
  local i # the database goes even if PostgreSQL was restarting under the run (seen here: a database left behind)
  for i in 1 2 3 4 5; do
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $CLUSTER_DB WITH (FORCE)" postgres >/dev/null 2>&1 && break
    sleep 2
  done
  [ $rc -eq 0 ] && echo "cluster smoke: passed in $((SECONDS - T0)) s (start, 2 nodes + balancer, https, 1 task, 1 S3 upload, stop)"
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM
fail() { echo "cluster smoke: $*" >&2; exit 1; }

step="prepare (haproxy, the S3 stand-in's environment, PostgreSQL, Redis: scripts/cluster.sh deps)"
timeout 300 bash scripts/cluster.sh deps || fail "the cluster's dependencies are missing"
T0=$SECONDS # the smoke test's own time starts here (the first run on a machine installs moto: ~1 minute)

# The rest is bounded: past SMOKE_TIMEOUT the watchdog ends it (the trap still stops the cluster).
( sleep "$SMOKE_TIMEOUT" && echo "CLUSTER SMOKE: over ${SMOKE_TIMEOUT}s, giving up" >&2 && kill -TERM $$ ) &
watchdog=$!
disown "$watchdog" # no "Terminated" line when it is ended

step="start the cluster (scripts/cluster.sh start)"
CLUSTER_SKIP_MANUAL=${CLUSTER_SKIP_MANUAL:-} timeout 240 bash scripts/cluster.sh start || fail "the cluster did not start"
echo "cluster smoke: started in $((SECONDS - T0)) s"
set -a; . "$CLUSTER_DIR/env"; set +a

step="one request per app node"
for port in $CLUSTER_APP_PORTS; do
  page=$(curl -fsS -m 15 "http://127.0.0.1:$port/accounts/login/") || fail "node :$port did not serve the login page"
  css=$(grep -o '/static/[^"]*\.[0-9a-f]\{12\}\.css' <<<"$page" | head -1)
  [ -n "$css" ] || fail "node :$port: the login page links no fingerprinted stylesheet (collectstatic manifest?)"
  echo "cluster smoke: node :$port served the login page (links $css)"
done
step="a static file and /healthz through the balancer"
curl -fsS -m 15 -o /dev/null "http://127.0.0.1:$CLUSTER_LB_PORT$css" || fail "the balancer did not serve $css"
health=$(curl -fsS -m 15 "http://127.0.0.1:$CLUSTER_LB_PORT/healthz") || fail "/healthz through the balancer failed"
grep -q '"status": "ok"' <<<"$health" || fail "/healthz is not ok: $health"

step="one https request through the balancer (TLS at haproxy, X-Forwarded-Proto, HSTS)"
headers=$(curl -fsS -m 15 --cacert "$CLUSTER_DIR/tls/cert.pem" -D - -o /dev/null \
  "https://localhost:$CLUSTER_TLS_PORT/accounts/login/") || fail "no 200 over https from the balancer"
grep -qi '^strict-transport-security: max-age=[1-9]' <<<"$headers" \
  || fail "no Strict-Transport-Security over https: the nodes did not trust X-Forwarded-Proto (HTTPS=1 and TRUSTED_PROXY_COUNT in $CLUSTER_DIR/env?)"
grep -qi '^set-cookie: csrftoken=.*; Secure' <<<"$headers" || fail "the CSRF cookie over https is not Secure"
plain=$(curl -fsS -m 15 -H 'X-Forwarded-Proto: https' -D - -o /dev/null "http://127.0.0.1:$CLUSTER_LB_PORT/accounts/login/") \
  || fail "the plain request with a forged X-Forwarded-Proto failed"
if grep -qi '^strict-transport-security' <<<"$plain"; then
  fail "a plain request claiming X-Forwarded-Proto: https was taken as secure (haproxy must overwrite the header)"
fi
echo "cluster smoke: https through the balancer: 200, $(grep -i '^strict-transport-security' <<<"$headers" | tr -d '\r'); a forged X-Forwarded-Proto on plain http ignored"

step="one task through a worker"
timeout 90 "$PY" scripts/cluster_probe.py task --timeout 60 || fail "the task was not run by a worker"

step="one upload through S3"
timeout 60 "$PY" scripts/cluster_probe.py upload || fail "the upload through S3 failed"

step="stop"
exit 0
