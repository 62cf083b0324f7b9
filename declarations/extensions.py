"""申报期延期: a reviewer extends one unit's filing window (domain.md §2); scope checked, audited, the unit notified."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from core import audit, filing
from core.actors import Actor
from core.models import FilingExtension
from declarations.constants import (
    WITHDRAWAL_REASON_MAX,
)
from declarations.services import (
    DeclarationError,
    check_reviewer,
    clean_reason,
    issuer_of,
)
from employers.models import Employer
from notices.constants import NoticeKind
from notices.services import notice_send_to_unit

# --- a unit's filing window extended by a reviewer (domain.md §2) -------------------------------------------------

EXTENSION_MAX_DAYS = 366  # after the province's closing day
EXTENSION_FIRST_YEAR = 1990


def extension_problems(*, employer: Employer, year: int, closes_on: date | None, today: date) -> dict[str, str]:
    """Why this extension cannot be granted, by form field (``{}`` when it can). Pure apart from the window read."""
    if not EXTENSION_FIRST_YEAR <= year < today.year:
        return {"year": f"业务年度须在 {EXTENSION_FIRST_YEAR} 至 {today.year - 1} 之间。"}
    if closes_on is None:
        return {"closes_on": "请填写申报期延长至的日期。"}
    window = filing.filing_window(employer.federation_region_id, year)
    if today < window.opens_on:
        return {"year": f"{year}年度的申报期 {window.opens_on:%Y年%m月%d日} 才开始，开始后才能为单位延期。"}
    if closes_on <= window.closes_on:
        return {
            "closes_on": f"{year}年度的申报期 {window.closes_on:%Y年%m月%d日} 截止；延长至的日期必须晚于该日。",
        }
    if closes_on < today:
        return {"closes_on": "延长至的日期不能早于今天。"}
    if (closes_on - window.closes_on).days > EXTENSION_MAX_DAYS:
        return {"closes_on": f"延期最长 {EXTENSION_MAX_DAYS} 天（自 {window.closes_on:%Y年%m月%d日} 起算）。"}
    return {}


@transaction.atomic
def filing_extend(
    *, employer: Employer, year: int, closes_on: date, reason: str, by: Actor | None, today: date | None = None
) -> FilingExtension:
    """Extend the unit's filing window of ``year`` to ``closes_on`` (create or change the unit's FilingExtension):
    the reviewer must have the unit in scope; audited with before/after; the unit gets a notice."""
    today = today or timezone.localdate()
    check_reviewer(by, employer)
    reason = clean_reason(reason, field="reason", limit=WITHDRAWAL_REASON_MAX, label="延期原因")
    problems = extension_problems(employer=employer, year=year, closes_on=closes_on, today=today)
    if problems:
        field_name, message = next(iter(problems.items()))
        raise DeclarationError(message, field=field_name, code="extension")
    extension = FilingExtension.objects.select_for_update().filter(employer=employer, year=year).first()
    before = extension.closes_on.isoformat() if extension is not None else None
    if extension is None:
        extension = FilingExtension(employer=employer, year=year)
    extension.closes_on, extension.reason = closes_on, reason
    extension.granted_by = by if getattr(by, "is_authenticated", False) else None
    extension.save()
    audit.record(
        actor=by,
        action="declaration.filing_extended",
        obj=extension,
        reason=reason,
        changes={
            "employer": employer.pk,
            "year": year,
            "closes_on": {"before": before, "after": closes_on.isoformat()},
        },
    )
    notice_send_to_unit(
        employer=employer,
        title=f"{year}年度申报期已延长",
        body=(
            f"经{issuer_of(employer)}审核，贵单位 {year} 年度按比例就业年审的申报期已延长至 "
            f"{closes_on:%Y年%m月%d日}。请在此之前完成残疾人安置登记，并在「残疾人安置管理」中点击「完成申报」。\n"
            f"延期原因：{reason}"
        ),
        kind=NoticeKind.DECLARATION,
        by=by,
    )
    return extension
