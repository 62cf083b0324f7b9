"""The roles a deployment needs, created from code: today one group, 「审核人员」 (残联 reviewers).

Each app names the model permissions its review screens need (``employers.services.REVIEWER_BASE_PERMISSIONS``,
``notices.constants.REVIEW_PERMISSIONS``, ``relief.constants.REVIEW_PERMISSIONS``); this module, above all of them
(ADR 0010), puts them together. Which units a reviewer sees is not a permission but the region of the reviewer's
profile (``employers.ReviewerProfile``), set per account in the admin; the declarations admin follows that region
only. ``manage.py bootstrap_roles`` runs it after each deploy; the demo loader (devdata) calls it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from employers.services import REVIEWER_BASE_PERMISSIONS, REVIEWER_GROUP, reviewer_group_ensure
from notices.constants import REVIEW_PERMISSIONS as NOTICE_REVIEW_PERMISSIONS
from relief.constants import REVIEW_PERMISSIONS as RELIEF_REVIEW_PERMISSIONS

ROLES: dict[str, tuple[str, ...]] = {
    REVIEWER_GROUP: (*REVIEWER_BASE_PERMISSIONS, *NOTICE_REVIEW_PERMISSIONS, *RELIEF_REVIEW_PERMISSIONS),
}


class MissingPermissions(Exception):
    """Permissions named in ``ROLES`` that the database lacks (migrations not run)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


@dataclass
class RolePlan:
    group: str
    created: bool
    added: list[str] = field(default_factory=list)


def _existing(dotted: set[str]) -> dict[str, Permission]:
    q = Q()
    for name in dotted:
        app_label, codename = name.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    found = Permission.objects.filter(q).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}": p for p in found}


def roles_plan() -> list[RolePlan]:
    """What :func:`roles_bootstrap` would do; raises :class:`MissingPermissions` if a named permission is unknown."""
    plans = []
    for name, wanted in ROLES.items():
        existing = _existing(set(wanted))
        missing = sorted(set(wanted) - set(existing))
        if missing:
            raise MissingPermissions(missing)
        group = Group.objects.filter(name=name).first()
        have = set(group.permissions.values_list("pk", flat=True)) if group else set()
        added = sorted(dotted for dotted, permission in existing.items() if permission.pk not in have)
        plans.append(RolePlan(group=name, created=group is None, added=added))
    return plans


@transaction.atomic
def roles_bootstrap() -> list[RolePlan]:
    """Create the groups and give them their permissions. Idempotent; never removes a permission an admin added."""
    plans = roles_plan()
    for plan in plans:
        if plan.group == REVIEWER_GROUP:
            reviewer_group_ensure(extra_permissions=ROLES[REVIEWER_GROUP])
    return plans
