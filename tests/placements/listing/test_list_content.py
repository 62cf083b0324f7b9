"""The list page's content kept rendered under its context's fingerprint (placements.rendered, issue 16): the kept
markup is what a fresh render writes, and a change — the clerk's, a reviewer's, a recompute's, the declaration —
shows on the next request."""

import re

import pytest
from django.urls import reverse
from django.utils.safestring import mark_safe

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


def test_a_safe_string_is_not_its_text():
    assert fingerprint("<b>") != fingerprint(mark_safe("<b>"))
