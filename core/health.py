"""``/healthz``: is this app node able to serve — database, cache, object storage — and is the task backlog moving.

JSON, no login, never cached, no secrets (a failed check names only the exception's class; the detail goes to the
log). HTTP 200 when the node's dependencies answer, 503 when one does not, so a load balancer takes the node out.

The task backlog (django-tasks-db: tasks waiting to run, the age of the oldest one, tasks running for longer than
``HEALTHZ_TASK_RUNNING_SECONDS``) is reported too; a stale backlog means the *workers* are behind or stuck, not
this node, so it makes the status ``degraded`` with 200 — every app node would fail the probe alike otherwise and
the load balancer would have none left. Monitoring asks ``/healthz?strict=1``, which answers 503 for that too.

The load balancer asks ``/healthz?probe=lb``: the process and its database only. Object storage and the cache are
shared by every node, and a hanging S3 makes the storage check wait for its timeouts (15 s and more) — longer than a
balancer's probe — so with them in the probe one slow dependency would take every node out of the pool, where the
pages that do not touch S3 could still be served (and the others answer the Chinese 503 page themselves).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)

# A key that need not exist: exists() on it costs one HEAD (S3) or stat (filesystem) and proves the store answers.
STORAGE_PROBE_KEY = "healthz/probe"


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "1":
        raise RuntimeError("cache did not return the value just set")
    return {}


def check_storage() -> dict:
    default_storage.exists(STORAGE_PROBE_KEY)
    return {}


def check_tasks() -> dict:
    """The backlog of django-tasks-db; ``stale`` when a worker is behind or stuck."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    waiting = DBTaskResult.objects.ready()
    # A task scheduled for later has waited since its run_after; one queued to run at once since it was queued.
    oldest = [
        waiting.exclude(run_after=get_date_max()).aggregate(t=Min("run_after"))["t"],
        waiting.filter(run_after=get_date_max()).aggregate(t=Min("enqueued_at"))["t"],
    ]
    known = [t for t in oldest if t is not None]
    oldest_wait = max(0, int((now - min(known)).total_seconds())) if known else 0
    running_limit = timedelta(seconds=settings.HEALTHZ_TASK_RUNNING_SECONDS)
    overdue = DBTaskResult.objects.running().filter(started_at__lt=now - running_limit).count()
    return {
        "ready": waiting.count(),
        "oldest_ready_seconds": oldest_wait,
        "running_too_long": overdue,
        "stale": oldest_wait > settings.HEALTHZ_TASK_WAIT_SECONDS or overdue > 0,
    }


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
}


def _run(name: str, check: Callable[[], dict]) -> dict:
    started = time.monotonic()
    try:
        result = {"ok": True, **check()}
    except Exception as error:  # noqa: BLE001 — any failure is the answer, reported by class name only
        log.error("healthz: %s check failed: %s.%s", name, type(error).__module__, type(error).__qualname__)
        result = {"ok": False, "error": type(error).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    if request.GET.get("probe") == "lb":
        database = _run("database", CHECKS["database"])
        return JsonResponse(
            {"status": "ok" if database["ok"] else "unavailable", "checks": {"database": database}},
            status=200 if database["ok"] else 503,
        )
    checks = {name: _run(name, check) for name, check in CHECKS.items()}
    # The backlog lives in the database: not asked when the database is down.
    tasks = _run("tasks", check_tasks) if checks["database"]["ok"] else {"ok": False, "error": "database unavailable"}
    checks["tasks"] = tasks
    node_ok = all(checks[name]["ok"] for name in CHECKS)
    tasks_ok = tasks["ok"] and not tasks.get("stale")
    status = "ok" if node_ok and tasks_ok else "degraded" if node_ok else "unavailable"
    strict = request.GET.get("strict") == "1"
    http_status = 200 if status == "ok" or (status == "degraded" and not strict) else 503
    return JsonResponse(
        {"status": status, "checks": checks}, status=http_status, json_dumps_params={"ensure_ascii": False}
    )
