"""The declaration's documents (承诺书, 审核认定书): generated once from the frozen Submission and stored."""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core import audit
from core.actors import Actor
from core.models import StoredFile
from declarations import documents
from declarations.constants import (
    KIND_CERTIFICATE,
    KIND_COMMITMENT,
)
from declarations.models import (
    Submission,
)
from declarations.selectors import (
    certificate_available_from,
    submission_people,
)
from declarations.services import (
    DeclarationError,
    NotYetAvailable,
)

# --- documents -----------------------------------------------------------------------------------------------------


def _store_pdf(*, pdf: bytes, name: str, kind: str, employer_id: int, by: Actor | None) -> StoredFile:
    stored = StoredFile(
        original_name=name,
        content_type="application/pdf",
        extension="pdf",
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        kind=kind,
        employer_id=employer_id,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    stored.file.save("document.pdf", ContentFile(pdf), save=False)
    try:
        stored.save()
    except Exception:
        stored.file.delete(save=False)
        raise
    return stored


def certificate_file_name(submission: Submission) -> str:
    return f"{submission.declaration.year}年度审核认定书_{submission.unit_name}_{submission.certificate_no}.pdf"


def commitment_file_name(submission: Submission) -> str:
    return f"{submission.declaration.year}年度申报资料真实性承诺书_{submission.unit_name}.pdf"


@transaction.atomic
def certificate_issue(
    *, submission: Submission, by: Actor | None = None, today: date | None = None, base_url: str = ""
) -> StoredFile:
    """The 审核认定书 of a submission: generated and stored on the first call from its availability date, the stored
    file afterwards. Raises :class:`NotYetAvailable` before the 3rd working day after 完成申报."""
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("declaration", "certificate_file")
        .get(pk=submission.pk)
    )
    if locked.certificate_file is not None:
        return locked.certificate_file
    if locked.voided_at is not None:
        raise DeclarationError("该申报已撤回，审核认定书已撤销。", code="voided")
    result = certificate_available_from(locked)
    available = result.date
    if (today or timezone.localdate()) < available:
        raise NotYetAvailable(available, confirmed=result.confirmed)
    pdf = documents.render_certificate(locked, submission_people(locked), certified_on=available, base_url=base_url)
    stored = _store_pdf(
        pdf=pdf,
        name=certificate_file_name(locked),
        kind=KIND_CERTIFICATE,
        employer_id=locked.declaration.employer_id,
        by=by,
    )
    locked.certificate_file = stored
    locked.certificate_issued_at = timezone.now()
    locked.save(update_fields=["certificate_file", "certificate_issued_at"])
    audit.record(actor=by, action="declaration.certificate_issue", obj=locked, changes={"file": stored.token})
    return stored


@transaction.atomic
def commitment_issue(*, submission: Submission, by: Actor | None = None) -> StoredFile:
    """The 承诺书 of a submission as PDF: generated and stored on the first call, the stored file afterwards."""
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("declaration", "commitment_file")
        .get(pk=submission.pk)
    )
    if locked.commitment_file is not None:
        return locked.commitment_file
    pdf = documents.render_commitment(locked, submission_people(locked))
    stored = _store_pdf(
        pdf=pdf,
        name=commitment_file_name(locked),
        kind=KIND_COMMITMENT,
        employer_id=locked.declaration.employer_id,
        by=by,
    )
    locked.commitment_file = stored
    locked.save(update_fields=["commitment_file"])
    audit.record(actor=by, action="declaration.commitment_issue", obj=locked, changes={"file": stored.token})
    return stored


def certificates_issue_due(*, today: date | None = None, base_url: str = "") -> int:
    """Generate the certificates that have become available and are not stored yet (the task's body)."""
    today = today or timezone.localdate()
    pending = Submission.objects.filter(
        certificate_file__isnull=True, voided_at__isnull=True, declared_at__date__lte=today
    ).order_by("id")
    issued = 0
    for submission in pending.iterator(chunk_size=200):
        try:
            certificate_issue(submission=submission, today=today, base_url=base_url)
        except NotYetAvailable:
            continue
        issued += 1
    return issued
