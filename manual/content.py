"""What the 系统操作手册 is made of: the chapter list and the facts it quotes from the running system.

The manual is written in templates (``templates/manual/chapters/*.html``); everything that can change on a screen
— navigation labels and URLs, field labels, choices, limits from settings, levy policy periods — comes from the code
here, so a renamed screen or field is renamed in the manual too. No database access: the manual is the same for
everyone and is built once per deploy (``manual.build``).
"""

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from core.context_processors import NAVIGATION
from declarations.constants import WITHDRAWAL_REASON_MAX, DeclarationStatus
from employers.constants import EconomicKind, LegalRepIdType, Relation, UnitKind
from employers.declaration_states import CERTIFICATE_WORKING_DAYS
from employers.models import Employer, RelatedUnit
from levy.rules import RULES
from placements.constants import ContractRelation, ContractType, MonthReview, PlacementStatus, RetirementBaseline
from placements.registration.registry_access import limits

MISSING_CHAPTER_TEMPLATE = "manual/chapters/_missing.html"

# What each top-navigation item is for (the 首页 chapter's table). A new item without a line here still gets a row.
NAV_PURPOSES = {
    "home": "查看年审申报进度、本年度安置情况与图形分析、最新通知和残保金预估",
    "placements": "残疾人安置登记、信息校验、上传附件、完成申报、下载承诺书和审核认定书、年审申报撤回",
    "employer": "维护单位基本信息，管理关联单位及其证明材料",
    "relief": "因不可抗力等原因申请残保金减免或缓缴",
    "levy": "估算应缴纳的残疾人就业保障金和安置残疾人可节约的金额",
    "notices": "查看残联发布的通知公告和系统发给本单位的审核结果通知",
    "manual": "在线阅读或下载本手册（PDF）",
}


@dataclass(frozen=True, slots=True)
class Chapter:
    key: str
    number: int
    title: str
    url: str
    template: str

    @property
    def templates(self) -> tuple[str, str]:
        """The chapter's own template, else a stub naming the screen (a new navigation item is never left out)."""
        return (self.template, MISSING_CHAPTER_TEMPLATE)


def chapters() -> list[Chapter]:
    """登录, then one chapter per top-navigation item in its order, then the reviewers' chapter."""
    entries: list[tuple[str, str, str]] = [("login", "登录", _url("login", "/accounts/login/"))]
    entries += [(key, label, url) for key, label, url in NAVIGATION]
    entries.append(("review", "残联审核（审核人员）", _url("admin:index", "/admin/")))
    return [
        Chapter(key=key, number=number, title=title, url=url, template=f"manual/chapters/{key}.html")
        for number, (key, title, url) in enumerate(entries, start=1)
    ]


APPENDICES = [
    Chapter("appendix-status", 0, "附录 A　状态与标记一览", "", "manual/chapters/appendix_status.html"),
    Chapter("appendix-faq", 0, "附录 B　常见问题", "", "manual/chapters/appendix_faq.html"),
]


