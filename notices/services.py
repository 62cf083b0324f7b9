"""Writes for notices. Other apps call :func:`notice_send_to_unit` to tell a unit about a decision or an event."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.audit import diff, record, snapshot
from core.errors import DomainError
from core.models import Region, StoredFile
from employers.access import reviewer_region_prefix
from employers.models import Employer
from notices.constants import SYSTEM_KINDS, NoticeKind
from notices.html import format_plain_text
from notices.models import Notice, NoticeAttachment, NoticeRead
from notices.scope import region_within

_AUDITED_FIELDS = ("title", "body", "region", "publish_at", "pinned")


class NoticeError(DomainError):
    """A notice operation that the rules do not allow; the message is shown to the user (Chinese)."""


class NoticeScopeError(NoticeError):
    pass


def _actor(by: Actor | None):
    return by if getattr(by, "is_authenticated", False) else None


def check_publish_scope(*, region: Region | None, by: Actor | None) -> None:
    """A reviewer publishes only inside their own region; only superusers (and the system, ``by=None``) nationally."""
    if by is None:
        return
    prefix = reviewer_region_prefix(by)
    if prefix is None:
        raise NoticeScopeError("该账号不是审核人员，不能发布通知公告。")
    if not region_within(region.code if region is not None else None, prefix):
        if region is None:
            raise NoticeScopeError("只能在本辖区范围内发布通知公告，不能发布到全国。")
        raise NoticeScopeError(f"只能在本辖区范围内发布通知公告，「{region}」不在您的辖区内。")


@transaction.atomic
def notice_send_to_unit(*, employer: Employer, title: str, body: str, kind: str, by: Actor | None = None) -> Notice:
    """A system notice to one unit (review result, declaration event, relief decision, …).

    ``body`` is plain text: it is escaped, blank lines become paragraphs and newlines line breaks.
    Visible at once; it counts as unread until the unit opens it.
    """
    if kind not in SYSTEM_KINDS:
        raise ValueError(f"notice_send_to_unit: kind must be a system kind, not {kind!r}")
    notice = Notice(
        kind=kind,
        employer=employer,
        title=(title or "").strip()[:200] or "系统通知",
        body=format_plain_text(body),
        publish_at=timezone.now(),
        created_by=_actor(by),
    )
    notice.save()
    record(actor=by, action="notice_sent", obj=notice, changes={"employer": employer.pk, "kind": kind})
    return notice


@transaction.atomic
def notice_save_published(*, notice: Notice, by: Actor) -> Notice:
    """Create or update a published notice (公告): scope checked, body sanitised (by ``Notice.save``), audited."""
    if notice.kind != NoticeKind.ANNOUNCEMENT or notice.employer_id is not None:
        raise NoticeError("只有公告可以在此发布。")
    check_publish_scope(region=notice.region, by=by)
    before = {}
    if notice.pk is not None:
        current = Notice.objects.select_for_update(of=("self",)).select_related("region").get(pk=notice.pk)
        check_publish_scope(region=current.region, by=by)
        before = snapshot(current, _AUDITED_FIELDS)
    created = notice.pk is None
    if created and notice.created_by_id is None:
        notice.created_by = _actor(by)
    notice.save()
    after = snapshot(notice, _AUDITED_FIELDS)
    record(
        actor=by,
        action="notice_published" if created else "notice_changed",
        obj=notice,
        changes=after if created else diff(before, after),
    )
    return notice


@transaction.atomic
def notice_publish(
    *,
    title: str,
    body: str,
    region: Region | None,
    publish_at: datetime | None,
    pinned: bool,
    attachments: Iterable[StoredFile] = (),
    by: Actor | None,
) -> Notice:
    """Publish a notice to a region (``None`` = national) from ``publish_at`` (not visible before)."""
    notice = Notice(
        kind=NoticeKind.ANNOUNCEMENT,
        title=title,
        body=body,
        region=region,
        publish_at=publish_at or timezone.now(),
        pinned=pinned,
    )
    notice_save_published(notice=notice, by=by)
    for stored in attachments:
        notice_attach(notice=notice, stored_file=stored, by=by)
    return notice


@transaction.atomic
def notice_attach(*, notice: Notice, stored_file: StoredFile, by: Actor | None) -> NoticeAttachment:
    """Attach a stored upload. Units download it through the notice (``notices:attachment``), which serves it only
    while the notice is visible to them — published, in their regions; the file itself is not public, so its
    ``/files/`` link works for reviewers only (admin preview) and nothing leaks before the publish time."""
    if notice.is_announcement:
        check_publish_scope(region=notice.region, by=by)
    elif stored_file.employer_id != notice.employer_id:
        raise NoticeError("附件不属于接收单位。")
    attachment = NoticeAttachment.objects.create(notice=notice, file=stored_file)
    record(actor=by, action="notice_attachment_added", obj=notice, changes={"file": stored_file.pk})
    return attachment


@transaction.atomic
def notice_detach(*, attachment: NoticeAttachment, by: Actor) -> None:
    """Remove an attachment from a notice (the stored file itself stays, as every upload does)."""
    notice = attachment.notice
    if notice.is_announcement:
        check_publish_scope(region=notice.region, by=by)
    record(actor=by, action="notice_attachment_removed", obj=notice, changes={"file": attachment.file_id})
    attachment.delete()


@transaction.atomic
def notice_delete(*, notice: Notice, by: Actor) -> None:
    """Remove a published notice (its read markers and attachment links go with it; the files stay)."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("region").get(pk=notice.pk)
    if not notice.is_announcement:
        raise NoticeError("系统通知不能删除。")
    check_publish_scope(region=notice.region, by=by)
    record(actor=by, action="notice_deleted", obj=notice, changes=snapshot(notice, _AUDITED_FIELDS))
    notice.delete()


def notice_mark_read(*, notice: Notice, employer: Employer) -> None:
    """Mark a notice read for a unit. One ``INSERT … ON CONFLICT DO NOTHING``: idempotent, atomic on its own,
    and a concurrent second mark simply does nothing. Skipped when the caller already knows it is read."""
    if notice.employer_id not in (None, employer.pk):
        raise NoticeError("该通知不属于本单位。")
    if getattr(notice, "is_read", False):
        return
    NoticeRead.objects.bulk_create([NoticeRead(notice=notice, employer=employer)], ignore_conflicts=True)
