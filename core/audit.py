"""Writing the audit trail. Services call :func:`record` inside their transaction.

``actor``: the acting user, a label (a command: ``"import_feed（ops）"``) or None for the system."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

from core.actors import Actor
from core.models import AuditEvent

# 窗口代办 (employers.proxy): while a staff member acts for a unit, every event recorded says so.
_acting_for: ContextVar[str] = ContextVar("audit_acting_for", default="")


@contextmanager
def acting_for(label: str) -> Iterator[None]:
    """Within the block, :func:`record` marks each event ``代办: label`` (e.g. "残联 reviewer1 为 某某公司 代办")."""
    token = _acting_for.set(label)
    try:
        yield
    finally:
        _acting_for.reset(token)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` as JSON-friendly strings, for before/after comparison."""
    out = {}
    for name in fields:
        value = getattr(obj, name, None)
        if isinstance(value, models.Model):
            value = value.pk
        out[name] = None if value is None else str(value)
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"before": before.get(k), "after": after.get(k)} for k in after if before.get(k) != after.get(k)}


def record(
    *,
    actor: Actor | str | None,
    action: str,
    obj: models.Model,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = getattr(actor, "get_username", lambda: "")() if user is not None else (str(actor) if actor else "系统")
    proxy = _acting_for.get()
    if proxy:
        changes = {**(changes or {}), "代办": proxy}
        reason = f"【{proxy}】{reason}" if reason else f"【{proxy}】"
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        reason=reason,
        changes=changes or {},
    )


def record_many(
    *, actor: Actor | str | None, action: str, events: Iterable[tuple[models.Model, dict[str, Any]]]
) -> int:
    """:func:`record` of many objects at once (one INSERT per 1,000): a bulk operation's event per object (批量导入)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = getattr(actor, "get_username", lambda: "")() if user is not None else (str(actor) if actor else "系统")
    proxy = _acting_for.get()
    rows = [
        AuditEvent(
            actor=user,
            actor_label=label,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            reason=f"【{proxy}】" if proxy else "",
            changes={**changes, "代办": proxy} if proxy else changes,
        )
        for obj, changes in events
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
