"""窗口代办 in a browser (issue 14): a 残联 reviewer signs in to the admin (password + TOTP), starts 代办 from the
unit's admin page with a reason, sees the banner on the unit's pages, edits the unit's information, declares the
year — which first asks for the unit's signed 承诺书, uploaded from the counter — and ends 代办; the audit trail
marks every write "残联 X 为 Y 代办", the 承诺书 is on the 代办 record in the admin, and the unit is notified."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent, FilingWindow
from declarations.models import Declaration
from employers import services
from employers.models import ProxyCommitment, ProxySession
from notices.models import Notice
from tests import factories
from tests.e2e.conftest import admin_login
from tests.factories import declarations as df
from tests.factories.files import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
REVIEWER = ("chuangkou01", "review-pass-2026")


def test_staff_act_for_a_unit_with_banner_commitment_and_audit_trail(browser_page, live_server, screenshot):
    page = browser_page
    today = timezone.localdate()
    FilingWindow.objects.update_or_create(
        province_code="11",
        business_year=df.YEAR,
        defaults={"opens_on": today - timedelta(days=30), "closes_on": today + timedelta(days=30)},
    )
    unit = factories.employer(name="北京市窗口代办示范有限公司", region_code="110105")
    df.placement(unit, months=range(1, 7), name="李娜")
    reviewer = factories.reviewer_user("110000", username=REVIEWER[0], password=REVIEWER[1])
    reviewer.groups.add(services.reviewer_group_ensure())
    device = TOTPDevice.objects.create(user=reviewer, name="审核后台动态验证码", confirmed=True)

    admin_login(page, live_server, *REVIEWER, device)
    page.goto(f"{live_server.url}/admin/employers/employer/{unit.pk}/change/")
    page.get_by_role("link", name="窗口代办", exact=True).click()
    page.get_by_label("代办事由").fill("单位经办人在窗口现场办理，委托书已核验")
    page.get_by_role("button", name="开始代办").click()
    page.wait_for_url(re.compile(r"/employer/$"))

    banner = page.get_by_text("代办模式：残联工作人员 chuangkou01 正在为")
    assert banner.is_visible() and "北京市窗口代办示范有限公司" in banner.inner_text()
    screenshot("proxy-banner")
    page.get_by_label("经办人姓名").fill("周敏")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert "单位基本信息已保存" in page.content()

    # 完成申报 at the counter: the 承诺书, then its signed copy, then 确定
    page.goto(f"{live_server.url}/declarations/{df.YEAR}/declare/")
    assert page.get_by_text("代办模式").first.is_visible()  # the banner on every page
    page.get_by_label("已阅读、确认").check()
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url(re.compile(rf"/employer/proxy/commitment/{df.YEAR}/$"))
    assert "须先上传该单位签章的" in page.content()
    page.get_by_label("单位签章的承诺书").set_input_files(
        {"name": "承诺书（盖章）.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_role("button", name="上传并继续完成申报").click()
    page.wait_for_url(re.compile(r"/declare/confirm/$"))
    screenshot("proxy-declare-confirm")
    page.get_by_role("button", name="确定", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "已完成申报" in page.content()

    page.get_by_role("button", name="结束代办").click()
    page.wait_for_url(re.compile(rf"/admin/employers/employer/{unit.pk}/change/$"))
    assert "已结束为 北京市窗口代办示范有限公司 的代办" in page.content()

    # the record in the admin, with the signed 承诺书
    proxy = ProxySession.objects.get()
    page.goto(f"{live_server.url}/admin/employers/proxysession/{proxy.pk}/change/")
    assert page.get_by_role("link", name="承诺书（盖章）.pdf").is_visible()
    screenshot("proxy-record-admin")

    label = f"残联 chuangkou01 为 北京市窗口代办示范有限公司（{unit.uscc}）代办"
    for action in ("employer.update", "proxy.commitment_upload", "declaration.declare"):
        event = AuditEvent.objects.get(action=action)
        assert event.actor == reviewer and event.changes["代办"] == label, action
    assert AuditEvent.objects.filter(action__in=["proxy.start", "proxy.end"], actor=reviewer).count() == 2
    assert ProxyCommitment.objects.get().file.content_type == "application/pdf"
    assert Declaration.objects.get(employer=unit).status == "declared"
    assert Notice.objects.filter(employer=unit, title="残联工作人员已为本单位窗口代办").exists()
