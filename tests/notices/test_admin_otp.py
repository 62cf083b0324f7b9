"""The reviewers' second factor (core/otp.py): TOTP set up on the first admin login, verified on every later one."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from tests.factories import notices as nf
from tests.factories import otp_login
from tests.notices.conftest import totp_now

ADMIN = reverse("admin:index")
LOGIN = reverse("admin:login")
SETUP = reverse("admin:otp_setup")
VERIFY = reverse("admin:otp_verify")
PASSWORD = "review-pass-2026"


def password_login(client: Client, username: str) -> str:
    response = client.post(f"{LOGIN}?next={ADMIN}", {"username": username, "password": PASSWORD, "next": ADMIN})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


@pytest.fixture
def new_reviewer(db):
    return nf.reviewer("110000", username="first-timer")


@pytest.mark.django_db
def test_first_login_goes_to_setup_and_the_admin_stays_closed(client, new_reviewer):
    assert password_login(client, "first-timer") == ADMIN
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fadmin%2F"
    # every admin page, not only the index
    assert client.get(reverse("admin:auth_user_changelist"))["Location"].startswith(SETUP)
    assert client.get(LOGIN)["Location"].startswith(SETUP)

    page = client.get(SETUP)
    content = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in content and "动态验证码绑定二维码" in content
    device = TOTPDevice.objects.get(user=new_reviewer)
    assert device.confirmed is False
    assert page.context["secret"].replace(" ", "") in content.replace(" ", "")
    assert '<label for="id_otp_token"' in content
    # reloading keeps the same secret (and does not pile up devices)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=new_reviewer).count() == 1


@pytest.mark.django_db
def test_setup_with_a_wrong_code_is_refused(client, new_reviewer):
    password_login(client, "first-timer")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=new_reviewer)
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"

    response = client.post(SETUP, {"otp_token": wrong, "next": ADMIN})

    assert response.status_code == 200
    assert "验证码不正确或已过期" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(ADMIN).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "12345", "abcdef", "1234567"])
def test_setup_with_malformed_code_shows_a_chinese_error(client, new_reviewer, token):
    password_login(client, "first-timer")
    response = client.post(SETUP, {"otp_token": token})
    assert response.status_code == 200
    assert response.context["form"].errors["otp_token"][0] in {
        "请输入 6 位动态验证码。",
        "请输入验证器 App 上显示的 6 位数字。",
    }


@pytest.mark.django_db
def test_setup_with_the_right_code_confirms_and_lets_in(client, new_reviewer):
    password_login(client, "first-timer")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=new_reviewer)
    old_session = client.session.session_key
    code = totp_now(device)

    response = client.post(SETUP, {"otp_token": f"{code[:3]} {code[3:]}", "next": ADMIN})

    assert response.status_code == 302
    assert response["Location"] == ADMIN
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != old_session
    assert client.get(ADMIN).status_code == 200
    assert AuditEvent.objects.filter(action="otp_device_confirmed", actor=new_reviewer).exists()


@pytest.mark.django_db
def test_later_logins_ask_for_the_code(client, reviewer, time_machine):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    password_login(client, "bj-reviewer")
    assert client.get(ADMIN)["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    # a second device can not be added from a half-signed-in session
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1

    wrong = f"{(int(totp_now(device)) + 7) % 1_000_000:06d}"
    refused = client.post(VERIFY, {"otp_token": wrong, "next": ADMIN})
    assert refused.status_code == 200
    assert "验证码不正确或已过期" in refused.content.decode()
    assert client.get(ADMIN).status_code == 302

    # right away again: throttled (django-otp backs off after a failure), even with the right code
    throttled = client.post(VERIFY, {"otp_token": totp_now(device), "next": ADMIN})
    assert "错误次数过多" in throttled.content.decode()

    time_machine.move_to("2026-03-02 09:00:31+08:00", tick=False)
    device.refresh_from_db()
    accepted = client.post(VERIFY, {"otp_token": totp_now(device), "next": ADMIN})
    assert accepted.status_code == 302
    assert accepted["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


@pytest.mark.django_db
def test_a_used_code_can_not_be_replayed(reviewer, time_machine):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    code = totp_now(device)
    first, second = Client(), Client()
    password_login(first, "bj-reviewer")
    assert first.post(VERIFY, {"otp_token": code})["Location"] == ADMIN
    password_login(second, "bj-reviewer")
    response = second.post(VERIFY, {"otp_token": code})
    assert response.status_code == 200
    assert second.get(ADMIN).status_code == 302


@pytest.mark.django_db
def test_next_must_stay_on_this_site(client, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    password_login(client, "bj-reviewer")
    response = client.post(VERIFY, {"otp_token": totp_now(device), "next": "https://evil.example/"})
    assert response["Location"] == ADMIN


@pytest.mark.django_db
def test_a_half_signed_in_user_can_sign_out(client, new_reviewer):
    password_login(client, "first-timer")
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(SETUP)["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_employer_can_not_reach_the_admin(employer_client):
    response = employer_client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert employer_client.get(SETUP)["Location"].startswith(LOGIN)
    assert employer_client.get(VERIFY)["Location"].startswith(LOGIN)
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_login(client):
    assert client.get(ADMIN)["Location"].startswith(LOGIN)
    assert client.get(SETUP)["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_verified_session_gets_in_and_the_steps_send_it_on(client, reviewer):
    otp_login(client, reviewer)
    assert client.get(ADMIN).status_code == 200
    assert client.get(f"{VERIFY}?next=/admin/auth/")["Location"] == "/admin/auth/"
    assert client.get(LOGIN)["Location"] == ADMIN


@pytest.mark.django_db
def test_otp_can_be_turned_off_for_development(client, new_reviewer, settings):
    settings.ADMIN_REQUIRE_OTP = False
    password_login(client, "first-timer")
    assert client.get(ADMIN).status_code == 200
    assert not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_unconfirmed_device_alone_does_not_verify_a_session(client, new_reviewer):
    password_login(client, "first-timer")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=new_reviewer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get(ADMIN)["Location"].startswith(SETUP)


@pytest.mark.django_db
def test_second_factor_ok_helper_for_views_outside_the_admin(rf, reviewer, employer_user, settings):
    from core.otp import second_factor_ok

    assert second_factor_ok(employer_user) is True
    assert second_factor_ok(reviewer) is False  # no OTPMiddleware: not verified
    reviewer.is_verified = lambda: True
    assert second_factor_ok(reviewer) is True
    settings.ADMIN_REQUIRE_OTP = False
    del reviewer.is_verified
    assert second_factor_ok(reviewer) is True
