"""Reference data on the declaration pages (ADR 0009): the province's 安排比例 with its source, and the 审核认定书
date marked provisional while it rests on a working calendar nobody has loaded (2027: chinese-calendar stops at
2026)."""

from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from core.models import EmploymentRatio
from declarations import services
from notices.models import Notice
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db


def url(name: str, year: int) -> str:
    return reverse(f"declarations:{name}", kwargs={"year": year})


def test_the_year_page_shows_the_ratio_and_its_source(employer, employer_client, traveller):
    page = employer_client.get(url("year", df.YEAR)).content.decode()
    assert "本省 2025 年度规定的残疾人就业安排比例：<strong>1.5%</strong>（本省未设置，按默认比例）" in page
    assert "《残疾人就业条例》（国务院令第488号）第八条" in page and "待核实" in page
    EmploymentRatio.objects.create(
        province_code=employer.federation_region_id[:2],
        year=2025,
        ratio_percent=Decimal("1.70"),
        source="京财税〔2016〕639号",
        effective_from="2016-01-01",
        confirmed=True,
    )
    page = employer_client.get(url("year", df.YEAR)).content.decode()
    assert "<strong>1.7%</strong>" in page and "依据：京财税〔2016〕639号（2016-01-01 施行）。" in page
    assert "待核实" not in page


NATIONAL_DAY_2027 = "\n".join(
    ["2027-09-26,工作日"] + [f"2027-10-0{d},休息日,国庆节" for d in (1, 4, 5, 6, 7)] + ["2027-10-09,工作日", ""]
)


def test_a_2027_certificate_date_is_provisional_until_the_calendar_is_loaded(employer, employer_user, client, tmp_path):
    df.placement(employer, year=2026)
    with time_machine.travel(df.at(2027, 9, 30, 10, 0), tick=False):
        employer_client = client
        employer_client.force_login(employer_user)
        services.declaration_declare(employer=employer, year=2026, by=employer_user)
        notice = Notice.objects.get(employer=employer, title__contains="年审申报完成通知")
        assert "自 2027年10月05日 起（暂定：该年度节假日安排尚未录入" in notice.body
        page = employer_client.get(url("year", 2026)).content.decode()
        assert "2027年10月5日起可下载" in page and 'data-testid="certificate-date-provisional"' in page
        not_yet = employer_client.get(url("certificate", 2026)).content.decode()
        assert "审核认定书将于 2027年10月05日 起可以下载（暂定：" in not_yet

        path = tmp_path / "2027.csv"
        path.write_text(NATIONAL_DAY_2027, encoding="utf-8")
        call_command("load_calendar", str(path), stdout=StringIO())
        page = employer_client.get(url("year", 2026)).content.decode()
        # the 3rd working day after the holiday: 10-08 (Fri), 10-09 (Sat, 调休上班), 10-11 (Mon); no longer provisional
        assert "2027年10月11日起可下载" in page and "certificate-date-provisional" not in page
        not_yet = employer_client.get(url("certificate", 2026)).content.decode()
        assert "审核认定书将于 2027年10月11日 起可以下载（完成申报后第 3 个工作日）" in not_yet
