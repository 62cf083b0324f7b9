"""core.prepared: querysets compiled once, run again with each call's values (~1 ms CPU less a query on the
unit's pages, bench/page_cpu.py). Every prepared query must give what its queryset gives — the same objects, field
values and types, ``select_related`` objects and annotations — and fall back to the ORM where it cannot prepare."""

import gc
import threading
import weakref
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from core.prepared import PreparedQuery
from dashboard import selectors as home
from notices.selectors import notices_in_scope, notices_visible_to, unit_scope
from placements.evidence.selectors import _uploads, uploads_of
from placements.grid.selectors import _months, month_grid
from placements.models import GraduateRecord, Placement
from placements.registration import selectors as registration
from tests import factories
from tests.factories import dashboard as rows
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db(transaction=False)


def _state(obj) -> dict | None:
    """Everything an instance holds: its fields and annotations, and the related objects it was loaded with."""
    if obj is None:
        return None
    values = {k: (type(v), v) for k, v in vars(obj).items() if k != "_state"}
    related = {k: _state(v) for k, v in obj._state.fields_cache.items()}
    return {"type": type(obj), "values": values, "related": related, "db": obj._state.db, "adding": obj._state.adding}


def _same(got: list, want: list) -> None:
    assert [_state(x) for x in got] == [_state(x) for x in want]


@pytest.fixture
def unit():
    emp = factories.employer(region_code="110105")
    emp.tax_region = factories.region("110108")
    emp.save()
    return emp


def _placements(unit):
    """Placements with and without a 户籍 region, contracts with related units and a file, a pending dispatch
    agreement, months in several states; and another unit's placement."""
    plain = pf.placement(unit, name="张伟")
    rich = pf.placement(unit, name="李娜", household_region=factories.region("110101"), wizard_completed=True)
    units = [
        factories.related_unit(unit, relation=r, name=f"关联单位{i}") for i, r in enumerate(["dispatch", "pension"])
    ]
    pf.contract(rich, start=date(2021, 3, 1))
    pf.contract(
        rich,
        start=date(2020, 1, 1),
        is_dispatched=True,
        review_state="pending",
        dispatch_unit=units[0],
        pension_unit=units[1],
        contract_file=factories.stored(unit, pdf=True),
    )
    pf.selected_months(rich, range(1, 7), review_state="approved", weight=2)
    pf.selected_months(rich, range(7, 13), selected=False)
    GraduateRecord.objects.create(placement=rich, school="北京大学", degree="master", graduation_date=date(2019, 7, 1))
    GraduateRecord.objects.create(
        placement=rich, school="清华大学", degree="bachelor", graduation_date=date(2016, 7, 1)
    )
    pf.HandCertificateFactory(placement=rich, image=factories.stored(unit))
    pf.HandCertificateFactory(placement=rich, cert_no=f"{rich.id_number}43", valid_from=date(2020, 5, 1))
    pf.registry_cert(rich.id_number)
    pf.registry_cert(rich.id_number, grade=3, valid_from=date(2015, 1, 1), valid_to=date(2019, 12, 31))
    pf.EvidenceFactory(placement=rich)
    pf.EvidenceFactory(placement=rich, kind="pension", withdrawn=True)
    other = pf.placement(factories.employer(region_code="310101"), name="王芳")
    return plain, rich, other


def test_placement_contracts_and_months_as_their_querysets(unit, django_assert_num_queries):
    plain, rich, other = _placements(unit)
    for p in (plain, rich, other):
        got = registration._placement_of_unit_prepared(p.pk, unit.pk)
        _same(got, list(registration._placement_of_unit(p.pk, unit.pk)))
        _same(registration.contracts_of(p), list(registration._contracts(p.pk)))
        _same(month_grid(p), list(_months(p.pk)))
        _same(registration.graduates_of(p), list(registration._graduates(p.pk)))
        _same(registration.hand_certificates_of(p), list(registration._hand_certificates(p.pk)))
        _same(registration.registry_certificates(p.id_number), list(registration._registry_certificates(p.id_number)))
        _same(uploads_of(p), list(_uploads(p.pk)))
    assert registration._placement_of_unit_prepared(other.pk, unit.pk) == []  # another unit's: not found
    got = registration.placement_with_status(unit, rich.pk)
    assert got.pending_agreement is True and got.household_region.code == "110101"
    assert [c.start for c in registration.contracts_of(rich)] == [date(2020, 1, 1), date(2021, 3, 1)]
    assert registration.contracts_of(rich)[0].dispatch_unit.name == "关联单位0"
    assert len(month_grid(rich)) == 12
    assert [g.school for g in registration.graduates_of(rich)] == ["清华大学", "北京大学"]
    assert [c.image is not None for c in registration.hand_certificates_of(rich)] == [False, True]
    assert len(registration.registry_certificates(rich.id_number)) == 2
    assert [e.withdrawn for e in uploads_of(rich)] == [False, True] and uploads_of(rich)[0].file.pk
    with django_assert_num_queries(2):  # prepared: the same queries, no more
        p = registration.placement_with_status(unit, plain.pk)
    assert p.pending_agreement is False and p.household_region is None and p.grid == []


