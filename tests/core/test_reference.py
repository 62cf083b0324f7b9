"""The GB/T 2260 parser (pure) and the idempotent load_reference_data command."""

import time
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from core import reference
from core.models import EmploymentRatio, FilingWindow, MinimumWage, Region, SocialAverageWage

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
    assert EmploymentRatio.objects.filter(province_code="11").count() == 5
    assert not EmploymentRatio.objects.filter(province_code="81").exists()
    assert FilingWindow.objects.get(province_code="44", business_year=2025).opens_on == date(2026, 3, 1)
    assert MinimumWage.objects.filter(region_code="11").count() == 2
    assert SocialAverageWage.objects.get(province_code="11", year=2024).annual_amount == Decimal("146000.00")

    # an admin edit survives a second run, and nothing else changes
    EmploymentRatio.objects.filter(province_code="11", year=2025).update(ratio_percent=Decimal("1.70"))
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert "新增 0 条，更新 0 条" in out.getvalue()
    assert Region.objects.count() == regions
    assert EmploymentRatio.objects.get(province_code="11", year=2025).ratio_percent == Decimal("1.70")


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
