"""The demo unit and the demo logins that every ``devdata.<app>.load_demo(ctx)`` builds on (``load_demo_data``)."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.filing import current_filing_year
from core.models import Region
from dashboard.roles import roles_bootstrap
from employers.models import Employer, EmployerAccount, ReviewerProfile
from employers.services import REVIEWER_GROUP

DEMO_REGION = "110105"  # 北京市朝阳区
DEMO_EMPLOYER = {
    "name": "北京市示范科技有限公司",
    "uscc": "91110105700000001E",
    "tax_registration_no": "91110105700000001E",
    "organization_code": "700000001",
    "unit_kind": "企业",
    "economic_kind": "有限责任(公司)",
    "industry": "I",
    "legal_rep_name": "王建国",
    "legal_rep_id_type": "resident_id",
    "legal_rep_id_number": "110105197503021239",
    "legal_rep_phone": "13801012345",
    "phone": "010-65001234",
    "contact_name": "李娜",
    "contact_phone": "13901056789",
    "business_address": "北京市朝阳区建国路88号示范大厦12层",
    "registered_address": "北京市朝阳区建国路88号",
}
DEMO_USER = ("demo", "demo-pass-2026")
DEMO_REVIEWER = ("reviewer", "review-pass-2026")
DEMO_REVIEWER_REGION = "110000"


class MissingReferenceData(Exception):
    pass


def _user(username: str, password: str, **flags):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults=flags)
    changed = created
    if created or not user.check_password(password):
        user.set_password(password)
        changed = True
    for key, value in flags.items():
        if getattr(user, key) != value:
            setattr(user, key, value)
            changed = True
    if changed:
        user.save()
    return user, created


def ensure_demo_accounts(*, today: date) -> dict:
    """Create what is missing; return the ``ctx`` for the apps' ``load_demo``. Idempotent."""
    regions = {r.code: r for r in Region.objects.filter(code__in=[DEMO_REGION, DEMO_REVIEWER_REGION])}
    if len(regions) < 2:
        raise MissingReferenceData("缺少行政区划数据：请先运行 python manage.py load_reference_data。")
    lines = []
    region = regions[DEMO_REGION]
    employer = Employer.objects.filter(uscc=DEMO_EMPLOYER["uscc"]).first()
    if employer is None:
        employer = Employer.objects.create(
            **DEMO_EMPLOYER,
            federation_region=region,
            tax_region=region,
            registration_region=region,
        )
        lines.append(f"新建演示单位 {employer.name}")
    user, created = _user(*DEMO_USER)
    if created:
        lines.append(f"新建单位账号 {DEMO_USER[0]}")
    EmployerAccount.objects.get_or_create(user=user, defaults={"employer": employer})
    reviewer, created = _user(*DEMO_REVIEWER, is_staff=True)
    if created:
        lines.append(f"新建审核账号 {DEMO_REVIEWER[0]}")
    ReviewerProfile.objects.get_or_create(
        user=reviewer,
        defaults={"region": regions[DEMO_REVIEWER_REGION], "organisation": "北京市残疾人联合会"},
    )
    roles_bootstrap()  # the same groups and permissions as manage.py bootstrap_roles
    reviewer.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    return {
        "employer": employer,
        "employer_user": user,
        "reviewer": reviewer,
        "year": current_filing_year(region.code, today),
        "today": today,
        "created_lines": lines,
    }
