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


def limits() -> list[Limit]:
    return sorted((Limit(int(s), int(n)) for s, n in settings.REGISTRY_LOOKUP_LIMITS), key=lambda limit: limit.seconds)


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
