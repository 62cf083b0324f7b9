"""法人 single sign-on end to end against a real OpenID Connect provider on loopback (oidc-provider-mock, a threaded
werkzeug server): Django's test client drives our side, ``requests`` plays the browser at the provider (its
authorize form, where the test chooses the account), and our backend exchanges the code with the provider over HTTP,
fetches its JWKS and checks the RS256 ID token."""

import socket
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from oidc_provider_mock import run_server_in_thread

from core.models import AuditEvent
from employers.models import Employer, EmployerAccount, SSOIdentity
from tests import factories
from tests.factories.core import bad_check_digit, make_uscc

CLIENT_ID = "wangbao-test"


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def expiring_provider():
    """A provider whose tokens are already expired when issued."""
    with run_server_in_thread(access_token_max_age=timedelta(minutes=-10)) as server:
        yield f"http://localhost:{server.server_port}"


def _configure(settings, issuer):
    cache.clear()  # the discovery document is cached per issuer
    settings.OIDC_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "test-secret"
    settings.OIDC_AUDIENCE = ""


@pytest.fixture
def sso(settings, provider, db):
    _configure(settings, provider)
    factories.region("110101")
    return provider


def _set_claims(issuer, sub, **claims):
    requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()


def _authorize(client, sub):
    """Start at our login, sign in at the provider as ``sub``; returns (callback path with query, query dict)."""
    start = client.get("/accounts/sso/login/")
    assert start.status_code == 302
    authorize_url = start["Location"]
    params = parse_qs(urlsplit(authorize_url).query)
    assert params["code_challenge_method"] == ["S256"] and params["code_challenge"][0]  # PKCE
    assert params["nonce"][0] and params["state"][0]
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/accounts/sso/callback/"
    return f"{back.path}?{back.query}", parse_qs(back.query)


def _sign_in(client, sub):
    path, _ = _authorize(client, sub)
    return client.get(path)


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_login_page_shows_the_sso_button_first(client, sso, settings):
    settings.OIDC_BUTTON_LABEL = "政务服务网法人登录"
    page = client.get("/accounts/login/").content.decode()
    assert "政务服务网法人登录" in page
    assert page.index("政务服务网法人登录") < page.index('name="password"')


