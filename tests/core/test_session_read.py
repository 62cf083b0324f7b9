"""core.middleware_sessions: the session row read by a statement built once instead of ``Session.objects.get`` (issue
16). The sessions stay in the database, written by Django: the read must give what Django's store gives — the same
data for a live session, nothing and the key forgotten for an unknown or expired one — and a login, a request and a
logout must behave as before."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from core.middleware_sessions import SessionStore
from tests import factories

pytestmark = pytest.mark.django_db


def _saved(data: dict, *, expires_in: timedelta = timedelta(minutes=30)) -> str:
    store = DjangoStore()
    store.update(data)
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


@pytest.mark.parametrize(
    "data",
    [
        {"_auth_user_id": "7", "_renewed_at": 1767225600},
        {},
        {"文本": "中文", "n": [1, 2.5, None], "nested": {"a": True}},
    ],
)
def test_a_live_session_reads_as_djangos_store_reads_it(data):
    key = _saved(data)
    mine, django = SessionStore(key), DjangoStore(key)
    assert mine.load() == django.load() == data
    assert mine.session_key == django.session_key == key


@pytest.mark.parametrize("key", ["expired", "unknown", "x" * 40])
def test_no_session_reads_as_djangos_store_reads_it(key):
    if key == "expired":
        key = _saved({"_auth_user_id": "7"}, expires_in=-timedelta(seconds=1))
    mine, django = SessionStore(key), DjangoStore(key)
    assert mine.load() == django.load() == {}
    assert mine.session_key is django.session_key is None  # forgotten: a new key on the next save


def test_the_page_uses_it_and_a_login_a_page_and_a_logout_behave(client):
    user = factories.employer_user(factories.employer(), password="test-pass-2026")
    response = client.post(reverse("login"), {"username": user.username, "password": "test-pass-2026"})
    assert response.status_code == 302
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200 and type(response.wsgi_request.session) is SessionStore
    assert response.wsgi_request.user == user
    key = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
