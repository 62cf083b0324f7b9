"""Demo data of the employers app: two related units of the demo unit, each with a proof awaiting review."""

from io import BytesIO

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Region
from employers import services
from employers.constants import Relation
from employers.models import RelatedUnit

RELATED_UNITS = [
    {
        "name": "北京众诚人力资源服务有限公司",
        "uscc": "91110108MA01R8KX4E",
        "relation": Relation.DISPATCH_FIRM,
        "phone": "010-82001234",
        "address": "北京市海淀区中关村大街27号",
        "proof": ("劳务派遣协议（示例）.pdf", "Labour dispatch agreement (demo)"),
    },
    {
        "name": "北京市示范科技有限公司海淀分公司",
        "uscc": "91110108MA01T2PW6N",
        "relation": Relation.PARENT_SUBSIDIARY,
        "phone": "010-82005678",
        "address": "北京市海淀区知春路56号",
        "proof": ("分公司营业执照（示例）.pdf", "Branch business licence (demo)"),
    },
]
REGION = "110108"  # 北京市海淀区


def _demo_pdf(text: str) -> bytes:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("ascii"))
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def load_demo(ctx) -> list[str]:
    employer, user = ctx["employer"], ctx["employer_user"]
    region = Region.objects.get(code=REGION)
    lines = []
    for spec in RELATED_UNITS:
        if RelatedUnit.objects.filter(employer=employer, uscc=spec["uscc"]).exists():
            continue
        filename, text = spec["proof"]
        upload = SimpleUploadedFile(filename, _demo_pdf(text), content_type="application/pdf")
        data = {k: spec[k] for k in ("name", "uscc", "relation", "phone", "address")}
        unit = services.related_unit_create(employer=employer, data={**data, "region": region}, proof=upload, by=user)
        lines.append(f"新建关联单位 {unit.name}（{unit.get_relation_display()}）及证明材料")
    return lines or ["关联单位已存在，未改动"]
