import pytest

from core.masking import mask_number
from core.months import YearMonth


def test_mask_keeps_first_six_and_last_four():
    assert mask_number("339011198506151539") == "339011********1539"


def test_year_month_parse_and_bounds():
    ym = YearMonth.parse("202502")
    assert (ym.first_day.isoformat(), ym.last_day.isoformat(), ym.key) == ("2025-02-01", "2025-02-28", 202502)
    with pytest.raises(ValueError):
        YearMonth.parse("202513")


@pytest.mark.django_db
def test_login_page_renders_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "用人单位登录" in response.content.decode()


@pytest.mark.django_db
def test_nav_marks_current_page(employer_client):
    html = employer_client.get("/relief/").content.decode()
    assert 'href="/relief/" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1
