"""Downloads of the declaration's documents that are rendered on each request (not stored): the 注销业务申请书.

Permission as the other downloads (``declarations.views``): an employer login, the unit's own declared year, else 404.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.pdf import pdf_response
from declarations.documents import render_cancellation
from declarations.models import Declaration
from employers.access import employer_required
from employers.declaration_states import LOCKED_STATUSES


@employer_required
@require_GET
def cancellation_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """下载注销业务申请书 (the manual's toolbar after 完成申报)."""
    declaration = get_object_or_404(
        Declaration.objects.select_related("current__declaration"),
        employer=request.employer,
        year=year,
        status__in=LOCKED_STATUSES,
        current__isnull=False,
    )
    pdf = render_cancellation(declaration.current, today=timezone.localdate())
    return pdf_response(pdf, f"{year}年度注销业务申请书.pdf", fallback=f"cancellation-{year}.pdf")
