"""批量导入's writes (docs/bulk-import.md, ADR 0016): upload → check → confirm.

- :func:`bulk_import_upload` checks the file by its content and size (:mod:`placements.bulk.package`), stores it and
  checks it (at once, or as a background task with a progress bar for more than ``BACKGROUND_ROWS`` rows).
- :func:`bulk_import_start` / :func:`bulk_import_run` (确认导入) register the persons without a problem, in ONE
  transaction. The file is not read again: the check kept the persons it found ready (``report["ready"]``), and
  :func:`placements.bulk.recheck.recheck` checks them against the database as it is now (a person registered
  meanwhile in the wizard is not imported twice; a related unit deactivated since stops its persons). Then, set-based
  (:mod:`placements.bulk.confirming`): the placements, contracts and 学历 are written, the grids recomputed by the
  engine in one pass (:func:`placements.grid.recompute.grid_recompute_many`), and a person whose every registrable
  month verifies is registered and confirmed at once (审核通过(系统)) as 信息校验 · 保存 would do. Either everything is
  written or nothing. A re-upload of the same rows changes nothing; a changed row updates the placement a previous
  import made.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.actors import Actor
from core.audit import record, record_many
from core.errors import DomainError
from core.uploads import CleanFile, safe_original_name, store_upload
from employers.models import Employer
from placements.bulk import confirming
from placements.bulk.checking import check_workbook
from placements.bulk.layout import MAX_BYTES
from placements.bulk.models import BulkImport, BulkImportedPlacement
from placements.bulk.package import NotAWorkbook, Package, inspect, too_big
from placements.bulk.reading import open_workbook
from placements.bulk.recheck import recheck
from placements.bulk.results import CheckResult
from placements.grid.recompute import grid_recompute_many
from placements.models import Placement
from placements.registration import registry_access
from placements.writes import check_year

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_KIND = "placement_bulk_import"
BACKGROUND_ROWS = 300
MEANWHILE_KEPT = 200
Status = BulkImport.Status


class BulkImportError(DomainError):
    """The import was refused as a whole (message in Chinese)."""


def read_upload(uploaded) -> bytes:
    """The upload's bytes; refuses more than MAX_BYTES while reading (the declared size is not trusted)."""
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > MAX_BYTES:
        raise NotAWorkbook(too_big(declared))
    chunks, total = [], 0
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_BYTES:
            raise NotAWorkbook(too_big(total))
    return b"".join(chunks)


def bulk_import_upload(*, employer: Employer, year: int, name: str, data: bytes, by: Actor) -> BulkImport:
    """Check the file's content (raises :class:`NotAWorkbook` before anything is stored), store it, then check its
    rows: at once for a small file, else in the background (the report page shows the progress)."""
    check_year_open(employer, year)
    package = inspect(data)
    opened = open_workbook(package)  # sheets, headers, merged cells: refused at once, before storing
    rows = sum(sheet.rows_hint for sheet in opened.sheets.values())
    opened.close()
    with transaction.atomic():
        clean = CleanFile(data, XLSX, "xlsx", safe_original_name(name, "xlsx"))
        stored = store_upload(uploaded_file=clean, kind=FILE_KIND, employer=employer, by=by)
        batch = BulkImport.objects.create(
            employer=employer,
            year=year,
            file=stored,
            original_name=clean.original_name,
            sha256=clean.sha256,
            rows_total=rows,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        record(actor=by, action="placement.bulk_upload", obj=batch, changes={"year": year, "rows": rows})
    if rows > BACKGROUND_ROWS:
        from placements.bulk.tasks import bulk_check

        transaction.on_commit(lambda: bulk_check.enqueue(batch.pk))
    else:
        bulk_import_check(batch_id=batch.pk, package=package)
        batch.refresh_from_db()
    return batch


def check_year_open(employer: Employer, year: int) -> None:
    from employers.selectors import year_locked
    from placements.writes import YearLockedError

    if year_locked(employer, year):
        raise YearLockedError(year)


def _package_of(batch: BulkImport) -> Package:
    with batch.file.file.open("rb") as handle:
        return inspect(handle.read())


def _progress(batch_id: int):
    def update(done: int, total: int) -> None:
        BulkImport.objects.filter(pk=batch_id).update(rows_done=done, rows_total=total)

    return update


def bulk_import_check(*, batch_id: int, package: Package | None = None) -> BulkImport:
    """Check the stored file of ``batch_id`` and keep the report (status 检查完成), or the reason it cannot be
    imported (文件不能导入). Writes only the batch row."""
    batch = BulkImport.objects.select_related("employer", "file", "created_by").get(pk=batch_id)
    try:
        if batch.created_by is not None:  # the registry's data of every person is read: the lookup limit applies
            registry_access.record_bulk_access(
                user=batch.created_by, employer=batch.employer, bulk_import_id=batch.pk, rows=batch.rows_total
            )
        package = package or _package_of(batch)
        charge = None
        if batch.created_by is not None:  # each person whose registry data the check reads counts (distinct numbers)

            def charge(numbers: list[str]) -> None:
                registry_access.record_bulk_persons(
                    user=batch.created_by, employer=batch.employer, bulk_import_id=batch.pk, id_numbers=numbers
                )

        result = check_workbook(
            package=package,
            employer=batch.employer,
            year=batch.year,
            progress=_progress(batch_id),
            before_registry=charge,
        )
    except registry_access.LookupRefused as refused:
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.REFUSED, message=refused.bulk_message, finished_at=timezone.now()
        )
    except (NotAWorkbook, DomainError) as error:
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.REFUSED, message=getattr(error, "message", None) or str(error), finished_at=timezone.now()
        )
    except Exception:
        logger.exception("bulk import %s: the check failed", batch_id)
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.FAILED, message="检查文件时系统出错，请稍后重新上传；如仍不成功请联系技术支持。"
        )
    else:
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.CHECKED,
            report=result.report(),
            rows_done=F("rows_total"),
            finished_at=timezone.now(),
        )
    batch.refresh_from_db()
    return batch


