"""/healthz: database, cache, storage and the task backlog; 200 when the node can serve, 503 otherwise."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from core import health

pytestmark = pytest.mark.django_db


def test_healthy_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {"database", "cache", "storage", "tasks"}
    assert body["checks"]["tasks"] == body["checks"]["tasks"] | {"ready": 0, "running_too_long": 0, "stale": False}
    assert "no-cache" in response["Cache-Control"]


def _fail(*args, **kwargs):
    raise OperationalError('connection to server at "10.1.2.3" failed: password authentication failed for "wb"')


@pytest.mark.parametrize("name", ["database", "cache", "storage"])
def test_a_failing_dependency_gives_503_without_details(client, monkeypatch, name):
    monkeypatch.setitem(health.CHECKS, name, _fail)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"][name] == {"ok": False, "error": "OperationalError", "ms": body["checks"][name]["ms"]}
    assert "10.1.2.3" not in response.content.decode() and "password" not in response.content.decode()


def test_cache_down_for_real(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    from django.core.cache import caches

    caches._settings = None  # re-read CACHES
    try:
        response = client.get("/healthz")
    finally:
        caches._settings = None
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def _task(**fields) -> DBTaskResult:
    defaults = {
        "args_kwargs": {"args": [], "kwargs": {}},
        "task_path": "placements.grid.tasks.recompute",
        "backend_name": "default",
        "run_after": get_date_max(),
        "queue_name": "default",
    }
    return DBTaskResult.objects.create(**(defaults | fields))


def test_task_backlog_counts_and_stale_backlog_is_degraded(client, settings):
    settings.HEALTHZ_TASK_WAIT_SECONDS = 600
    fresh = _task()
    body = client.get("/healthz").json()
    assert body["checks"]["tasks"]["ready"] == 1 and body["status"] == "ok"

    DBTaskResult.objects.filter(pk=fresh.pk).update(enqueued_at=timezone.now() - timedelta(hours=1))
    response = client.get("/healthz")
    tasks = response.json()["checks"]["tasks"]
    assert tasks["stale"] is True and tasks["oldest_ready_seconds"] >= 3600
    # Workers behind is not this node's failure: the load balancer keeps it, monitoring (strict) does not.
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert client.get("/healthz?strict=1").status_code == 503


def test_task_running_too_long_is_stale(client, settings):
    settings.HEALTHZ_TASK_RUNNING_SECONDS = 60
    _task(status="RUNNING", started_at=timezone.now() - timedelta(minutes=5))
    tasks = client.get("/healthz").json()["checks"]["tasks"]
    assert tasks["running_too_long"] == 1 and tasks["stale"] is True


def test_task_scheduled_later_is_not_waiting(client):
    _task(run_after=timezone.now() + timedelta(hours=2))
    assert client.get("/healthz").json()["checks"]["tasks"]["ready"] == 0


def test_the_load_balancers_probe_asks_only_the_database(client, monkeypatch):
    # A hanging or failing S3 (or Redis) is shared by every node: it must not take them all out of the pool.
    monkeypatch.setitem(health.CHECKS, "storage", _fail)
    monkeypatch.setitem(health.CHECKS, "cache", _fail)
    response = client.get("/healthz?probe=lb")
    assert response.status_code == 200
    assert '"database": {"ok": true' in response.content.decode()  # what haproxy's http-check expects
    assert set(response.json()["checks"]) == {"database"}
    assert client.get("/healthz").status_code == 503  # the full check still tells monitoring


def test_the_load_balancers_probe_fails_without_the_database(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "database", _fail)
    response = client.get("/healthz?probe=lb")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["error"] == "OperationalError"