def test_home_employer_as_its_queryset(unit, django_assert_num_queries):
    with_relief = factories.employer_user(unit)
    rows.relief(unit, staff="120", wage="6500.00", year=2024)
    rows.relief(unit, staff="150", wage="7000.00", year=2025)
    bare = factories.employer_user(factories.employer(region_code="440305"))
    reviewer = factories.reviewer_user()
    for user in (with_relief, bare, reviewer):
        want = list(home._home_employer(user.pk))
        with django_assert_num_queries(1):
            got = home.home_employer(user)
        _same([got] if got is not None else [], want)
    got = home.home_employer(with_relief)
    assert (got.relief_staff, got.relief_year, got.tax_region.code) == (150, 2025, "110108")
    assert home.home_employer(bare).relief_staff is None
    assert home.home_employer(reviewer) is None


def test_latest_notices_as_the_visible_queryset(unit, django_assert_num_queries):
    other = factories.employer(region_code="310101")
    rows.notice(title="全国公告")
    rows.notice(title="北京市公告", region=factories.region("110000"), kind="announcement")
    rows.notice(title="海淀区公告", region=factories.region("110108"), kind="announcement", read_by=unit)
    rows.notice(title="上海市公告", region=factories.region("310000"), kind="announcement")
    rows.notice(unit, title="本单位审核结果")
    rows.notice(unit, title="置顶", pinned=True, read_by=unit)
    rows.notice(unit, title="未发布", minutes_ago=-60)
    rows.notice(other, title="别的单位")
    for _ in range(6):
        rows.notice(title="更早的公告", minutes_ago=600)
    now = timezone.now()
    for emp in (unit, other, factories.employer(region_code="999999")):  # 3, 6 and no scope codes
        assert str(notices_in_scope(emp.pk, unit_scope(emp), now).query) == str(notices_visible_to(emp, now).query)
        want = list(home._latest_notices(emp.pk, unit_scope(emp), now))
        with django_assert_num_queries(1):
            got = home.latest_notices(emp, now)
        _same(got.items, want)
        assert got.unread_total == (want[0].unread_total if want else 0)
    got = home.latest_notices(unit, now)
    assert [n.title for n in got.items[:2]] == ["置顶", "本单位审核结果"]
    assert {n.title for n in got.items}.isdisjoint({"上海市公告", "未发布", "别的单位"})
    assert got.unread_total == 3 + 6  # 全国, 北京市, 本单位审核结果 and the six older ones (海淀区 and 置顶 are read)
    assert [n.is_read for n in got.items[:1]] == [True]
    later = home.latest_notices(unit, now + timedelta(hours=2))  # the time is a parameter, not compiled in
    assert "未发布" in {n.title for n in later.items}


# --- the mechanism --------------------------------------------------------------------------------------------------


def _by_year(employer_id: int, year: int):
    return Placement.objects.filter(employer_id=employer_id, year=year).order_by("pk")


def _plans(query: PreparedQuery) -> dict:
    """The plans of ``query`` on this thread's connection: {shape: plan or False}."""
    return vars(connections[DEFAULT_DB_ALIAS]).get("_prepared_plans", {}).get(query, {})


def test_a_call_runs_the_compiled_statement_with_its_values(unit, django_assert_num_queries):
    a = pf.placement(unit, year=2024)
    b = pf.placement(unit, year=2025)
    query = PreparedQuery(_by_year, ((-1, -2), (-3, -4)))
    assert [p.pk for p in query(unit.pk, 2024)] == [a.pk]
    with django_assert_num_queries(1) as ctx:
        assert [p.pk for p in query(unit.pk, 2025)] == [b.pk]
    assert ctx.captured_queries[0]["sql"] == str(_by_year(unit.pk, 2025).query)
    assert _plans(query)  # prepared, not the fallback