# --- confirm -----------------------------------------------------------------------------------------------------


def bulk_import_start(*, batch: BulkImport, by: Actor) -> BulkImport:
    """确认导入: only a checked batch with persons to register. A small one is imported now (its own transaction,
    after the status change is committed), a large one in the background (the report page shows it running)."""
    with transaction.atomic():
        locked = BulkImport.objects.select_for_update().get(pk=batch.pk)
        if locked.status != Status.CHECKED:
            raise BulkImportError("该文件不在“检查完成”状态，不能导入（可能已经导入）。", code="state")
        counts = locked.report.get("counts", {})
        if not counts.get("new") and not counts.get("changed"):
            raise BulkImportError("没有可导入的人员：请先修改文件中的错误后重新上传。", code="empty")
        locked.status = Status.IMPORTING
        locked.confirmed_at = timezone.now()
        locked.rows_done = 0
        locked.save(update_fields=["status", "confirmed_at", "rows_done"])
        record(actor=by, action="placement.bulk_confirm", obj=locked)
        user_id = getattr(by, "pk", None)
        background = counts.get("person_rows", 0) + counts.get("contract_rows", 0) > BACKGROUND_ROWS
        if background:
            from placements.bulk.tasks import bulk_confirm

            transaction.on_commit(lambda: bulk_confirm.enqueue(locked.pk, user_id))
    if background:
        return locked
    return bulk_import_run(batch_id=locked.pk, user_id=user_id)


def bulk_import_run(*, batch_id: int, user_id: int | None, notify: bool = False) -> BulkImport:
    """Run a confirmed import; on any refusal nothing is written and the batch says why (导入失败)."""
    from django.contrib.auth import get_user_model

    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        result = _confirm(batch_id, by)
    except (NotAWorkbook, DomainError) as error:
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.FAILED, message=getattr(error, "message", None) or str(error), finished_at=timezone.now()
        )
    except IntegrityError:
        logger.warning("bulk import %s: refused by a constraint", batch_id, exc_info=True)
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.FAILED,
            message="导入时部分人员的月份刚被其他单位登记，本次没有导入任何人员。请重新上传文件检查后再确认导入。",
            finished_at=timezone.now(),
        )
    except Exception:
        logger.exception("bulk import %s: the import failed", batch_id)
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.FAILED,
            message="导入时系统出错，本次没有导入任何人员。请稍后重试；如仍不成功请联系技术支持。",
            finished_at=timezone.now(),
        )
    else:
        BulkImport.objects.filter(pk=batch_id).update(
            status=Status.DONE, result=result, finished_at=timezone.now(), rows_done=F("rows_total")
        )
    batch = BulkImport.objects.select_related("employer").get(pk=batch_id)
    if notify:
        _notify(batch, by)
    return batch


