"""The review queue's cheaper parts hold the same answers as what they replace: the filter sidebar written in Python
(core.templatetags.admin_sidebar), the awaiting-review condition compiled once (placements.review.selectors.
Precompiled), the page's rows read as tuples, and no admin script the queue does not use."""

import re

import pytest
from django.contrib.admin.templatetags.admin_list import admin_list_filter
from django.db.models import Q
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.templatetags.admin_sidebar import list_filter
from placements.models import Placement
from placements.review import selectors
from tests.factories import placement_review as rf

pytestmark = pytest.mark.django_db
QUEUE = "admin:placements_placement_changelist"


@pytest.fixture
def reviewer_client(client):
    rf.otp_login(client, rf.reviewer("110000"))
    return client


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"queue": "all"},
        {"age": "overdue", "check": "pension"},
        {"region": "110105", "year": "2025"},
        {"q": '"><script>alert(1)</script>', "check": "documents"},
        {"unit": "999999", "queue": "pending", "p": "2"},
        {"region": "北京&<>", "age": "recent"},
    ],
)
def test_the_filters_written_in_python_are_djangos_markup(reviewer_client, employer, query):
    rf.pending_placement(employer)
    rf.employer_in("110105")
    response = reviewer_client.get(reverse(QUEUE), query)
    assert response.status_code == 200
    cl = response.context["cl"]
    assert len(cl.filter_specs) >= 5
    for spec in cl.filter_specs:
        assert list_filter(cl, spec) == admin_list_filter(cl, spec)
    html = response.content.decode()
    for spec in cl.filter_specs:  # the page carries them
        assert admin_list_filter(cl, spec) in html


def test_a_filter_with_a_template_of_its_own_goes_through_django(reviewer_client, employer, monkeypatch):
    from core.templatetags import admin_sidebar

    cl = reviewer_client.get(reverse(QUEUE)).context["cl"]
    spec = cl.filter_specs[1]
    asked = []
    monkeypatch.setattr(admin_sidebar, "admin_list_filter", lambda c, s: asked.append(s) or "django's")
    assert list_filter(cl, spec) != "django's" and asked == []
    spec.template = "admin/some_other_filter.html"
    assert list_filter(cl, spec) == "django's" and asked == [spec]


def test_the_queue_loads_no_admin_script_it_does_not_use(reviewer_client, employer):
    rf.pending_placement(employer)
    html = reviewer_client.get(reverse(QUEUE)).content.decode()
    assert "jquery" not in html and "actions.js" not in html and "RelatedObjectLookups" not in html
    assert "admin/js/filters.js" in html and "admin/js/nav_sidebar.js" in html


def _both(queryset_filter):
    orm = Q(wizard_completed=True, frozen=False) & selectors._awaiting_subqueries()
    fast = selectors.awaiting_review_q()
    return (
        list(queryset_filter(Placement.objects.filter(fast)).order_by("pk").values_list("pk", flat=True)),
        list(queryset_filter(Placement.objects.filter(orm)).order_by("pk").values_list("pk", flat=True)),
    )


def test_the_precompiled_condition_selects_what_the_orm_condition_selects(employer, other_employer):
    months = rf.pending_placement(employer)
    certificate = rf.certificate_pending_placement(employer)
    agreement = rf.dispatch_pending_placement(other_employer)
    rf.pending_placement(employer, failing=())  # nothing awaiting
    rf.pending_placement(employer, submit=False)  # not submitted
    fast, orm = _both(lambda qs: qs)
    assert fast == orm == sorted([months.pk, certificate.pk, agreement.pk])
    # combined with other conditions and joins, negated, and inside another query's subquery (Django renames the
    # outer table there; the condition's own inner tables are "RQ…", not Django's "U…")
    fast, orm = _both(lambda qs: qs.filter(employer__name=employer.name))
    assert fast == orm == sorted([months.pk, certificate.pk])
    nested_fast = Placement.objects.filter(pk__in=Placement.objects.filter(selectors.awaiting_review_q()).values("pk"))
    assert sorted(nested_fast.values_list("pk", flat=True)) == sorted([months.pk, certificate.pk, agreement.pk])
    excluded = Placement.objects.exclude(Q(selectors.Precompiled(selectors._awaiting_subqueries)))
    orm_excluded = Placement.objects.exclude(selectors._awaiting_subqueries())
    assert sorted(excluded.values_list("pk", flat=True)) == sorted(orm_excluded.values_list("pk", flat=True)) != []
    assert set(excluded.values_list("pk", flat=True)).isdisjoint({months.pk, certificate.pk, agreement.pk})
    sql = str(nested_fast.query)
    assert '"RQ0"' in sql and '"U0"."id"' in sql


