"""Cross-cutting pages: the placeholder for screens not built yet, and permission-checked file downloads."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from core.forms import PLACEHOLDERS
from core.models import StoredFile
from core.otp import second_factor_ok
from core.selectors import region_options as region_children
from employers.access import employer_for_user, reviewer_region_prefix


@login_required
def under_construction(request: HttpRequest, title: str = "") -> HttpResponse:
    return render(request, "core/under_construction.html", {"title": title or "建设中"})


@login_required
def region_options(request: HttpRequest) -> HttpResponse:
    """htmx: the ``<option>``s of the next select of a region picker (``?source=<select name>&level=1|2``).

    The changed select sends its own value under its name; ``source`` says which parameter that is. ``clear`` is
    the id of the grandchild select, emptied out-of-band when the province changes.
    """
    source = request.GET.get("source", "")
    parent = request.GET.get(source, "") if source else ""
    level = 2 if request.GET.get("level") == "2" else 1
    regions = region_children([parent])[parent] if parent.isdigit() and len(parent) == 6 else []
    clear = request.GET.get("clear", "")
    context = {
        "regions": regions,
        "placeholder": PLACEHOLDERS[level],
        "clear": clear if clear.replace("_", "").replace("-", "").isalnum() else "",
        "clear_placeholder": PLACEHOLDERS[2],
    }
    return render(request, "core/region_options.html", context)


def _may_view(user, stored: StoredFile) -> bool:
    if stored.public:
        return True
    if not user.is_authenticated:
        return False
    employer = employer_for_user(user)
    if employer is not None:
        return stored.employer_id == employer.pk
    if not second_factor_ok(user):
        return False  # a reviewer who typed the password but not yet the TOTP code
    prefix = reviewer_region_prefix(user)
    if prefix is None:
        return False
    if prefix == "" or stored.employer_id is None:
        return user.is_staff
    return stored.employer is not None and stored.employer.federation_region_id.startswith(prefix)


@xframe_options_sameorigin
def download(request: HttpRequest, token: str) -> HttpResponse:
    """Serve a stored upload to whoever may see it; everyone else gets 404 (not 403: no existence oracle)."""
    stored = get_object_or_404(StoredFile.objects.select_related("employer"), token=token)
    if not _may_view(request.user, stored):
        raise Http404
    inline = request.GET.get("inline") == "1"
    try:
        handle = stored.file.open("rb")
    except OSError:  # missing from storage
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=stored.content_type,
        as_attachment=not inline,
        filename=stored.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
