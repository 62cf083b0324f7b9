"""统计分析 (admin): the statistics of ``declarations.statistics`` for the reviewer's region and a business year, as
an accessible table (caption, header cells with scope, a total row). Reached from the 年审申报 list
(``admin/declarations/declaration/statistics/``); scoped to the reviewer's region like every admin page."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone

from core.models import Region
from declarations.admin_unfiled import selected_year
from declarations.statistics import region_statistics, total_row
from employers.access import reviewer_region_prefix


def statistics_view(request, *, model_admin):
    prefix = reviewer_region_prefix(request.user)
    if prefix is None:
        raise PermissionDenied
    year = selected_year(request)
    rows = region_statistics(prefix=prefix, year=year)
    region = Region.objects.filter(code=prefix.ljust(6, "0")).first() if prefix else None
    last = timezone.localdate().year
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{year}年度按比例就业统计",
        "opts": model_admin.model._meta,
        "year": year,
        "years": list(range(last, last - 6, -1)),
        "region_name": str(region) if region is not None else "全国",
        "rows": rows,
        "total": total_row(rows),
        "chart": {
            "regions": [r.name for r in rows],
            "units": [r.units for r in rows],
            "declared": [r.declared for r in rows],
            "sent": [r.sent for r in rows],
        },
    }
    return TemplateResponse(request, "admin/declarations/statistics.html", context)
