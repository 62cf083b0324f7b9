"""窗口代办 and 完成申报: the unit's signed 承诺书 must be uploaded in the running 代办 (checked by content and size
through the upload pipeline, stored, shown in admin); without it 完成申报 is refused with a Chinese message, by the
page flow and by the service itself. A clerk's own 完成申报 is unchanged."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent, StoredFile
from declarations import services as declaration_services
from declarations.models import Submission
from employers import proxy as proxies
from employers.models import ProxyCommitment, ProxySession
from tests import factories
from tests.declarations.conftest import traveller  # noqa: F401  (fixture: inside the 2025 filing window)
from tests.factories import declarations as df
from tests.factories.files import pdf_upload, png_upload

pytestmark = pytest.mark.django_db
YEAR = df.YEAR
UPLOAD = f"/employer/proxy/commitment/{YEAR}/"


def url(name: str) -> str:
    return reverse(f"declarations:{name}", kwargs={"year": YEAR})


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False


@pytest.fixture
def unit(db):
    unit = factories.employer(name="朝阳区窗口申报单位", region_code="110105")
    df.placement(unit, months=range(1, 7), name="李娜")
    return unit


@pytest.fixture
def staff(client, unit):
    user = factories.reviewer_user("110000", username="counter-staff")
    client.force_login(user)
    client.user = user
    assert client.post(f"/proxy/{unit.pk}/start/", {"reason": "法定代表人到窗口办理，委托书已核验"}).status_code == 302
    return client


def _acknowledge(client) -> str:
    page = client.get(url("declare"))
    assert page.status_code == 200 and "申报资料真实性承诺书" in page.content.decode()
    token = page.context["form"].initial["token"]
    assert client.post(url("declare"), {"token": token, "acknowledged": "on"})["Location"] == url("declare_confirm")
    return token


def test_without_the_signed_commitment_declaring_is_refused(staff, traveller):  # noqa: F811
    token = _acknowledge(staff)
    for response in (staff.get(url("declare_confirm")), staff.post(url("declare_confirm"), {"token": token})):
        assert response.status_code == 302 and response["Location"] == UPLOAD
    page = staff.get(UPLOAD)
    html = page.content.decode()
    assert "须先上传该单位签章的2025年度申报资料真实性承诺书" in html  # the message, in Chinese
    assert 'for="id_file"' in html and "单位签章的承诺书" in html
    assert not Submission.objects.exists()


def test_upload_then_declare_audited_as_proxy(staff, unit, traveller):  # noqa: F811
    token = _acknowledge(staff)
    response = staff.post(UPLOAD, {"file": pdf_upload("承诺书（盖章）.pdf")})
    assert response.status_code == 302 and response["Location"] == url("declare_confirm")
    commitment = ProxyCommitment.objects.select_related("file", "proxy").get()
    assert commitment.employer == unit and commitment.year == YEAR and commitment.uploaded_by == staff.user
    assert commitment.file.content_type == "application/pdf" and commitment.file.kind == proxies.COMMITMENT_KIND
    assert commitment.file.employer == unit
    event = AuditEvent.objects.get(action="proxy.commitment_upload")
    assert event.actor == staff.user and event.changes["代办"].startswith("残联 counter-staff 为 朝阳区窗口申报单位")

    assert "确定" in staff.get(url("declare_confirm")).content.decode()
    done = staff.post(url("declare_confirm"), {"token": token})
    assert done.status_code == 302 and done["Location"] == url("year")
    submission = Submission.objects.get()
    assert submission.declared_by == staff.user
    declared = AuditEvent.objects.get(action="declaration.declare")
    assert "代办" in declared.changes


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("承诺书.pdf", b"just text", content_type="application/pdf"), "文件格式不支持"),
        (SimpleUploadedFile("承诺书.pdf", b"", content_type="application/pdf"), "文件为空"),
        (None, "请选择单位签章的承诺书"),
    ],
    ids=["renamed-text", "empty", "missing"],
)
def test_a_bad_file_is_refused_beside_the_field(staff, upload, message, traveller):  # noqa: F811
    response = staff.post(UPLOAD, {"file": upload} if upload is not None else {})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "请修改以下" in html  # beside the field and in the summary
    assert not ProxyCommitment.objects.exists() and not StoredFile.objects.exists()


def test_a_file_over_the_size_limit_is_refused(staff, settings, traveller):  # noqa: F811
    settings.UPLOAD_MAX_BYTES = 40
    response = staff.post(UPLOAD, {"file": png_upload("承诺书.png")})
    assert response.status_code == 200 and "文件大小超过" in response.content.decode()
    assert not ProxyCommitment.objects.exists()


def test_the_service_refuses_without_the_commitment_whatever_the_page(staff, unit, traveller):  # noqa: F811
    with pytest.raises(proxies.ProxyError, match="须先上传该单位签章"):
        declaration_services.declaration_declare(employer=unit, year=YEAR, by=staff.user)
    assert not Submission.objects.exists()


def test_a_commitment_of_an_earlier_proxy_does_not_count(staff, unit, traveller):  # noqa: F811
    staff.post(UPLOAD, {"file": pdf_upload()})
    staff.post("/proxy/end/")
    staff.post(f"/proxy/{unit.pk}/start/", {"reason": "再次到窗口办理"})
    assert ProxySession.objects.filter(ended_at__isnull=True).count() == 1
    assert proxies.proxy_commitment_uploaded(employer=unit, year=YEAR, by=staff.user) is False
    _acknowledge(staff)
    assert staff.get(url("declare_confirm"))["Location"] == UPLOAD


def test_a_clerk_declares_without_any_upload(unit, client, traveller):  # noqa: F811
    clerk = factories.employer_user(unit)
    client.force_login(clerk)
    token = _acknowledge(client)
    assert client.post(url("declare_confirm"), {"token": token})["Location"] == url("year")
    assert client.get(UPLOAD).status_code == 403  # only in 代办


def test_upload_page_query_count_does_not_grow(staff, django_assert_max_num_queries, traveller):  # noqa: F811
    staff.post(UPLOAD, {"file": pdf_upload()})
    with CaptureQueriesContext(connection) as one:
        staff.get(UPLOAD)
    budget = len(one)  # now: the next request resets the connection's query log
    for _ in range(5):
        staff.post(UPLOAD, {"file": pdf_upload()})
    with django_assert_max_num_queries(budget):
        staff.get(UPLOAD)


def test_admin_shows_the_signed_commitment_to_reviewers_of_the_region(staff, unit, client, traveller):  # noqa: F811
    staff.post(UPLOAD, {"file": pdf_upload("承诺书（盖章）.pdf")})
    proxy = ProxySession.objects.get()
    page = staff.get(f"/admin/employers/proxysession/{proxy.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and "承诺书（盖章）.pdf" in html and "/files/" in html
    assert "承诺书（盖章）.pdf" in staff.get("/admin/employers/proxycommitment/").content.decode()
    shanghai = factories.reviewer_user("310000")
    client.force_login(shanghai)
    assert client.get(f"/admin/employers/proxysession/{proxy.pk}/change/").status_code == 302  # not in its region
    assert "承诺书（盖章）.pdf" not in client.get("/admin/employers/proxycommitment/").content.decode()


def test_admin_list_query_count_does_not_grow(staff, unit, django_assert_max_num_queries, traveller):  # noqa: F811
    staff.post(UPLOAD, {"file": pdf_upload()})
    with CaptureQueriesContext(connection) as one:
        staff.get("/admin/employers/proxycommitment/")
    budget = len(one)
    for _ in range(8):
        staff.post(UPLOAD, {"file": pdf_upload()})
    with django_assert_max_num_queries(budget):
        assert staff.get("/admin/employers/proxycommitment/").status_code == 200


def test_proxy_record_list_query_count_does_not_grow(staff, unit, django_assert_max_num_queries, traveller):  # noqa: F811
    with CaptureQueriesContext(connection) as one:
        staff.get("/admin/employers/proxysession/")
    budget = len(one)
    staff.post("/proxy/end/")
    for n in range(10):
        staff.post(f"/proxy/{unit.pk}/start/", {"reason": f"第 {n} 次窗口办理"})
        staff.post("/proxy/end/")
    with django_assert_max_num_queries(budget):
        page = staff.get("/admin/employers/proxysession/")
    assert page.status_code == 200 and "第 9 次窗口办理" in page.content.decode()
