"""The 系统操作手册: an HTML page (contents + full text, the accessible version) and the PDF download.

Both are public: the manual holds no unit's or person's data, and a clerk needs it before the first login
(ADR 0005). The PDF is built once per deploy and then served from the cache file (``manual.build``).
"""

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from core.pdf import pdf_response
from manual.build import PDF_FALLBACK_FILENAME, PDF_FILENAME, get_manual_pdf, render_body
from manual.content import manual_context
from manual.outline import nest_outline


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    context = manual_context()
    body, toc = render_body(context)
    context.update(body=mark_safe(body), toc_tree=nest_outline(toc))
    return render(request, "manual/index.html", context)


@require_safe
def download(request: HttpRequest) -> HttpResponse:
    manual = get_manual_pdf()
    etag = f'"manual-{manual.fingerprint}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = pdf_response(
            manual.content,
            PDF_FILENAME,
            fallback=PDF_FALLBACK_FILENAME,
            inline=request.GET.get("inline") == "1",
            private=False,
        )
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    return response
