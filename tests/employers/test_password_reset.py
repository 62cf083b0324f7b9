"""Password reset by e-mail against a real SMTP server on loopback (aiosmtpd): the link is read from the received
mail and the reset completed; only clerks with a verified address get a mail; the same answer for unknown
addresses; rate-limited per address and client address; the link lasts one hour. Sessions end after 30 idle minutes."""

import email
import re
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from employers.models import EmployerAccount
from tests import factories
from tests.employers.test_sso import _closed_port

RESET = "/accounts/password_reset/"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = _closed_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    cache.clear()
    yield inbox
    controller.stop()


def _body(message) -> str:
    part = message.get_payload(0) if message.is_multipart() else message
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _wait(inbox, n=1):
    for _ in range(50):
        if len(inbox.messages) >= n:
            return
        time.sleep(0.05)


@pytest.fixture
def clerk(employer):
    user = factories.employer_user(employer, username="clerk-mail", password="Old-pass-2026x")
    user.email = "clerk@example.cn"
    user.save(update_fields=["email"])
    EmployerAccount.objects.filter(user=user).update(email_verified=True)
    return user


def test_reset_by_mail_end_to_end(client, clerk, smtp):
    response = client.post(RESET, {"email": "Clerk@Example.cn"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    _wait(smtp)
    assert len(smtp.messages) == 1
    rcpt, message = smtp.messages[0]
    assert rcpt == ["clerk@example.cn"]
    assert "重置密码" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    body = _body(message)
    assert "1 小时" in body
    link = re.search(r"http://testserver(/accounts/reset/\S+)", body).group(1)

    page = client.get(link, follow=True)
    assert page.context["validlink"]
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": "New-pass-2027x", "new_password2": "New-pass-2027x"}
    )
    assert done.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("New-pass-2027x")
    assert Client().get(link, follow=True).context["validlink"] is False  # used once


def test_unknown_and_unverified_addresses_get_the_same_answer_and_no_mail(client, clerk, smtp, employer):
    other = factories.employer_user(employer, username="clerk-unverified")
    other.email = "unverified@example.cn"
    other.save(update_fields=["email"])
    known = client.post(RESET, {"email": "clerk@example.cn"})
    unknown = client.post(RESET, {"email": "nobody@example.cn"})
    unverified = client.post(RESET, {"email": "unverified@example.cn"})
    assert known.status_code == unknown.status_code == unverified.status_code == 302
    assert known["Location"] == unknown["Location"] == unverified["Location"]
    _wait(smtp)
    time.sleep(0.3)
    assert [rcpt for rcpt, _ in smtp.messages] == [["clerk@example.cn"]]


def test_requests_are_rate_limited_per_address_and_client(client, clerk, smtp, settings):
    settings.PASSWORD_RESET_RATE = (3600, 2, 3)
    for _ in range(4):
        assert client.post(RESET, {"email": "clerk@example.cn"}).status_code == 302
    _wait(smtp, 2)
    time.sleep(0.3)
    assert len(smtp.messages) == 2  # per address
    client.post(RESET, {"email": "clerk@example.cn"}, REMOTE_ADDR="10.9.9.9")
    time.sleep(0.3)
    assert len(smtp.messages) == 2  # the address is used up from anywhere
    for n in range(3):
        client.post(RESET, {"email": f"other{n}@example.cn"}, REMOTE_ADDR="10.8.8.8")
    cache.delete("pwreset:email:clerk@example.cn")
    client.post(RESET, {"email": "clerk@example.cn"}, REMOTE_ADDR="10.8.8.8")
    time.sleep(0.3)
    assert len(smtp.messages) == 2  # the client address is used up


def test_link_expires_after_an_hour(client, clerk, smtp):
    client.post(RESET, {"email": "clerk@example.cn"})
    _wait(smtp)
    link = re.search(r"http://testserver(/accounts/reset/\S+)", _body(smtp.messages[0][1])).group(1)
    assert django_settings.PASSWORD_RESET_TIMEOUT == 3600
    later = default_token_generator._now() + timedelta(seconds=3601)
    with mock.patch.object(type(default_token_generator), "_now", return_value=later):
        assert client.get(link, follow=True).context["validlink"] is False


def test_sessions_end_after_thirty_idle_minutes(client, employer):
    factories.employer_user(employer, username="clerk-idle", password="Idle-pass-2026x")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert (
            client.post("/accounts/login/", {"username": "clerk-idle", "password": "Idle-pass-2026x"}).status_code
            == 302
        )
    for minutes in (10, 20, 30, 40):  # active every 10 minutes: still signed in after 40
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/employer/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=71), tick=False):  # 31 idle minutes
        response = client.get("/employer/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_page_does_not_write_the_session_each_time(employer_client, django_assert_max_num_queries):
    employer_client.get("/employer/")
    with django_assert_max_num_queries(50) as captured:
        employer_client.get("/employer/")
    assert not [q for q in captured.captured_queries if q["sql"].startswith('UPDATE "django_session"')]
