"""残联 staff open the logins of many units from a CSV or xlsx file of USCC + contact (admin page 批量开通单位账号 and
``manage.py open_accounts``): USCCs checked with python-stdnum, a result for every row, only units of the staff
member's region, idempotent (the same file twice opens nothing new), audited."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from core.models import AuditEvent
from employers import account_import, services
from employers.models import EmployerAccount
from tests import factories
from tests.factories.core import bad_check_digit

pytestmark = pytest.mark.django_db
BULK = "/admin/employers/employeraccount/open-bulk/"
HEADER = ["统一社会信用代码", "经办人姓名", "经办人电话", "电子邮箱"]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False


@pytest.fixture
def units(regions):
    return {
        "chaoyang": factories.employer(name="朝阳区批量开通甲公司", region_code="110105"),
        "haidian": factories.employer(name="海淀区批量开通乙公司", region_code="110108"),
        "shanghai": factories.employer(name="上海批量开通丙公司", region_code="310101"),
    }


@pytest.fixture
def reviewer(db):
    user = factories.reviewer_user("110000", username="bj-bulk")
    user.groups.add(services.reviewer_group_ensure())
    return user


@pytest.fixture
def staff(client, reviewer):
    client.force_login(reviewer)
    return client


def _csv(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(units):
    return [
        [units["chaoyang"].uscc, "王芳", "13812345678", "wang@example.cn"],
        [units["haidian"].uscc.lower(), "李强", "", ""],  # lower case: normalised
        [units["shanghai"].uscc, "张伟", "", ""],  # another region
        [bad_check_digit(units["chaoyang"].uscc), "赵敏", "", ""],
        ["91110105", "钱多", "", ""],
        [units["chaoyang"].uscc, "王芳", "", ""],  # repeated in the file
        [units["haidian"].uscc, "", "", ""],  # contact missing... but haidian is opened above
    ]


def test_a_file_is_reported_row_by_row_and_only_the_region_is_opened(units, reviewer):
    results = account_import.accounts_open_bulk(rows=account_import.parse_table(_csv(_rows(units))), by=reviewer)
    by_line = {r.line: r for r in results}
    assert [r.status for r in results] == ["opened", "opened", "error", "error", "error", "error", "error"]
    assert "本辖区没有该统一社会信用代码的单位" in by_line[4].message
    assert "校验位不正确" in by_line[5].message
    assert "应为 18 位" in by_line[6].message
    assert "重复" in by_line[7].message
    assert "经办人姓名不能为空" in by_line[8].message
    chaoyang = EmployerAccount.objects.select_related("user").get(employer=units["chaoyang"])
    assert chaoyang.is_admin and chaoyang.contact_name == "王芳" and chaoyang.contact_phone == "13812345678"
    assert chaoyang.user.username == f"u{units['chaoyang'].uscc.lower()}"
    assert chaoyang.user.email == "wang@example.cn" and chaoyang.email_verified is False  # verified by its link
    assert not chaoyang.user.has_usable_password() and by_line[2].link.startswith("/accounts/reset/")
    assert not EmployerAccount.objects.filter(employer=units["shanghai"]).exists()
    assert AuditEvent.objects.filter(action="account.open", actor=reviewer).count() == 2


def test_the_same_file_twice_opens_nothing_new(units, reviewer):
    data = _csv(_rows(units))
    account_import.accounts_open_bulk(rows=account_import.parse_table(data), by=reviewer)
    again = account_import.accounts_open_bulk(rows=account_import.parse_table(data), by=reviewer)
    assert [r.status for r in again][:2] == ["exists", "exists"]
    assert EmployerAccount.objects.count() == 2


def test_xlsx_and_gbk_csv_are_read(units, reviewer):
    rows = [[units["chaoyang"].uscc, "王芳", "", ""]]
    assert account_import.parse_table(_xlsx(rows))[0].values["contact_name"] == "王芳"
    assert account_import.parse_table(_csv(rows, encoding="gbk"))[0].values["contact_name"] == "王芳"
    english = account_import.parse_table(_csv(rows, header=["uscc", "contact_name", "contact_phone", "email"]))
    assert english[0].values["uscc"] == units["chaoyang"].uscc


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "没有数据"),
        ("单位名称,电话\n某公司,123\n".encode(), "缺少列：统一社会信用代码、经办人姓名"),
        (b"PK\x03\x04broken", "Excel 文件已损坏"),
        (b"\xff\xfe\x00\xd8\x00\xdc", "编码无法识别"),
    ],
    ids=["empty", "no-columns", "broken-xlsx", "binary"],
)
def test_an_unreadable_file_is_refused_whole(data, message):
    with pytest.raises(account_import.ImportFileError, match=message):
        account_import.parse_table(data)


def test_dry_run_opens_nothing(units, reviewer):
    results = account_import.accounts_open_bulk(
        rows=account_import.parse_table(_csv(_rows(units))), by=reviewer, dry_run=True
    )
    assert [r.status for r in results][:2] == ["would_open", "would_open"]
    assert not EmployerAccount.objects.exists()


def test_admin_page_shows_each_row_and_the_links(staff, units):
    upload = SimpleUploadedFile("名单.xlsx", _xlsx(_rows(units)[:3]))
    response = staff.post(BULK, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and "共 3 行：已开通 2" in html
    assert html.count("http://testserver/accounts/reset/") == 2 and "本辖区没有该统一社会信用代码的单位" in html
    assert "批量开通单位账号" in staff.get("/admin/employers/employeraccount/").content.decode()


def test_admin_page_errors_are_chinese_beside_the_field(staff):
    response = staff.post(BULK, {})
    assert response.status_code == 200 and "请选择要导入的文件" in response.content.decode()
    response = staff.post(BULK, {"file": SimpleUploadedFile("x.csv", "名称\n某公司\n".encode())})
    assert "缺少列" in response.content.decode()


def test_admin_page_needs_a_reviewer(client, units):
    clerk = factories.employer_user(units["chaoyang"])
    client.force_login(clerk)
    assert client.get(BULK).status_code in (302, 403)
    assert not EmployerAccount.objects.filter(employer=units["haidian"]).exists()


def test_admin_result_query_count_does_not_grow_with_rows(staff, regions, reviewer, django_assert_max_num_queries):
    unit = factories.employer(region_code="110105")
    with CaptureQueriesContext(connection) as one:
        staff.post(BULK, {"file": SimpleUploadedFile("a.csv", _csv([[unit.uscc, "王芳", "", ""]]))})
    per_row = len(one)
    many = [factories.employer(region_code="110105") for _ in range(10)]
    with CaptureQueriesContext(connection) as eleven:
        staff.post(BULK, {"file": SimpleUploadedFile("b.csv", _csv([[u.uscc, "李强", "", ""] for u in many]))})
    # the reading and checking is a fixed number of queries; each opened row costs the same fixed writes
    writes_per_row = (len(eleven) - per_row) / 9
    assert writes_per_row <= 12
    with django_assert_max_num_queries(per_row):
        staff.get(BULK)


def test_command_reports_each_row_writes_the_report_and_is_idempotent(units, reviewer, tmp_path, capsys):
    path = tmp_path / "名单.csv"
    path.write_bytes(_csv(_rows(units)[:3]))
    report = tmp_path / "结果.csv"
    call_command("open_accounts", str(path), "--by", "bj-bulk", "--report", str(report), "--base-url", "https://w.cn")
    out = capsys.readouterr().out
    assert "第 2 行" in out and "已开通" in out and "https://w.cn/accounts/reset/" in out
    assert out.strip().splitlines()[-1] == "单位账号开通：共 3 行：已开通 2，可开通 0，已有账号 0，未开通 1。"
    lines = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0][0] == "行号" and len(lines) == 4 and lines[1][5].startswith("https://w.cn/accounts/reset/")
    call_command("open_accounts", str(path), "--by", "bj-bulk")
    assert "已开通 0，可开通 0，已有账号 2，未开通 1" in capsys.readouterr().out
    assert EmployerAccount.objects.count() == 2


def test_command_refuses_a_non_reviewer_and_a_missing_file(units, tmp_path):
    clerk = factories.employer_user(units["chaoyang"], username="just-a-clerk")
    path = tmp_path / "a.csv"
    path.write_bytes(_csv([]))
    with pytest.raises(CommandError, match="不是有效的残联审核人员账号"):
        call_command("open_accounts", str(path), "--by", clerk.username)
    factories.reviewer_user("110000", username="bj-2")
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("open_accounts", str(tmp_path / "none.csv"), "--by", "bj-2")
