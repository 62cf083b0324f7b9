"""残疾人安置管理: the list of a year's persons, its counters, search and paging; /placements/declare/."""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.masking import mask_number
from employers.access import employer_required
from employers.selectors import year_actions
from placements.listing import selectors as ws
from placements.listing.labels import COUNTERS, status_parts
from placements.models import Placement
from placements.registration.rules import placement_actions
from placements.rendered import KeptContent
from placements.web import int_param

# --- the list ----------------------------------------------------------------------------------------------------


@employer_required
def index(request: HttpRequest) -> HttpResponse:
    employer = request.employer
    today = timezone.localdate()
    header = ws.list_header(employer, int_param(request.GET.get("year")), today)
    year, years, filing_year, totals = header.year, header.years, header.filing_year, header.totals
    filters = ws.ListFilters.from_params(request.GET)
    search, status = filters.search, filters.status
    fetched = ws.fetch_list_page(
        employer,
        year,
        search=search,
        status=status,
        page=int_param(request.GET.get("page"), 1) or 1,
        totals=totals,
        status_ids=header.status_ids,
    )
    page = fetched.numbers()
    actions = year_actions(employer, year, today=today)
    counters = [
        {
            "status": value,
            "label": label,
            "count": totals["persons"] if not value else totals.get(f"status_{value}", 0),
            "current": value == status,
        }
        for value, label in COUNTERS
    ]
    keep = {"year": year, **({"q": search} if search else {})}
    context = {
        "title": "残疾人安置管理",
        "keep_query": urlencode(keep),
        "page_query": urlencode({**keep, **({"status": status} if status else {})}),
        "year": year,
        "years": years,
        "filing_year": filing_year,
        "search": search,
        "status": status,
        "status_label": dict(COUNTERS).get(status, ""),
        "totals": totals,
        "counters": counters,
        "page": page,
        "declaration_actions": actions,
        "locked": actions.locked,
    }

    def with_rows() -> dict:
        """The context with the rows' HTML, built from the placements of the fetched rows."""
        prefix = reverse("placements:detail", args=[0])[:-2]  # "/placements/"
        built = fetched.page().rows
        rows = [_list_row(n, p, actions.locked, prefix) for n, p in enumerate(built, start=page.start_index + 1)]
        # joined with the blank lines a {% for %} over them wrote (one string instead of 50 loop rounds)
        html = mark_safe("".join(f"\n          {row.html(actions.locked)}\n          " for row in rows))
        return {**context, "rows": html}

    # The content is rendered from the context alone and kept (placements.rendered) under the context without the
    # rows and, instead of them, the page's rows as the database returned them (the rows' HTML is a function of
    # them and ``locked``): a page asked for again costs no placement objects and no row HTML.
    content = LIST.render({**context, "fetched": (fetched.columns, fetched.rows)}, build=with_rows)
    return render(request, "placements/index.html", {"title": context["title"], "content": content})


LIST = KeptContent("placements/_index.html", kept=32)  # ~300 kB each (the HTML and the 50 rows of the key)


# The list's links are built by string formatting from one reversed prefix (50 rows × 5 links: ``reverse`` per
# link is measurable), and each row's HTML by :meth:`ListRow.html` (every value escaped): an included template per
# row was two thirds of the page's CPU (50 includes, ~600 variable lookups and number localisations).


@dataclass(frozen=True, slots=True)
class ListLink:
    label: str
    href: str
    danger: bool = False


@dataclass(frozen=True, slots=True)
class ListRow:
    """One line of the list, everything the template shows (no query, no method call from the template)."""

    n: int
    pk: int
    deletable: bool  # a checkbox for 批量删除 (the single 删除's rule)
    name: str
    id_number: str  # masked
    cert_no: str  # masked, or —
    n_registered: int
    n_confirmed: int
    n_approved: int
    n_rejected: int
    status: str  # mark and label
    status_note: str
    links: list[ListLink]

    def html(self, locked: bool) -> SafeString:
        """The row's ``<tr>``: a checkbox cell unless ``locked``, the values, the links. Every value is escaped as
        ``django.utils.html.escape`` escapes it (that is ``html.escape``; called directly it skips the lazy-text
        check per value: 50 rows × 10 values, tests/placements/listing)."""
        name = _esc(self.name)
        select = ""
        if not locked:
            box = ""
            if self.deletable:
                box = (
                    f'<input type="checkbox" class="form-check-input" name="ids" value="{self.pk}" id="sel-{self.pk}"'
                    f' aria-describedby="batch-help"><label class="visually-hidden" for="sel-{self.pk}">选择 {name}'
                    "</label>"
                )
            select = f'<td class="pl-select">{box}</td>'
        note = f'<span class="small text-muted">{_esc(self.status_note)}</span>' if self.status_note else ""
        links = " ".join(
            f'<a{' class="text-danger"' if link.danger else ""} href="{_esc(link.href)}"'
            f' aria-label="{_esc(link.label)} {name}">{_esc(link.label)}</a>'
            for link in self.links
        )
        # every value above is escaped or a number
        return mark_safe(
            f'<tr>{select}<td>{self.n}</td><th scope="row" class="fw-normal">{name}</th>'
            f"<td>{_esc(self.id_number)}</td><td>{_esc(self.cert_no)}</td>"
            f'<td class="pl-num">{self.n_registered}</td><td class="pl-num">{self.n_confirmed}</td>'
            f'<td class="pl-num">{self.n_approved}</td><td class="pl-num">{self.n_rejected}</td>'
            f'<td>{_esc(self.status)}{note}</td><td class="pl-ops">{links}</td></tr>'
        )


def _esc(text: str) -> str:
    return html.escape(str(text))


def _list_row(n: int, p: Placement, locked: bool, prefix: str) -> ListRow:
    base = f"{prefix}{p.pk}/"  # "/placements/<pk>/"
    a = placement_actions(p.status, p.wizard_completed, locked or p.frozen)
    links = [ListLink("查看", base)]
    if a.resume:
        links.append(ListLink("继续填写", f"{base}step-{min(max(p.wizard_step, 1), 4)}/"))
    if a.edit:
        links.append(ListLink("编辑", f"{base}step-1/"))
    if a.reregister:
        links.append(ListLink("重新登记", f"{base}reregister/"))
    if a.delete:
        links.append(ListLink("删除", f"{base}delete/", danger=True))
    status, suffix = status_parts(p.status)
    return ListRow(
        n=n,
        pk=p.pk,
        deletable=a.delete,
        name=p.name,
        id_number=mask_number(p.id_number),
        cert_no=mask_number(p.cert_no) or "—",
        n_registered=int(p.n_registered),
        n_confirmed=int(p.n_confirmed),
        n_approved=int(p.n_approved),
        n_rejected=int(p.n_rejected),
        status=status,
        status_note=suffix,
        links=links,
    )


@employer_required
def declare_redirect(request: HttpRequest) -> HttpResponse:
    """/placements/declare/ (the URL map's address of 完成申报): the declarations app's page of the year asked for
    (``?year=``), else of the unit's current filing year (docs/adr/0006)."""
    years, filing_year = ws.year_choices(request.employer, timezone.localdate())
    year = int_param(request.GET.get("year"))
    return redirect("declarations:declare", year=year if year in years else filing_year)