def test_login_page_without_sso_has_no_button(client, db, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/sso/login/" not in page
    assert client.get("/accounts/sso/login/").status_code == 404


def test_new_uscc_opens_the_unit_and_its_administrator(client, sso):
    uscc = make_uscc()
    _set_claims(sso, "legal-1", uscc=uscc, org_name="北京新开通科技有限公司", name="王芳", phone_number="13812345678")

    response = _sign_in(client, "legal-1")

    assert response.status_code == 302
    unit = Employer.objects.get(uscc=uscc)
    assert unit.name == "北京新开通科技有限公司" and unit.profile_complete is False
    assert unit.federation_region_id == "110101"  # from the USCC's region digits
    account = EmployerAccount.objects.select_related("user").get(employer=unit)
    assert account.is_admin and account.contact_name == "王芳" and account.contact_phone == "13812345678"
    assert unit.contact_name == "王芳"
    assert not account.user.has_usable_password()
    assert _logged_in_user_id(client) == str(account.user.pk)
    # whatever page it asks for, a unit 资料待完善 lands on 单位信息维护
    assert response["Location"] == "/employer/"
    other_page = client.get("/levy/staff/2025/")
    assert other_page.status_code == 302 and other_page["Location"] == "/employer/"
    page = client.get("/employer/")
    assert page.status_code == 200 and "单位信息维护" in page.content.decode()
    assert SSOIdentity.objects.get(subject="legal-1").employer == unit
    assert AuditEvent.objects.filter(action="employer.open_by_sso", object_id=str(unit.pk)).exists()


def test_existing_unit_signs_in_as_its_administrator(client, sso):
    unit = factories.employer()
    admin = factories.employer_user(unit)
    EmployerAccount.objects.filter(user=admin).update(is_admin=True)
    factories.employer_user(unit)  # another clerk, not the administrator
    _set_claims(sso, "legal-2", uscc=unit.uscc, name="张伟")

    response = _sign_in(client, "legal-2")

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(admin.pk)
    assert client.get("/").status_code == 200  # a complete unit goes straight in
    # the second time the bound account is used directly
    client.logout()
    _sign_in(client, "legal-2")
    assert _logged_in_user_id(client) == str(admin.pk)
    assert EmployerAccount.objects.filter(employer=unit).count() == 2


def test_wrong_state_is_refused(client, sso):
    _set_claims(sso, "legal-3", uscc=make_uscc())
    _path, query = _authorize(client, "legal-3")
    response = client.get(f"/accounts/sso/callback/?code={query['code'][0]}&state=forged-state")
    assert response.status_code == 400
    assert "登录请求无效或已过期" in response.content.decode()
    assert _logged_in_user_id(client) is None


def test_replayed_code_is_refused(client, sso):
    _set_claims(sso, "legal-4", uscc=make_uscc())
    path, query = _authorize(client, "legal-4")
    assert client.get(path).status_code == 302
    client.logout()
    # a new sign-in started, the old code sent with the new state
    start = client.get("/accounts/sso/login/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(f"/accounts/sso/callback/?code={query['code'][0]}&state={state}")
    assert response.status_code == 400
    assert "授权码无效或已被使用" in response.content.decode()
    assert _logged_in_user_id(client) is None
    # and the same callback URL twice: its state is used up
    assert client.get(path).status_code == 400


def test_nonce_mismatch_is_refused(client, sso):
    _set_claims(sso, "legal-5", uscc=make_uscc())
    path, query = _authorize(client, "legal-5")
    session = client.session
    session["oidc_states"][query["state"][0]]["nonce"] = "not-the-nonce-sent"
    session.save()
    response = client.get(path)
    assert response.status_code == 400
    assert _logged_in_user_id(client) is None


def test_expired_id_token_is_refused(client, settings, expiring_provider, db):
    _configure(settings, expiring_provider)
    factories.region("110101")
    _set_claims(expiring_provider, "legal-6", uscc=make_uscc())
    response = _sign_in(client, "legal-6")
    assert response.status_code == 403
    assert "登录凭证已过期" in response.content.decode()
    assert _logged_in_user_id(client) is None


def test_token_for_another_audience_is_refused(client, sso, settings):
    _set_claims(sso, "legal-7", uscc=make_uscc())
    path, _ = _authorize(client, "legal-7")
    settings.OIDC_AUDIENCE = "another-system"  # the token names our client id, we now expect another audience
    response = client.get(path)
    assert response.status_code == 403
    assert "不是签发给本系统的" in response.content.decode()
    assert not Employer.objects.exists()


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({}, "未提供本单位的统一社会信用代码"),
        ({"uscc": "91110101ABC"}, "统一社会信用代码应为 18 位"),
        ({"uscc": bad_check_digit(make_uscc())}, "校验位不正确"),
    ],
    ids=["missing", "too-short", "bad-checksum"],
)
def test_missing_or_malformed_uscc_is_refused(client, sso, claims, message):
    sub = f"legal-bad-{len(claims)}-{claims.get('uscc', '')}"
    _set_claims(sso, sub, name="赵敏", **claims)
    response = _sign_in(client, sub)
    assert response.status_code == 403
    assert message in response.content.decode()
    assert not Employer.objects.exists() and _logged_in_user_id(client) is None


def test_uscc_bound_to_another_account_is_refused(client, sso):
    uscc = make_uscc()
    _set_claims(sso, "legal-8a", uscc=uscc)
    _sign_in(client, "legal-8a")
    client.logout()
    _set_claims(sso, "legal-8b", uscc=uscc)
    response = _sign_in(client, "legal-8b")
    assert response.status_code == 403
    assert "该统一社会信用代码已绑定另一个法人账号" in response.content.decode()
    assert _logged_in_user_id(client) is None


def test_account_bound_to_one_unit_cannot_sign_in_for_another(client, sso):
    _set_claims(sso, "legal-9", uscc=make_uscc())
    _sign_in(client, "legal-9")
    client.logout()
    other = factories.employer()
    _set_claims(sso, "legal-9", uscc=other.uscc)
    response = _sign_in(client, "legal-9")
    assert response.status_code == 403
    assert "该法人账号已绑定其他单位" in response.content.decode()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_provider_down_at_the_start_is_a_chinese_page(client, settings, db):
    _configure(settings, f"http://127.0.0.1:{_closed_port()}")
    settings.OIDC_TIMEOUT = 2
    response = client.get("/accounts/sso/login/")
    assert response.status_code == 503
    assert "统一身份认证平台暂时无法访问" in response.content.decode()


def test_provider_down_at_the_callback_is_a_chinese_page(client, settings, db):
    with run_server_in_thread() as server:
        issuer = f"http://localhost:{server.server_port}"
        _configure(settings, issuer)
        factories.region("110101")
        _set_claims(issuer, "legal-10", uscc=make_uscc())
        path, _ = _authorize(client, "legal-10")
    response = client.get(path)  # the provider stopped between its form and our code exchange
    assert response.status_code == 503
    assert "统一身份认证平台暂时无法访问" in response.content.decode()
