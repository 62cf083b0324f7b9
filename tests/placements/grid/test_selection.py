"""months_select (§5.2): locked auto months, dispatched choice, ✗ months, versions, other units' months."""

from datetime import date

import pytest

from core.models import AuditEvent
from feeds.models import WageRecord
from placements.errors import MonthsTakenError, PlacementFrozenError, SelectionError, StaleVersionError, SubmitError
from placements.grid import services as grid_services
from placements.grid.recompute import grid_recompute
from placements.grid.services import months_evidence_record, months_select, placement_submit
from placements.models import Placement, PlacementMonth
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db
ALL = [202500 + m for m in range(1, 13)]


def states(p) -> dict[int, tuple[bool, str]]:
    return {m.month % 100: (m.selected, m.review_state) for m in PlacementMonth.objects.filter(placement=p)}


def test_auto_verified_months_are_registered_and_locked_for_a_non_dispatched_person(employer, employer_user):
    p = pf.complete_person(employer)
    plan = months_select(placement=p, months=[202501], by=employer_user)
    assert plan.selected == ALL
    assert set(states(p).values()) == {(True, "auto")}
    assert months_select(placement=p, months=[], by=employer_user).selected == ALL  # cannot untick
    placement_submit(placement=p, by=employer_user)
    row = Placement.objects.with_status().get(pk=p.pk)
    assert (row.status, row.n_registered, row.n_confirmed, row.n_approved) == ("approved_system", 12, 12, 24)


def test_a_dispatched_person_registers_the_chosen_months_only(employer, employer_user):
    p = pf.placement(employer)
    firm = pf.related_unit(employer, relation="dispatch_firm")
    pf.contract(p, is_dispatched=True, contract_type="dispatch", dispatch_unit=firm)
    pf.registry_cert(p.id_number)
    pf.monthly_facts(p.id_number, employer.uscc)
    months_select(placement=p, months=[202501, 202502, 202503], by=employer_user)
    s = states(p)
    assert [m for m, (sel, _) in s.items() if sel] == [1, 2, 3]
    assert s[4] == (False, "none")


def test_a_failing_month_is_pending_and_needs_evidence_before_submitting(employer, employer_user):
    p = pf.complete_person(employer)
    WageRecord.objects.filter(id_number=p.id_number, month=202503).delete()
    months_select(placement=p, months=[202503], by=employer_user)
    march = PlacementMonth.objects.get(placement=p, month=202503)
    assert (march.selected, march.review_state, march.evidence_missing) == (True, "pending", True)
    with pytest.raises(SubmitError, match="2025年3月"):
        placement_submit(placement=p, by=employer_user)
    months_evidence_record(placement=p, months=[202503], checks=["wage"], by=employer_user)
    placement_submit(placement=p, by=employer_user)
    assert Placement.objects.with_status().get(pk=p.pk).status == "pending"
    assert PlacementMonth.objects.awaiting_review().get().month == 202503


def test_a_month_outside_working_age_cannot_be_registered(employer, employer_user):
    p = pf.complete_person(employer, id_number=pf.person_id(date(1965, 5, 10)))  # retires 2025-07-10
    with pytest.raises(SelectionError) as err:
        months_select(placement=p, months=[202508], by=employer_user)
    assert err.value.errors == {202508: "不在就业年龄段的月份不能登记"}
    assert not PlacementMonth.objects.filter(placement=p, selected=True).exists()  # rolled back


def test_a_stale_version_is_refused(employer, employer_user):
    p = pf.complete_person(employer)
    months_select(placement=p, months=[], by=employer_user, expected_version=0)
    with pytest.raises(StaleVersionError):
        months_select(placement=p, months=[], by=employer_user, expected_version=0)
    assert Placement.objects.get(pk=p.pk).version == 1


def test_a_frozen_placement_is_refused(employer, employer_user):
    p = pf.complete_person(employer, frozen=True)
    with pytest.raises(PlacementFrozenError):
        months_select(placement=p, months=[], by=employer_user)


def test_the_selection_is_audited(employer, employer_user):
    p = pf.complete_person(employer)
    months_select(placement=p, months=[], by=employer_user)
    event = AuditEvent.objects.get(action="placement.months_select")
    assert event.actor == employer_user
    assert event.changes["selected"] == {"before": [], "after": ALL}


def test_a_month_registered_by_another_unit_is_refused(employer, other_employer, employer_user):
    first = pf.complete_person(other_employer)
    months_select(placement=first, months=[], by=None)
    grid_services.placement_submit(placement=first, by=None)  # a registration, not a draft: it holds the months
    second = pf.complete_person(employer, id_number=first.id_number)
    plan = months_select(placement=second, months=[], by=employer_user)
    assert plan.selected == []  # nothing is auto-verified: every month is taken
    with pytest.raises(MonthsTakenError) as err:
        months_select(placement=second, months=[202501, 202502], by=employer_user)
    assert err.value.months == [202501, 202502]
    assert "2025年1月、2025年2月已在其他单位登记，请在“信息校验”中取消勾选" in err.value.message
    assert PlacementMonth.objects.get(placement=second, month=202501).taken_elsewhere


