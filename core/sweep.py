"""Sweeping upload leftovers (``manage.py sweep_uploads``; docs/adr/0003-uploads.md).

Two kinds of leftovers, both removed only when older than the threshold (an upload in progress has its file in
storage before its row is committed, and a young row may be about to be attached):

- **files under** ``uploads/`` **with no** :class:`StoredFile` **row**: :func:`core.uploads.store_upload` wrote the
  bytes, then the surrounding transaction rolled back (a form error later in the request, a crash) and took the row
  with it. Nothing can reach such a file (only rows are served), so it is always removed.
- **StoredFile rows that no model references** (every foreign key / one-to-one to StoredFile in any app, found
  through the model meta). A rollback removes these rows too, so they are *not* rollback leftovers: they are the
  files the services keep on purpose when an upload is replaced or its owner deleted (a replaced contract or relief
  attachment, a deleted placement, hand-added certificate or relief draft: "stays stored and in the audit trail").
  They are counted, and deleted only when asked (``delete_unreferenced=True``), each with its audit event.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core import audit
from core.actors import Actor
from core.models import StoredFile

# Every name core.models._upload_path gives starts with this directory.
UPLOAD_DIR = "uploads"


@dataclass(frozen=True)
class Reference:
    """A column of ``model`` holding a StoredFile's ``target`` (its pk, unless the key uses ``to_field``)."""

    model: type[models.Model]
    column: str
    target: str

    def __str__(self) -> str:
        return f"{self.model._meta.label}.{self.column}"


@dataclass
class SweepResult:
    dry_run: bool
    older_than: datetime
    rows: int = 0  # unreferenced rows deleted (would be, in a dry run)
    orphans: int = 0  # storage files without a row deleted (would be)
    released: int = 0  # bytes freed (would be)
    rows_kept: int = 0  # unreferenced rows left alone because delete_unreferenced was not asked
    names: list[str] = field(default_factory=list)  # the storage names concerned, for verbose output

    @property
    def summary(self) -> str:
        return (
            f"未被引用的上传记录 {self.rows} 个，存储中无记录的文件 {self.orphans} 个，"
            f"共释放 {self.released / 1024:,.1f} KB"
        )


def stored_file_references() -> list[Reference]:
    """Every foreign key and one-to-one to StoredFile in the installed apps (many-to-many through tables included).

    The relations are declared with ``related_name="+"``, which hides them from ``_meta.related_objects``; hence
    ``get_fields(include_hidden=True)``.
    """
    return [
        Reference(rel.related_model, rel.field.attname, rel.field.target_field.attname)
        for rel in StoredFile._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


def unreferenced_stored_files(
    *, uploaded_before: datetime, references: list[Reference] | None = None
) -> models.QuerySet[StoredFile]:
    """StoredFile rows uploaded before ``uploaded_before`` that no row of any model points at."""
    qs = StoredFile.objects.filter(uploaded_at__lt=uploaded_before)
    for ref in stored_file_references() if references is None else references:
        # _base_manager: a default manager that hides rows (soft delete) must not make a file look unused.
        qs = qs.filter(~Exists(ref.model._base_manager.filter(**{ref.column: OuterRef(ref.target)})))
    return qs.order_by("pk")


def _walk(storage: Storage, path: str) -> Iterator[str]:
    """Names of all files under ``path``, through ``storage.listdir`` (works on S3 too: no local paths)."""
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:  # FileSystemStorage before the first upload
        return
    for name in sorted(files):
        yield f"{path}/{name}"
    for name in sorted(dirs):
        yield from _walk(storage, f"{path}/{name}")


def orphan_storage_files(*, modified_before: datetime, storage: Storage) -> Iterator[tuple[str, int]]:
    """(name, size) of the files under ``uploads/`` with no StoredFile row, last modified before ``modified_before``.

    The names of all rows are held in memory (about 100 bytes a row: fine up to a few million files).
    """
    known = set(StoredFile.objects.values_list("file", flat=True).iterator())
    for name in _walk(storage, UPLOAD_DIR):
        if name in known:
            continue
        try:
            if storage.get_modified_time(name) >= modified_before:
                continue
            size = storage.size(name)
        except FileNotFoundError:  # removed meanwhile
            continue
        yield name, size


def _size(storage: Storage, name: str) -> int:
    return storage.size(name) if name and storage.exists(name) else 0


def _delete_row(
    *, pk: int, cutoff: datetime, references: list[Reference], storage: Storage, by: Actor | str | None
) -> tuple[str, int]:
    """Delete one unreferenced row (checked again under its lock) and, once committed, its file. ('', 0) if kept."""
    with transaction.atomic():
        stored = (
            unreferenced_stored_files(uploaded_before=cutoff, references=references)
            .select_for_update()
            .filter(pk=pk)
            .first()
        )
        if stored is None:  # attached meanwhile, or already gone
            return "", 0
        name = stored.file.name
        size = _size(storage, name)
        audit.record(
            actor=by,
            action="file.sweep",
            obj=stored,
            reason="未被任何数据引用，超过保留时限",
            changes={"file": {"before": name, "after": None}, "kind": stored.kind, "size": stored.size},
        )
        stored.delete()
        if name:
            # After the commit: if the row's deletion rolls back the file must still be there. A failed storage
            # delete leaves a file without a row, which the next sweep removes.
            transaction.on_commit(partial(storage.delete, name), robust=True)
    return name, size


def uploads_sweep(
    *,
    older_than: timedelta,
    dry_run: bool = False,
    delete_unreferenced: bool = False,
    by: Actor | str | None = None,
    now: datetime | None = None,
) -> SweepResult:
    """Remove the upload leftovers older than ``older_than`` (see the module docstring); nothing in a dry run."""
    if older_than <= timedelta(0):
        raise ValueError("older_than must be positive: younger files may be uploads in progress")
    cutoff = (now or timezone.now()) - older_than
    storage = StoredFile._meta.get_field("file").storage
    result = SweepResult(dry_run=dry_run, older_than=cutoff)
    references = stored_file_references()

    candidates = list(
        unreferenced_stored_files(uploaded_before=cutoff, references=references).values_list("pk", "file")
    )
    if not delete_unreferenced:
        result.rows_kept = len(candidates)
    elif dry_run:
        for _pk, name in candidates:
            result.rows += 1
            result.released += _size(storage, name)
            result.names.append(name)
    else:
        for pk, _name in candidates:
            name, size = _delete_row(pk=pk, cutoff=cutoff, references=references, storage=storage, by=by)
            if name:
                result.rows += 1
                result.released += size
                result.names.append(name)

    handled = set(result.names)  # a deleted row's file goes after the commit: not an orphan to count again
    for name, size in orphan_storage_files(modified_before=cutoff, storage=storage):
        if name in handled:
            continue
        if not dry_run:
            if StoredFile.objects.filter(file=name).exists():  # its row was committed meanwhile
                continue
            storage.delete(name)
        result.orphans += 1
        result.released += size
        result.names.append(name)
    return result
