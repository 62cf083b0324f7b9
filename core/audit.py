"""Writing the audit trail. Services call :func:`record` inside their transaction.

``actor``: the acting user, a label (a command: ``"import_feed（ops）"``) or None for the system.

Each event names the unit it concerns (``AuditEvent.employer``, read by declarations.audit_reader to scope a
reviewer's region): the ``employer=`` given, else the object if it is a unit, else the object's ``employer_id``,
else that of an object it refers to that is already loaded (a related unit's proof: its related unit) — never a
query. Objects of no unit (a login, a region, a feed import) leave it empty."""

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


EMPLOYER_LABEL = "employers.employer"  # by label: core may not import employers (ADR 0010)


def _employer_id(obj: models.Model, employer: models.Model | int | None) -> int | None:
    """The unit ``obj`` concerns, without a query (see the module's docstring)."""
    if employer is not None:
        return employer if isinstance(employer, int) else employer.pk
    if obj._meta.label_lower == EMPLOYER_LABEL:
        return obj.pk
    direct = getattr(obj, "employer_id", None)
    if direct is not None:
        return direct
    for field in obj._meta.concrete_fields:
        if field.many_to_one and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if related is None:
                continue
            if related._meta.label_lower == EMPLOYER_LABEL:
                return related.pk
            if getattr(related, "employer_id", None) is not None:
                return related.employer_id
    return None


def _event(
    obj: models.Model,
    *,
    user: Actor | None,
    label: str,
    proxy: str,
    action: str,
    reason: str,
    changes: dict[str, Any] | None,
    employer: models.Model | int | None,
) -> AuditEvent:
    """The unsaved event; the one place that marks 代办."""
    if proxy:
        changes = {**(changes or {}), "代办": proxy}
        reason = f"【{proxy}】{reason}" if reason else f"【{proxy}】"
    return AuditEvent(
        actor=user,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        reason=reason,
        changes=changes or {},
        employer_id=_employer_id(obj, employer),
    )


def _who(actor: Actor | str | None) -> tuple[Actor | None, str]:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = getattr(actor, "get_username", lambda: "")() if user is not None else (str(actor) if actor else "系统")
    return user, label


def record(
    *,
    actor: Actor | str | None,
    action: str,
    obj: models.Model,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    employer: models.Model | int | None = None,
) -> AuditEvent:
    """Write one event (``employer``: the unit, when the object does not tell)."""
    user, label = _who(actor)
    event = _event(
        obj,
        user=user,
        label=label,
        proxy=_acting_for.get(),
        action=action,
        reason=reason,
        changes=changes,
        employer=employer,
    )
    event.save(force_insert=True)
    return event


def record_many(
    *,
    actor: Actor | str | None,
    action: str,
    events: Iterable[tuple[models.Model, dict[str, Any]]],
    employer: models.Model | int | None = None,
) -> int:
    """:func:`record` of many objects at once (one INSERT per 1,000): a bulk operation's event per object (批量导入)."""
    user, label = _who(actor)
    proxy = _acting_for.get()
    rows = [
        _event(
            obj,
            user=user,
            label=label,
            proxy=proxy,
            action=action,
            reason="",
            changes=changes,
            employer=employer,
        )
        for obj, changes in events
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
