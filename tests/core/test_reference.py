"""The GB/T 2260 parser (pure) and the idempotent load_reference_data command."""

import time
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from core import reference
from core.models import (
    CalendarDay,
    CalendarDayKind,
    EmploymentRatio,
    FilingWindow,
    MinimumWage,
    Region,
    SocialAverageWage,
)

SAMPLE = """# comment
11 province="北京市"
  0000 county="北京市"
  0100 county="市辖区"
  0101 county="东城区"
  0103 county="[-2010]崇文区"
  0111 county="[1986-]房山区"
  0200 county="[-2015]县"
  0228 county="[1982-2015]密云县"
12 province="天津市"
  0100 county="市辖区"
  0110 county="[-1991]东郊区,[1992-]东丽区"
  0111 county="[-1991]西郊区"
44 province="广东省"
  1900 county="[1988-]东莞市"
"""


def test_parse_levels_parents_names_and_abolished():
    rows = {r.code: r for r in reference.parse_loc_dat(SAMPLE.splitlines())}
    assert rows["110000"] == reference.RegionRow("110000", "北京市", "北京市", "province", None, False)
    assert rows["110100"].level == "city" and rows["110100"].parent_code == "110000"
    assert rows["110101"].full_name == "北京市东城区" and rows["110101"].parent_code == "110100"
    assert rows["110103"].abolished is True and rows["110103"].name == "崇文区"
    assert rows["110111"].abolished is False and rows["110111"].name == "房山区"
    assert rows["110200"].abolished is True
    assert rows["110228"].abolished is True and rows["110228"].full_name == "北京市密云县"
    # several names over time: the latest wins
    assert (rows["120110"].name, rows["120110"].abolished) == ("东丽区", False)
    assert rows["120111"].abolished is True
    # the province line alone creates the province (no 0000 line for 天津 in the sample)
    assert rows["120000"].name == "天津市"
    assert rows["441900"].level == "city" and rows["441900"].full_name == "广东省东莞市"
    assert list(rows) == sorted(rows)


def test_parse_the_real_table():
    rows = reference.parse_loc_dat(reference.stdnum_region_lines())
    by_code = {r.code: r for r in rows}
    assert len(rows) > 6000
    assert by_code["110105"].full_name == "北京市朝阳区" and not by_code["110105"].abolished
    assert by_code["110104"].abolished  # 宣武区, merged in 2010
    assert by_code["330106"].full_name == "浙江省杭州市西湖区"
    assert {r.code for r in rows if r.level == "province"} >= {"110000", "310000", "650000"}


@pytest.mark.django_db
def test_load_reference_data_is_fast_and_idempotent():
    out = StringIO()
    started = time.monotonic()
    call_command("load_reference_data", stdout=out)
    assert time.monotonic() - started < 5
    assert "基础数据已加载" in out.getvalue()
    regions = Region.objects.count()
    assert regions > 6000
    assert Region.objects.get(code="110105").parent_id == "110100"
    assert EmploymentRatio.objects.filter(province_code="11").count() == 13  # business years 2015 … 2027
    assert not EmploymentRatio.objects.filter(province_code="81").exists()
    assert FilingWindow.objects.get(province_code="44", business_year=2025).opens_on == date(2026, 3, 1)
    assert MinimumWage.objects.filter(region_code="11").count() == 2
    assert SocialAverageWage.objects.get(province_code="11", year=2024).annual_amount == Decimal("146000.00")

    # an admin edit survives a second run, and nothing else changes
    EmploymentRatio.objects.filter(province_code="11", year=2025).update(
        ratio_percent=Decimal("1.80"), admin_edited=True
    )
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert "新增 0 条，更新 0 条" in out.getvalue()
    assert Region.objects.count() == regions
    assert EmploymentRatio.objects.get(province_code="11", year=2025).ratio_percent == Decimal("1.80")


@pytest.mark.django_db
def test_load_reference_data_fixes_a_stale_region_and_dry_run_writes_nothing():
    out = StringIO()
    call_command("load_reference_data", "--dry-run", stdout=out)
    assert "试运行" in out.getvalue()
    assert not Region.objects.exists()
    call_command("load_reference_data", stdout=StringIO())
    Region.objects.filter(code="110105").update(name="旧名", abolished=True)
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert "更新 1 条" in out.getvalue()
    assert Region.objects.get(code="110105").name == "朝阳区"


# --- 安排比例: values, sources, 待核实 (ADR 0009) ---------------------------------------------------------------


