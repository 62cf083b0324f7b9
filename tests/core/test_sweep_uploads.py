"""sweep_uploads: what is removed (files without a row, and unreferenced rows when asked), what is never touched."""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from core import sweep
from core.models import AuditEvent, StoredFile
from core.uploads import store_upload
from employers.constants import Relation
from employers.models import RelatedUnit, RelatedUnitProof
from tests import factories
from tests.factories import files
from tests.factories.relief import application

pytestmark = pytest.mark.django_db

OLD = timedelta(hours=30)


def _upload(employer, kind: str = "test") -> StoredFile:
    upload = SimpleUploadedFile("证明.png", files.png_bytes(), content_type="image/png")
    return store_upload(uploaded_file=upload, kind=kind, employer=employer, by=None)


def _age(media, stored: StoredFile | None = None, name: str = "", by: timedelta = OLD) -> None:
    """Move an upload's row and file (or a bare file) ``by`` into the past."""
    when = timezone.now() - by
    if stored is not None:
        StoredFile.objects.filter(pk=stored.pk).update(uploaded_at=when)
        name = stored.file.name
    os.utime(media / name, (when.timestamp(), when.timestamp()))


def _orphan(media, name: str = "uploads/zz/zzorphan.pdf", age: timedelta = OLD) -> str:
    default_storage.save(name, ContentFile(files.pdf_bytes()))
    _age(media, name=name, by=age)
    return name


