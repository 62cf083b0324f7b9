"""The calculator page keeps the rendered content of an unsubmitted form (levy.views._content, issue 16) under its
inputs: the kept markup must be what a fresh render writes, and whatever changes a pre-filled value — the clerk, a
reviewer, a background recompute, the reference data — must show on the next request."""

import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from core.models import SocialAverageWage
from levy import views
from placements.models import PlacementMonth
from tests import factories
from tests.factories.levy import add_months

pytestmark = pytest.mark.django_db

URL = reverse("levy:calculator")


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-05-01 10:00 +0800", tick=False):
        yield


@pytest.fixture
def clerk(client, beijing_reference):
    emp = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    user = factories.employer_user(emp)
    client.force_login(user)
    return client, emp, user


def _page(client, **query) -> str:
    html = client.get(URL, query).content.decode()
    return re.sub(r'(nonce|value)="[A-Za-z0-9+/=_-]{20,}"', r'\1="…"', html)  # the CSP nonce and CSRF token


def _value(html: str, name: str) -> str:
    return re.search(rf'name="{name}"(?: value="([^"]*)")?', html).group(1) or ""


def test_the_kept_content_is_what_a_fresh_render_writes(clerk):
    client, emp, _ = clerk
    add_months(emp, 2025, weight=2, months=[1, 2, 3])
    views._CONTENTS.clear()
    fresh = _page(client)
    assert len(views._CONTENTS) == 1
    kept = _page(client)  # from _CONTENTS
    assert kept == fresh
    views._CONTENTS.clear()
    assert _page(client) == fresh
    assert _value(fresh, "severe") == "3" and 'data-testid="payable"' not in fresh


def test_submitted_forms_and_visitors_are_not_kept(client, clerk):
    client, _, _ = clerk
    views._CONTENTS.clear()
    _page(client, staff="1000", wage="65000", disabled_wage="5536")
    _page(client, staff="abc")
    client.logout()
    assert "登录</a>后可自动填入" in _page(client)
    assert len(views._CONTENTS) == 0


def test_every_change_of_a_prefilled_value_shows_on_the_next_request(clerk):
    client, emp, _ = clerk
    p = add_months(emp, 2025, weight=2, months=[1, 2, 3], state="pending")
    html = _page(client)
    assert (_value(html, "severe"), _value(html, "staff"), _value(html, "social_wage")) == ("0", "", "120000.00")
    # a reviewer confirms the months
    PlacementMonth.objects.filter(placement=p).update(review_state="confirmed")
    assert _value(_page(client), "severe") == "3"
    # a background recompute changes one (the registry no longer confirms it)
    PlacementMonth.objects.filter(placement=p, month=202501).update(review_state="pending")
    assert _value(_page(client), "severe") == "2"
    # the clerk states the year's staff figures (the page the home page links to)
    response = client.post(
        reverse("levy:staff_figures", args=[2025]), {"staff_count": "300", "avg_monthly_wage": "8000"}
    )
    assert response.status_code == 302
    html = _page(client)
    assert (_value(html, "staff"), _value(html, "wage")) == ("300.00", "8000.00")
    # the reference data edited in the admin, written differently for the same number too
    SocialAverageWage.objects.filter(province_code="11", year=2025).update(annual_amount=Decimal("125000.00"))
    assert _value(_page(client), "social_wage") == "125000.00"
    emp.name = "北京市示范科技有限公司（更名）"
    emp.save()
    assert _value(_page(client), "name") == "北京市示范科技有限公司（更名）"


def test_the_kept_contents_are_bounded(clerk, monkeypatch):
    client, emp, _ = clerk
    monkeypatch.setattr(views._CONTENTS, "size", 3)
    views._CONTENTS.clear()
    for n in range(5):
        add_months(emp, 2025, weight=1, months=[n + 1])
        assert _value(_page(client), "other") == str(n + 1)
    assert len(views._CONTENTS) == 3
