"""employers.sessions.SessionStore (production's session engine with Redis, issue 16): a signed-in page reads no
session row; logging out ends the session at once; the 30-minute idle end and the renewal still hold; a failing
cache leaves the database in charge and never leaves an ended session alive in the cache."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache, caches
from django.test import Client
from django.utils import timezone

from employers.sessions import KEY, SessionStore
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "Cached-pass-2026x"


@pytest.fixture(autouse=True)
def _cached_sessions(settings):
    settings.SESSION_ENGINE = "employers.sessions"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk(employer):
    return factories.employer_user(employer, username="clerk-cached", password=PASSWORD)


def _login(client: Client) -> str:
    response = client.post("/accounts/login/", {"username": "clerk-cached", "password": PASSWORD})
    assert response.status_code == 302
    return client.cookies["sessionid"].value


def _backend() -> type:
    """The class of the default cache (Redis in production, memory here), whose methods the failures patch."""
    return type(caches["default"])


def _session_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_a_signed_in_page_reads_no_session_row(client, clerk, django_assert_max_num_queries):
    key = _login(client)
    assert Session.objects.filter(session_key=key).exists()  # written through to the database
    client.get("/notices/")
    with django_assert_max_num_queries(50) as captured:
        assert client.get("/notices/").status_code == 200
    assert _session_queries(captured) == []


def test_the_same_page_costs_one_query_less_than_with_database_sessions(
    client, clerk, settings, django_assert_max_num_queries
):
    _login(client)
    client.get("/notices/")
    with django_assert_max_num_queries(50) as cached:
        client.get("/notices/")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    other = Client()
    _login(other)
    other.get("/notices/")
    with django_assert_max_num_queries(50) as plain:
        other.get("/notices/")
    assert len(cached.captured_queries) == len(plain.captured_queries) - 1
    assert len(_session_queries(plain)) == 1


def test_logging_out_ends_the_session_at_once(client, clerk):
    key = _login(client)
    assert client.get("/notices/").status_code == 200
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert not Session.objects.filter(session_key=key).exists()
    assert cache.get(SessionStore.cache_key_prefix + key) is None
    replay = Client()
    replay.cookies["sessionid"] = key  # the old cookie, kept by an attacker
    response = replay.get("/notices/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_sessions_still_end_after_thirty_idle_minutes(client, clerk):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client)
    for minutes in (10, 20, 30, 40):  # active every 10 minutes: renewed, still signed in after 40
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/notices/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=71), tick=False):  # 31 idle minutes
        response = client.get("/notices/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_renewal_writes_the_row_and_the_cache(client, clerk, settings, django_assert_max_num_queries):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = _login(client)
    later = start + timedelta(seconds=settings.SESSION_RENEW_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        with django_assert_max_num_queries(50) as captured:
            assert client.get("/notices/").status_code == 200
        assert [q for q in _session_queries(captured) if q.startswith('UPDATE "django_session"')]
        assert cache.get(SessionStore.cache_key_prefix + key)[KEY] == int(later.timestamp())
        row = Session.objects.get(session_key=key)
        assert row.expire_date >= later + timedelta(seconds=settings.SESSION_COOKIE_AGE - 1)


def test_a_failing_cache_serves_the_session_from_the_database(client, clerk, django_assert_max_num_queries):
    _login(client)
    failing = mock.patch.object(_backend(), "get", side_effect=ConnectionError("redis down"))
    with failing, django_assert_max_num_queries(50) as captured:
        assert client.get("/notices/").status_code == 200
    assert len(_session_queries(captured)) == 1


def test_a_failing_cache_write_after_a_database_read_is_not_an_error(client, clerk):
    key = _login(client)
    cache.delete(SessionStore.cache_key_prefix + key)  # evicted: the next read goes to the row
    with mock.patch.object(_backend(), "set", side_effect=ConnectionError("redis down")):
        assert client.get("/notices/").status_code == 200


def test_a_failing_cache_on_logout_keeps_the_row_rather_than_a_live_cached_copy(client, clerk):
    key = _login(client)
    store = SessionStore(key)
    store.load()
    failing = mock.patch.object(_backend(), "delete", side_effect=ConnectionError("redis down"))
    with failing, pytest.raises(ConnectionError):
        store.delete()
    assert Session.objects.filter(session_key=key).exists()  # nothing ended by half: the logout can be retried
    store.delete()
    assert not Session.objects.filter(session_key=key).exists()
    assert cache.get(SessionStore.cache_key_prefix + key) is None


def test_a_new_session_key_is_checked_in_the_database_when_the_cache_fails(clerk):
    made = SessionStore()
    made.create()
    with mock.patch.object(_backend(), "__contains__", side_effect=ConnectionError("redis down")):
        assert SessionStore().exists(made.session_key) is True
        assert SessionStore().exists("no-such-session-key-0123456789") is False