def test_values_of_another_type_fall_back_to_the_orm(unit):
    p = pf.placement(unit, year=2025)
    query = PreparedQuery(_by_year, ((-1, -2), (-3, -4)))
    assert [x.pk for x in query(unit.pk, "2025")] == [p.pk]  # a text year: the ORM converts it
    assert query(None, 2025) == []  # IS NULL, not = NULL


def test_a_number_beyond_an_integer_column_goes_through_the_orm(unit):
    """An id of 25 digits (tests/core/test_hostile_input.py): the ORM matches nothing; the driver would refuse it."""
    pf.placement(unit, year=2025)
    query = PreparedQuery(_by_year, ((-1, -2), (-3, -4)))
    assert query(unit.pk, 9999999999999999999999999) == []
    assert registration.placement_with_status(unit, 9999999999999999999999999) is None
    assert registration._placement_of_unit_prepared(2**40, unit.pk) == []  # beyond 32 bits: the ORM too


def test_what_it_cannot_prepare_runs_through_the_orm(unit):
    p = pf.placement(unit, year=2025)

    def constant_like_an_example(employer_id: int, year: int):
        return Placement.objects.filter(employer_id=employer_id, year=year).exclude(pk=-2)

    def reads_the_clock(employer_id: int, year: int):
        return Placement.objects.filter(employer_id=employer_id, year=year, created_at__lte=timezone.now())

    def related_manager(employer_id: int, year: int):
        return type(unit).objects.get(pk=unit.pk).placements.filter(year=year)

    for build in (constant_like_an_example, reads_the_clock, related_manager):
        query = PreparedQuery(build, ((-1, -2), (-3, -4)))
        assert [x.pk for x in query(unit.pk, 2025)] == [p.pk]
        assert _plans(query) == {(None, None): False}


def test_tuple_arguments_are_prepared_per_length(unit):
    ps = [pf.placement(unit, year=y) for y in (2023, 2024, 2025)]

    def of_years(employer_id: int, years: tuple[int, ...]):
        return Placement.objects.filter(employer_id=employer_id, year__in=years).order_by("year")

    query = PreparedQuery(of_years, ((-1, -10), (-3, -30)))
    assert [x.pk for x in query(unit.pk, (2024, 2025))] == [p.pk for p in ps[1:]]
    assert [x.pk for x in query(unit.pk, (2023,))] == [ps[0].pk]
    assert [x.pk for x in query(unit.pk, (2025, 2023))] == [ps[0].pk, ps[2].pk]
    assert query(unit.pk, ()) == []  # IN (): no query at all, as the ORM
    plans = _plans(query)
    assert plans[(None, 1)] and plans[(None, 2)] and plans[(None, 0)] is False


def test_dates_and_times_are_adapted_as_the_orm_adapts_them(unit):
    p = pf.placement(unit, year=2025)
    created = Placement.objects.get(pk=p.pk).created_at

    def since(employer_id: int, when: datetime):
        return Placement.objects.filter(employer_id=employer_id, created_at__gte=when)

    query = PreparedQuery(since, ((-1, datetime(2001, 1, 1, tzinfo=UTC)), (-2, datetime(2002, 2, 2, tzinfo=UTC))))
    assert [x.pk for x in query(unit.pk, created)] == [p.pk]
    assert query(unit.pk, created + timedelta(seconds=1)) == []
    assert _plans(query)[(None, None)]  # prepared (on SQLite the time goes in as text)


def test_plans_go_with_their_connection(unit):
    """A thread's connection object, and the plans compiled on it, are freed when the thread is done with them (a
    threaded or ASGI server makes one per thread or request): the plans live on the connection object."""
    query = PreparedQuery(_by_year, ((-1, -2), (-3, -4)))
    seen = []

    def in_a_thread():
        query(unit.pk, 2025)
        connection = connections[DEFAULT_DB_ALIAS]
        assert vars(connection)["_prepared_plans"][query]
        seen.append(weakref.ref(connection))
        connections.close_all()

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    del thread
    gc.collect()
    assert seen and seen[0]() is None


class _Router:
    def db_for_read(self, model, **hints):
        return None


def test_with_database_routers_every_call_goes_through_the_orm(unit, settings):
    """A router may send a read elsewhere per call (a replica): a plan's database is chosen once, so not prepared."""
    p = pf.placement(unit, year=2025)
    settings.DATABASE_ROUTERS = [_Router()]
    query = PreparedQuery(_by_year, ((-1, -2), (-3, -4)))
    assert [x.pk for x in query(unit.pk, 2025)] == [p.pk]
    assert not _plans(query)
