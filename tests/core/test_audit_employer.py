"""AuditEvent.employer (issue 15): core.audit.record and record_many name the unit an event concerns (from the object,
an object it refers to that is loaded, or ``employer=``) through one code path that also marks 代办; registry lookups
carry the clerk's unit; migration 0009 fills the column of older events in batches."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model

from core import audit
from core.models import AuditEvent
from employers.models import RelatedUnitProof
from placements.registration.registry_access import record_access
from tests import factories
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db
backfill_migration = importlib.import_module("core.migrations.0009_audit_employer_backfill")


@pytest.fixture
def unit():
    return factories.employer_in("110101", name="东城甲")


def test_record_names_the_unit_of_the_object(unit):
    placement = df.placement(unit, name="王芳")
    assert audit.record(actor=None, action="employer.update", obj=unit).employer_id == unit.pk
    assert audit.record(actor=None, action="placement.submit", obj=placement).employer_id == unit.pk
    account = get_user_model().objects.get(pk=factories.employer_user(unit).pk).employer_account
    assert audit.record(actor=None, action="account.open", obj=account).employer_id == unit.pk


def test_an_object_one_loaded_reference_away_and_an_explicit_unit(unit, django_assert_num_queries):
    related = factories.related_unit(unit)
    proof = RelatedUnitProof(related_unit=related, kind="relation_proof", file=factories.stored(unit))
    proof.save()
    with django_assert_num_queries(1):  # the INSERT only: the unit comes from the loaded related unit
        assert audit.record(actor=None, action="related_unit.proof_add", obj=proof).employer_id == unit.pk
    reviewer = factories.reviewer_user("110101")
    assert audit.record(actor=reviewer, action="audit.read", obj=reviewer).employer_id is None  # no unit
    explicit = audit.record(actor=reviewer, action="notice_sent", obj=reviewer, employer=unit)
    assert explicit.employer_id == unit.pk
    assert audit.record(actor=reviewer, action="notice_sent", obj=reviewer, employer=unit.pk).employer_id == unit.pk


def test_record_many_takes_the_same_path_as_record_proxy_marks_included(unit):
    placements = [df.placement(unit, name=name) for name in ("王芳", "李娜")]
    reviewer = factories.reviewer_user("110101", username="window")
    with audit.acting_for("残联 window 为 东城甲 代办"):
        one = audit.record(actor=reviewer, action="placement.bulk_import", obj=placements[0], changes={"row": 2})
        count = audit.record_many(
            actor=reviewer, action="placement.bulk_import", events=[(p, {"row": 2}) for p in placements]
        )
    assert count == 2
    many = AuditEvent.objects.filter(action="placement.bulk_import").exclude(pk=one.pk).order_by("id")
    for event in many:
        assert event.employer_id == unit.pk and event.actor_id == reviewer.pk and event.actor_label == "window"
        assert event.reason == one.reason == "【残联 window 为 东城甲 代办】"
        assert event.changes == one.changes == {"row": 2, "代办": "残联 window 为 东城甲 代办"}
    assert audit.record_many(actor="批量（ops）", action="x", events=[(unit, {})]) == 1
    assert AuditEvent.objects.get(action="x").actor_label == "批量（ops）"


def test_a_registry_lookup_carries_the_clerks_unit(unit):
    clerk = factories.employer_user(unit)
    record_access(user=clerk, employer=unit, id_number=df.person_id())
    assert AuditEvent.objects.get(action="registry.lookup").employer_id == unit.pk


def _bare(obj, action="old", **fields):
    """An event as written before the column existed (no unit)."""
    row = AuditEvent.objects.create(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), object_repr=str(obj)[:200], **fields
    )
    AuditEvent.objects.filter(pk=row.pk).update(employer=None)
    return row.pk


def test_the_backfill_fills_what_it_can_resolve_in_batches(unit):
    other = factories.employer_in("110102", name="西城乙")
    placement = df.placement(unit, name="王芳")
    related = factories.related_unit(other)
    proof = RelatedUnitProof.objects.create(related_unit=related, kind="relation_proof", file=factories.stored(other))
    reviewer = factories.reviewer_user("110101")
    expected = {
        _bare(unit): unit.pk,
        _bare(placement): unit.pk,
        _bare(proof): other.pk,  # one foreign key away
        _bare(factories.stored(other)): other.pk,
        _bare(reviewer): None,  # a login: no unit
        _bare(factories.region("110101")): None,  # a region (text key)
    }
    lookup = AuditEvent.objects.create(
        action="registry.lookup", object_type="feeds.registryperson", object_id="11010519800517001X"
    )
    AuditEvent.objects.filter(pk=lookup.pk).update(changes={"employer": other.pk}, employer=None)
    expected[lookup.pk] = other.pk
    gone = AuditEvent.objects.create(action="old", object_type="placements.placement", object_id="987654321")
    expected[gone.pk] = None  # the object no longer exists
    assert not AuditEvent.objects.filter(pk__in=expected, employer__isnull=False).exists()

    runs = backfill_migration.backfill(global_apps, None, batch=3)
    assert runs >= 3  # several id ranges
    assert dict(AuditEvent.objects.filter(pk__in=expected).values_list("pk", "employer_id")) == expected
    assert backfill_migration.backfill(global_apps, None, batch=3) <= runs  # idempotent: nothing left to change
    assert dict(AuditEvent.objects.filter(pk__in=expected).values_list("pk", "employer_id")) == expected
