"""首页's content kept rendered under the fingerprint of ``home`` (dashboard.rendered, issue 16): the kept markup is
what a fresh render writes, the fingerprint tells apart whatever renders differently, and every change — the
clerk's, a reviewer's, a background recompute's, a notice read — shows on the next request (with the unit's
aggregates cached too, as in production)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from dashboard import rendered
from notices.models import NoticeRead
from placements.models import Placement, PlacementMonth
from tests.factories import dashboard as hf

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:index")
YEAR = hf.YEAR


@pytest.fixture(autouse=True)
def cache_on():
    rendered.forget()
    with override_settings(DASHBOARD_HOME_CACHE=True):
        yield
    rendered.forget()


def home(client) -> str:
    response = client.get(URL, {"year": YEAR})
    assert response.status_code == 200
    return re.sub(r'(nonce|value)="[A-Za-z0-9+/=_-]{20,}"', r'\1="…"', response.content.decode())


def _unit(employer):
    hf.relief(employer, staff="300", wage="8000")
    people = [
        hf.placement(employer, weight=2 if i % 2 else 1, review="pending" if i == 0 else "auto") for i in range(4)
    ]
    for p in people:
        hf.registry_cert(p.id_number, valid_to=date(YEAR, 9, 30))
    hf.notice(None, title="全国公告")
    hf.notice(employer, title="审核结果")
    return people


def _dd(content: str, testid: str) -> str:
    return content.split(f'data-testid="{testid}">')[1].split("<")[0]


def test_the_kept_content_is_what_a_fresh_render_writes(employer_client, employer):
    _unit(employer)
    fresh = home(employer_client)
    assert len(rendered.HOME._contents) == 1
    assert home(employer_client) == fresh  # kept
    rendered.forget()
    assert home(employer_client) == fresh


def test_every_change_shows_on_the_next_request(employer_client, employer, employer_user):
    people = _unit(employer)
    before = home(employer_client)
    # the clerk adds a person
    hf.placement(employer)
    after = home(employer_client)
    assert _dd(after, "persons") == str(int(_dd(before, "persons")) + 1)
    # a reviewer confirms the pending months (the review services bump the placement's version)
    pending = people[0]
    PlacementMonth.objects.filter(placement=pending, review_state="pending").update(review_state="confirmed")
    Placement.objects.filter(pk=pending.pk).update(version=pending.version + 1)
    confirmed = home(employer_client)
    assert confirmed != after
    # a background recompute rejects a month (it marks the placement's updated_at)
    other = people[1]
    PlacementMonth.objects.filter(placement=other, month=YEAR * 100 + 1).update(review_state="rejected")
    Placement.objects.filter(pk=other.pk).update(updated_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert home(employer_client) != confirmed
    # a notice read, then a new one: never cached
    content = home(employer_client)
    NoticeRead.objects.create(notice=hf.notice(employer, title="新的审核结果"), employer=employer)
    assert "新的审核结果" in home(employer_client) and home(employer_client) != content
    # the unit renamed
    employer.name = "改名后的单位"
    employer.save()
    assert "改名后的单位" in home(employer_client)


@dataclass(frozen=True)
class _Box:
    value: object


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (1, True),
        (1, "1"),
        (1, 1.0),
        (Decimal("1.0"), Decimal("1.00")),
        (date(2025, 1, 1), datetime(2025, 1, 1)),
        (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 1)),
        ([1, 2], (1, 2)),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # the order a dict is written in (the chart's JSON)
        (None, ""),
    ],
)
def test_the_fingerprint_tells_apart_what_renders_differently(a, b):
    assert rendered.fingerprint(_Box(a)) != rendered.fingerprint(_Box(b))
    assert rendered.fingerprint(_Box(a)) == rendered.fingerprint(_Box(a))


def test_the_fingerprint_reads_model_instances_whole(employer):
    created = hf.notice(employer, title="通知")
    n, same = (type(created).objects.get(pk=created.pk) for _ in range(2))
    # as created (an enum, the unit cached) it is not as read back (text, the unit not loaded): not kept alike
    assert rendered.fingerprint(created) != rendered.fingerprint(n)
    assert rendered.fingerprint(n) == rendered.fingerprint(same)
    same.is_read = True  # an annotation
    assert rendered.fingerprint(n) != rendered.fingerprint(same)
    region = employer.federation_region  # a related object loaded with it
    assert rendered.fingerprint(employer) != rendered.fingerprint(type(employer).objects.get(pk=employer.pk))
    assert region is not None


def test_an_unknown_value_is_rendered_and_not_kept():
    with pytest.raises(rendered.Unknown):
        rendered.fingerprint(_Box({1, 2}))


def test_a_cycle_is_rendered_and_not_kept(tmp_path, settings):
    """A context that refers back to itself has no fingerprint: rendered each time, never kept, never a 500."""
    from placements.rendered import KeptContent

    (tmp_path / "cycle.html").write_text("{{ box.value.0 }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    loop = _Box([1])
    loop.value.append(loop)
    content = KeptContent("cycle.html")
    assert content.render({"box": loop}) == "1"
    assert not content._contents