def test_the_database_constraint_is_the_final_guard(employer, other_employer, employer_user, monkeypatch):
    """Both units saw the month free (stale grid): the constraint refuses the second, reported as 已在其他单位登记."""
    first = pf.complete_person(other_employer)
    second = pf.complete_person(employer, id_number=first.id_number)
    grid_recompute(placement=second)  # computed while the month was still free
    months_select(placement=first, months=[], by=None)
    grid_services.placement_submit(placement=first, by=None)
    monkeypatch.setattr(grid_services, "grid_recompute", lambda *, placement: [])  # keep the stale grid
    with pytest.raises(MonthsTakenError) as err:
        months_select(placement=second, months=[], by=employer_user)  # a draft: allowed, holds nothing
        grid_services.placement_submit(placement=second, by=employer_user)
    assert err.value.months == ALL and "请在“信息校验”中取消勾选这些月份" in err.value.message
    assert not PlacementMonth.objects.filter(placement=second, held=True).exists()


def test_a_draft_blocks_no_other_unit_and_the_first_to_submit_wins(employer, other_employer, employer_user):
    """§5.1 counts "a confirmed or pending registration"; the manual: 资料待完善 "还不属于有效安置登记人员"."""
    draft = pf.complete_person(other_employer)
    months_select(placement=draft, months=[], by=None)  # the other unit stops in the wizard
    mine = pf.complete_person(employer, id_number=draft.id_number)
    assert months_select(placement=mine, months=[], by=employer_user).selected == ALL  # nothing is taken
    grid_services.placement_submit(placement=mine, by=employer_user)
    assert PlacementMonth.objects.filter(placement=mine, held=True).count() == 12
    with pytest.raises(MonthsTakenError):
        grid_services.placement_submit(placement=draft, by=None)
    grid_recompute(placement=draft)
    assert PlacementMonth.objects.filter(placement=draft, taken_elsewhere=True).count() == 12


def test_a_reregistration_keeps_its_months(employer, other_employer, employer_user):
    from placements.registration import lifecycle as registration

    mine = pf.complete_person(employer)
    months_select(placement=mine, months=[], by=employer_user)
    mine = grid_services.placement_submit(placement=mine, by=employer_user)
    registration.placement_reregister(placement=mine, by=employer_user, expected_version=mine.version)
    assert PlacementMonth.objects.filter(placement=mine, held=True).count() == 12  # submitted once: still held
    other = pf.complete_person(other_employer, id_number=mine.id_number)
    assert months_select(placement=other, months=[], by=None).selected == []  # every month 已在其他单位登记


def test_a_month_rejected_elsewhere_is_free(employer, other_employer, employer_user):
    first = pf.complete_person(other_employer)
    months_select(placement=first, months=[], by=None)
    grid_services.placement_submit(placement=first, by=None)
    PlacementMonth.objects.filter(placement=first, month=202501).update(review_state="rejected", held=False)
    second = pf.complete_person(employer, id_number=first.id_number)
    plan = months_select(placement=second, months=[202501], by=employer_user)
    assert plan.selected == [202501]


def test_unticking_frees_the_month_for_another_unit(employer, other_employer, employer_user):
    firm = pf.related_unit(other_employer, relation="dispatch_firm")
    first = pf.placement(other_employer)
    pf.contract(first, is_dispatched=True, contract_type="dispatch", dispatch_unit=firm)
    pf.registry_cert(first.id_number)
    pf.monthly_facts(first.id_number, other_employer.uscc)
    months_select(placement=first, months=[202501], by=None)
    months_select(placement=first, months=[], by=None)
    second = pf.placement(employer, id_number=first.id_number)
    pf.contract(second)
    pf.monthly_facts(first.id_number, employer.uscc)
    assert months_select(placement=second, months=[], by=employer_user).selected == ALL


def test_months_ticked_in_a_reopened_wizard_hold_only_once_submitted(employer, other_employer, employer_user):
    """重新登记 keeps the months held before; months newly ticked in the reopened wizard wait for 完成登记."""
    from placements.registration import lifecycle as registration

    firm = pf.related_unit(employer, relation="dispatch_firm")
    mine = pf.placement(employer)
    pf.contract(mine, is_dispatched=True, contract_type="dispatch", dispatch_unit=firm)
    pf.registry_cert(mine.id_number)
    pf.monthly_facts(mine.id_number, employer.uscc)
    months_select(placement=mine, months=[202501], by=employer_user)  # dispatched: the unit chooses
    mine = grid_services.placement_submit(placement=mine, by=employer_user)
    registration.placement_reregister(placement=mine, by=employer_user, expected_version=mine.version)
    months_select(placement=mine, months=ALL, by=employer_user)  # ticks all twelve, does not finish
    assert list(PlacementMonth.objects.filter(placement=mine, held=True).values_list("month", flat=True)) == [202501]
    other = pf.complete_person(other_employer, id_number=mine.id_number)
    assert months_select(placement=other, months=[], by=None).selected == ALL[1:]  # January stays taken
