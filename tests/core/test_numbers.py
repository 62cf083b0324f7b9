"""core.numbers.ascii_int and the pages that read numbers from query strings with it: 10,000 nines or a '²' are
a 400/ignored value, never a 500 (Python refuses int() of more than 4,300 digits; '²'.isdigit() is True)."""

import pytest
from django.urls import reverse

from core.numbers import ascii_int
from tests import factories
from tests.factories import otp_login
from tests.factories import placement_review as rf


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        ("2025", 4, 2025),
        (" 42 ", 18, 42),
        ("9" * 9999, 18, None),
        ("20251", 4, None),
        ("²", 18, None),
        ("٣", 18, None),
        ("-1", 18, None),
        ("1e3", 18, None),
        ("", 18, None),
        (None, 18, None),
        (2025, 4, None),
    ],
)
def test_ascii_int(value, digits, expected):
    assert ascii_int(value, digits=digits) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["9" * 9999, "²⁰²⁵", "2025" + "0" * 5000])
def test_statistics_page_ignores_a_year_that_is_not_one(client, year):
    otp_login(client, factories.reviewer_user("110000"))
    response = client.get(reverse("admin:declarations_statistics"), {"year": year})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["unit", "year"])
def test_review_queue_filters_ignore_huge_numbers(client, param):
    rf.otp_login(client, rf.reviewer("110000"))
    response = client.get(reverse("admin:placements_placement_changelist"), {param: "9" * 9999})
    assert response.status_code in (200, 302)  # a filter value the admin does not know: its ?e=1 redirect


@pytest.mark.parametrize("raw", ["9" * 9999, "²⁰²⁵"])
def test_a_bulk_import_date_cell_of_odd_digits_is_a_clear_error(raw):
    from placements.bulk.cells import CellError, read_date

    with pytest.raises(CellError, match="日期格式不正确"):
        read_date(raw)


def test_a_bulk_import_date_cell_of_full_width_digits_is_an_excel_serial():
    from placements.bulk.cells import read_date

    assert read_date("４５７１７") == read_date(45717) == read_date("2025-03-01")


def test_a_feed_field_of_10000_digits_is_a_rejected_row_not_a_crash():
    from feeds.rows import _small_int

    errors: list[str] = []
    assert _small_int("9" * 9999, "残疾等级", range(1, 5), errors) is None
    assert errors and errors[0].startswith("残疾等级“99999999999999999999”应为1–4")
    assert _small_int(" 3 ", "残疾等级", range(1, 5), []) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["year=abc&page=9999999999999999999999999", "page=999999999999999999", "page=²"])
def test_the_list_answers_a_page_number_far_past_the_end(employer_client, query):
    response = employer_client.get(f"/placements/?{query}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_import_last_year_ignores_ids_and_pages_too_long_to_be_ids(employer_client):
    assert employer_client.get("/placements/import-last-year/?year=2025&page=999999999999999999").status_code == 200
    response = employer_client.post("/placements/import-last-year/?year=2025", {"persons": ["9" * 151]})
    assert response.status_code in (200, 302)
