"""Services of the wizard (placements.registration): rules refused with Chinese messages, versions, tokens, locks."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditEvent, StoredFile
from employers.declaration_states import DECLARED, State
from employers.services import declaration_state_record
from placements import writes
from placements.constants import MonthReview, PlacementStatus
from placements.errors import MonthsTakenError, PlacementError, StaleVersionError, SubmitError
from placements.evidence import services as evidence_services
from placements.grid import services as grid_services
from placements.grid.recompute import grid_recompute
from placements.grid.services import placement_submit
from placements.models import Contract, Evidence, HandCertificate, Placement, PlacementMonth
from placements.registration import importing as registration_importing
from placements.registration import lifecycle as registration_lifecycle
from placements.registration import services as registration_services
from tests import factories
from tests.factories import placements as pf
from tests.factories import placements as w

pytestmark = pytest.mark.django_db
YEAR = 2025
PERSON = {
    "name": "王晓明",
    "household_address": "北京市东城区和平里街道1号",
    "phone": "13912345678",
    "is_graduate": False,
}


@pytest.fixture
def user(employer_user):
    return employer_user


def create(employer, user, id_number=None, **data):
    return registration_services.placement_create(
        employer=employer, year=YEAR, id_number=id_number or w.valid_id(), data={**PERSON, **data}, by=user
    )


def lock_year(employer, year=YEAR):
    """The year declared, as declarations.services records it for this app (employers.DeclarationState)."""
    declaration_state_record(employer_id=employer.pk, year=year, state=State(DECLARED), declared_at=timezone.now())


def status_of(p: Placement) -> str:
    return Placement.objects.with_status().get(pk=p.pk).status


# --- step 1 ---------------------------------------------------------------------------------------


def test_create_derives_birth_and_gender_computes_the_grid_and_audits(employer, user):
    id_number = w.valid_id(date(1990, 2, 3), male=False)
    p = create(employer, user, id_number, retirement_baseline="cadre55")
    assert (p.birth_date, p.gender, p.wizard_step, p.wizard_completed) == (date(1990, 2, 3), "女", 1, False)
    assert PlacementMonth.objects.filter(placement=p).count() == 12
    assert AuditEvent.objects.filter(action="placement.create", object_id=str(p.pk)).exists()
    assert status_of(p) == PlacementStatus.INCOMPLETE


def test_create_refuses_an_invalid_checksum(employer, user):
    good = w.valid_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(writes.RegistrationError, match="校验位不正确") as info:
        create(employer, user, bad)
    assert info.value.field == "id_number"
    assert not Placement.objects.exists()


def test_the_same_person_twice_in_one_year_is_refused(employer, user):
    id_number = w.valid_id()
    first = create(employer, user, id_number)
    with pytest.raises(registration_services.DuplicatePersonError, match="已在2025年度安置名单中") as info:
        create(employer, user, id_number.lower())
    assert info.value.existing == first
    assert Placement.objects.count() == 1


def test_the_same_create_form_twice_is_saved_once(employer, user):
    id_number = w.valid_id()
    first = registration_services.placement_create(
        employer=employer, year=YEAR, id_number=id_number, data=PERSON, by=user, token="t1"
    )
    with pytest.raises(writes.DuplicateSubmission) as info:
        registration_services.placement_create(
            employer=employer, year=YEAR, id_number=id_number, data=PERSON, by=user, token="t1"
        )
    assert info.value.obj == first


@pytest.mark.parametrize(
    ("birth", "male", "baseline", "message"),
    [
        (date(2010, 3, 1), True, "", "未满16周岁"),
        (date(1962, 1, 10), True, "", "已达到法定退休年龄"),
        (date(1970, 6, 1), False, "worker50", "女干部"),
    ],
)
def test_a_person_outside_working_age_all_year_is_refused(employer, user, birth, male, baseline, message):
    with pytest.raises(writes.RegistrationError, match=message):
        create(employer, user, w.valid_id(birth, male=male), retirement_baseline=baseline)
    assert not Placement.objects.exists()


def test_a_woman_of_55_baseline_can_be_registered(employer, user):
    p = create(employer, user, w.valid_id(date(1970, 6, 1), male=False), retirement_baseline="cadre55")
    ages = dict(PlacementMonth.objects.filter(placement=p).values_list("month", "age_ok"))
    assert ages[202508] and not ages[202509]  # 55 years 2 months: August 2025


def test_a_graduate_needs_a_degree_record(employer, user):
    with pytest.raises(writes.RegistrationError, match="学历信息"):
        create(employer, user, is_graduate=True)
    p = registration_services.placement_create(
        employer=employer,
        year=YEAR,
        id_number=w.valid_id(),
        data={**PERSON, "is_graduate": True},
        graduate={"school": "北京联合大学", "degree": "bachelor", "graduation_date": date(2010, 7, 1)},
        by=user,
    )
    assert p.graduate_records.count() == 1


def test_nothing_can_be_added_after_the_declaration(employer, user):
    lock_year(employer)
    with pytest.raises(writes.YearLockedError, match="已完成申报"):
        create(employer, user)


def test_update_with_a_stale_version_is_refused(employer, user):
    p = create(employer, user)
    registration_services.placement_update(
        placement=p, data={"phone": "13800000001"}, by=user, expected_version=p.version
    )
    with pytest.raises(StaleVersionError):
        registration_services.placement_update(
            placement=p, data={"phone": "13800000002"}, by=user, expected_version=p.version
        )
    p.refresh_from_db()
    assert p.phone == "13800000001"


def test_finishing_step_one_needs_a_contract(employer, user):
    p = create(employer, user)
    with pytest.raises(writes.RegistrationError, match="至少添加一份合同"):
        registration_services.placement_update(
            placement=p, data={}, by=user, expected_version=p.version, finish_step=True
        )
    add_contract(p, user)
    p.refresh_from_db()
    registration_services.placement_update(placement=p, data={}, by=user, expected_version=p.version, finish_step=True)
    p.refresh_from_db()
    assert p.wizard_step == 2


# --- contracts ------------------------------------------------------------------------------------


def contract_data(**fields):
    data = {
        "is_dispatched": False,
        "relation": "self",
        "contract_type": "open_ended",
        "start": date(2020, 1, 1),
        "end": None,
        "job": "装配工",
        "monthly_salary": Decimal("4000.00"),
        "dispatch_unit": None,
        "pension_unit": None,
        "medical_unit": None,
        "wage_unit": None,
    }
    data.update(fields)
    return data


def add_contract(p, user, token="", **fields):
    p.refresh_from_db()
    return registration_services.contract_add(
        placement=p, data=contract_data(**fields), file=w.clean_png(), by=user, expected_version=p.version, token=token
    )


def test_contract_with_its_file(employer, user):
    p = create(employer, user)
    c = add_contract(p, user)
    assert c.contract_file.employer == employer
    assert c.contract_file.kind == "placement_contract"
    assert c.review_state == "not_required"
    assert PlacementMonth.objects.filter(placement=p, contract_ok=True).count() == 12


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"contract_type": "fixed_term", "start": date(2025, 6, 1), "end": date(2025, 1, 1)}, "end", "不能早于"),
        ({"contract_type": "open_ended", "end": date(2026, 1, 1)}, "end", "不填写合同结束日期"),
        (
            {"is_dispatched": True, "contract_type": "dispatch", "end": date(2026, 1, 1)},
            "dispatch_unit",
            "劳务派遣单位",
        ),
    ],
)
def test_contract_rules_are_refused(employer, user, fields, field, message):
    p = create(employer, user)
    with pytest.raises(writes.RegistrationError, match=message) as info:
        add_contract(p, user, **fields)
    assert info.value.field == field
    assert not Contract.objects.exists()


def test_related_unit_rule(employer, user):
    p = create(employer, user)
    parent = pf.related_unit(employer, "parent_subsidiary")
    with pytest.raises(writes.RegistrationError, match="至少有一个须为本单位"):
        add_contract(p, user, relation="parent_subsidiary", pension_unit=parent, medical_unit=parent, wage_unit=parent)
    c = add_contract(p, user, relation="parent_subsidiary", pension_unit=parent, medical_unit=parent)
    assert c.wage_unit is None  # 工资发放单位 = this unit


def test_another_units_related_unit_is_refused(employer, user, other_employer):
    p = create(employer, user)
    foreign = pf.related_unit(other_employer, "parent_subsidiary")
    with pytest.raises(writes.RegistrationError, match="本单位或本单位的关联单位"):
        add_contract(p, user, pension_unit=foreign)


def test_dispatched_contract_waits_for_review(employer, user):
    p = create(employer, user)
    firm = pf.related_unit(employer, "dispatch_firm", name="北京人力派遣有限公司")
    c = add_contract(p, user, is_dispatched=True, contract_type="dispatch", end=date(2026, 12, 31), dispatch_unit=firm)
    assert c.review_state == "pending"
    with pytest.raises(writes.RegistrationError, match="劳务派遣单位须为"):
        add_contract(
            p,
            user,
            is_dispatched=True,
            contract_type="dispatch",
            end=date(2026, 12, 31),
            dispatch_unit=pf.related_unit(employer, "other"),
        )


def test_the_same_contract_form_twice_creates_one_contract(employer, user):
    p = create(employer, user)
    add_contract(p, user, token="form-1")
    p.refresh_from_db()
    with pytest.raises(writes.DuplicateSubmission):
        registration_services.contract_add(
            placement=p,
            data=contract_data(),
            file=w.clean_png(),
            by=user,
            expected_version=p.version - 1,
            token="form-1",
        )
    assert Contract.objects.filter(placement=p).count() == 1


def test_contract_update_and_delete(employer, user):
    p = create(employer, user)
    c = add_contract(p, user)
    p.refresh_from_db()
    old_file = c.contract_file_id
    registration_services.contract_update(
        contract=c, data=contract_data(job="质检员"), file=w.clean_png(), by=user, expected_version=p.version
    )
    c.refresh_from_db()
    assert c.job == "质检员" and c.contract_file_id != old_file
    assert StoredFile.objects.filter(pk=old_file).exists()  # the replaced file stays
    p.refresh_from_db()
    registration_services.contract_delete(contract=c, by=user, expected_version=p.version)
    assert not Contract.objects.filter(placement=p).exists()
    assert PlacementMonth.objects.filter(placement=p, contract_ok=True).count() == 0


# --- hand-added certificates ----------------------------------------------------------------------


def cert_data(id_number, **fields):
    data = {
        "cert_no": f"{id_number}42",
        "cert_type": "残疾人证",
        "valid_from": date(2015, 1, 1),
        "valid_to": date(2025, 3, 19),
        "grade": 2,
        "category": 4,
    }
    data.update(fields)
    return data


def test_hand_certificate_when_the_registry_has_none(employer, user):
    p = create(employer, user)
    cert = registration_services.hand_certificate_add(
        placement=p, data=cert_data(p.id_number), image=w.clean_png(), by=user, expected_version=p.version
    )
    assert cert.review_state == "pending" and cert.image.kind == "placement_certificate"
    assert PlacementMonth.objects.get(placement=p, month=202502).reasons.count("cert_pending") == 1


def test_hand_certificate_refused_when_the_registry_covers_the_year(employer, user):
    p = create(employer, user)
    pf.registry_cert(p.id_number)
    with pytest.raises(writes.RegistrationError, match="不需要补录"):
        registration_services.hand_certificate_add(
            placement=p, data=cert_data(p.id_number), image=w.clean_png(), by=user, expected_version=p.version
        )


def test_hand_certificate_allowed_when_the_current_one_is_new(employer, user):
    p = create(employer, user)
    pf.registry_cert(p.id_number, valid_from=date(2025, 3, 20), valid_to=date(2035, 3, 19))
    registration_services.hand_certificate_add(
        placement=p,
        data=cert_data(p.id_number, cert_no=f"{p.id_number}42B1"),
        image=w.clean_png(),
        by=user,
        expected_version=p.version,
    )
    assert HandCertificate.objects.filter(placement=p).count() == 1


def test_certificate_number_of_another_person_is_refused(employer, user):
    p = create(employer, user)
    other = w.valid_id(date(1979, 1, 1))
    with pytest.raises(writes.RegistrationError, match="身份证号与持证人身份证号不一致") as info:
        registration_services.hand_certificate_add(
            placement=p,
            data=cert_data(p.id_number, cert_no=f"{other}42"),
            image=w.clean_png(),
            by=user,
            expected_version=p.version,
        )
    assert info.value.field == "cert_no"


def test_pending_hand_certificate_can_be_deleted_not_a_decided_one(employer, user):
    p = create(employer, user)
    cert = registration_services.hand_certificate_add(
        placement=p, data=cert_data(p.id_number), image=w.clean_png(), by=user, expected_version=p.version
    )
    HandCertificate.objects.filter(pk=cert.pk).update(review_state="approved")
    cert.refresh_from_db()
    p.refresh_from_db()
    with pytest.raises(writes.RegistrationError, match="已审核"):
        registration_services.hand_certificate_delete(certificate=cert, by=user, expected_version=p.version)


# --- step 2 ---------------------------------------------------------------------------------------


def test_only_auto_verified_months_confirm_at_once(employer, user, minimum_wage):
    p = w.ready_placement(employer)
    saved = grid_services.months_register(placement=p, months=[], by=user, expected_version=p.version)
    assert saved.wizard_completed and saved.wizard_step == 4
    assert status_of(p) == PlacementStatus.APPROVED_SYSTEM
    assert PlacementMonth.objects.filter(placement=p, review_state=MonthReview.AUTO).count() == 12


def test_a_ticked_failing_month_goes_to_step_three(employer, user, minimum_wage):
    p = w.ready_placement(employer, months=range(2, 13))
    saved = grid_services.months_register(placement=p, months=[202501], by=user, expected_version=p.version)
    assert not saved.wizard_completed and saved.wizard_step == 3
    assert w.month_states(p)[202501] == (True, MonthReview.PENDING)
    assert status_of(p) == PlacementStatus.INCOMPLETE  # evidence missing


def test_nothing_selected_is_refused(employer, user, minimum_wage):
    p = pf.placement(employer)
    pf.contract(p)
    grid_recompute(placement=p)  # no facts: every month fails
    with pytest.raises(writes.RegistrationError, match="至少勾选"):
        grid_services.months_register(placement=p, months=[], by=user, expected_version=p.version)
    assert not PlacementMonth.objects.filter(placement=p, selected=True).exists()


def test_months_held_by_another_unit_cannot_be_registered(employer, user, other_employer, minimum_wage):
    p = w.ready_placement(employer, months=range(2, 13))
    q = pf.placement(other_employer, id_number=p.id_number)
    PlacementMonth.objects.create(
        placement=q, id_number=p.id_number, year=YEAR, month=202501, selected=True, review_state="pending", held=True
    )
    grid_recompute(placement=p)
    with pytest.raises(MonthsTakenError):
        grid_services.months_register(placement=p, months=[202501], by=user, expected_version=p.version)


# --- step 3 ---------------------------------------------------------------------------------------


def register_failing_month(employer, user):
    p = w.ready_placement(employer, months=range(2, 13))
    return grid_services.months_register(placement=p, months=[202501], by=user, expected_version=p.version)


def upload(p, user, kind, months, token=""):
    p.refresh_from_db()
    return evidence_services.evidence_upload(
        placement=p, kind=kind, months=months, file=w.clean_png(), by=user, expected_version=p.version, token=token
    )


def test_evidence_completes_a_month_then_the_placement_waits_for_review(employer, user, minimum_wage):
    p = register_failing_month(employer, user)
    with pytest.raises(SubmitError, match="尚缺证明材料"):
        registration_lifecycle.placement_finish(
            placement=p, by=user, expected_version=Placement.objects.get(pk=p.pk).version
        )
    for kind in ("wage", "pension", "medical"):
        upload(p, user, kind, [202501])
    assert Evidence.objects.filter(placement=p).count() == 3
    p.refresh_from_db()
    registration_lifecycle.placement_finish(placement=p, by=user, expected_version=p.version)
    assert status_of(p) == PlacementStatus.PENDING


def test_evidence_for_a_month_that_passes_the_check_is_refused(employer, user, minimum_wage):
    p = register_failing_month(employer, user)
    with pytest.raises(writes.RegistrationError, match="不是已勾选的未通过月份"):
        upload(p, user, "wage", [202505])
    with pytest.raises(writes.RegistrationError, match="已通过核验"):
        upload(p, user, "cert", [202501])
    assert not Evidence.objects.exists()


def test_the_same_upload_twice_is_saved_once(employer, user, minimum_wage):
    p = register_failing_month(employer, user)
    first = upload(p, user, "wage", [202501], token="up-1")
    with pytest.raises(writes.DuplicateSubmission) as info:
        evidence_services.evidence_upload(
            placement=p, kind="wage", months=[202501], file=w.clean_png(), by=user, expected_version=0, token="up-1"
        )
    assert info.value.obj == first
    assert Evidence.objects.count() == 1


def test_withdrawn_evidence_stays_and_the_month_lacks_it_again(employer, user, minimum_wage):
    p = register_failing_month(employer, user)
    evidence = upload(p, user, "wage", [202501])
    assert PlacementMonth.objects.get(placement=p, month=202501).evidence_mask
    p.refresh_from_db()
    evidence_services.evidence_withdraw(evidence=evidence, by=user, expected_version=p.version)
    evidence.refresh_from_db()
    assert evidence.withdrawn and StoredFile.objects.filter(pk=evidence.file_id).exists()
    month = PlacementMonth.objects.get(placement=p, month=202501)
    assert month.evidence_mask == 0 and month.evidence_missing


# --- 重新登记, 删除 -------------------------------------------------------------------------------------


def test_reregister_reopens_and_resets_decisions(employer, user, minimum_wage):
    p = register_failing_month(employer, user)
    for kind in ("wage", "pension", "medical"):
        upload(p, user, kind, [202501])
    p.refresh_from_db()
    registration_lifecycle.placement_finish(placement=p, by=user, expected_version=p.version)
    PlacementMonth.objects.filter(placement=p, month=202501).update(review_state="rejected", held=False)
    assert status_of(p) == PlacementStatus.PARTIALLY_REJECTED
    p.refresh_from_db()
    registration_lifecycle.placement_reregister(placement=p, by=user, expected_version=p.version)
    p.refresh_from_db()
    assert (p.wizard_completed, p.wizard_step) == (False, 1)
    assert w.month_states(p)[202501] == (False, MonthReview.NONE)  # rejected: unticked, may be ticked again
    assert w.month_states(p)[202502] == (True, MonthReview.AUTO)
    assert status_of(p) == PlacementStatus.INCOMPLETE
    assert Evidence.objects.filter(placement=p).count() == 3  # evidence stays


def test_reregister_sends_a_confirmed_month_back_to_review(employer, user, minimum_wage):
    p = register_failing_month(employer, user)
    for kind in ("wage", "pension", "medical"):
        upload(p, user, kind, [202501])
    p.refresh_from_db()
    registration_lifecycle.placement_finish(placement=p, by=user, expected_version=p.version)
    PlacementMonth.objects.filter(placement=p, month=202501).update(review_state="confirmed")
    p.refresh_from_db()
    registration_lifecycle.placement_reregister(placement=p, by=user, expected_version=p.version)
    month = PlacementMonth.objects.get(placement=p, month=202501)
    assert (month.selected, month.review_state, month.evidence_missing) == (True, "pending", False)


def test_delete_releases_the_months(employer, user, minimum_wage):
    p = w.ready_placement(employer)
    grid_services.months_register(placement=p, months=[], by=user, expected_version=p.version)
    p.refresh_from_db()
    registration_lifecycle.placement_delete(placement=p, by=user, expected_version=p.version)
    assert not Placement.objects.filter(pk=p.pk).exists()
    assert not PlacementMonth.objects.filter(id_number=p.id_number).exists()
    assert AuditEvent.objects.filter(action="placement.delete", object_id=str(p.pk)).exists()


@pytest.mark.parametrize("action", ["delete", "reregister", "update", "contract", "evidence", "register"])
def test_a_declared_year_refuses_every_change(employer, user, minimum_wage, action):
    p = w.ready_placement(employer)
    grid_services.months_register(placement=p, months=[], by=user, expected_version=p.version)
    p.refresh_from_db()
    lock_year(employer)
    calls = {
        "delete": lambda: registration_lifecycle.placement_delete(placement=p, by=user, expected_version=p.version),
        "reregister": lambda: registration_lifecycle.placement_reregister(
            placement=p, by=user, expected_version=p.version
        ),
        "update": lambda: registration_services.placement_update(
            placement=p, data={"phone": "13800000009"}, by=user, expected_version=p.version
        ),
        "contract": lambda: add_contract(p, user),
        "evidence": lambda: upload(p, user, "wage", [202501]),
        "register": lambda: grid_services.months_register(placement=p, months=[], by=user, expected_version=p.version),
    }
    with pytest.raises(writes.YearLockedError):
        calls[action]()
    assert Placement.objects.filter(pk=p.pk, wizard_completed=True).exists()


def test_frozen_placement_refuses_changes(employer, user):
    p = create(employer, user)
    Placement.objects.filter(pk=p.pk).update(frozen=True)
    p.refresh_from_db()
    with pytest.raises(PlacementError):
        registration_services.placement_update(
            placement=p, data={"phone": "13800000009"}, by=user, expected_version=p.version
        )


# --- 导入上一年申报名单 ------------------------------------------------------------------------------------


def test_import_last_year_copies_info_and_still_valid_contracts(employer, user, minimum_wage):
    region = factories.region("110101")
    last = pf.placement(
        employer,
        year=YEAR - 1,
        id_number=w.valid_id(),
        wizard_completed=True,
        household_region=region,
        phone="13711112222",
    )
    pf.contract(last, contract_type="fixed_term", start=date(2022, 1, 1), end=date(2024, 12, 31))  # ended
    pf.contract(last, contract_type="open_ended", start=date(2025, 1, 1))  # still valid
    retired = pf.placement(employer, year=YEAR - 1, id_number=w.valid_id(date(1960, 1, 1)), wizard_completed=True)
    already = pf.placement(employer, year=YEAR - 1, id_number=w.valid_id(), wizard_completed=True)
    pf.placement(employer, year=YEAR, id_number=already.id_number)

    result = registration_importing.placements_import_last_year(
        employer=employer, year=YEAR, placement_ids=[last.pk, retired.pk, already.pk], by=user
    )
    assert [p.id_number for p in result.created] == [last.id_number]
    assert result.out_of_age == [retired.name]
    new = result.created[0]
    new.refresh_from_db()
    assert (new.name, new.phone, new.household_region_id, new.previous_id) == (
        last.name,
        "13711112222",
        "110101",
        last.pk,
    )
    assert [c.contract_type for c in new.contracts.all()] == ["open_ended"]
    assert new.wizard_step == 2 and not new.wizard_completed
    assert PlacementMonth.objects.filter(placement=new).count() == 12
    assert status_of(new) == PlacementStatus.INCOMPLETE
    # importing again changes nothing
    again = registration_importing.placements_import_last_year(
        employer=employer, year=YEAR, placement_ids=[last.pk], by=user
    )
    assert again.created == []


def test_import_refused_in_a_declared_year(employer, user):
    lock_year(employer)
    with pytest.raises(writes.YearLockedError):
        registration_importing.placements_import_last_year(employer=employer, year=YEAR, placement_ids=[], by=user)


def test_a_deactivated_related_unit_stays_valid_on_the_contract_that_names_it(employer, user):
    p = create(employer, user)
    parent = pf.related_unit(employer, "parent_subsidiary")
    c = add_contract(p, user, relation="parent_subsidiary", pension_unit=parent)
    type(parent).objects.filter(pk=parent.pk).update(is_active=False)
    parent.refresh_from_db()
    p.refresh_from_db()
    registration_services.contract_update(
        contract=c,
        data=contract_data(relation="parent_subsidiary", pension_unit=parent, job="质检员"),
        file=None,
        by=user,
        expected_version=p.version,
    )
    with pytest.raises(writes.RegistrationError, match="本单位或本单位的关联单位"):
        add_contract(p, user, relation="parent_subsidiary", medical_unit=parent)


def test_related_unit_named_by_a_finished_registration_is_referenced(employer, user, minimum_wage):
    from employers.services import related_unit_is_referenced

    parent = pf.related_unit(employer, "parent_subsidiary")
    firm = pf.related_unit(employer, "dispatch_firm")
    unused = pf.related_unit(employer, "other")
    p = create(employer, user, w.valid_id())
    add_contract(p, user, relation="parent_subsidiary", pension_unit=parent)
    add_contract(
        p,
        user,
        is_dispatched=True,
        contract_type="dispatch",
        start=date(2025, 1, 1),
        end=date(2026, 12, 31),
        dispatch_unit=firm,
    )
    assert not related_unit_is_referenced(parent)  # the wizard is not finished yet
    PlacementMonth.objects.filter(placement=p, month=202501).update(selected=True, review_state=MonthReview.AUTO)
    placement_submit(placement=p, by=user)
    parent.refresh_from_db(), firm.refresh_from_db(), unused.refresh_from_db()
    assert related_unit_is_referenced(parent) and related_unit_is_referenced(firm)
    assert not related_unit_is_referenced(unused)
