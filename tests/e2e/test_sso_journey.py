"""法人 single sign-on in a browser against a real OpenID Connect provider on loopback (oidc-provider-mock): the
first sign-in of a new USCC opens the unit and lands on 单位信息维护; every failure of issue 14 is a Chinese page
(forged state, replayed callback, expired token, another audience, USCC missing / malformed / bound to another
account, provider down — and the password login still works). Two providers at once: a button each, one unit
through both, the bindings on 我的账号, a state of one refused at the other's callback. tests/employers/test_sso.py
and test_sso_providers.py drive the same cases with the test client, plus a nonce mismatch, an account bound to
another unit, a token of another issuer and the start-up check."""

import re

import pytest
import requests
from django.core.cache import cache
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import expect

from employers.models import Employer, EmployerAccount, SSOIdentity
from tests import factories
from tests.factories.core import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(settings, provider):
    cache.clear()
    settings.OIDC_ISSUER = provider
    settings.OIDC_RP_CLIENT_ID = "wangbao-e2e"
    settings.OIDC_RP_CLIENT_SECRET = "e2e-secret"
    settings.OIDC_AUDIENCE = ""
    settings.OIDC_BUTTON_LABEL = "政务服务网法人登录"
    factories.region("110101")
    return provider


def _claims(issuer, sub, **claims):
    requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()


def _sign_in_at_provider(page, live_server, sub):
    page.goto(f"{live_server.url}/accounts/login/")
    button = page.get_by_role("link", name="政务服务网法人登录")
    # the SSO button comes before the password form
    assert button.bounding_box()["y"] < page.get_by_label("用户名").bounding_box()["y"]
    button.click()
    page.get_by_label("Subject").fill(sub)  # the provider's own sign-in page
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_load_state("networkidle")


def test_first_sign_in_opens_the_unit_and_lands_on_unit_information(browser_page, live_server, sso, screenshot):
    page = browser_page
    uscc = make_uscc()
    _claims(sso, "legal-e2e-1", uscc=uscc, org_name="北京法人登录科技有限公司", name="王芳", phone_number="13812345678")

    _sign_in_at_provider(page, live_server, "legal-e2e-1")

    assert re.search(r"/employer/$", page.url)
    assert page.get_by_role("heading", name="单位信息维护管理").is_visible()
    assert "本单位资料待完善" in page.content()
    screenshot("sso-first-sign-in")
    unit = Employer.objects.get(uscc=uscc)
    assert unit.name == "北京法人登录科技有限公司" and not unit.profile_complete
    account = EmployerAccount.objects.get(employer=unit)
    assert account.is_admin and account.contact_name == "王芳"
    assert SSOIdentity.objects.get(subject="legal-e2e-1").employer == unit
    # any other page sends an incomplete unit back to 单位信息维护
    page.goto(f"{live_server.url}/placements/")
    assert re.search(r"/employer/$", page.url)


def test_a_missing_uscc_is_a_chinese_page(browser_page, live_server, sso):
    _claims(sso, "legal-e2e-2", name="赵敏")
    _sign_in_at_provider(browser_page, live_server, "legal-e2e-2")
    assert "/accounts/sso/callback/" in browser_page.url
    assert "政务服务网未提供本单位的统一社会信用代码" in browser_page.content()
    assert not Employer.objects.exists()


def test_a_uscc_bound_to_another_account_is_a_chinese_page(browser_page, live_server, sso, browser):
    uscc = make_uscc()
    _claims(sso, "legal-e2e-3a", uscc=uscc)
    _claims(sso, "legal-e2e-3b", uscc=uscc)
    _sign_in_at_provider(browser_page, live_server, "legal-e2e-3a")
    other = browser.new_context(locale="zh-CN").new_page()
    _sign_in_at_provider(other, live_server, "legal-e2e-3b")
    assert "该统一社会信用代码已绑定另一个法人账号" in other.content()
    other.context.close()


def test_provider_down_is_a_chinese_page_and_the_password_login_still_works(browser_page, live_server, settings, db):
    from tests.employers.test_sso import _closed_port

    cache.clear()
    settings.OIDC_ISSUER = f"http://127.0.0.1:{_closed_port()}"
    settings.OIDC_RP_CLIENT_ID = "wangbao-e2e"
    settings.OIDC_TIMEOUT = 2
    settings.OIDC_BUTTON_LABEL = "政务服务网法人登录"
    factories.employer_user(username="pw-clerk", password="clerk-pass-2026")
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="政务服务网法人登录").click()
    assert "统一身份认证平台暂时无法访问" in page.content()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("pw-clerk")
    page.get_by_label("密码").fill("clerk-pass-2026")
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url


@pytest.fixture(scope="module")
def expiring_provider():
    """A provider whose tokens are already expired when issued."""
    from datetime import timedelta

    with run_server_in_thread(access_token_max_age=timedelta(minutes=-10)) as server:
        yield f"http://localhost:{server.server_port}"


def test_a_forged_state_and_a_replayed_callback_are_chinese_pages(browser_page, live_server, sso):
    page = browser_page
    _claims(sso, "legal-e2e-4", uscc=make_uscc())
    page.goto(f"{live_server.url}/accounts/sso/callback/?code=forged-code&state=forged-state")
    assert "登录请求无效或已过期" in page.content()
    callbacks = []
    page.on("request", lambda r: callbacks.append(r.url) if "/accounts/sso/callback/" in r.url else None)
    _sign_in_at_provider(page, live_server, "legal-e2e-4")
    assert re.search(r"/employer/$", page.url)
    page.goto(callbacks[-1])  # the same code and state again (back button, a copied link)
    assert "登录请求无效或已过期" in page.content()


