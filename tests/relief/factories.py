"""Relief test data: applications in any state, with real (tiny) uploads through core.uploads."""

from decimal import Decimal
from io import BytesIO

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.uploads import store_upload
from relief.models import ReliefApplication


def png_upload(name: str = "证明.png") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def stored_png(employer, kind: str = "relief_loss_proof"):
    return store_upload(uploaded_file=png_upload(), kind=kind, employer=employer, by=None)


def application(employer, *, state: str = "draft", with_files: bool = True, **fields) -> ReliefApplication:
    """An application row written directly (tests of reads and of transitions start from any state)."""
    data = {
        "year": 2025,
        "kind": "reduction",
        "amount_requested": Decimal("100000.00"),
        "months_requested": None,
        "reason": "2025年7月特大暴雨致厂房被淹，停产两个月。",
        "loss_amount": Decimal("3500000.00"),
        "loss_description": "厂房、设备及库存原材料受损。",
        "staff_count": Decimal("1000"),
        "avg_monthly_wage": Decimal("8000"),
        "levy_estimate": Decimal("1296000.00"),
        "state": state,
    }
    if fields.get("kind") == "deferral":
        data.update(amount_requested=None, months_requested=3)
    data.update(fields)
    if state != "draft":
        data.setdefault("submitted_at", timezone.now())
    if with_files:
        for name in ("application_letter", "loss_proof", "audited_accounts"):
            data.setdefault(name, stored_png(employer, f"relief_{name}"))
    return ReliefApplication.objects.create(employer=employer, **data)


def grant_relief_review(user) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="relief", codename__in=["view_reliefapplication", "change_reliefapplication"]
        )
    )


def otp_login(client, user) -> None:
    """Sign ``user`` in to the admin with a confirmed TOTP device and a verified session (core/otp.py)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
