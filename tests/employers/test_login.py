"""Login, logout, password change and the django-axes lock-out (5 failures per account and address → 5 minutes;
the proxy header, the address limit and the TOTP unlock: tests/core/test_lockout.py)."""

import pytest
import time_machine
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "test-pass-2026"


@pytest.fixture
def clerk(employer):
    return factories.employer_user(employer, username="clerk-lock", password=PASSWORD)


def _login(client, password, ip="10.1.1.1", username="clerk-lock"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_with_right_password(client, clerk):
    response = _login(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_wrong_password_shows_chinese_error(client, clerk):
    response = _login(client, "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_sixth_attempt_is_locked_even_with_the_right_password(client, clerk):
    for _ in range(4):
        assert _login(client, "wrong-password").status_code == 200
    fifth = _login(client, "wrong-password")
    assert "账号已被临时锁定" in fifth.content.decode()
    sixth = _login(client, PASSWORD)
    assert sixth.status_code in (403, 429)
    html = sixth.content.decode()
    assert "账号已被临时锁定" in html and "5 分钟" in html
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_locked(client, clerk):
    for _ in range(5):
        _login(client, "wrong-password", ip="10.1.1.1")
    assert "账号已被临时锁定" in _login(client, PASSWORD, ip="10.1.1.1").content.decode()
    response = _login(client, PASSWORD, ip="10.2.2.2")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_another_account_from_the_same_address_is_not_locked(client, clerk, employer):
    factories.employer_user(employer, username="clerk-two", password=PASSWORD)
    for _ in range(5):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD, username="clerk-two").status_code == 302


def test_lock_ends_after_5_minutes(client, clerk):
    for _ in range(5):
        _login(client, "wrong-password")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6), tick=False):
        assert _login(client, PASSWORD).status_code == 302


def test_logout_is_a_post_and_password_change_works(production_hashers, client, clerk):
    client.force_login(clerk)
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "a-new-pass-2027", "new_password2": "a-new-pass-2027"},
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("a-new-pass-2027")
    assert clerk.password.startswith("argon2")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/employer/").status_code == 302


def test_password_reset_page_asks_for_the_verified_email(client):
    html = client.get("/accounts/password_reset/").content.decode()
    assert "已验证的电子邮箱" in html and "当地残联重置密码" in html  # the mail: test_password_reset.py
    assert 'href="/accounts/password_reset/"' in client.get(LOGIN).content.decode()
