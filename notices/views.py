"""通知公告 for units: the list (search, pagination, unread markers), the detail page and its attachments."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.uploads import stored_file_response
from employers.access import employer_required
from notices.constants import SEARCH_MAX_CHARS
from notices.selectors import attachment_for_employer, notice_for_employer, notice_page
from notices.services import notice_mark_read


@employer_required
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_CHARS]
    page = notice_page(employer=request.employer, query=query, page=request.GET.get("page"))
    page_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    if getattr(page, "unread_total", None) is not None:
        request._unread_notice_count = page.unread_total  # the badge (notices.context_processors): no query of its own
    return render(
        request,
        "notices/index.html",
        {"title": "通知公告", "page": page, "page_range": page_range, "q": query},
    )


@employer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = notice_for_employer(employer=request.employer, pk=pk)
    notice_mark_read(notice=notice, employer=request.employer)
    return render(
        request,
        "notices/detail.html",
        {"title": notice.title, "notice": notice, "attachments": list(notice.attachments.all())},
    )


@employer_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """An attachment, to units that may see the notice now (published, in scope); everyone else 404. Reviewers
    preview the attachments of a notice not yet published in admin (``/files/<token>/``)."""
    found = attachment_for_employer(employer=request.employer, notice_pk=pk, attachment_pk=attachment_pk)
    return stored_file_response(found.file, inline=request.GET.get("inline") == "1")
