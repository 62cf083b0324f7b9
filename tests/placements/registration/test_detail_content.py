"""The grid page's content kept rendered under its context's fingerprint (placements.rendered, issue 16): the kept
markup is what a fresh render writes, every change — the clerk's, a reviewer's, a recompute's, a related unit's or
certificate's — shows on the next request, and a render that reads the database is not kept."""

import re
from datetime import date

import pytest
from django.template import Template, engines
from django.urls import reverse

from employers.models import RelatedUnit
from placements.models import Contract, PlacementMonth
from placements.registration.lifecycle_views import DETAIL
from placements.rendered import KeptContent
from tests import factories
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget():
    DETAIL.forget()
    yield
    DETAIL.forget()


def page(client, p) -> str:
    response = client.get(reverse("placements:detail", args=[p.pk]))
    assert response.status_code == 200
    return re.sub(r'(nonce|value)="[A-Za-z0-9+/=_-]{20,}"', r'\1="…"', response.content.decode())


@pytest.fixture
def person(employer):
    p = pf.placement(employer, name="张伟", wizard_completed=True)
    unit = factories.related_unit(employer, relation="dispatch", name="北京劳务派遣有限公司")
    pf.contract(p, is_dispatched=True, dispatch_unit=unit, contract_file=factories.stored(employer, pdf=True))
    pf.selected_months(p, range(1, 13), review_state="auto", weight=2)
    pf.registry_cert(p.id_number)
    pf.HandCertificateFactory(placement=p, image=factories.stored(employer))
    pf.EvidenceFactory(placement=p)
    return p


def test_the_kept_content_is_what_a_fresh_render_writes(employer_client, person):
    fresh = page(employer_client, person)
    assert len(DETAIL._contents) == 1
    assert page(employer_client, person) == fresh
    DETAIL.forget()
    assert page(employer_client, person) == fresh
    assert "北京劳务派遣有限公司" in fresh


def test_every_change_shows_on_the_next_request(employer_client, person):
    before = page(employer_client, person)
    # a reviewer rejects a month
    PlacementMonth.objects.filter(placement=person, month=person.year * 100 + 3).update(
        review_state="rejected", decision_reason="工资低于最低工资标准"
    )
    rejected = page(employer_client, person)
    assert rejected != before and "工资低于最低工资标准" in rejected
    # a recompute changes a month's facts
    PlacementMonth.objects.filter(placement=person, month=person.year * 100 + 4).update(
        wage_ok=False, verified=False, review_state="pending", reasons="wage_missing"
    )
    recomputed = page(employer_client, person)
    assert recomputed != rejected
    DETAIL.forget()
    assert page(employer_client, person) == recomputed  # what a fresh render writes
    # the clerk renames the related unit (read with the contract) and changes the contract
    RelatedUnit.objects.filter(name="北京劳务派遣有限公司").update(name="北京新派遣有限公司")
    assert "北京新派遣有限公司" in page(employer_client, person)
    Contract.objects.filter(placement=person).update(job="质检员")
    assert "质检员" in page(employer_client, person)
    # a new registry certificate
    pf.registry_cert(person.id_number, grade=3, valid_from=date(2015, 1, 1), valid_to=date(2019, 12, 31))
    assert page(employer_client, person).count("2019-12-31") >= 1


def test_a_render_that_reads_the_database_is_not_kept(employer, monkeypatch):
    """A relation read lazily in the template: its row is not in the fingerprint, so the content is not kept."""
    engine = engines["django"].engine
    original = engine.get_template
    lazy = Template("{{ account.employer.name }}", engine=engine)
    monkeypatch.setattr(engine, "get_template", lambda name: lazy if name == "lazy.html" else original(name))
    kept = KeptContent("lazy.html")
    user = factories.employer_user(employer)
    account = type(user.employer_account).objects.get(pk=user.employer_account.pk)  # the unit not loaded
    assert kept.render({"account": account}) == employer.name
    assert kept._contents == {}
    account = type(account).objects.select_related("employer").get(pk=account.pk)
    assert kept.render({"account": account}) == employer.name
    assert len(kept._contents) == 1


def test_the_rows_and_counts_are_built_from_the_months_in_the_key(employer_client, person, monkeypatch):
    """The kept content's key is the context without the grid's rows and counts (issue 16, round 2): the months
    they come from are in it (the placement's ``grid``), so a change that only the rows show changes the key, and
    a page asked for again builds neither. The markup is the one of a render with the rows and counts in the
    context, as before."""
    seen = {}
    render = DETAIL.render

    def spy(context, *, build=None):
        seen["key"], seen["build"] = context, build
        return render(context, build=build)

    monkeypatch.setattr(DETAIL, "render", spy)
    before = page(employer_client, person)
    key, built = seen["key"], seen["build"]()
    assert "rows" not in key and "summary" not in key and {"rows", "summary"} <= set(built)
    months = list(PlacementMonth.objects.filter(placement=person).order_by("month"))
    assert [m.pk for m in vars(key["p"])["grid"]] == [m.pk for m in months] and len(months) == 12
    (kept,) = DETAIL._contents.values()
    assert KeptContent("placements/_detail.html").render(built) == kept  # the rows and counts in the context
    # a recompute finds every check of a month passed: only the grid's rows show it (their ✓ and ✗ cells)
    checks = {f"{check}_ok": True for check in ("wage", "pension", "medical", "cert", "age", "contract")}
    assert PlacementMonth.objects.filter(placement=person, month=months[5].month).update(**checks, reasons="") == 1
    after = page(employer_client, person)
    assert after.count("pl-cell-fail") < before.count("pl-cell-fail")
    assert len(DETAIL._contents) == 2
    DETAIL.forget()
    assert page(employer_client, person) == after