def test_an_expired_token_is_a_chinese_page(browser_page, live_server, settings, expiring_provider):
    cache.clear()
    settings.OIDC_ISSUER = expiring_provider
    settings.OIDC_RP_CLIENT_ID = "wangbao-e2e"
    settings.OIDC_AUDIENCE = ""
    settings.OIDC_BUTTON_LABEL = "政务服务网法人登录"
    _claims(expiring_provider, "legal-e2e-5", uscc=make_uscc())
    _sign_in_at_provider(browser_page, live_server, "legal-e2e-5")
    assert "登录凭证已过期" in browser_page.content()
    assert not Employer.objects.exists()


def test_a_token_for_another_audience_is_a_chinese_page(browser_page, live_server, sso, settings):
    settings.OIDC_AUDIENCE = "another-system"
    _claims(sso, "legal-e2e-6", uscc=make_uscc())
    _sign_in_at_provider(browser_page, live_server, "legal-e2e-6")
    assert "不是签发给本系统的" in browser_page.content()
    assert not Employer.objects.exists()


def test_a_malformed_uscc_is_a_chinese_page(browser_page, live_server, sso):
    _claims(sso, "legal-e2e-7", uscc="91110101ABC")
    _sign_in_at_provider(browser_page, live_server, "legal-e2e-7")
    assert "统一社会信用代码应为 18 位" in browser_page.content()
    assert not Employer.objects.exists()


@pytest.fixture(scope="module")
def second_provider():
    """A second provider at the same time (the national platform beside the provincial one)."""
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def test_two_providers_one_unit_and_its_bindings_on_my_account(
    browser_page, live_server, settings, provider, second_provider, screenshot
):
    cache.clear()
    settings.OIDC_PROVIDERS = {
        "zj": {"issuer": provider, "client_id": "wangbao-zj", "client_secret": "zj", "label": "浙江政务服务网法人登录"},
        "national": {
            "issuer": second_provider,
            "client_id": "wangbao-cn",
            "client_secret": "cn",
            "label": "国家政务服务平台法人登录",
        },
    }
    factories.region("110101")
    uscc = make_uscc()
    _claims(provider, "zj-e2e-1", uscc=uscc, org_name="杭州双平台科技有限公司", name="陈静")
    _claims(second_provider, "cn-e2e-1", uscc=uscc)
    page = browser_page

    def sign_in(label, sub):
        page.goto(f"{live_server.url}/accounts/login/")
        button = page.get_by_role("link", name=label)
        assert button.bounding_box()["y"] < page.get_by_label("用户名").bounding_box()["y"]
        button.click()
        page.get_by_label("Subject").fill(sub)
        page.get_by_role("button", name="Authorize", exact=True).click()
        page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/accounts/login/")
    screenshot("sso-two-providers-login")
    sign_in("浙江政务服务网法人登录", "zj-e2e-1")
    assert re.search(r"/employer/$", page.url)
    unit = Employer.objects.get(uscc=uscc)
    Employer.objects.filter(pk=unit.pk).update(profile_complete=True)
    page.context.clear_cookies()

    sign_in("国家政务服务平台法人登录", "cn-e2e-1")  # the same USCC through the other platform: the same unit
    assert "/accounts/" not in page.url
    page.goto(f"{live_server.url}/employer/accounts/me/")
    table = page.get_by_role("table", name="各统一身份认证平台的法人账号绑定")
    assert table.get_by_role("row").count() == 3  # header + one row per platform
    assert "✓ 已绑定" in table.get_by_role("row", name="浙江政务服务网法人登录").inner_text()
    assert "cn-e2e-1" in table.get_by_role("row", name="国家政务服务平台法人登录").inner_text()
    screenshot("sso-two-providers-bindings")
    table.get_by_role("button", name="解除绑定：国家政务服务平台法人登录").click()  # WCAG 2.5.3
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="解除法人账号绑定", level=1)).to_be_focused()  # asks first
    assert SSOIdentity.objects.filter(employer=unit).count() == 2
    page.get_by_role("button", name="确认解除绑定：国家政务服务平台法人登录").click()
    page.wait_for_load_state("networkidle")
    assert "已解除法人账号 cn-e2e-1 的绑定" in page.content()
    row = page.get_by_role("row", name="国家政务服务平台法人登录")
    assert "✗ 未绑定" in row.inner_text()
    assert list(SSOIdentity.objects.filter(employer=unit).values_list("subject", flat=True)) == ["zj-e2e-1"]


def test_a_state_of_one_provider_at_the_others_callback_is_a_chinese_page(
    browser_page, live_server, settings, provider, second_provider
):
    cache.clear()
    settings.OIDC_PROVIDERS = {
        "zj": {"issuer": provider, "client_id": "wangbao-zj", "client_secret": "zj", "label": "浙江政务服务网法人登录"},
        "national": {"issuer": second_provider, "client_id": "cn", "client_secret": "cn", "label": "国家政务服务平台"},
    }
    factories.region("110101")
    _claims(provider, "zj-e2e-2", uscc=make_uscc())
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="浙江政务服务网法人登录").click()
    page.get_by_label("Subject").wait_for()  # the provincial platform's sign-in page, state bound to it
    # the platform's answer (its redirect to the provincial callback), taken to the national callback instead
    answer = requests.post(page.url, data={"sub": "zj-e2e-2"}, allow_redirects=False, timeout=5)
    callback = answer.headers["Location"]
    assert "/accounts/sso/zj/callback/" in callback
    page.goto(callback.replace("/accounts/sso/zj/callback/", "/accounts/sso/national/callback/"))
    assert "该登录是从「浙江政务服务网法人登录」发起的，却返回到了「国家政务服务平台」" in page.content()
    assert not SSOIdentity.objects.exists()
