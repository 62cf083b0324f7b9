"""The login lock-out (core/lockout.py, issue 12): the client's address from the trusted proxy header only, one limit
per account and address and a higher one per address, nobody locked out by a stranger elsewhere, the short back-off
and the TOTP way out."""

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.lockout import client_ip, forwarded_address
from tests import factories

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
UNLOCK = "/accounts/unlock/"
PASSWORD = "test-pass-2026"
LB = "10.0.0.2"  # the load balancer: REMOTE_ADDR of every request behind it


def _request(remote=LB, xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().post(LOGIN, **extra)


# --- the proxy header -------------------------------------------------------------------------------------------


def test_without_the_setting_the_address_is_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="198.51.100.7", xff="203.0.113.9")) == "198.51.100.7"


def test_one_proxy_takes_the_rightmost_entry_and_ignores_spoofed_hops(settings):
    settings.TRUSTED_PROXY_HEADER, settings.TRUSTED_PROXY_COUNT = "X-Forwarded-For", 1
    assert client_ip(_request(xff="203.0.113.9")) == "203.0.113.9"
    # the client sent its own X-Forwarded-For: the proxy appended the real address on the right
    assert client_ip(_request(xff="1.1.1.1, 8.8.8.8, 203.0.113.9")) == "203.0.113.9"


def test_two_proxies_take_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_HEADER, settings.TRUSTED_PROXY_COUNT = "HTTP_X_FORWARDED_FOR", 2
    # client → CDN (appends the client) → load balancer (appends the CDN) → app
    assert client_ip(_request(xff="6.6.6.6, 203.0.113.9, 192.0.2.1")) == "203.0.113.9"


def test_a_short_or_bad_header_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_HEADER, settings.TRUSTED_PROXY_COUNT = "X-Forwarded-For", 2
    assert client_ip(_request(xff="203.0.113.9")) == LB  # fewer hops than proxies: not through them
    assert client_ip(_request()) == LB
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(xff="1.2.3.4, not-an-address")) == LB


@pytest.mark.parametrize(
    ("value", "count", "expected"),
    [
        ("203.0.113.9:51234", 1, "203.0.113.9"),
        ("[2001:db8::1]:443", 1, "2001:db8::1"),
        ("2001:db8::1", 1, "2001:db8::1"),
        (" 1.1.1.1 ,  203.0.113.9 ", 1, "203.0.113.9"),
        ("1.1.1.1,,203.0.113.9", 2, "1.1.1.1"),
        ("", 1, None),
    ],
)
def test_forwarded_address(value, count, expected):
    assert forwarded_address(value, count) == expected


# --- the locks ----------------------------------------------------------------------------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_HEADER, settings.TRUSTED_PROXY_COUNT = "X-Forwarded-For", 1


@pytest.fixture
def clerk(db):
    return factories.employer_user(factories.employer(), username="clerk-lock", password=PASSWORD)


def _login(client, password, client_address, username="clerk-lock", path=LOGIN):
    """A login through the load balancer: REMOTE_ADDR is the balancer, the client is in X-Forwarded-For."""
    return client.post(
        path,
        {"username": username, "password": password},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR=f"9.9.9.9, {client_address}",  # the left entry is whatever the client claimed
    )


def _is_locked(response) -> bool:
    return response.status_code == 429


@pytest.mark.django_db
def test_five_failures_lock_the_account_at_that_address(client, clerk, behind_proxy):
    for _ in range(4):
        assert not _is_locked(_login(client, "wrong", "203.0.113.1"))
    fifth = _login(client, "wrong", "203.0.113.1")
    assert _is_locked(fifth) and "账号已被临时锁定" in fifth.content.decode()
    locked = _login(client, PASSWORD, "203.0.113.1")
    assert _is_locked(locked)
    html = locked.content.decode()
    assert "5 分钟" in html and "验证并解锁" in html
    assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.1"}


@pytest.mark.django_db
def test_a_stranger_elsewhere_cannot_lock_the_user_out(client, clerk, behind_proxy):
    for _ in range(12):
        _login(client, "wrong", "198.51.100.66")  # the stranger, behind the same load balancer
    assert _is_locked(_login(client, PASSWORD, "198.51.100.66"))
    response = _login(client, PASSWORD, "203.0.113.1")  # the clerk from the office
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)


@pytest.mark.django_db
def test_spoofed_hops_do_not_escape_the_lock(client, clerk, behind_proxy):
    for n in range(5):
        client.post(
            LOGIN,
            {"username": "clerk-lock", "password": "wrong"},
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.66",  # a new invented address each time
        )
    assert _is_locked(_login(client, PASSWORD, "198.51.100.66"))


