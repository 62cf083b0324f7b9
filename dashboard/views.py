"""首页: the unit's year at a glance (domain.md §9). Reads only; every figure comes from ``dashboard.selectors``."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboard import rendered, selectors


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The employer's home page; a login without a unit (a reviewer) gets a pointer to the admin."""
    employer = selectors.home_employer(request.user)
    if employer is None:
        return render(request, "dashboard/no_unit.html", {"title": "首页"})
    request.employer = employer
    home = selectors.home_page(
        employer=employer,
        requested_year=request.GET.get("year"),
        today=timezone.localdate(),
        now=timezone.now(),
    )
    # The navigation badge (notices.selectors.unread_count_for_request) reads this cache: the count came with the
    # notices, so the badge costs no query of its own.
    request._unread_notice_count = home.notices.unread_total
    # The content is rendered from ``home`` alone and kept under its fingerprint (dashboard.rendered).
    return render(request, "dashboard/index.html", {"title": "首页", "content": rendered.home_content(home)})
