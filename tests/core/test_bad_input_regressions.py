"""Issue 12, "Bad input": each request that ended in HTTP 500 on the production-like server, now answered properly.

The gate (core.middleware) refuses control characters, over-long values and non-UTF-8 input with a Chinese 400
page and writes nothing; the forms that own a value report it beside the field (region codes, the verification
code, the reviewer admin's ``user``); ``import_feed`` refuses a file with NUL or an over-long field by line.
The property over every page is tests/core/test_hostile_input.py.
"""

import subprocess
import sys
from datetime import date
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.forms import RegionPickerField
from employers.forms import EmployerForm, RelatedUnitForm
from employers.models import Employer, RelatedUnit, ReviewerProfile
from feeds.models import FeedImport, PensionContribution, RegistryPerson
from feeds.reader import FIELD_LIMIT
from placements.models import Placement
from tests import factories
from tests.factories import otp_login
from tests.factories import placements as pf
from tests.factories.feeds import person_id, unit_uscc, write_csv

pytestmark = pytest.mark.django_db

NUL = "\x00"
REGION_CODES = ("110000", "110100", "110105")


@pytest.fixture
def regions(db):
    return [factories.region(code) for code in REGION_CODES]


def refused(response) -> str:
    """The gate's answer: 400 with the Chinese page (no traceback); its text."""
    html = response.content.decode()
    assert response.status_code == 400, html[:300]
    assert "请求无法处理" in html and "未保存任何内容" in html and "Traceback" not in html
    return html


# --- 1. NUL in a region picker value --------------------------------------------------------------------------------


def employer_post(employer: Employer, **changes) -> dict:
    data = {
        "name": employer.name,
        "uscc": employer.uscc,
        "unit_kind": "企业",
        "economic_kind": "有限责任(公司)",
        "industry": "I",
        **{
            f"{field}_{i}": code
            for field in ("federation_region", "tax_region", "registration_region")
            for i, code in enumerate(REGION_CODES)
        },
        "legal_rep_name": "王建国",
        "legal_rep_id_type": "resident_id",
        "legal_rep_id_number": factories.valid_id_number(),
        "legal_rep_phone": "13801012345",
        "phone": "010-65001234",
        "contact_name": "李娜",
        "contact_phone": "13901056789",
        "business_address": "北京市朝阳区建国路88号",
        "registered_address": "北京市朝阳区建国路88号",
        "version": str(employer.version),
    }
    return {**data, **changes}


def related_post(**changes) -> dict:
    data = {
        "relation": "dispatch_firm",
        "name": "北京众诚人力资源服务有限公司",
        **{f"region_{i}": code for i, code in enumerate(REGION_CODES)},
        "uscc": "91110108MA01R8KX4E",
        "phone": "010-82001234",
        "address": "北京市海淀区中关村大街27号",
    }
    return {**data, **changes}


@pytest.mark.parametrize("field", ["federation_region_0", "tax_region_1", "registration_region_2"])
def test_nul_in_a_region_of_the_unit_page_is_refused_and_saves_nothing(employer_client, employer, regions, field):
    before = Employer.objects.values().get(pk=employer.pk)
    html = refused(employer_client.post("/employer/", employer_post(employer, **{field: f"11{NUL}000"})))
    assert "控制字符" in html
    assert Employer.objects.values().get(pk=employer.pk) == before


@pytest.mark.parametrize("url", ["/employer/related/new/", "edit"])
def test_nul_in_the_region_of_a_related_unit_is_refused(employer_client, employer, regions, url):
    if url == "edit":
        url = reverse("employers:related_edit", args=[factories.related_unit(employer).pk])
    count = RelatedUnit.objects.count()
    refused(employer_client.post(url, related_post(region_0=f"110000{NUL}")))
    assert RelatedUnit.objects.count() == count


def test_nul_in_the_household_region_of_a_new_person_or_step_1_is_refused(employer_client, employer, regions):
    number = pf.person_id()
    refused(employer_client.post("/placements/new/?year=2025", pf.person_post(number, household_region_2=NUL)))
    assert not Placement.objects.exists()
    p = pf.placement(employer, wizard_step=1)
    step1 = reverse("placements:step1", args=[p.pk])
    refused(employer_client.post(step1, pf.person_post(p.id_number, version=p.version, household_region_1=NUL)))
    assert Placement.objects.get(pk=p.pk).version == p.version


@pytest.mark.parametrize("code", ["abc", "11000", "1100000", "١١٠٠٠٠", "１１００００", f"11{NUL}000", "110000 OR 1=1"])
def test_region_field_reports_a_malformed_code_in_chinese_without_looking_it_up(regions, code):
    """Behind the gate too (a form bound in code): only six ASCII digits ever reach a query."""
    field = RegionPickerField(label="户籍地")
    with pytest.raises(Exception) as caught, CaptureQueriesContext(connection) as queries:
        field.clean([code, "", ""])
    assert caught.value.messages == ["请选择有效的行政区划。"]
    assert not queries.captured_queries


