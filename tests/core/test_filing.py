from datetime import date

import pytest

from core import filing
from core.models import FilingWindow

D = date.fromisoformat


def _w(year, opens, closes):
    return filing.Window("11", year, D(opens), D(closes), configured=True)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-03-01", 2025),  # first day of the 2025 window
        ("2026-10-31", 2025),  # last day
        ("2026-11-01", 2025),  # outside: previous calendar year
        ("2027-01-15", 2026),  # outside: previous calendar year
        ("2026-02-28", 2025),  # before the window opens: still the previous calendar year
        ("2027-03-02", 2026),
    ],
)
def test_pick_filing_year(today, expected):
    windows = [_w(2025, "2026-03-01", "2026-10-31"), _w(2026, "2027-03-01", "2027-10-31")]
    assert filing.pick_filing_year(windows, D(today)) == expected


def test_pick_filing_year_extended_window_wins():
    # A province that kept the 2024 window open into 2026 while 2025's is open too: the latest business year.
    windows = [_w(2024, "2025-03-01", "2026-04-30"), _w(2025, "2026-03-01", "2026-10-31")]
    assert filing.pick_filing_year(windows, D("2026-04-01")) == 2025
    assert filing.pick_filing_year(windows[:1], D("2026-04-01")) == 2024


def test_province_of():
    assert filing.province_of("110105") == filing.province_of("11") == "11"
    with pytest.raises(ValueError):
        filing.province_of("x")


@pytest.mark.django_db
def test_current_filing_year_and_window_from_table():
    FilingWindow.objects.create(
        province_code="11", business_year=2024, opens_on=D("2025-03-01"), closes_on=D("2026-12-31")
    )
    assert filing.current_filing_year("110105", D("2026-11-28")) == 2024
    assert filing.current_filing_year("31", D("2026-11-28")) == 2025
    window = filing.filing_window("110000", 2024)
    assert (window.closes_on, window.configured) == (D("2026-12-31"), True)
    default = filing.filing_window("31", 2025)
    assert (default.opens_on, default.closes_on, default.configured) == (D("2026-03-01"), D("2026-10-31"), False)
    assert filing.is_filing_open("11", 2024, D("2026-12-31")) is True
    assert filing.is_filing_open("31", 2025, D("2026-11-01")) is False
