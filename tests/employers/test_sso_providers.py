"""Several 法人 sign-on providers at once (a provincial and a national 政务服务网; ADR 0012, employers.sso_providers):
two real OpenID Connect providers (oidc-provider-mock) on loopback at the same time. One button each on the login
page; each signs in through its own URLs; a state started at one provider is refused by the other's callback; the
same USCC through both is the same unit; the bindings per provider on 我的账号 with 解除绑定; the system check that
refuses a half-configured provider. The single-provider cases stay in test_sso.py, unchanged."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oidc_provider_mock import run_server_in_thread

from core.models import AuditEvent
from employers import services
from employers.models import Employer, EmployerAccount, SSOIdentity
from employers.sso_providers import check_providers
from tests import factories
from tests.factories.core import make_uscc

ZJ_LABEL = "浙江政务服务网法人登录"
NATIONAL_LABEL = "国家政务服务平台法人登录"


@pytest.fixture(scope="module")
def two_providers():
    with run_server_in_thread() as zj, run_server_in_thread() as national:
        yield f"http://localhost:{zj.server_port}", f"http://localhost:{national.server_port}"


def _provider(issuer: str, label: str, client_id: str, **more) -> dict[str, str]:
    return {"issuer": issuer, "client_id": client_id, "client_secret": f"{client_id}-secret", "label": label, **more}


@pytest.fixture
def sso(settings, two_providers, db):
    cache.clear()  # discovery documents are cached per issuer
    zj, national = two_providers
    settings.OIDC_PROVIDERS = {
        "zj": _provider(zj, ZJ_LABEL, "wangbao-zj"),
        "national": _provider(national, NATIONAL_LABEL, "wangbao-national", uscc_claim="tyshxydm"),
    }
    factories.region("110101")
    return {"zj": zj, "national": national}


def _set_claims(issuer, sub, **claims):
    requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()


def _authorize(client, key, sub):
    """Start at ``key``'s login, sign in at its provider as ``sub``; returns (callback path with query, query)."""
    start = client.get(f"/accounts/sso/{key}/login/")
    assert start.status_code == 302
    params = parse_qs(urlsplit(start["Location"]).query)
    assert params["redirect_uri"] == [f"http://testserver/accounts/sso/{key}/callback/"]
    assert params["code_challenge_method"] == ["S256"] and params["nonce"][0] and params["state"][0]
    answer = requests.post(start["Location"], data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == f"/accounts/sso/{key}/callback/"
    return f"{back.path}?{back.query}", parse_qs(back.query)


def _sign_in(client, key, sub):
    path, _ = _authorize(client, key, sub)
    return client.get(path)


def _user_id(client):
    return client.session.get("_auth_user_id")


def test_login_page_has_one_button_per_provider_before_the_password_form(client, sso):
    page = client.get("/accounts/login/").content.decode()
    zj, national, password = page.index(ZJ_LABEL), page.index(NATIONAL_LABEL), page.index('name="password"')
    assert zj < national < password  # in the order of OIDC_PROVIDERS, both before the password form
    assert 'href="/accounts/sso/zj/login/"' in page and 'href="/accounts/sso/national/login/"' in page
    assert 'href="/accounts/sso/login/"' not in page  # no default provider configured


def test_the_same_uscc_through_either_provider_is_the_same_unit(client, sso):
    uscc = make_uscc()
    _set_claims(sso["zj"], "zj-legal-1", uscc=uscc, org_name="杭州双平台科技有限公司", name="陈静")
    _set_claims(sso["national"], "cn-legal-1", tyshxydm=uscc)  # this provider's own claim name

    first = _sign_in(client, "zj", "zj-legal-1")

    assert first.status_code == 302 and first["Location"] == "/employer/"  # new unit: 资料待完善 first
    unit = Employer.objects.get(uscc=uscc)
    admin = EmployerAccount.objects.get(employer=unit, is_admin=True).user
    assert _user_id(client) == str(admin.pk)
    client.logout()

    second = _sign_in(client, "national", "cn-legal-1")

    assert second.status_code == 302
    assert _user_id(client) == str(admin.pk)  # the unit's administrator again, no second unit or login
    assert (
        Employer.objects.filter(uscc=uscc).count() == 1 and EmployerAccount.objects.filter(employer=unit).count() == 1
    )
    identities = dict(SSOIdentity.objects.filter(employer=unit).values_list("issuer", "subject"))
    assert identities == {sso["zj"]: "zj-legal-1", sso["national"]: "cn-legal-1"}
    # and each one again, through its own binding
    client.logout()
    _sign_in(client, "zj", "zj-legal-1")
    assert _user_id(client) == str(admin.pk)


def test_the_same_subject_at_two_providers_is_two_accounts(client, sso):
    """Subjects are the provider's: "legal-7" of one provider is not "legal-7" of the other."""
    first, second = make_uscc(), make_uscc()
    _set_claims(sso["zj"], "legal-7", uscc=first)
    _set_claims(sso["national"], "legal-7", tyshxydm=second)
    _sign_in(client, "zj", "legal-7")
    client.logout()
    response = _sign_in(client, "national", "legal-7")
    assert response.status_code == 302  # not "该法人账号已绑定其他单位"
    assert SSOIdentity.objects.get(issuer=sso["national"], subject="legal-7").employer.uscc == second
    assert SSOIdentity.objects.get(issuer=sso["zj"], subject="legal-7").employer.uscc == first


def test_a_state_started_at_one_provider_is_refused_by_the_other(client, sso):
    _set_claims(sso["zj"], "zj-legal-2", uscc=make_uscc())
    _path, query = _authorize(client, "zj", "zj-legal-2")

    response = client.get(f"/accounts/sso/national/callback/?code={query['code'][0]}&state={query['state'][0]}")

    assert response.status_code == 400
    html = response.content.decode()
    assert f"该登录是从「{ZJ_LABEL}」发起的，却返回到了「{NATIONAL_LABEL}」" in html
    assert _user_id(client) is None and not SSOIdentity.objects.exists()
    # the state is used up: its own provider's callback no longer takes it either
    again = client.get(f"/accounts/sso/zj/callback/?code={query['code'][0]}&state={query['state'][0]}")
    assert again.status_code == 400 and "登录请求无效或已过期" in again.content.decode()
    assert _user_id(client) is None


def test_a_token_of_another_issuer_is_refused(client, settings, sso):
    """A provider answering with tokens of another issuer (here: its endpoints are the provincial platform's while
    its issuer is the national one) is refused: the issuer is what keeps the providers' accounts apart."""
    zj_metadata = requests.get(f"{sso['zj']}/.well-known/openid-configuration", timeout=5).json()
    endpoints = {
        "authorization_endpoint": zj_metadata["authorization_endpoint"],
        "token_endpoint": zj_metadata["token_endpoint"],
        "userinfo_endpoint": zj_metadata["userinfo_endpoint"],
        "jwks_endpoint": zj_metadata["jwks_uri"],
    }
    settings.OIDC_PROVIDERS = {"fake": _provider(sso["national"], "冒充的平台", "wangbao-fake", **endpoints)}
    _set_claims(sso["zj"], "zj-legal-3", uscc=make_uscc())
    response = _sign_in(client, "fake", "zj-legal-3")
    assert response.status_code == 403
    assert "登录凭证不是「冒充的平台」签发的" in response.content.decode()
    assert _user_id(client) is None and not Employer.objects.exists()


def test_default_provider_next_to_a_named_one_keeps_its_urls(client, settings, sso):
    settings.OIDC_ISSUER = sso["zj"]
    settings.OIDC_RP_CLIENT_ID = "wangbao-default"
    settings.OIDC_RP_CLIENT_SECRET = "default-secret"
    settings.OIDC_AUDIENCE = ""
    settings.OIDC_BUTTON_LABEL = "政务服务网法人登录"
    settings.OIDC_PROVIDERS = {"default": {}, "national": settings.OIDC_PROVIDERS["national"]}
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/sso/login/"' in page and 'href="/accounts/sso/national/login/"' in page
    uscc = make_uscc()
    _set_claims(sso["zj"], "zj-legal-4", uscc=uscc)
    start = client.get("/accounts/sso/login/")
    assert parse_qs(urlsplit(start["Location"]).query)["redirect_uri"] == ["http://testserver/accounts/sso/callback/"]
    answer = requests.post(start["Location"], data={"sub": "zj-legal-4"}, allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/accounts/sso/callback/"
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    assert SSOIdentity.objects.get(subject="zj-legal-4").issuer == sso["zj"]
    # a state of the default provider is refused by the named one too
    _path, query = _authorize(client, "national", "anyone")
    client.logout()
    start = client.get("/accounts/sso/login/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    refused = client.get(f"/accounts/sso/national/callback/?code={query['code'][0]}&state={state}")
    assert refused.status_code == 400 and "该登录是从「政务服务网法人登录」发起的" in refused.content.decode()


def test_an_unknown_provider_is_a_chinese_404(client, sso):
    for path in ("/accounts/sso/nowhere/login/", "/accounts/sso/nowhere/callback/?code=x&state=y"):
        response = client.get(path)
        assert response.status_code == 404 and "本系统未启用该统一身份认证登录" in response.content.decode()


# --- 我的账号: the bindings per provider -----------------------------------------------------------------------------


def _bound_both(client, sso):
    uscc = make_uscc()
    _set_claims(sso["zj"], f"zj-{uscc}", uscc=uscc)
    _set_claims(sso["national"], f"cn-{uscc}", tyshxydm=uscc)
    _sign_in(client, "zj", f"zj-{uscc}")
    client.logout()
    _sign_in(client, "national", f"cn-{uscc}")
    unit = Employer.objects.get(uscc=uscc)
    Employer.objects.filter(pk=unit.pk).update(profile_complete=True)
    return unit


def test_my_account_lists_the_bindings_per_provider_and_unbinds_one(client, sso):
    unit = _bound_both(client, sso)
    page = client.get("/employer/accounts/me/").content.decode()
    assert "法人账号绑定" in page
    assert page.count("✓ 已绑定") == 2 and ZJ_LABEL in page and NATIONAL_LABEL in page
    national = SSOIdentity.objects.get(employer=unit, issuer=sso["national"])

    response = client.post("/employer/accounts/me/", {"step": "sso_unbind", "identity": national.pk}, follow=True)

    html = response.content.decode()
    assert f"已解除法人账号 cn-{unit.uscc} 的绑定" in html
    assert html.count("✓ 已绑定") == 1 and "✗ 未绑定" in html
    assert not SSOIdentity.objects.filter(pk=national.pk).exists()
    event = AuditEvent.objects.get(action="sso.unbind")
    assert event.changes["provider"] == "national" and event.changes["subject"] == f"cn-{unit.uscc}"
    # the next sign-in through that provider binds the unit again
    client.logout()
    _sign_in(client, "national", f"cn-{unit.uscc}")
    assert SSOIdentity.objects.filter(employer=unit, issuer=sso["national"]).exists()


def test_another_units_binding_cannot_be_unbound(client, sso):
    other = factories.employer()
    other_login = factories.employer_user(other)
    theirs = SSOIdentity.objects.create(issuer=sso["zj"], subject="theirs", employer=other, user=other_login)
    _bound_both(client, sso)
    response = client.post("/employer/accounts/me/", {"step": "sso_unbind", "identity": theirs.pk}, follow=True)
    assert "该绑定不存在或已解除" in response.content.decode()
    assert SSOIdentity.objects.filter(pk=theirs.pk).exists()
    response = client.post("/employer/accounts/me/", {"step": "sso_unbind", "identity": "x"}, follow=True)
    assert "该绑定不存在或已解除" in response.content.decode()


def test_a_clerk_sees_the_bindings_but_cannot_unbind(client, sso):
    unit = _bound_both(client, sso)
    client.logout()
    clerk = factories.employer_user(unit)
    client.force_login(clerk)
    page = client.get("/employer/accounts/me/").content.decode()
    assert page.count("✓ 已绑定") == 2 and "解除绑定</button>" not in page
    identity = SSOIdentity.objects.filter(employer=unit).first()
    response = client.post("/employer/accounts/me/", {"step": "sso_unbind", "identity": identity.pk}, follow=True)
    assert "只有本单位的管理员账号可以解除法人账号绑定" in response.content.decode()
    assert SSOIdentity.objects.filter(employer=unit).count() == 2


def test_my_account_queries_do_not_grow_with_the_bindings(client, sso, django_assert_max_num_queries):
    unit = _bound_both(client, sso)
    national = SSOIdentity.objects.get(employer=unit, issuer=sso["national"])
    national_subject = national.subject
    national.delete()
    with CaptureQueriesContext(connection) as one:
        assert client.get("/employer/accounts/me/").status_code == 200
    SSOIdentity.objects.create(issuer=sso["national"], subject=national_subject, employer=unit, user=national.user)
    SSOIdentity.objects.create(
        issuer="https://retired.example.gov.cn", subject="old", employer=unit, user=national.user
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/employer/accounts/me/").content.decode()
    assert page.count("✓ 已绑定") == 3 and "（已停用的平台）" in page


# --- the system check ------------------------------------------------------------------------------------------------


def _check_messages(settings, providers, **unprefixed):
    settings.OIDC_PROVIDERS = providers
    for name, value in {"OIDC_ISSUER": "", "OIDC_RP_CLIENT_ID": "", **unprefixed}.items():
        setattr(settings, name, value)
    return [(m.id, m.msg) for m in check_providers()]


ISSUER_A, ISSUER_B = "https://a.zwfw.example.gov.cn", "https://b.zwfw.example.gov.cn"


def test_complete_providers_pass_the_check(settings):
    providers = {"zj": _provider(ISSUER_A, ZJ_LABEL, "a"), "national": _provider(ISSUER_B, NATIONAL_LABEL, "b")}
    assert _check_messages(settings, providers) == []
    assert _check_messages(settings, {"default": {}}) == []  # no single sign-on at all: a province without one
    assert _check_messages(settings, {"default": {}}, OIDC_ISSUER=ISSUER_A, OIDC_RP_CLIENT_ID="a") == []


@pytest.mark.parametrize(
    ("providers", "unprefixed", "expected"),
    [
        ({"zj": {"issuer": ISSUER_A, "label": ZJ_LABEL}}, {}, "未设置 OIDC_ZJ_CLIENT_ID"),
        ({"zj": {"client_id": "a", "label": ZJ_LABEL}}, {}, "未设置 OIDC_ZJ_ISSUER，也未设置全部端点"),
        (
            {"zj": {"client_id": "a", "label": ZJ_LABEL, "authorization_endpoint": f"{ISSUER_A}/auth"}},
            {},
            "缺少 OIDC_ZJ_TOKEN_ENDPOINT、OIDC_ZJ_USERINFO_ENDPOINT、OIDC_ZJ_JWKS_ENDPOINT",
        ),
        ({"zj": {"issuer": ISSUER_A, "client_id": "a"}}, {}, "未设置 OIDC_ZJ_LABEL"),
        ({"zj": {}}, {}, "OIDC_PROVIDERS 列出了 zj，但 OIDC_ZJ_ISSUER、OIDC_ZJ_CLIENT_ID 等均未设置"),
        ({"zj_x": _provider(ISSUER_A, ZJ_LABEL, "a")}, {}, "认证平台标识 'zj_x' 无效"),
        ({"default": {}}, {"OIDC_RP_CLIENT_ID": "a"}, "未设置 OIDC_ISSUER，也未设置全部端点"),
        ({"default": {}}, {"OIDC_ISSUER": ISSUER_A}, "未设置 OIDC_CLIENT_ID"),
        (
            {
                "zj": _provider(
                    "",
                    ZJ_LABEL,
                    "a",
                    **{f"{e}_endpoint": f"{ISSUER_A}/{e}" for e in ("authorization", "token", "userinfo", "jwks")},
                ),
                "national": _provider(ISSUER_B, NATIONAL_LABEL, "b"),
            },
            {},
            "同时配置了多个认证平台时必须设置 OIDC_ZJ_ISSUER",
        ),
    ],
    ids=[
        "no-client-id",
        "no-issuer",
        "some-endpoints",
        "no-label",
        "listed-only",
        "bad-key",
        "default-no-issuer",
        "default-no-client",
        "several-without-issuer",
    ],
)
def test_a_half_configured_provider_fails_the_check(settings, providers, unprefixed, expected):
    messages = _check_messages(settings, providers, **unprefixed)
    assert any(code == "employers.E101" and expected in text for code, text in messages), messages


def test_default_listed_by_the_operator_but_empty_fails_the_check(settings):
    """OIDC_PROVIDERS=default,national with no unprefixed OIDC_* variables: the operator meant a provider there."""
    providers = {"default": {}, "national": _provider(ISSUER_B, NATIONAL_LABEL, "b")}
    settings.OIDC_PROVIDERS_EXPLICIT = True
    messages = _check_messages(settings, providers)
    assert [code for code, _ in messages] == ["employers.E101"]
    assert "OIDC_PROVIDERS 列出了 default，但 OIDC_ISSUER、OIDC_CLIENT_ID 等均未设置" in messages[0][1]
    settings.OIDC_PROVIDERS_EXPLICIT = False  # the implicit default of an unset OIDC_PROVIDERS: no SSO, no error
    assert _check_messages(settings, {"default": {}}) == []


def test_two_providers_with_one_issuer_fail_the_check(settings):
    providers = {"zj": _provider(ISSUER_A, ZJ_LABEL, "a"), "zj2": _provider(ISSUER_A, "又一个", "b")}
    assert [code for code, _ in _check_messages(settings, providers)] == ["employers.E102"]


def test_unprefixed_settings_left_out_of_the_list_are_a_warning(settings):
    providers = {"zj": _provider(ISSUER_A, ZJ_LABEL, "a")}
    assert [code for code, _ in _check_messages(settings, providers, OIDC_RP_CLIENT_ID="a")] == ["employers.W101"]


def test_manage_py_check_stops_on_a_half_configured_provider(settings, db):
    settings.OIDC_PROVIDERS = {"national": {"client_id": "b", "label": NATIONAL_LABEL}}
    with pytest.raises(SystemCheckError, match="OIDC_NATIONAL_ISSUER"):
        call_command("check")


def test_the_reviewers_list_names_each_bindings_platform(client, settings, regions):
    settings.ADMIN_REQUIRE_OTP = False
    settings.OIDC_PROVIDERS = {
        "zj": _provider(ISSUER_A, ZJ_LABEL, "a"),
        "national": _provider(ISSUER_B, NATIONAL_LABEL, "b"),
    }
    unit = factories.employer(region_code="110105")
    login = factories.employer_user(unit)
    for issuer, subject in ((ISSUER_A, "zj-admin"), (ISSUER_B, "cn-admin"), ("https://old.example.gov.cn", "x")):
        SSOIdentity.objects.create(issuer=issuer, subject=subject, employer=unit, user=login)
    reviewer = factories.reviewer_user("110000")
    reviewer.groups.add(services.reviewer_group_ensure())
    client.force_login(reviewer)
    page = client.get("/admin/employers/ssoidentity/").content.decode()
    assert ZJ_LABEL in page and NATIONAL_LABEL in page and "（未配置的平台）" in page