def _notify(batch: BulkImport, by: Actor | None) -> None:
    from notices.constants import NoticeKind
    from notices.services import notice_send_to_unit

    if batch.status == Status.DONE:
        r = batch.result
        title = f"{batch.year}年度批量导入完成"
        body = (
            f"文件“{batch.original_name}”已导入：新增 {r.get('created', 0)} 人，更新 {r.get('updated', 0)} 人；"
            f"系统核验通过并自动确认 {r.get('auto', 0)} 人，需补充证明材料 {r.get('evidence', 0)} 人，"
            f"需选择登记月份 {r.get('choose', 0)} 人。请在“残疾人安置管理 → 批量导入”中查看结果。"
        )
    else:
        title = f"{batch.year}年度批量导入未完成"
        body = f"文件“{batch.original_name}”没有导入：{batch.message}"
    try:
        notice_send_to_unit(employer=batch.employer, title=title, body=body, kind=NoticeKind.SYSTEM, by=None)
    except Exception:  # a notice must never undo the import
        logger.exception("bulk import %s: could not notify the unit", batch.pk)


@transaction.atomic
def _confirm(batch_id: int, by: Actor | None) -> dict[str, Any]:
    batch = BulkImport.objects.select_for_update().select_related("employer", "file").get(pk=batch_id)
    if batch.status != Status.IMPORTING:
        raise BulkImportError("该导入已处理。", code="state")
    employer, year = batch.employer, batch.year
    check_year(employer.pk, year)  # the unit's row locked: no 完成申报 meanwhile
    stored = batch.report.get("ready")
    if stored is None:  # too many persons to keep (results.READY_KEPT_MAX), or checked before: check the file again
        result: CheckResult = check_workbook(package=_package_of(batch), employer=employer, year=year)
        skipped, unchanged = sum(1 for p in result.persons.values() if p.bad), result.unchanged
    else:  # the check's result, against the database as it is now (placements registered meanwhile, units …)
        result = recheck(stored=stored, employer=employer, year=year)
        counts = batch.report.get("counts", {})
        skipped = counts.get("bad_persons", 0) + sum(1 for p in result.persons.values() if p.bad)
        unchanged = counts.get("unchanged", 0) + result.unchanged
    ready = result.ready()
    if not ready:
        raise BulkImportError(
            "没有可导入的人员（文件中的人员均有错误、已导入且无变化，或检查后已在系统中登记）。", code="empty"
        )
    created = confirming.create(employer, year, [p for p in ready if p.existing is None])
    updated = confirming.update([p for p in ready if p.existing is not None])
    touched = {**created, **updated}  # id_number → Placement
    grid_recompute_many(placements_qs=Placement.objects.filter(pk__in=[p.pk for p in touched.values()]))
    outcome = confirming.finish(list(touched.values()))
    now_versions = dict(Placement.objects.filter(pk__in=[p.pk for p in touched.values()]).values_list("pk", "version"))
    by_number = {p.id_number: p for p in ready}
    BulkImportedPlacement.objects.filter(placement__in=list(now_versions)).delete()
    BulkImportedPlacement.objects.bulk_create(
        BulkImportedPlacement(
            placement_id=p.pk,
            bulk_import=batch,
            fingerprint=by_number[number].fingerprint,
            version=now_versions[p.pk],
        )
        for number, p in touched.items()
    )
    record_many(
        actor=by,
        action="placement.bulk_import",
        events=(
            (
                p,
                {
                    "bulk_import": batch.pk,
                    "row": by_number[number].row,
                    "created": number in created,
                    "outcome": outcome["kinds"].get(p.pk, ""),
                },
            )
            for number, p in touched.items()
        ),
    )
    return {
        "created": len(created),
        "updated": len(updated),
        "unchanged": unchanged,
        "skipped": skipped,
        # what changed between the check and 确认导入 (rows not imported, with the reason)
        "meanwhile": [[p.sheet, p.row, p.value, p.reason] for p in result.problems[:MEANWHILE_KEPT]]
        if stored is not None
        else [],
        **{k: v for k, v in outcome.items() if k != "kinds"},
    }