def _url(name: str, fallback: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def project_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "—"


def _password_min_length() -> int:
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        if validator["NAME"].endswith("MinimumLengthValidator"):
            return int(validator.get("OPTIONS", {}).get("min_length", 8))
    return 8


def _lockout_minutes() -> int:
    """The account lock's back-off (core/lockout.py); AXES_COOLOFF_TIME is the longer lock of a whole address."""
    cooloff = getattr(settings, "LOCKOUT_ACCOUNT_COOLOFF", None) or getattr(settings, "AXES_COOLOFF_TIME", None)
    return int(cooloff.total_seconds() // 60) if cooloff else 15


def _label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


# Unit basic information in the order of the form, with what the manual says about each field (domain.md §3).
EMPLOYER_FIELDS: list[tuple[str, bool, str]] = [
    ("name", True, "与营业执照或登记证书一致。"),
    ("uscc", True, "18 位，系统按 GB 32100 校验位校验；一经发送税务部门不能再修改。"),
    ("tax_registration_no", False, "已“三证合一”的单位可不填。"),
    ("organization_code", False, "已“三证合一”的单位可不填。"),
    ("unit_kind", True, "选项：{unit_kinds}。"),
    ("economic_kind", True, "选项：{economic_kinds}。"),
    ("industry", True, "按 GB/T 4754 国民经济行业分类门类 A–T 选择。"),
    ("federation_region", True, "办理按比例就业年审认证的所在地，按 省 → 市 → 区县 逐级选择。"),
    ("tax_region", True, "缴纳残疾人就业保障金的所在地。"),
    ("registration_region", True, "单位注册登记的所在地；决定适用的月最低工资标准。"),
    ("legal_rep_name", True, ""),
    ("legal_rep_id_type", True, "默认居民身份证；港澳台居民或外国人可选择 {id_types}。"),
    ("legal_rep_id_number", True, "证件类型为居民身份证时按 18 位身份证号校验，其他证件按所选类型填写。"),
    ("legal_rep_phone", True, ""),
    ("phone", False, ""),
    ("contact_name", True, "本单位办理网上申报的工作人员。"),
    ("contact_phone", True, "残联审核人员联系单位时使用。"),
    ("business_address", True, ""),
    ("registered_address", True, ""),
]


def employer_field_rows() -> list[dict[str, Any]]:
    facts = {
        "unit_kinds": "、".join(UnitKind.labels),
        "economic_kinds": "、".join(EconomicKind.labels),
        "id_types": "、".join(label for value, label in LegalRepIdType.choices if value != LegalRepIdType.RESIDENT_ID),
    }
    return [
        {"label": _label(Employer, field), "required": required, "note": note.format(**facts)}
        for field, required, note in EMPLOYER_FIELDS
    ]


def related_unit_field_rows() -> list[dict[str, Any]]:
    fields = ["region", "uscc", "tax_registration_no", "organization_code", "name", "phone", "address", "relation"]
    notes = {
        "uscc": "统一社会信用代码、税务登记证号码、组织机构代码至少填写一项。",
        "relation": "选项：" + "、".join(Relation.labels) + "。",
        "region": "关联单位所在的行政区划。",
    }
    required = {"region", "name", "relation"}
    return [
        {"label": _label(RelatedUnit, field), "required": field in required, "note": notes.get(field, "")}
        for field in fields
    ]


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def levy_examples() -> dict[str, str]:
    """The seed's worked example and one with placements, computed (not typed) so the figures add up."""
    staff, ratio, wage, disabled_wage = Decimal(1000), Decimal("1.5"), Decimal(65000), Decimal(5536)
    severe, other = Decimal(24), Decimal(12)  # person-months of 1–2 级 and 3–4 级
    required = staff * ratio / 100
    base_empty = max(required * wage * 12, Decimal(0))
    arranged = (severe * 2 + other) / 12
    base_with = max((required - arranged) * wage * 12, Decimal(0))
    saving = (severe * 2 + other) * (wage - disabled_wage)
    return {
        "staff": f"{staff}",
        "ratio": f"{ratio}",
        "wage": _money(wage),
        "disabled_wage": _money(disabled_wage),
        "severe": f"{severe}",
        "other": f"{other}",
        "required": f"{required.normalize()}",
        "arranged": f"{arranged.normalize()}",
        "base_empty": _money(base_empty),
        "base_with": _money(base_with),
        "saving": _money(saving),
        "cost_severe": _money(severe * disabled_wage),
        "cost_other": _money(other * disabled_wage),
    }


def levy_policy_rows() -> list[dict[str, str]]:
    """The policies the calculator applies, with their periods, as the levy app states them."""
    rows = []
    for rule in RULES:
        until = rule.in_force_to.isoformat() if rule.in_force_to else "至今"
        period = f"{rule.in_force_from.isoformat()} 至 {until}"
        rows.append({"title": rule.title, "source": rule.source, "period": period})
    return rows


# What each 审核状态 means and what the clerk does about it (domain.md §5.4), keyed by placements' status values.
PLACEMENT_STATUS_TEXT = {
    "incomplete": (
        "四个步骤还没有全部完成（包括刚导入的上一年人员），还不是有效的安置登记。",
        "点击编辑，完成第二步至第四步。",
    ),
    "pending": (
        "有勾选的月份正在等待残联审核（上传了工资、社保、医保证明，劳务派遣协议或补充的残疾证件）。",
        "等待审核结果通知。",
    ),
    "approved": (
        "所有勾选的月份均已确认，没有不通过的月份。计数中分为“{system}”（全部由系统自动核验通过）"
        "和“{manual}”（有月份经残联审核通过）。",
        "无需操作。",
    ),
    "partially_rejected": ("部分月份确认、部分月份审核不通过。", "查看不通过原因，可补充材料后重新登记。"),
    "rejected": ("勾选的月份全部审核不通过。", "查看不通过原因，可重新登记或删除。"),
}
DECLARATION_STATUS_TEXT = {
    "filling": "可以添加、编辑、重新登记和删除人员。",
    "declared": "单位已确认承诺书；人员不能再修改；可下载承诺书，第 {days} 个工作日起可下载审核认定书。",
    "sent": "申报结果已发送税务主管部门。",
    "withdrawing": "单位申请了年审申报撤回，等待残联审核；批准后回到“{filling}”，驳回后回到撤回前的状态。",
}
MONTH_REVIEW_TEXT = {
    "auto": "六项核验全部通过，自动确认。",
    "pending": "勾选了有 ✗ 的月份并上传了材料，等待残联审核。",
    "confirmed": "残联审核确认。",
    "rejected": "残联审核不予确认，附原因。",
}


def screen_facts() -> dict[str, Any]:
    """Labels and limits owned by the placements and declarations apps, as their screens show them (the manual is
    a top layer: it reads them from those apps, so a rename there is a rename here)."""
    approved = {PlacementStatus.APPROVED_SYSTEM, PlacementStatus.APPROVED_MANUAL}
    placement_statuses = []
    for status in PlacementStatus:
        if status == PlacementStatus.APPROVED_MANUAL:
            continue
        key = "approved" if status in approved else status.value
        meaning, todo = PLACEMENT_STATUS_TEXT.get(key, ("", ""))
        meaning = meaning.format(
            system=PlacementStatus.APPROVED_SYSTEM.label, manual=PlacementStatus.APPROVED_MANUAL.label
        )
        placement_statuses.append({"label": status.list_label, "meaning": meaning, "todo": todo})
    filling = DeclarationStatus.FILLING.label
    return {
        "placement_statuses": placement_statuses,
        "placement_counters": "、".join(["已登记", *PlacementStatus.labels]),
        "contract_types": " / ".join(ContractType.labels),
        "contract_relations": " / ".join(ContractRelation.labels),
        "retirement_baselines": "或".join(f"“{label}”" for label in RetirementBaseline.labels),
        "declaration_statuses": [
            {
                "label": status.label,
                "meaning": DECLARATION_STATUS_TEXT.get(status.value, "").format(
                    days=CERTIFICATE_WORKING_DAYS, filling=filling
                ),
            }
            for status in DeclarationStatus
        ],
        "declaration_label": {status.value: status.label for status in DeclarationStatus},
        "month_reviews": [
            {"label": review.label, "meaning": MONTH_REVIEW_TEXT.get(review.value, "")}
            for review in MonthReview
            if review != MonthReview.NONE
        ],
        "withdraw_reason_max": WITHDRAWAL_REASON_MAX,
        "certificate_working_days": CERTIFICATE_WORKING_DAYS,
        "declare_url": _url_pattern("declarations:declare", "/placements/declare/", year="<业务年度>"),
        "verify_url": _url_pattern("verify:check", "/verify/<验证码>/", code="<验证码>"),
        "lookup_limits": lookup_limits_text(),
    }


def lookup_limits_text() -> str:
    """The registry 查询 limits as the wizard states them (placements.registry_access), e.g.
    "每 10 分钟最多查询 60 个不同的身份证号，每天最多查询 600 个不同的身份证号"."""
    return "，".join(limit.describe() for limit in limits())


def _url_pattern(name: str, fallback: str, **placeholders: str) -> str:
    """A URL with its parameters shown as placeholders, e.g. ``/declarations/<业务年度>/declare/``."""
    sentinels = {key: f"9{index}9{index}9" for index, key in enumerate(placeholders)}
    try:
        url = reverse(name, kwargs={key: int(value) if key == "year" else value for key, value in sentinels.items()})
    except NoReverseMatch:
        return fallback
    for key, sentinel in sentinels.items():
        url = url.replace(sentinel, placeholders[key])
    return url


def manual_context() -> dict[str, Any]:
    """Everything the chapter templates quote, as plain values (so it can be hashed into the cache key)."""
    chapter_list = chapters()
    screen = screen_facts()
    nav = {key: {"label": label, "url": url, "purpose": NAV_PURPOSES.get(key, "")} for key, label, url in NAVIGATION}
    return {
        "title": "系统操作手册",
        "system_name": "全国残疾人按比例就业情况联网认证",
        "subsystem_name": "网报子系统",
        "version": project_version(),
        "nav": nav,
        "nav_rows": list(nav.values()),
        "chapters": chapter_list,
        "chapter_no": {chapter.key: chapter.number for chapter in chapter_list},
        "appendices": APPENDICES,
        "urls": {
            "login": _url("login", "/accounts/login/"),
            "password_change": _url("password_change", "/accounts/password_change/"),
            "admin": _url("admin:index", "/admin/"),
            "manual_pdf": _url("manual:download", "/manual/manual.pdf"),
            "placements_new": "/placements/new/",
            "placements_import": "/placements/import-last-year/",
            "placements_declare": screen["declare_url"],
            "employer_related": "/employer/related/",
            "verify": screen["verify_url"],
        },
        "limits": {
            "login_failures": int(getattr(settings, "AXES_FAILURE_LIMIT", 5)),
            "lockout_minutes": _lockout_minutes(),
            "password_min_length": _password_min_length(),
            "session_hours": int(settings.SESSION_COOKIE_AGE // 3600),
            "upload_max_mb": int(getattr(settings, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024) // (1024 * 1024)),
            "withdraw_reason_max": screen["withdraw_reason_max"],
            "certificate_working_days": screen["certificate_working_days"],
        },
        "screen": screen,
        "employer_fields": employer_field_rows(),
        "related_unit_fields": related_unit_field_rows(),
        "relations": list(Relation.labels),
        "levy": levy_examples(),
        "levy_policies": levy_policy_rows(),
    }