@pytest.mark.django_db
def test_the_address_has_its_own_higher_limit(client, clerk, behind_proxy, settings):
    # 29 failures over many accounts from one address: still open (no account reached 5)
    for n in range(settings.LOCKOUT_ADDRESS_LIMIT - 1):
        assert not _is_locked(_login(client, "wrong", "198.51.100.66", username=f"guess{n // 4}-{n % 4}"))
    thirtieth = _login(client, "wrong", "198.51.100.66", username="guess-last")
    assert _is_locked(thirtieth) and "本网络地址的登录已被暂停" in thirtieth.content.decode()
    assert "15 分钟" in thirtieth.content.decode() and "验证并解锁" not in thirtieth.content.decode()
    # the right password of a real account from that address is refused too; from another address it works
    assert _is_locked(_login(client, PASSWORD, "198.51.100.66"))
    assert _login(client, PASSWORD, "203.0.113.1").status_code == 302


@pytest.mark.django_db
def test_a_success_forgets_the_accounts_failures_not_the_addresss(client, clerk, behind_proxy):
    for _ in range(3):
        _login(client, "wrong", "203.0.113.1", username="someone-else")
    for _ in range(4):
        _login(client, "wrong", "203.0.113.1")
    assert _login(client, PASSWORD, "203.0.113.1").status_code == 302
    remaining = AccessAttempt.objects.filter(ip_address="203.0.113.1")
    assert list(remaining.values_list("username", flat=True)) == ["someone-else"]


@pytest.mark.django_db
def test_the_account_lock_ends_after_the_short_back_off(client, clerk, behind_proxy):
    for _ in range(5):
        _login(client, "wrong", "203.0.113.1")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=4), tick=False):
        assert _is_locked(_login(client, PASSWORD, "203.0.113.1"))
    # the refused attempt during the lock extended it by one back-off from then
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=9, seconds=30), tick=False):
        assert _login(client, PASSWORD, "203.0.113.1").status_code == 302


@pytest.mark.django_db
def test_the_address_lock_lasts_longer(client, clerk, behind_proxy, settings):
    for n in range(settings.LOCKOUT_ADDRESS_LIMIT):
        _login(client, "wrong", "198.51.100.66", username=f"guess-{n}")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=10), tick=False):
        assert _is_locked(_login(client, PASSWORD, "198.51.100.66"))
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=26), tick=False):
        assert _login(client, PASSWORD, "198.51.100.66").status_code == 302


# --- the TOTP way out ---------------------------------------------------------------------------------------------


def _code(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.fixture
def reviewer(db):
    user = factories.reviewer_user(username="reviewer-lock", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    return user, device


@pytest.mark.django_db
def test_a_current_totp_code_lifts_the_account_lock(client, reviewer, behind_proxy):
    user, device = reviewer
    for _ in range(5):
        _login(client, "wrong", "203.0.113.1", username="reviewer-lock", path=ADMIN_LOGIN)
    assert _is_locked(_login(client, PASSWORD, "203.0.113.1", username="reviewer-lock", path=ADMIN_LOGIN))
    response = client.post(
        UNLOCK,
        {"username": "reviewer-lock", "otp_token": _code(device)},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR="203.0.113.1",
    )
    assert response.status_code == 302 and response["Location"] == ADMIN_LOGIN
    assert not AccessAttempt.objects.filter(username="reviewer-lock").exists()
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(action="login_unlocked_with_otp", actor=user).exists()
    after = _login(client, PASSWORD, "203.0.113.1", username="reviewer-lock", path=ADMIN_LOGIN)
    assert after.status_code == 302


@pytest.mark.django_db
def test_a_wrong_code_or_no_device_unlocks_nothing(client, clerk, reviewer, behind_proxy):
    for username in ("reviewer-lock", "clerk-lock"):
        for _ in range(5):
            _login(client, "wrong", "203.0.113.1", username=username)
    wrong = client.post(
        UNLOCK, {"username": "reviewer-lock", "otp_token": "000000"}, REMOTE_ADDR=LB, HTTP_X_FORWARDED_FOR="203.0.113.1"
    )
    no_device = client.post(
        UNLOCK, {"username": "clerk-lock", "otp_token": "123456"}, REMOTE_ADDR=LB, HTTP_X_FORWARDED_FOR="203.0.113.1"
    )
    for response in (wrong, no_device):
        assert response.status_code == 429
        assert "验证码不正确或已过期，或该账号未绑定动态验证码" in response.content.decode()
    assert _is_locked(_login(client, PASSWORD, "203.0.113.1", username="reviewer-lock"))
    assert _is_locked(_login(client, PASSWORD, "203.0.113.1"))


@pytest.mark.django_db
def test_a_code_does_not_lift_the_lock_at_another_address(client, reviewer, behind_proxy):
    _, device = reviewer
    for _ in range(5):
        _login(client, "wrong", "203.0.113.1", username="reviewer-lock")
    client.post(
        UNLOCK,
        {"username": "reviewer-lock", "otp_token": _code(device)},
        REMOTE_ADDR=LB,
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert _is_locked(_login(client, PASSWORD, "203.0.113.1", username="reviewer-lock"))


def test_unlock_is_post_only(client):
    assert client.get(UNLOCK).status_code == 405