@pytest.mark.parametrize("form_class, prefix", [(EmployerForm, "federation_region"), (RelatedUnitForm, "region")])
def test_bound_picker_forms_never_query_a_malformed_code(regions, form_class, prefix):
    data = {f"{prefix}_0": "110000", f"{prefix}_1": f"1101{NUL}0", f"{prefix}_2": "x" * 10_000}
    with CaptureQueriesContext(connection) as queries:
        form = form_class(data)
        form.is_valid()
    assert form.errors[prefix] == ["请选择有效的行政区划。"]
    sql = "\n".join(q["sql"] for q in queries.captured_queries)  # with the parameters filled in
    assert NUL not in sql and "x" * 100 not in sql


def test_refresh_button_on_step_1_saves_nothing_and_does_not_crash(employer_client, employer, regions):
    """Found by the hostile walk: 「刷新下级选项」 on step 1 used to reach the service with nothing validated."""
    p = pf.placement(employer, wizard_step=1)
    step1 = reverse("placements:step1", args=[p.pk])
    response = employer_client.post(step1, pf.person_post(p.id_number, version=p.version, _refresh="1"))
    assert response.status_code == 200
    assert Placement.objects.get(pk=p.pk).version == p.version
    response = employer_client.post("/placements/new/?year=2025", pf.person_post(pf.person_id(), _refresh="1"))
    assert response.status_code == 200 and not Placement.objects.exclude(pk=p.pk).exists()


# --- 2. NUL in a search ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/notices/", "/placements/"])
@pytest.mark.parametrize("query", [f"a{NUL}b", NUL, "\x1b[31m", "\x08"])
def test_control_characters_in_a_search_are_refused(employer_client, url, query):
    assert "查询参数" in refused(employer_client.get(url, {"q": query}))


@pytest.mark.parametrize("url", ["/notices/", "/placements/"])
def test_tabs_and_line_ends_in_a_search_are_fine(employer_client, url):
    assert employer_client.get(url, {"q": "王\t晓\r\n明"}).status_code == 200


# --- 3. /verify/?code=a/b -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["a/b", "../x", "?", "#", "%2F", "验证码", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ00"])
def test_a_malformed_verification_code_is_not_found_not_a_crash(client, code):
    response = client.get("/verify/", {"code": code})
    assert response.status_code == 404
    html = response.content.decode()
    assert "未找到验证码为" in html and 'name="code"' in html


def test_a_well_formed_code_still_goes_to_its_page(client):
    response = client.get("/verify/", {"code": " abcd-efgh "})
    assert response.status_code == 302 and response["Location"] == "/verify/ABCDEFGH/"
    assert client.get(response["Location"]).status_code == 404  # unknown, answered like any unknown code


# --- 4. an over-long user name at login -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_10000_character_user_name_is_refused_before_django_axes_records_it(client, url):
    html = refused(client.post(url, {"username": "a" * 10_000, "password": "x"}))
    assert "用户名" in html or "username" in html
    assert not AccessAttempt.objects.exists()
    assert "_auth_user_id" not in client.session