def _sweep(*args, capture) -> str:
    out = __import__("io").StringIO()
    with capture(execute=True):
        call_command("sweep_uploads", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def referenced(employer, _uploads_in_tmp):
    """Old uploads attached through four different foreign keys of two apps."""
    relief = application(employer)
    unit = RelatedUnit.objects.create(
        employer=employer,
        region=employer.registration_region,
        name="北京众诚人力资源服务有限公司",
        uscc=factories.make_uscc(),
        relation=Relation.DISPATCH_FIRM,
    )
    proof = RelatedUnitProof.objects.create(
        related_unit=unit, kind=RelatedUnitProof.Kind.DISPATCH_AGREEMENT, file=_upload(employer, "related_unit_proof")
    )
    stored = [relief.application_letter, relief.loss_proof, relief.audited_accounts, proof.file]
    for s in stored:
        _age(_uploads_in_tmp, s)
    return stored


def test_references_are_found_through_the_model_meta():
    found = {str(ref) for ref in sweep.stored_file_references()}
    assert {
        "employers.RelatedUnitProof.file_id",
        "placements.Contract.contract_file_id",
        "placements.HandCertificate.image_id",
        "placements.Evidence.file_id",
        "declarations.Submission.certificate_file_id",
        "declarations.Submission.commitment_file_id",
        "notices.NoticeAttachment.file_id",
        "relief.ReliefApplication.application_letter_id",
        "relief.ReliefApplication.loss_proof_id",
        "relief.ReliefApplication.audited_accounts_id",
    } <= found


def test_uploads_land_in_the_swept_directory(employer):
    assert _upload(employer).file.name.startswith(f"{sweep.UPLOAD_DIR}/")


def test_referenced_files_are_kept(referenced, _uploads_in_tmp, capture):
    out = _sweep("--delete-unreferenced", capture=capture)
    assert "未被引用的上传记录 0 个，存储中无记录的文件 0 个，共释放 0.0 KB" in out
    assert StoredFile.objects.count() == 4
    assert all((_uploads_in_tmp / s.file.name).is_file() for s in referenced)


def test_unreferenced_old_row_and_its_file_are_deleted_when_asked(employer, referenced, _uploads_in_tmp, capture):
    stale = _upload(employer)
    _age(_uploads_in_tmp, stale)
    path, size = _uploads_in_tmp / stale.file.name, stale.size

    out = _sweep("--delete-unreferenced", capture=capture)

    assert f"已清理：未被引用的上传记录 1 个，存储中无记录的文件 0 个，共释放 {size / 1024:,.1f} KB" in out
    assert not StoredFile.objects.filter(pk=stale.pk).exists() and not path.exists()
    assert StoredFile.objects.count() == 4
    event = AuditEvent.objects.get(action="file.sweep")
    assert (event.object_id, event.changes["file"]["before"]) == (str(stale.pk), stale.file.name)
    assert event.actor is None and event.actor_label.startswith("sweep_uploads（")


def test_unreferenced_rows_are_kept_by_default(employer, _uploads_in_tmp, capture):
    """A replaced or released upload has no reference left but is kept on purpose (audit trail)."""
    kept = _upload(employer)
    _age(_uploads_in_tmp, kept)
    out = _sweep(capture=capture)
    assert "未被引用但保留的上传记录 1 个" in out
    assert "未被引用的上传记录 0 个" in out
    assert StoredFile.objects.filter(pk=kept.pk).exists() and (_uploads_in_tmp / kept.file.name).is_file()


def test_young_unreferenced_row_is_kept(employer, _uploads_in_tmp, capture):
    young = _upload(employer)
    _age(_uploads_in_tmp, young, by=timedelta(hours=23))
    out = _sweep("--delete-unreferenced", capture=capture)
    assert "未被引用的上传记录 0 个" in out
    assert StoredFile.objects.filter(pk=young.pk).exists() and (_uploads_in_tmp / young.file.name).is_file()
    # with a shorter threshold it goes
    _sweep("--delete-unreferenced", "--older-than", "12", capture=capture)
    assert not StoredFile.objects.filter(pk=young.pk).exists()


def test_file_left_by_a_rolled_back_request_is_deleted(employer, referenced, _uploads_in_tmp, capture):
    with pytest.raises(RuntimeError), transaction.atomic():
        written = _upload(employer)
        raise RuntimeError("form error later in the same request")
    assert not StoredFile.objects.filter(file=written.file.name).exists()
    _age(_uploads_in_tmp, name=written.file.name)
    other = _orphan(_uploads_in_tmp)
    size = (_uploads_in_tmp / written.file.name).stat().st_size + (_uploads_in_tmp / other).stat().st_size

    out = _sweep(capture=capture)

    assert f"未被引用的上传记录 0 个，存储中无记录的文件 2 个，共释放 {size / 1024:,.1f} KB" in out
    assert not (_uploads_in_tmp / written.file.name).exists() and not (_uploads_in_tmp / other).exists()
    assert all((_uploads_in_tmp / s.file.name).is_file() for s in referenced)


def test_young_orphan_file_is_kept(_uploads_in_tmp, capture):
    """An upload in progress: the file is written, its row not committed yet."""
    name = _orphan(_uploads_in_tmp, age=timedelta(minutes=5))
    out = _sweep(capture=capture)
    assert "存储中无记录的文件 0 个" in out
    assert (_uploads_in_tmp / name).is_file()


def test_files_outside_the_upload_directory_are_not_touched(_uploads_in_tmp, capture):
    name = _orphan(_uploads_in_tmp, name="exports/tax.csv")
    _sweep(capture=capture)
    assert (_uploads_in_tmp / name).is_file()


def test_dry_run_deletes_nothing(employer, referenced, _uploads_in_tmp, capture):
    stale = _upload(employer)
    _age(_uploads_in_tmp, stale)
    orphan = _orphan(_uploads_in_tmp)

    out = _sweep("--dry-run", "--delete-unreferenced", "-v", "2", capture=capture)

    assert "（试运行，未删除）未被引用的上传记录 1 个，存储中无记录的文件 1 个" in out
    assert stale.file.name in out and orphan in out
    assert StoredFile.objects.count() == 5 and not AuditEvent.objects.filter(action="file.sweep").exists()
    assert (_uploads_in_tmp / stale.file.name).is_file() and (_uploads_in_tmp / orphan).is_file()


def test_empty_storage(capture):
    out = _sweep(capture=capture)
    assert "未被引用的上传记录 0 个，存储中无记录的文件 0 个，共释放 0.0 KB" in out


@pytest.mark.parametrize("hours", ["0", "-3"])
def test_threshold_below_one_hour_is_refused(hours):
    with pytest.raises(CommandError, match="至少为 1 小时"):
        call_command("sweep_uploads", "--older-than", hours)
