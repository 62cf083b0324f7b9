"""确认导入 from the check's stored result (no second read of the file), what it still catches, the registry lookup
limit per file, the follow-up recompute of other units' grids, and a batch whose task died (issue 13)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from placements.bulk import checking, liveness, services
from placements.bulk.models import BulkImport
from placements.models import Contract, GraduateRecord, PendingRecompute, Placement
from placements.registration import registry_access
from tests.factories import related_unit
from tests.factories.placements import placement
from tests.placements.bulk.conftest import contract, person, person_id, upload

pytestmark = pytest.mark.django_db


def _upload(client, year, data) -> BulkImport:
    client.post(f"{reverse('placements:bulk_upload')}?year={year}", {"file": upload(data)})
    return BulkImport.objects.order_by("-pk").first()


def _confirm(client, batch: BulkImport) -> BulkImport:
    client.post(reverse("placements:bulk_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    return batch


def test_confirm_does_not_read_the_file_again_and_writes_what_was_checked(
    monkeypatch, employer_client, year, make_file
):
    graduate = person_id(1)
    data = make_file(
        [
            person(graduate, is_graduate="是", school="北京大学", degree="本科", graduation_date="2008-07-01"),
            person(person_id(2)),
        ],
        [
            contract(graduate, contract_type="固定期限", start="2024-01-01", end="2026-12-31", monthly_salary=5200.5),
            contract(graduate, contract_type="无固定期限", start="2027-01-01"),
            contract(person_id(2)),
        ],
    )
    batch = _upload(employer_client, year, data)
    assert batch.status == BulkImport.Status.CHECKED and len(batch.report["ready"]) == 2

    def no_second_read(**kwargs):
        raise AssertionError("确认导入 read the file again")

    monkeypatch.setattr(services, "check_workbook", no_second_read)
    monkeypatch.setattr(checking, "open_workbook", no_second_read)
    batch = _confirm(employer_client, batch)
    assert batch.status == BulkImport.Status.DONE, batch.message
    assert batch.result["created"] == 2 and batch.result["meanwhile"] == []
    p = Placement.objects.get(id_number=graduate)
    contracts = sorted(Contract.objects.filter(placement=p).values_list("start", "end", "monthly_salary"))
    assert [(str(s), str(e), m) for s, e, m in contracts] == [
        ("2024-01-01", "2026-12-31", Decimal("5200.50")),
        ("2027-01-01", "None", Decimal("5000.00")),
    ]
    assert list(GraduateRecord.objects.filter(placement=p).values_list("school", flat=True)) == ["北京大学"]

    # The stored values give the same fingerprint as the file: the same file again is unchanged.
    monkeypatch.undo()
    again = _upload(employer_client, year, data)
    assert again.report["counts"]["unchanged"] == 2 and again.report["counts"]["new"] == 0


def test_a_person_registered_in_the_wizard_meanwhile_is_not_imported_twice(employer_client, employer, year, make_file):
    first, second = person_id(1), person_id(2)
    batch = _upload(
        employer_client, year, make_file([person(first), person(second)], [contract(first), contract(second)])
    )
    assert batch.report["counts"]["new"] == 2
    placement(employer, id_number=second, year=year, name="王五")  # registered in the wizard after the check

    batch = _confirm(employer_client, batch)
    assert batch.status == BulkImport.Status.DONE, batch.message
    assert batch.result["created"] == 1 and batch.result["skipped"] == 1
    assert Placement.objects.filter(id_number=second).count() == 1
    assert Placement.objects.get(id_number=second).name == "王五"
    [[sheet, row, value, reason]] = batch.result["meanwhile"]
    assert (sheet, row, value) == ("人员信息", 3, second) and "已在" in reason and "不能重复添加" in reason
    page = employer_client.get(reverse("placements:bulk_report", args=[batch.pk])).content.decode()
    assert "检查后到确认导入前情况有变化" in page and "人员信息第 3 行" in page


def test_a_related_unit_deactivated_meanwhile_stops_its_person(employer_client, employer, year, make_file):
    unit = related_unit(employer, relation="other", name="北京关联服务有限公司")
    first, second = person_id(1), person_id(2)
    data = make_file(
        [person(first), person(second)],
        [contract(first, relation="其他关联单位", wage_unit="北京关联服务有限公司"), contract(second)],
    )
    batch = _upload(employer_client, year, data)
    assert batch.report["counts"]["new"] == 2, batch.report["problems"]
    unit.is_active = False
    unit.save()

    batch = _confirm(employer_client, batch)
    assert batch.status == BulkImport.Status.DONE, batch.message
    assert list(Placement.objects.values_list("id_number", flat=True)) == [second]
    [[sheet, _, value, reason]] = batch.result["meanwhile"]
    assert sheet == "合同信息" and value == "北京关联服务有限公司" and "已停用或删除" in reason


def test_nothing_left_to_import_fails_whole_and_says_why(employer_client, employer, year, make_file):
    only = person_id(1)
    batch = _upload(employer_client, year, make_file([person(only)], [contract(only)]))
    placement(employer, id_number=only, year=year)
    batch = _confirm(employer_client, batch)
    assert batch.status == BulkImport.Status.FAILED and "检查后已在系统中登记" in batch.message
    assert Placement.objects.count() == 1


def test_a_checked_file_counts_as_one_registry_lookup(settings, employer_client, employer_user, year, make_file):
    settings.REGISTRY_LOOKUP_LIMITS = [(600, 2)]
    numbers = [person_id(i) for i in range(1, 6)]  # five persons: one lookup, not five
    data = make_file([person(n) for n in numbers], [contract(n) for n in numbers])
    first = _upload(employer_client, year, data)
    assert first.status == BulkImport.Status.CHECKED
    events = AuditEvent.objects.filter(actor=employer_user, action=registry_access.ACTION)
    assert [(e.object_id, e.changes["rows"]) for e in events] == [(f"bulk_import:{first.pk}", 10)]  # both sheets
    assert _confirm(employer_client, first).status == BulkImport.Status.DONE  # confirming does not count again
    assert events.all().count() == 1

    second = _upload(employer_client, year, data)
    assert second.status == BulkImport.Status.CHECKED
    response = employer_client.post(f"{reverse('placements:bulk_upload')}?year={year}", {"file": upload(data)})
    third = BulkImport.objects.order_by("-pk").first()
    assert third.status == BulkImport.Status.REFUSED and "每 10 分钟最多查询 2 个" in third.message
    assert "批量导入的检查也计入残疾人信息查询" in response.content.decode()  # beside the file field
    assert events.all().count() == 2


def test_a_checked_file_charges_each_person_to_the_bulk_window(
    settings, employer_client, employer_user, year, make_file
):
    """The check reads the registry's data of every person of the file: each distinct person counts in the account's
    bulk window (one file used to count as one lookup, so a script could read 5,000 persons' data an upload)."""
    from feeds.models import RegistryPerson

    settings.REGISTRY_LOOKUP_LIMITS = [(600, 50)]
    settings.REGISTRY_BULK_LOOKUP_LIMITS = [(86400, 8)]
    first_five = [person_id(i) for i in range(1, 6)]
    RegistryPerson.objects.create(
        id_number=first_five[0], name="登记库姓名", region_code="110101", address="登记库地址"
    )
    first = _upload(
        employer_client, year, make_file([person(n) for n in first_five], [contract(n) for n in first_five])
    )
    assert first.status == BulkImport.Status.CHECKED, first.message
    events = AuditEvent.objects.filter(actor=employer_user, action=registry_access.BULK_ACTION)
    assert sorted(events.values_list("object_id", flat=True)) == first_five
    assert {(e.changes["bulk_import"], e.employer_id) for e in events} == {(first.pk, first.employer_id)}

    # The same persons again (a corrected file): nothing more counted, only the batch's own events.
    again = _upload(
        employer_client, year, make_file([person(n) for n in first_five], [contract(n) for n in first_five])
    )
    assert again.status == BulkImport.Status.CHECKED, again.message
    assert events.all().values("object_id").distinct().count() == 5

    # Five persons of whom two were checked before: 5 + 3 = 8, within the window.
    mixed = first_five[3:] + [person_id(i) for i in range(6, 9)]
    third = _upload(employer_client, year, make_file([person(n) for n in mixed], [contract(n) for n in mixed]))
    assert third.status == BulkImport.Status.CHECKED, third.message

    # One new person more than the window allows: refused before anything of the registry is read or stored.
    over = [person_id(9), first_five[0]]
    response = employer_client.post(
        f"{reverse('placements:bulk_upload')}?year={year}",
        {"file": upload(make_file([person(n) for n in over], [contract(n) for n in over]))},
    )
    refused = BulkImport.objects.order_by("-pk").first()
    assert refused.status == BulkImport.Status.REFUSED
    assert not refused.report  # no registry name, no differences
    assert "每天最多通过批量导入检查 8 个不同的人员" in refused.message
    assert "已检查 8 人，本文件还有 1 人未检查过" in refused.message
    assert "每天最多通过批量导入检查 8 个不同的人员" in response.content.decode()
    assert not events.filter(object_id=person_id(9)).exists()
    assert events.values("object_id").distinct().count() == 8


def test_a_batch_checked_again_is_not_charged_again(settings, employer, employer_user, year, make_file):
    settings.REGISTRY_BULK_LOOKUP_LIMITS = [(86400, 3)]
    numbers = [person_id(i) for i in range(1, 4)]
    for _ in range(2):  # a retried background check of the same batch
        registry_access.record_bulk_persons(user=employer_user, employer=employer, bulk_import_id=7, id_numbers=numbers)
    assert AuditEvent.objects.filter(action=registry_access.BULK_ACTION).count() == 3
    with pytest.raises(registry_access.BulkPersonsRefused):
        registry_access.record_bulk_persons(
            user=employer_user, employer=employer, bulk_import_id=8, id_numbers=[person_id(4)]
        )


def test_other_units_grids_of_the_imported_persons_are_recorded_as_owed(
    employer_client, other_employer, year, make_file
):
    from tests.factories.feeds import monthly_facts, registry_cert
    from tests.factories.placements import min_wage

    min_wage("11", "2420.00")
    shared, alone = person_id(1), person_id(2)
    for number in (shared, alone):
        registry_cert(number, grade=2)
    placement(other_employer, id_number=shared, year=year)
    batch = _upload(
        employer_client, year, make_file([person(shared), person(alone)], [contract(shared), contract(alone)])
    )
    employer = batch.employer
    for number in (shared, alone):
        monthly_facts(number, employer.uscc, year=year)

    batch = _confirm(employer_client, batch)
    assert batch.status == BulkImport.Status.DONE, batch.message
    assert batch.result["auto"] == 2 and batch.result["followup"] == 1
    # Recorded in the import's transaction (the drain runs after the commit): only the person another unit has.
    assert list(PendingRecompute.objects.values_list("id_number", "year")) == [(shared, year)]


def _busy(employer, status, *, minutes_ago: int) -> BulkImport:
    from tests.factories.core import StoredFileFactory

    stored = StoredFileFactory(employer=employer)
    batch = BulkImport.objects.create(employer=employer, year=2025, file=stored, sha256="0" * 64, status=status)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    BulkImport.objects.filter(pk=batch.pk).update(created_at=at, confirmed_at=at)
    batch.refresh_from_db()
    return batch


def test_a_batch_whose_task_died_says_so(monkeypatch, employer_client, employer):
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(liveness, "_database_backend", lambda: True)
    now = timezone.now()
    running = _busy(employer, BulkImport.Status.IMPORTING, minutes_ago=5)
    stale = _busy(employer, BulkImport.Status.IMPORTING, minutes_ago=300)
    failed = _busy(employer, BulkImport.Status.CHECKING, minutes_ago=5)
    gone = _busy(employer, BulkImport.Status.CHECKING, minutes_ago=30)
    just_uploaded = _busy(employer, BulkImport.Status.CHECKING, minutes_ago=0)
    for batch, path, status, started in (
        (running, "placements.bulk.tasks.bulk_confirm", "RUNNING", now - timedelta(minutes=5)),
        (stale, "placements.bulk.tasks.bulk_confirm", "RUNNING", now - timedelta(hours=5)),
        (failed, "placements.bulk.tasks.bulk_check", "FAILED", now - timedelta(minutes=5)),
    ):
        DBTaskResult.objects.create(
            task_path=path,
            args_kwargs={"args": [batch.pk, None], "kwargs": {}},
            status=status,
            started_at=started,
            run_after=now,
            backend_name="default",
            queue_name="default",
        )
    batches = [running, stale, failed, gone, just_uploaded]
    liveness.mark_interrupted(batches)
    assert [b.interrupted for b in batches] == [False, True, True, True, False]
    assert stale.get_status_display() == "处理中断，请重新提交" and not stale.busy
    assert running.get_status_display() == "正在导入" and running.busy

    page = employer_client.get(reverse("placements:bulk_report", args=[stale.pk])).content.decode()
    assert "处理中断，请重新提交" in page and "正在导入，请稍候" not in page
    assert 'http-equiv="refresh"' not in page and "没有导入任何人员。请重新上传该文件" in page
    page = employer_client.get(reverse("placements:bulk_report", args=[running.pk])).content.decode()
    assert "处理中断" not in page and "正在导入，请稍候" in page
    listing = employer_client.get(f"{reverse('placements:bulk_upload')}?year=2025").content.decode()
    assert listing.count("处理中断，请重新提交") == 3


def test_without_a_task_queue_a_batch_left_busy_for_hours_is_interrupted(employer):
    old = _busy(employer, BulkImport.Status.IMPORTING, minutes_ago=300)
    recent = _busy(employer, BulkImport.Status.IMPORTING, minutes_ago=1)
    liveness.mark_interrupted([old, recent])
    assert old.interrupted and not recent.interrupted


def test_a_file_too_large_to_keep_its_persons_is_checked_again_at_confirm(
    monkeypatch, employer_client, year, make_file
):
    from placements.bulk import results

    monkeypatch.setattr(results, "READY_KEPT_MAX", 1)
    numbers = [person_id(1), person_id(2)]
    batch = _upload(employer_client, year, make_file([person(n) for n in numbers], [contract(n) for n in numbers]))
    assert batch.report["ready"] is None and batch.report["counts"]["new"] == 2
    read_again: list = []
    check = services.check_workbook
    monkeypatch.setattr(services, "check_workbook", lambda **kw: read_again.append(1) or check(**kw))
    batch = _confirm(employer_client, batch)
    assert batch.status == BulkImport.Status.DONE and batch.result["created"] == 2 and read_again == [1]
