"""gunicorn settings for an app node: ``gunicorn -c config/gunicorn.conf.py config.wsgi`` (README, docs/deploy.md).

Every value can be overridden from the environment (``GUNICORN_*`` below) or gunicorn's own ``GUNICORN_CMD_ARGS``.

* Workers: ``2 × cores + 1`` sync workers (the views are synchronous and wait on PostgreSQL), capped at 12;
  ``GUNICORN_WORKERS`` sets the number. Each worker holds up to one database connection (``DB_CONN_MAX_AGE``), so
  nodes × workers must stay under PostgreSQL's ``max_connections`` (or go through pgbouncer).
* Timeouts: a worker silent for ``GUNICORN_TIMEOUT`` (60 s) is killed and replaced — above the slowest legitimate
  request (a PDF, an upload to object storage with its own 5 s connect / 15 s read timeouts and retries); workers are
  recycled after 10,000–15,000 requests (jittered) so a leak cannot grow without bound. A new worker takes ~1.5–3 s
  (start, warm-up) before it serves: at 1,000 ± 100 the workers of a busy node recycled within seconds of each
  other every ~30 s of load, and requests waited for them (a 4.1 s logout at c=4, bench/load.py, session 13).
* Logs on stderr (journald): gunicorn's own lines and the access lines go through the application's formatter
  (``core.requestid.LogFormatter``: ISO time in ``TIME_ZONE``, level, request id; JSON lines with
  ``LOG_FORMAT=json``). The access line carries the request id the application returned in ``X-Request-ID``.
  ``TZ`` is set to ``TIME_ZONE`` here, before any worker forks, so master and workers agree on the local time.
* Before serving, the master runs ``manage.py check --deploy`` (in a child process) and refuses to start on an
  error (no ``SECRET_KEY``, no ``PUBLIC_BASE_URL``, S3 without bucket: core/checks.py); warnings are logged.
  ``GUNICORN_SKIP_CHECKS=1`` skips it (not advised).
* Behind the load balancer: ``FORWARDED_ALLOW_IPS`` (the proxies' addresses, default 127.0.0.1) lets gunicorn trust
  their ``X-Forwarded-*`` headers.
"""

import multiprocessing
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TIME_ZONE = "Asia/Shanghai"  # as settings.TIME_ZONE
os.environ["TZ"] = TIME_ZONE
time.tzset()


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 12))
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # below the load balancer's idle timeout
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 5_000)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request size: Django bounds the body (DATA_UPLOAD_MAX_MEMORY_SIZE, UPLOAD_MAX_BYTES); gunicorn the request line.
limit_request_line = 8190

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# remote address, time, request line, status, bytes, duration (ms), request id (X-Request-ID), user agent
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'

_json = os.environ.get("LOG_FORMAT", "text").strip().lower() == "json"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"()": "core.requestid.LogFormatter", "as_json": _json, "time_zone": TIME_ZONE},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}


def on_starting(server) -> None:
    """Refuse to start a production node with a configuration ``check --deploy`` rejects.

    In a child process: the master stays free of the application's modules, so a reload (HUP) of the workers loads
    the new release's code (a deploy restarts the service anyway, docs/deploy.md).
    """
    if os.environ.get("GUNICORN_SKIP_CHECKS") == "1":
        return
    import subprocess

    command = [sys.executable, str(BASE_DIR / "manage.py"), "check", "--deploy", "--fail-level", "ERROR"]
    result = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        server.log.error("configuration refused by manage.py check --deploy:\n%s", result.stderr.strip())
        sys.exit(1)
    for line in result.stderr.strip().splitlines():
        server.log.warning("check --deploy: %s", line)


def post_worker_init(worker) -> None:
    """A new or recycled worker imports every view and compiles every template before its first request
    (core.warmup): otherwise that request paid for it, ~1 s on a busy node."""
    import time

    started = time.perf_counter()
    try:
        from core.warmup import warm

        compiled = warm()
    except Exception:  # a warm-up that fails leaves the worker as it was: the first request does the work
        worker.log.exception("warm-up failed")
        return
    worker.log.info("warm-up: %d templates in %.2f s", compiled, time.perf_counter() - started)
