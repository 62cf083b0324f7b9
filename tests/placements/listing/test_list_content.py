"""The list page's content kept rendered under its context's fingerprint (placements.rendered, issue 16): the kept
markup is what a fresh render writes, and a change — the clerk's, a reviewer's, a recompute's, the declaration —
shows on the next request."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.safestring import mark_safe

from placements.listing import selectors as ws
from placements.listing.views import LIST
from placements.models import Placement, PlacementMonth
from placements.rendered import fingerprint
from tests.factories import placements as pf
from tests.placements.listing.test_views_list import declare, with_months

pytestmark = pytest.mark.django_db
URL = reverse("placements:index")


@pytest.fixture(autouse=True)
def forget():
    LIST.forget()
    yield
    LIST.forget()


def page(client, **query) -> str:
    response = client.get(URL, {"year": 2025, **query})
    assert response.status_code == 200
    return re.sub(r'(nonce|value)="[A-Za-z0-9+/=_-]{20,}"', r'\1="…"', response.content.decode())


def test_the_kept_content_is_what_a_fresh_render_writes(employer_client, employer):
    for i in range(60):
        with_months(employer, ["auto", "pending"] if i % 3 else ["rejected"], name=f"员工{i}")
    pages = [page(employer_client, **q) for q in ({}, {"page": "2"}, {"status": "pending"}, {"q": "员工1"})]
    assert len(LIST._contents) == 4
    assert [page(employer_client, **q) for q in ({}, {"page": "2"}, {"status": "pending"}, {"q": "员工1"})] == pages
    LIST.forget()
    assert page(employer_client) == pages[0]


def test_every_change_shows_on_the_next_request(employer_client, employer):
    p = with_months(employer, ["auto", "pending"], name="张伟")
    before = page(employer_client)
    pf.placement(employer, year=2025, name="新来的", wizard_completed=True)  # the clerk
    added = page(employer_client)
    assert "新来的" in added and added != before
    PlacementMonth.objects.filter(placement=p, review_state="pending").update(review_state="confirmed")  # a reviewer
    Placement.objects.filter(pk=p.pk).update(version=p.version + 1)
    confirmed = page(employer_client)
    assert confirmed != added
    declare(employer, 2025)  # the year declared: no more checkboxes, no more 删除
    declared = page(employer_client)
    assert 'name="ids"' in confirmed and 'name="ids"' not in declared


@pytest.mark.parametrize(
    "query", [{}, {"page": 2}, {"status": "pending"}, {"status": "rejected"}, {"search": "员工1"}, {"search": "无此人"}]
)
def test_the_fetched_rows_make_the_placements_the_raw_query_made(employer, query):
    """list_page's placements are built from the rows fetched once (ws.FetchedPage.page) instead of by a second
    run of the statement: the same objects, values, types and annotations as Placement.objects.raw gives."""
    for i in range(60):
        with_months(employer, ["auto", "pending"] if i % 3 else ["rejected"], name=f"员工{i}")
    header = ws.list_header(employer, 2025, date(2026, 11, 28))
    fetched = ws.fetch_list_page(employer, 2025, totals=header.totals, status_ids=header.status_ids, **query)
    page = fetched.page()
    want = list(Placement.objects.raw(fetched.sql, fetched.params)) if fetched.sql else []
    assert [_state(p) for p in page.rows] == [_state(p) for p in want]
    numbers = fetched.numbers()
    assert (numbers.number, numbers.count, numbers.rows) == (page.number, page.count, [])
    assert len(page.rows) == max(0, min(50, page.count - (page.number - 1) * 50))
    assert page.count == {"page": 60, "search": 11 if query.get("search") == "员工1" else 0}.get(
        next(iter(query), "page"), page.count
    )


def _state(obj) -> dict:
    values = {k: (type(v), v) for k, v in vars(obj).items() if k != "_state"}
    return {"values": values, "db": obj._state.db, "adding": obj._state.adding}


def test_a_safe_string_is_not_its_text():
    assert fingerprint("<b>") != fingerprint(mark_safe("<b>"))
