"""employers.access.account_with_unit: the unit lookup of every unit page, by hand instead of through the ORM's
compiler (~1.1 ms CPU less a page, bench/page_cpu.py). It must read what the ``select_related`` query read: the same
account, unit and regions, every field with the same value and type, linked so that nothing is read again."""

import threading
from datetime import datetime

import pytest

from core.models import Region
from employers.access import account_with_unit
from employers.models import Employer, EmployerAccount
from tests import factories

pytestmark = pytest.mark.django_db(transaction=False)


def _orm(user_id):
    return (
        EmployerAccount.objects.select_related(
            "employer__federation_region", "employer__tax_region", "employer__registration_region"
        )
        .filter(user_id=user_id)
        .first()
    )


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _assert_same(got, want) -> None:
    assert type(got) is type(want)
    assert _values(got) == _values(want)
    for name, value in _values(want).items():  # same types too (a datetime, not its text on SQLite; bool, not 0/1)
        assert type(getattr(got, name)) is type(value), name
    assert got._state.db == want._state.db
    assert got._state.adding is False


@pytest.fixture
def unit():
    """A unit whose three regions differ, with a non-default flag, so that a swapped column would show."""
    emp = factories.employer(region_code="110105", profile_complete=False, phone="010-12345678")
    emp.tax_region = factories.region("110108")
    emp.registration_region = factories.region("110101")
    emp.save()
    return emp


def test_the_same_account_unit_and_regions_as_the_select_related_query(unit, django_assert_num_queries):
    factories.employer_user(factories.employer(region_code="310101"))  # another unit's login, created first
    user = factories.employer_user(unit)
    want = _orm(user.pk)
    with django_assert_num_queries(1):
        got = account_with_unit(user.pk)
        # everything the pages read of the unit comes with the one query
        regions = (got.employer.federation_region, got.employer.tax_region, got.employer.registration_region)
    _assert_same(got, want)
    _assert_same(got.employer, want.employer)
    for mine, theirs in zip(
        regions,
        (want.employer.federation_region, want.employer.tax_region, want.employer.registration_region),
        strict=True,
    ):
        _assert_same(mine, theirs)
    assert [r.code for r in regions] == ["110105", "110108", "110101"]
    assert got.employer == unit and got.user_id == user.pk
    assert isinstance(got.employer.created_at, datetime) and got.employer.created_at.tzinfo is not None
    assert got.employer.profile_complete is False


def test_the_objects_are_ordinary_model_instances(unit):
    user = factories.employer_user(unit)
    account = account_with_unit(user.pk)
    account.contact_name = "王芳"
    account.save(update_fields=["contact_name"])  # saved as an existing row, not inserted
    assert EmployerAccount.objects.get(pk=account.pk).contact_name == "王芳"
    employer = account.employer
    employer.name = "改名后的单位"
    employer.save()
    assert Employer.objects.get(pk=unit.pk).name == "改名后的单位"
    assert Region.objects.filter(code=employer.tax_region_id).exists()


def test_none_for_a_login_without_a_unit_and_for_no_login():
    reviewer = factories.reviewer_user()
    assert account_with_unit(reviewer.pk) is None
    assert account_with_unit(None) is None
    assert account_with_unit(10**9) is None


def test_each_login_gets_its_own_unit():
    units = [factories.employer(region_code=code) for code in ("110101", "120101", "310101")]
    users = [factories.employer_user(u) for u in units]
    clerk_b = factories.employer_user(units[1])
    assert [account_with_unit(u.pk).employer for u in users] == units
    assert account_with_unit(clerk_b.pk).employer == units[1]
    assert account_with_unit(clerk_b.pk).employer.federation_region_id == "120101"


@pytest.mark.django_db(transaction=True)
def test_another_thread_uses_its_own_connection(unit):
    """The statement is built per connection (each thread has its own): a second thread's lookup works and
    answers the same."""
    user = factories.employer_user(unit)
    here = account_with_unit(user.pk)
    there = {}

    def other():
        from django.db import connection

        try:
            there["account"] = account_with_unit(user.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    _assert_same(there["account"], here)
    _assert_same(there["account"].employer, here.employer)
