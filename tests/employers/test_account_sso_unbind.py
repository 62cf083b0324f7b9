"""我的账号's 解除绑定 in two steps: the table's button only leads to a confirmation (a GET that changes nothing) naming
the platform, the platform account and what unbinding means; only its 确认解除绑定 POST unbinds (audited as
``sso.unbind``). The confirmation's wording is checked against what the next sign-in really does
(``employers.accounts.sso_sign_in`` binds the unit again, to its administrator). The sign-on itself, with mock
providers, is in test_sso_providers.py."""

import re

import pytest

from core.models import AuditEvent
from employers import accounts
from employers.models import EmployerAccount, SSOIdentity
from tests import factories
from tests.factories.employers import SSO_PLATFORMS

pytestmark = pytest.mark.django_db
URL = "/employer/accounts/me/"
ZJ, NATIONAL = SSO_PLATFORMS


@pytest.fixture
def unit(client, settings):
    """A unit bound at both platforms, its administrator signed in."""
    settings.OIDC_PROVIDERS = {"zj": ZJ, "national": NATIONAL}
    employer = factories.employer(region_code="110105")
    admin = factories.employer_user(employer)
    EmployerAccount.objects.filter(user=admin).update(is_admin=True)
    for provider, subject in ((ZJ, "zj-legal-1"), (NATIONAL, "cn-legal-1")):
        SSOIdentity.objects.create(issuer=provider["issuer"], subject=subject, employer=employer, user=admin)
    client.force_login(admin)
    employer.admin = admin
    return employer


def _identity(subject: str) -> SSOIdentity:
    return SSOIdentity.objects.get(subject=subject)


def test_the_tables_button_asks_first_and_posts_nothing(client, unit):
    page = client.get(URL).content.decode()
    national = _identity("cn-legal-1")
    forms = re.findall(r"<form [^>]*>.*?</form>", page, flags=re.S)
    unbind = [f for f in forms if "解除绑定</button>" in f]
    assert len(unbind) == 2
    for form in unbind:
        assert 'method="get"' in form and "sso_unbind" not in form and "csrfmiddlewaretoken" not in form
    assert (
        f'name="unbind" value="{national.pk}"' in unbind[1]
        and 'aria-label="解除绑定：国家政务服务平台法人登录"' in page
    )


def test_the_confirmation_names_the_binding_and_changes_nothing(client, unit):
    national = _identity("cn-legal-1")
    response = client.get(URL, {"unbind": national.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>解除法人账号绑定" in page
    heading = re.search(r"<h1 [^>]*>解除法人账号绑定</h1>", page).group(0)
    assert 'tabindex="-1"' in heading and "autofocus" in heading  # the focus lands on it, no script needed
    assert "「<strong>国家政务服务平台法人登录</strong>」" in page and "cn-legal-1" in page
    assert "将重新绑定本单位" in page and "经办人账号及其密码登录、其他平台的绑定不受影响" in page
    form = re.search(rf'<form method="post" action="{URL}".*?</form>', page, flags=re.S).group(0)
    assert 'name="step" value="sso_unbind"' in form and f'name="identity" value="{national.pk}"' in form
    button = re.search(r"<button [^>]*>确认解除绑定</button>", form).group(0)
    assert 'aria-label="确认解除绑定：国家政务服务平台法人登录"' in button  # the name starts with the visible text
    assert re.search(rf'<a href="{URL}#sso-bindings"[^>]*>取消</a>', form)
    # a GET: nothing unbound, nothing audited
    assert SSOIdentity.objects.filter(employer=unit).count() == 2
    assert not AuditEvent.objects.filter(action="sso.unbind").exists()


def test_confirmed_it_unbinds_and_the_next_sign_in_binds_again_as_the_page_says(client, unit):
    national = _identity("cn-legal-1")
    response = client.post(URL, {"step": "sso_unbind", "identity": national.pk}, follow=True)
    assert "已解除法人账号 cn-legal-1 的绑定" in response.content.decode()
    assert list(SSOIdentity.objects.filter(employer=unit).values_list("subject", flat=True)) == ["zj-legal-1"]
    event = AuditEvent.objects.get(action="sso.unbind")
    assert event.actor == unit.admin and event.changes["provider"] == "national"
    assert event.changes["subject"] == "cn-legal-1"
    # 「下次……登录时，将重新绑定本单位，并进入本单位的管理员账号；原法人账号再次登录同样会重新绑定」
    user = accounts.sso_sign_in(
        issuer=NATIONAL["issuer"], subject="cn-legal-1", uscc=unit.uscc, unit_name=unit.name, person=accounts.Person()
    )
    assert user == unit.admin
    assert SSOIdentity.objects.get(employer=unit, issuer=NATIONAL["issuer"]).subject == "cn-legal-1"


def test_a_binding_of_a_retired_platform_is_confirmed_without_the_promise_of_binding_again(client, unit, settings):
    settings.OIDC_PROVIDERS = {"zj": ZJ}
    national = _identity("cn-legal-1")
    page = client.get(URL, {"unbind": national.pk}).content.decode()
    assert "（已停用的平台）" in page and "不能再通过它登录" in page and "将重新绑定本单位" not in page


@pytest.mark.parametrize("value", ["other", "", "x", "9" * 5000, "１"])
def test_another_units_or_a_missing_binding_goes_back_with_a_message(client, unit, value):
    other = factories.employer()
    theirs = SSOIdentity.objects.create(
        issuer=ZJ["issuer"], subject="their-secret-subject", employer=other, user=factories.employer_user(other)
    )
    response = client.get(URL, {"unbind": theirs.pk if value == "other" else value}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [(URL, 302)]
    assert "该绑定不存在或已解除" in page and "their-secret-subject" not in page
    assert "确认解除绑定" not in page


def test_a_garbage_identity_on_the_confirmed_post_unbinds_nothing(client, unit):
    response = client.post(URL, {"step": "sso_unbind", "identity": "9" * 5000}, follow=True)
    assert "该绑定不存在或已解除" in response.content.decode()
    assert SSOIdentity.objects.filter(employer=unit).count() == 2


def test_a_clerk_who_is_not_the_administrator_gets_no_confirmation(client, unit):
    clerk = factories.employer_user(unit)
    client.force_login(clerk)
    response = client.get(URL, {"unbind": _identity("zj-legal-1").pk})
    assert response.status_code == 403
    assert "只有本单位的管理员账号可以解除法人账号绑定" in response.content.decode()
    assert SSOIdentity.objects.filter(employer=unit).count() == 2


def test_the_confirmation_page_reads_a_bounded_number_of_queries(client, unit, django_assert_max_num_queries):
    """The same whatever the unit's bindings: the login's session, user and unit, the unread badge, the bindings."""
    national = _identity("cn-legal-1")
    client.get(URL, {"unbind": national.pk})
    with django_assert_max_num_queries(8) as captured:
        assert client.get(URL, {"unbind": national.pk}).status_code == 200
    for i in range(3):
        SSOIdentity.objects.create(
            issuer=f"https://other{i}.example.gov.cn", subject=f"o{i}", employer=unit, user=unit.admin
        )
    with django_assert_max_num_queries(len(captured.captured_queries)):
        assert client.get(URL, {"unbind": national.pk}).status_code == 200