def test_a_user_name_at_the_form_s_limit_is_an_ordinary_failed_login(client):
    response = client.post("/accounts/login/", {"username": "a" * 150, "password": "x"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "a" * 150
    refused(client.post("/accounts/login/", {"username": "a" * 151, "password": "x"}))


# --- 5. the reviewer admin with a non-numeric user ------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, regions):
    boss = factories.UserFactory(username="boss", is_staff=True, is_superuser=True)
    otp_login(client, boss)
    return client


@pytest.mark.parametrize("user", ["abc", "1.5", "9" * 25, "-1", "١٢"])
@pytest.mark.parametrize("page", ["add", "change"])
def test_reviewer_admin_reports_a_user_that_is_no_id_as_a_field_error(superuser_client, user, page):
    profile = factories.ReviewerProfileFactory(region=factories.region("110000"))
    if page == "add":
        url = reverse("admin:employers_reviewerprofile_add")
    else:
        url = reverse("admin:employers_reviewerprofile_change", args=[profile.pk])
    response = superuser_client.post(url, {"user": user, "region": "110000", "organisation": "北京市残联"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == ["选择一个有效的选项： 该选择不在可用的选项中。"]
    assert ReviewerProfile.objects.get().user_id == profile.user_id


def test_reviewer_admin_region_that_is_no_code_is_a_field_error_too(superuser_client):
    user = factories.UserFactory(username="new-reviewer", is_staff=True)
    url = reverse("admin:employers_reviewerprofile_add")
    response = superuser_client.post(url, {"user": str(user.pk), "region": "x" * 5_000, "organisation": ""})
    assert response.status_code == 200 and "region" in response.context["adminform"].form.errors
    assert not ReviewerProfile.objects.exists()


@pytest.mark.parametrize("employer", ["abc", "9" * 25])
def test_filing_extension_admin_reports_an_employer_that_is_no_id_as_a_field_error(superuser_client, employer):
    """Found by the hostile walk: every region-scoped admin's autocomplete re-rendered the posted value by a query."""
    url = reverse("admin:core_filingextension_add")
    response = superuser_client.post(url, {"employer": employer, "year": "2025", "closes_on": "", "reason": ""})
    assert response.status_code == 200 and "employer" in response.context["adminform"].form.errors


def test_totp_device_qr_code_of_an_unknown_device_is_not_a_500(superuser_client):
    """Found by the hostile walk (django-otp's view); with OTP_ADMIN_HIDE_SENSITIVE_DATA no device's code is served."""
    assert superuser_client.get("/admin/otp_totp/totpdevice/0/qrcode/").status_code == 403
    assert superuser_client.get("/admin/otp_totp/totpdevice/0/config/").status_code == 403


# --- 6. import_feed: NUL and a field over the csv module's limit ----------------------------------------------------


def import_feed(kind: str, path) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("import_feed", kind, str(path), stdout=StringIO(), stderr=StringIO())
    return str(caught.value)


@pytest.fixture
def persons_file(tmp_path, regions):
    factories.region("110101")

    def write(bad_name: str, *, quoted: bool) -> object:
        rows = [
            (person_id(date(1980, 1, 10)), "李四", "男", "110101", "北京市东城区1号", "13900000001", "本科"),
            (person_id(date(1981, 2, 11)), bad_name, "男", "110101", '北京市"东城区"2号' if quoted else "x", "139", ""),
            (person_id(date(1982, 3, 12)), "王五", "男", "110101", "北京市东城区3号", "13900000003", "本科"),
        ]
        return write_csv(tmp_path / "persons.csv", "persons", rows)

    return write


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_nul_inside_a_field_refuses_the_file_naming_the_line(persons_file, quoted):
    message = import_feed("persons", persons_file(f"王{NUL}明", quoted=quoted))
    assert "第3行含有 NUL 字符" in message and "整个文件未导入" in message
    assert not RegistryPerson.objects.exists() and not FeedImport.objects.exists()


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_field_over_the_csv_limit_refuses_the_file_naming_the_line(persons_file, quoted):
    message = import_feed("persons", persons_file("王" * (FIELD_LIMIT + 1), quoted=quoted))
    assert f"第3行有字段超过 {FIELD_LIMIT:,} 个字符" in message and "整个文件未导入" in message
    assert not RegistryPerson.objects.exists() and not FeedImport.objects.exists()


def test_nul_on_the_last_line_without_a_line_end_and_in_a_monthly_feed(tmp_path):
    rows = [(person_id(), unit_uscc(), 202501, "5000"), (person_id(), unit_uscc(), 202502, f"50{NUL}0")]
    path = write_csv(tmp_path / "p.csv", "pension", rows, newline_at_end=False)
    assert "第3行含有 NUL 字符" in import_feed("pension", path)
    assert not PensionContribution.objects.exists()


def test_from_the_command_line_the_refusal_exits_non_zero_in_chinese_without_a_traceback(tmp_path):
    """manage.py: NUL in the header refuses the file before the database is opened."""
    path = tmp_path / "p.csv"
    path.write_text(f"id_number,unit_uscc,month,base_amount{NUL}\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_feed", "pension", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "第1行含有 NUL 字符" in proc.stderr and "Traceback" not in proc.stderr


# --- the gate itself (core.middleware) ------------------------------------------------------------------------------


def test_query_strings_and_form_bodies_that_are_not_utf8_are_refused(client):
    assert "UTF-8" in refused(client.get("/verify/", QUERY_STRING="code=%FF%FE"))
    response = client.post("/accounts/login/", b"username=%C3%28&password=x", "application/x-www-form-urlencoded")
    assert "UTF-8" in refused(response)
    assert not AccessAttempt.objects.exists()


def test_control_characters_in_a_parameter_name_or_the_path_are_refused(client):
    refused(client.get("/verify/", QUERY_STRING="co%00de=1"))
    refused(client.get("/verify/AB%00CD/"))


def test_a_value_over_10000_characters_is_refused_but_not_one_at_the_limit(client):
    assert client.get("/verify/", {"code": "A" * 10_000}).status_code == 200  # the form says: at most 40
    assert "超过 10,000 个字符" in refused(client.get("/verify/", {"code": "A" * 10_001}))


def test_a_notice_body_may_be_long(rf):
    from core.middleware import check_parameters

    check_parameters([("body", ["<p>" + "通知正文" * 20_000 + "</p>"])], "表单数据")  # no InputRefused


def test_a_cookie_with_control_characters_is_ignored_not_refused(client, employer_user):
    client.force_login(employer_user)
    client.cookies["sessionid"] = f"abc{NUL}def"
    response = client.get("/notices/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]  # as if no session


def test_a_multipart_body_that_cannot_be_parsed_is_a_400(client):
    response = client.post("/accounts/login/", b"username=a", content_type="multipart/form-data")  # no boundary
    assert "无法读取" in refused(response)
