"""The registry 查询 of the registration wizard, audited and limited per account.

The lookup shows an employer's clerk what the disabled-persons registry holds about an ID number (name, gender,
region, certificates), so it is personal data handed out on request: each lookup is written to the audit trail
(who, when, which number) and an account may look up at most so many *different* numbers per window
(settings.REGISTRY_LOOKUP_LIMITS), which stops a script from walking the registry while a clerk entering even
300 persons a day never meets the limit. Counting uses the audit trail itself, so the limit holds across
processes without a shared cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core.masking import mask_number
from core.models import AuditEvent
from placements.registration import selectors as ws

ACTION = "registry.lookup"
BULK_ACTION = "registry.bulk_lookup"  # one event per person of a checked bulk-import file
OBJECT_TYPE = "feeds.registryperson"


class LookupRefused(Exception):
    """A limit is reached: nothing disclosed, nothing recorded. ``message`` for 查询, ``save_message`` for saving a
    new person (which discloses the same data on the next pages)."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(limit.describe())
        self.limit = limit

    @property
    def message(self) -> str:
        return f"查询过于频繁：{self.limit.describe()}，请稍后再试；也可以不查询，直接填写基本信息。"

    @property
    def save_message(self) -> str:
        return f"登记新人员也计入残疾人信息查询：{self.limit.describe()}，请稍后再试。"

    @property
    def bulk_message(self) -> str:
        return (
            f"批量导入的检查也计入残疾人信息查询（每个导入文件计为一次）：{self.limit.describe()}。请稍后再上传该文件。"
        )


class BulkPersonsRefused(LookupRefused):
    """A bulk-import file would take the account past its persons per window (settings.REGISTRY_BULK_LOOKUP_LIMITS):
    its check reads nothing of the registry."""

    def __init__(self, limit: Limit, counted: int, new: int) -> None:
        super().__init__(limit)
        self.counted, self.new = counted, new

    @property
    def bulk_message(self) -> str:
        return (
            f"批量导入的检查会读取每个人员的残疾人信息，{self.limit.describe_bulk()}："
            f"本账号在此期间已检查 {self.counted} 人，本文件还有 {self.new} 人未检查过。"
            "请稍后再上传该文件，或将文件分批导入；确有需要请联系残联经办人员。"
        )


@dataclass(frozen=True)
class Limit:
    seconds: int
    numbers: int

    def describe(self) -> str:
        if self.seconds % 86400 == 0:
            span = "每天" if self.seconds == 86400 else f"每 {self.seconds // 86400} 天"
        elif self.seconds % 3600 == 0:
            span = f"每 {self.seconds // 3600} 小时"
        else:
            span = f"每 {max(1, self.seconds // 60)} 分钟"
        return f"{span}最多查询 {self.numbers} 个不同的身份证号"

    def describe_bulk(self) -> str:
        return self.describe().replace("最多查询", "最多通过批量导入检查").replace("个不同的身份证号", "个不同的人员")


def limits(setting: str = "REGISTRY_LOOKUP_LIMITS") -> list[Limit]:
    return sorted((Limit(int(s), int(n)) for s, n in getattr(settings, setting)), key=lambda limit: limit.seconds)


def refusal(user, id_number: str, now: datetime) -> Limit | None:
    """The limit this lookup would exceed, or None. One query for all windows; a number the account already looked
    up inside a window does not count again there."""
    rules = limits()
    if not rules or user is None or not user.is_authenticated:
        return None
    since = {limit: now - timedelta(seconds=limit.seconds) for limit in rules}
    counts = AuditEvent.objects.filter(
        actor=user, action=ACTION, object_type=OBJECT_TYPE, at__gte=since[rules[-1]]
    ).aggregate(
        **{f"n{i}": Count("object_id", distinct=True, filter=Q(at__gte=since[limit])) for i, limit in enumerate(rules)},
        **{
            f"seen{i}": Count("id", filter=Q(at__gte=since[limit], object_id=id_number))
            for i, limit in enumerate(rules)
        },
    )
    for i, limit in enumerate(rules):
        if not counts[f"seen{i}"] and counts[f"n{i}"] >= limit.numbers:
            return limit
    return None


