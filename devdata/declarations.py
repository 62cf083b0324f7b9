"""Demo data of the declarations app.

The demo unit's business year (``ctx["year"]``) stays undeclared so the clerk can try 完成申报 themselves. An earlier
year that has placements (if the placements demo made any) is declared, so the buttons after 完成申报 (下载承诺书,
下载审核认定书, 年审申报撤回) and the public verification page can be seen too. Idempotent: a year with a declaration
is left alone; a year that cannot be declared (nothing there, or persons still 资料待完善 / 待审核) is skipped.
"""

from datetime import timedelta

from django.utils import timezone

from core import filing
from declarations import extensions, services
from declarations.models import Declaration
from placements.models import Placement


def load_demo(ctx) -> str:
    employer, year = ctx["employer"], ctx["year"]
    earlier = sorted(
        set(Placement.objects.filter(employer=employer, year__lt=year).values_list("year", flat=True)), reverse=True
    )
    done = set(Declaration.objects.filter(employer=employer, year__in=earlier).values_list("year", flat=True))
    lines = []
    for past in earlier:
        if past in done:
            lines.append(f"{past}年度已有申报记录，未改动")
            continue
        window = filing.filing_window(employer.federation_region_id, past)
        try:
            submission = services.declaration_declare(
                employer=employer, year=past, by=ctx.get("employer_user"), today=window.closes_on
            )
        except services.DeclarationError as error:
            lines.append(f"{past}年度未申报：{error.message}")
            continue
        lines.append(
            f"{past}年度已完成申报，认定书编号 {submission.certificate_no}，验证码 {submission.verification_code}"
        )
    extension = _extend_closed_window(ctx)
    if extension:
        lines.append(extension)
    if not lines:
        return f"{year}年度保持「填报中」，可在「残疾人安置管理」中试用「完成申报」；没有更早年度的安置登记，未创建申报"
    return "；".join([*lines, f"{year}年度保持「填报中」"])


DEMO_EXTENSION_DAYS = 60


def _extend_closed_window(ctx) -> str:
    """When the demo year's filing window has already closed today, the demo reviewer extends the demo unit's window
    (as a 残联 would for a late unit), so 完成申报 can be tried on a first run. Before the window opens nothing can
    be done: the extension only moves the closing day."""
    employer, year = ctx["employer"], ctx["year"]
    today = ctx.get("today") or timezone.localdate()
    window = filing.unit_filing_window(employer, year)
    if window.contains(today) or today < window.opens_on:
        return ""
    closes_on = today + timedelta(days=DEMO_EXTENSION_DAYS)
    if extensions.extension_problems(employer=employer, year=year, closes_on=closes_on, today=today):
        return ""
    extensions.filing_extend(
        employer=employer,
        year=year,
        closes_on=closes_on,
        reason="演示数据：申报期已截止，为演示单位延期，以便试用「完成申报」。",
        by=ctx.get("reviewer"),
        today=today,
    )
    return f"{year}年度申报期已截止，演示审核员已将演示单位的申报期延长至 {closes_on:%Y年%m月%d日}"
