"""One clerk action, one service call: the placement row is locked once, its version goes up by one and one audit
event records the click (信息校验 · 保存, 上传附件, 完成登记). Before issue 11 a month selection bumped the version
twice and wrote two or three events (months_select, submit, register_months)."""

import pytest

from core.models import AuditEvent
from placements.constants import MonthReview
from placements.evidence import services as evidence_services
from placements.grid import services as grid_services
from placements.models import Placement, PlacementMonth
from placements.registration import lifecycle
from tests.factories import placements as w

pytestmark = pytest.mark.django_db


def events(p: Placement) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="placements.placement", object_id=str(p.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def click(p: Placement, action):
    """Run ``action(version)`` with the placement's current version; the new events and the version step."""
    p.refresh_from_db()
    version, before = p.version, len(events(p))
    result = action(p.version)
    p.refresh_from_db()
    return events(p)[before:], p.version - version, result


def test_registering_only_auto_months_is_one_event_and_one_version(employer, employer_user, minimum_wage):
    p = w.ready_placement(employer)
    new, step, saved = click(
        p, lambda v: grid_services.months_register(placement=p, months=[], by=employer_user, expected_version=v)
    )
    assert new == ["placement.register_months"] and step == 1
    assert saved.wizard_completed  # finished in the same call (审核通过（系统）)
    event = AuditEvent.objects.get(action="placement.register_months")
    assert event.changes["submitted"] is True and event.changes["selected"]["after"] == event.changes["months"]


def test_registering_a_failing_month_is_one_event_and_one_version(employer, employer_user, minimum_wage):
    p = w.ready_placement(employer, months=range(2, 13))
    new, step, saved = click(
        p, lambda v: grid_services.months_register(placement=p, months=[202501], by=employer_user, expected_version=v)
    )
    assert new == ["placement.register_months"] and step == 1
    assert saved.wizard_step == 3 and not saved.wizard_completed
    assert PlacementMonth.objects.get(placement=p, month=202501).review_state == MonthReview.PENDING


def test_evidence_upload_and_finish_are_one_event_each(employer, employer_user, minimum_wage):
    p = w.ready_placement(employer, months=range(2, 13))
    grid_services.months_register(placement=p, months=[202501], by=employer_user, expected_version=p.version)
    for kind in ("wage", "pension", "medical"):
        new, step, _ = click(
            p,
            lambda v, kind=kind: evidence_services.evidence_upload(
                placement=p, kind=kind, months=[202501], file=w.clean_png(), by=employer_user, expected_version=v
            ),
        )
        assert new == ["placement.evidence_upload"] and step == 1
    new, step, _ = click(p, lambda v: lifecycle.placement_finish(placement=p, by=employer_user, expected_version=v))
    assert new == ["placement.finish"] and step == 1


def test_registering_locks_the_placement_row_once(employer, employer_user, minimum_wage, django_assert_max_num_queries):
    """SQLite has no FOR UPDATE; what is counted is the placement read by primary key for the lock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = w.ready_placement(employer)
    with CaptureQueriesContext(connection) as ctx:
        grid_services.months_register(placement=p, months=[], by=employer_user, expected_version=p.version)
    placement_reads = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "placements_placement"."id"')
        and 'WHERE "placements_placement"."id" =' in q["sql"]
    ]
    assert len(placement_reads) == 1, placement_reads