def record_access(*, user, employer, id_number: str) -> None:
    """Check the limits and write the audit event for ``user`` (acting for ``employer``) reading the registry's data
    of ``id_number``; raises :class:`LookupRefused`."""
    _record(user, employer, id_number, mask_number(id_number), {})


BULK_SUBJECT = "bulk_import:{pk}"


def record_bulk_access(*, user, employer, bulk_import_id: int, rows: int) -> None:
    """批量导入's check reads the registry for every person of a file (its name and household data win over what
    was typed, a difference is shown in the report). One file counts as ONE lookup in the account's windows — as one
    查询 does in the wizard — so a unit can import its 5,000 persons, while a script uploading file after file meets
    the same limit as one typing numbers into 查询. Checking the same file again (确认导入) does not count again.
    Raises :class:`LookupRefused`; the audit event names the batch and its rows."""
    subject = BULK_SUBJECT.format(pk=bulk_import_id)
    _record(user, employer, subject, f"批量导入 #{bulk_import_id}", {"bulk_import": bulk_import_id, "rows": rows})


@transaction.atomic
def record_bulk_persons(*, user, employer, bulk_import_id: int, id_numbers: list[str]) -> None:
    """Before the check of a bulk-import file reads the registry: charge its persons to the account's windows of
    settings.REGISTRY_BULK_LOOKUP_LIMITS (distinct ID numbers; a number the account's bulk checks already read inside
    a window does not count again there, so uploading a corrected file again costs nothing) and audit each person
    read (action ``registry.bulk_lookup``, the ID number, the batch). Counting the file as one lookup alone
    (:func:`record_bulk_access`) let a script read 5,000 persons' registry data per upload. A batch already charged
    (its check run again, e.g. by a retried task) is not charged again. Raises :class:`BulkPersonsRefused`."""
    rules = limits("REGISTRY_BULK_LOOKUP_LIMITS")
    if user is None or not user.is_authenticated or not id_numbers:
        return
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    mine = AuditEvent.objects.filter(actor=user, action=BULK_ACTION, object_type=OBJECT_TYPE)
    if mine.filter(changes__bulk_import=bulk_import_id).exists():
        return
    numbers = sorted(set(id_numbers))
    now = timezone.now()
    for limit in rules:
        window = mine.filter(at__gte=now - timedelta(seconds=limit.seconds))
        counted = window.aggregate(n=Count("object_id", distinct=True))["n"]
        seen: set[str] = set()
        for start in range(0, len(numbers), 2000):
            part = numbers[start : start + 2000]
            seen.update(window.filter(object_id__in=part).values_list("object_id", flat=True).distinct())
        new = len(numbers) - len(seen)
        if counted + new > limit.numbers:
            raise BulkPersonsRefused(limit, counted, new)
    label = user.get_username()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                actor_label=label,
                action=BULK_ACTION,
                object_type=OBJECT_TYPE,
                object_id=number,
                object_repr=mask_number(number)[:200],
                changes={"employer": employer.pk, "bulk_import": bulk_import_id},
                employer_id=employer.pk,  # bulk_create does not call AuditEvent.save, which fills it
            )
            for number in numbers
        ],
        batch_size=1000,
    )


@transaction.atomic
def _record(user, employer, subject: str, shown: str, details: dict) -> None:
    """The limits checked, then the audit event of ``subject`` (an ID number, or a bulk import) written. The
    account's user row is locked first, so two requests of the same account at the same moment cannot both pass the
    last free place."""
    now = timezone.now()
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    limit = refusal(user, subject, now)
    if limit is not None:
        raise LookupRefused(limit)
    AuditEvent.objects.create(
        actor=user,
        actor_label=user.get_username(),
        action=ACTION,
        object_type=OBJECT_TYPE,
        object_id=subject,
        object_repr=shown[:200],
        changes={"employer": employer.pk, **details},
    )


def lookup(*, user, employer, id_number: str) -> ws.RegistryLookup:
    """What the registry knows of ``id_number``, for ``user`` acting for ``employer``: audited and limited
    (:func:`record_access`); raises :class:`LookupRefused`."""
    record_access(user=user, employer=employer, id_number=id_number)
    return ws.registry_lookup(id_number)