def test_the_precompiled_condition_is_compiled_once_per_connection(employer):
    from django.db import connections

    rf.pending_placement(employer)
    connection = connections["default"]
    list(Placement.objects.filter(selectors.awaiting_review_q()))
    kept = vars(connection)["_precompiled_conditions"][selectors._awaiting_subqueries]
    list(Placement.objects.filter(selectors.awaiting_review_q()).filter(year=2025))
    assert vars(connection)["_precompiled_conditions"][selectors._awaiting_subqueries] is kept
    assert kept[0].count("SELECT") == 3 and not re.search(r'"U\d+"', kept[0])
    if connection.vendor == "postgresql":  # SQLite's booleans are parameters: kept as they are (nothing is prepared)
        # the code's constants written in (a prepared statement's generic plan can then use the partial indexes)
        assert kept[1] == () and kept[0].count("'pending'") == 3 and "%s" not in kept[0]


def test_the_queue_rows_are_the_placements_fields(reviewer_client, employer):
    p = rf.pending_placement(employer, name="张三")
    item = reviewer_client.get(reverse(QUEUE)).context["cl"].result_list[0]
    p.refresh_from_db()
    assert (item.pk, item.name, item.id_number, item.year, item.submitted_at) == (
        p.pk,
        p.name,
        p.id_number,
        p.year,
        p.submitted_at,
    )
    assert (item.employer_id, item.employer_name, item.employer_uscc) == (employer.pk, employer.name, employer.uscc)


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(_text, st.lists(_text, max_size=3), max_size=5),
    new=st.dictionaries(
        _text, st.one_of(st.none(), _text, st.integers(-5, 10**6), st.booleans(), st.lists(_text, max_size=2))
    ),
    remove=st.lists(_text, max_size=3),
)
def test_the_queues_query_strings_are_djangos(params, new, remove):
    from django.contrib.admin.views.main import ChangeList

    from placements.review.queue import QueueChangeList

    cl = QueueChangeList.__new__(QueueChangeList)
    cl.filter_params = params
    assert cl.get_query_string(new, remove) == ChangeList.get_query_string(cl, new, remove)
    assert cl.get_query_string() == ChangeList.get_query_string(cl)
    assert cl.filter_params == params  # not changed in place


def test_the_filters_block_leaves_out_only_what_the_queue_never_shows():
    from django.contrib import admin

    from placements.review.admin import PlacementAdmin

    assert PlacementAdmin.show_facets is admin.ShowFacets.NEVER  # the template's block has no facet toggle


def test_page_statistics_are_the_same_whatever_the_page_size(employer):
    """queue_stats pads the page's ids to 1, 2, 4 … (a few statement texts): each placement's figures are its own."""
    ps = [rf.pending_placement(employer) for _ in range(5)]
    ps.append(rf.dispatch_pending_placement(employer))
    alone = {p.pk: selectors.queue_stats([p])[p.pk] for p in ps}
    for n in range(1, len(ps) + 1):
        together = selectors.queue_stats(ps[:n])
        assert together == {p.pk: alone[p.pk] for p in ps[:n]}
