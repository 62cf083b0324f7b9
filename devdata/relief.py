"""Demo data of 缓减免申请: an approved reduction (shown in the public list) and a deferral draft of the demo unit.

Also gives the reviewers' group what the relief admin needs. Idempotent: existing applications are left alone.
"""

from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from core.uploads import inspect_upload
from dashboard.roles import roles_bootstrap
from relief import services
from relief.models import ReliefApplication
from relief.services import ApplicationData


def _demo_image(name: str, text: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (420, 160), (255, 255, 255))
    ImageDraw.Draw(image).text((20, 70), text, fill=(0, 0, 0))
    out = BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _files() -> dict:
    return {
        "application_letter": inspect_upload(_demo_image("缓减免申请书（示例）.png", "Application letter (demo)")),
        "loss_proof": inspect_upload(_demo_image("灾害损失证明（示例）.png", "Loss proof (demo)")),
        "audited_accounts": inspect_upload(_demo_image("审计报告（示例）.png", "Audited accounts (demo)")),
    }


def load_demo(ctx) -> list[str]:
    roles_bootstrap()  # the relief admin's permissions for 「审核人员」 (manage.py bootstrap_roles)
    employer, clerk, reviewer, year = ctx["employer"], ctx["employer_user"], ctx["reviewer"], ctx["year"]
    lines = []
    base = {
        "year": year,
        "reason": f"{year}年7月特大暴雨导致厂区被淹，生产线停产两个月。",
        "loss_amount": Decimal("3860000.00"),
        "loss_description": "厂房及生产设备浸水受损，库存原材料报废，经保险公司定损。",
        "staff_count": Decimal("3000"),  # large enough that the demo placements leave a levy to reduce
        "avg_monthly_wage": Decimal("9800.00"),
    }
    if not ReliefApplication.objects.filter(employer=employer, year=year, kind="reduction").exists():
        data = ApplicationData(kind="reduction", amount_requested=Decimal("100000.00"), months_requested=None, **base)
        application = services.relief_create_draft(employer=employer, data=data, files=_files(), by=clerk)
        services.relief_submit(application=application, by=clerk)
        services.relief_approve(
            application=application,
            approving_body="北京市残疾人联合会",
            document_number=f"京残发〔{year + 1}〕8号（示例）",
            reason="受特大暴雨灾害影响，直接经济损失重大，同意减免部分残疾人就业保障金。",
            by=reviewer,
        )
        lines.append(f"{year} 年度减免申请（已审核通过，见 /relief/public/{year}/）")
    if not ReliefApplication.objects.filter(employer=employer, year=year, kind="deferral").exists():
        data = ApplicationData(kind="deferral", amount_requested=None, months_requested=3, **base)
        services.relief_create_draft(employer=employer, data=data, by=clerk)
        lines.append(f"{year} 年度缓缴申请草稿（缺附件，可在 /relief/ 编辑后提交）")
    return lines or ["缓减免申请已存在，未改动"]