@pytest.mark.django_db
def test_ratios_are_seeded_with_their_source_and_marked_unconfirmed():
    call_command("load_reference_data", stdout=StringIO())
    beijing = EmploymentRatio.objects.get(province_code="11", year=2025)
    shanghai = EmploymentRatio.objects.get(province_code="31", year=2025)
    guangdong = EmploymentRatio.objects.get(province_code="44", year=2015)
    assert (beijing.ratio_percent, shanghai.ratio_percent, guangdong.ratio_percent) == (
        Decimal("1.70"),
        Decimal("1.60"),
        Decimal("1.50"),
    )
    assert "京财税〔2016〕639号" in beijing.source
    assert "上海市残疾人分散按比例就业办法" in shanghai.source
    assert "《残疾人就业条例》" in guangdong.source and guangdong.effective_from == date(2007, 5, 1)
    # nobody has checked the documents yet: every seeded row is 待核实
    assert not EmploymentRatio.objects.filter(confirmed=True).exists()
    assert not EmploymentRatio.objects.filter(admin_edited=True).exists()


@pytest.mark.django_db
def test_an_old_unedited_seed_row_is_brought_up_to_date_but_an_admin_edit_never():
    # rows as the old seed wrote them (1.50 everywhere, no source) and one an admin changed
    EmploymentRatio.objects.create(province_code="11", year=2024, ratio_percent=Decimal("1.50"))
    EmploymentRatio.objects.create(
        province_code="31", year=2024, ratio_percent=Decimal("1.55"), source="沪府令（管理员录入）", admin_edited=True
    )
    call_command("load_reference_data", stdout=StringIO())
    beijing = EmploymentRatio.objects.get(province_code="11", year=2024)
    assert beijing.ratio_percent == Decimal("1.70") and "京财税" in beijing.source
    shanghai = EmploymentRatio.objects.get(province_code="31", year=2024)
    assert (shanghai.ratio_percent, shanghai.source) == (Decimal("1.55"), "沪府令（管理员录入）")


def test_every_province_seed_names_a_document():
    for code in ("11", "31", "44", "65"):
        seed = reference.ratio_seed(code)
        assert seed.source and Decimal("1.5") <= seed.ratio_percent < Decimal(10)
        assert seed.confirmed is False  # nothing is seeded as checked
    assert reference.ratio_seed("11").ratio_percent == Decimal("1.70")
    assert reference.ratio_seed("31").ratio_percent == Decimal("1.60")


# --- the admin: sources shown, 待核实 warned about, admin edits protected --------------------------------------

RATIOS = "/admin/core/employmentratio/"


@pytest.fixture
def seeded(db, settings):
    settings.ADMIN_REQUIRE_OTP = False  # the TOTP step is tested in tests/notices; here: the reference pages
    call_command("load_reference_data", stdout=StringIO())


@pytest.mark.django_db
@time_machine.travel("2026-12-06 10:00 +0800", tick=False)
def test_admin_index_and_ratio_list_warn_about_unconfirmed_provinces(admin_client, seeded):
    page = admin_client.get("/admin/").content.decode()
    assert 'data-warning="ratios"' in page and "安排比例待核实（2025、2026 年度，共 31 个省级地区）" in page
    assert "北京市、天津市" in page and "香港" not in page
    listing = admin_client.get(RATIOS, {"province_code": "11"}).content.decode()
    assert 'data-warning="ratios"' in listing and 'data-warning="calendar"' not in listing
    assert "⚠ 待核实" in listing and "京财税〔2016〕639号" in listing
    # Beijing confirmed for both years: no longer listed
    EmploymentRatio.objects.filter(province_code="11", year__in=[2025, 2026]).update(
        confirmed=True, effective_from=date(2016, 1, 1)
    )
    page = admin_client.get("/admin/").content.decode()
    assert "共 30 个省级地区" in page and "：天津市、" in page


@pytest.mark.django_db
def test_saving_a_ratio_in_admin_protects_it_and_confirming_needs_source_and_date(admin_client, seeded):
    row = EmploymentRatio.objects.get(province_code="31", year=2025)
    url = f"{RATIOS}{row.pk}/change/"
    data = {"province_code": "31", "year": 2025, "ratio_percent": "1.60", "source": "", "confirmed": "on"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "标为已核实前，请填写依据文件。" in body and "标为已核实前，请填写依据文件的施行日期。" in body
    data.update(source="《上海市残疾人分散按比例就业办法》（经核实）", effective_from="2001-01-01")
    assert admin_client.post(url, data).status_code == 302
    row.refresh_from_db()
    assert row.confirmed and row.admin_edited and row.effective_from == date(2001, 1, 1)
    call_command("load_reference_data", stdout=StringIO())
    row.refresh_from_db()
    assert row.source == "《上海市残疾人分散按比例就业办法》（经核实）" and row.confirmed


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 2])
def test_admin_index_warnings_cost_a_fixed_number_of_queries(admin_client, seeded, django_assert_max_num_queries, n):
    # n = 2: a row of the table for 2027 makes the calendar query return something, nothing more
    if n == 2:
        CalendarDay.objects.create(date=date(2027, 10, 1), kind=CalendarDayKind.HOLIDAY)
    with time_machine.travel("2026-12-06 10:00 +0800", tick=False), django_assert_max_num_queries(8):
        assert admin_client.get("/admin/").status_code == 200
