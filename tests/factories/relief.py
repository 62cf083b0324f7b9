"""缓减免申请 in any state, with real (tiny) uploads through core.uploads."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.models import StoredFile
from relief.models import ReliefApplication
from tests.factories.core import stored
from tests.factories.employers import EmployerFactory
from tests.factories.employers import otp_login as otp_login
from tests.factories.files import png_upload as png_upload

FILE_FIELDS = ("application_letter", "loss_proof", "audited_accounts")


class ReliefApplicationFactory(DjangoModelFactory):
    """A 2025 reduction draft after a flood (no attachments: ``application()`` adds them)."""

    class Meta:
        model = ReliefApplication

    employer = factory.SubFactory(EmployerFactory)
    year = 2025
    kind = "reduction"
    amount_requested = factory.LazyAttribute(lambda o: None if o.kind == "deferral" else Decimal("100000.00"))
    months_requested = factory.LazyAttribute(lambda o: 3 if o.kind == "deferral" else None)
    reason = "2025年7月特大暴雨致厂房被淹，停产两个月。"
    loss_amount = Decimal("3500000.00")
    loss_description = "厂房、设备及库存原材料受损。"
    staff_count = Decimal("1000")
    avg_monthly_wage = Decimal("8000")
    levy_estimate = Decimal("1296000.00")
    state = "draft"
    submitted_at = factory.LazyAttribute(lambda o: None if o.state == "draft" else timezone.now())


def stored_png(employer, kind: str = "relief_loss_proof") -> StoredFile:
    return stored(employer, kind=kind)


def application(employer, *, state: str = "draft", with_files: bool = True, **fields) -> ReliefApplication:
    """An application row written directly (tests of reads and of transitions start from any state)."""
    if with_files:
        for name in FILE_FIELDS:
            fields.setdefault(name, stored_png(employer, f"relief_{name}"))
    return ReliefApplicationFactory(employer=employer, state=state, **fields)


def grant_relief_review(user) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="relief", codename__in=["view_reliefapplication", "change_reliefapplication"]
        )
    )
