"""Demo data of the declarations app.

The demo unit's business year (``ctx["year"]``) stays undeclared so the clerk can try 完成申报 themselves. An earlier
year that has placements (if the placements demo made any) is declared, so the buttons after 完成申报 (下载承诺书,
下载审核认定书, 年审申报撤回) and the public verification page can be seen too. Idempotent: a year with a declaration
is left alone; a year that cannot be declared (nothing there, or persons still 资料待完善 / 待审核) is skipped.
"""

from core import filing
from declarations import services
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
    if not lines:
        return f"{year}年度保持「填报中」，可在「残疾人安置管理」中试用「完成申报」；没有更早年度的安置登记，未创建申报"
    return "；".join([*lines, f"{year}年度保持「填报中」"])
