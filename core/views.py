"""Cross-cutting pages: the placeholder for screens not built yet and the region picker's options.

The permission-checked download of stored uploads is ``employers.views.download``: who may see a file depends on
units, accounts and reviewer regions, which live above core (ADR 0010)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.forms import PLACEHOLDERS
from core.selectors import region_options as region_children


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
