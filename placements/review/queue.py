"""The review queue's machinery (the placements changelist): paging without COUNT, the prepared rows, the filters
and the per-request helpers. ``placements.admin`` puts it together."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from urllib.parse import quote_plus

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from core.admin_filters import PendingFirstFilter
from core.masking import mask_number
from core.models import Region
from core.numbers import ascii_int
from core.prepared import PreparedQuery, server_list
from employers.access import employer_scope_q, reviewer_region_prefix
from employers.models import Employer, ReviewerProfile
from placements.grid.checks import CHECK_LABELS, CHECKS
from placements.review.selectors import DOCUMENTS, awaiting_review_q, failing_check_q, overdue_q, queue_stats


def load_reviewer(request: HttpRequest) -> None:
    """Read the reviewer's profile and region in one query and cache them on the user (the scope checks then cost
    nothing more)."""
    user = request.user
    if user.is_superuser or not user.is_authenticated:
        return
    related = ReviewerProfile._meta.get_field("user").remote_field  # the reverse side: user.reviewer_profile
    if related.is_cached(user):
        return
    found = _profile_prepared(user.pk)
    related.set_cached_value(user, found[0] if found else None)


def _profile_of(user_id: int):
    return ReviewerProfile.objects.select_related("region").filter(user_id=user_id).order_by("pk")[:1]


_profile_prepared = PreparedQuery(_profile_of, ((-740001,), (-740002,)))  # compiled and prepared once (core.prepared)


def request_cache(request: HttpRequest) -> dict:
    """A dict living as long as the request (the working calendar read once for the filter and the rows)."""
    return request.__dict__.setdefault("_review_cache", {})


# --- the queue's paging: no COUNT ---------------------------------------------------------------------------------


class LookaheadPaginator(Paginator):
    """Fetches one page plus one row instead of counting: ``count`` is exact on the last page and a lower bound
    (``offset + per_page + 1``) before it, which is all "next page" needs. One query per page view."""

    def __init__(self, object_list, per_page: int, *, number: int = 1, prepare: bool = False) -> None:
        super().__init__(object_list, per_page, allow_empty_first_page=True)
        self.number = max(int(number), 1)
        self.prepare = prepare

    @cached_property
    def fetched(self) -> list:
        offset = (self.number - 1) * self.per_page
        page = self.object_list[offset : offset + self.per_page + 1]
        # The default view's first page is prepared on the server (PostgreSQL plans it once per session instead of
        # on every view). Not the other pages (OFFSET: one statement a page) nor each filter's own text: the
        # session's prepared statements are bounded (core.prepared.MAX_STATEMENTS) and shared with every page.
        return server_list(page) if offset == 0 and self.prepare else list(page)

    @property
    def rows(self) -> list:
        return self.fetched[: self.per_page]

    @property
    def has_next(self) -> bool:
        return len(self.fetched) > self.per_page

    @cached_property
    def count(self) -> int:
        return (self.number - 1) * self.per_page + len(self.fetched)

    @cached_property
    def num_pages(self) -> int:
        return max(self.number, math.ceil(self.count / self.per_page)) if self.count else 1


_MARKUP = re.compile("[&<>\"']")


@dataclass(slots=True)
class QueueRow:
    """One row of the queue table, every text prepared once (the template only prints it)."""

    pk: int
    submitted: str
    waiting: str
    overdue: bool
    unit: str
    uscc: str
    unit_url: str
    name: str
    masked_id: str
    year: int
    months: str
    failing: str
    documents: str
    review_url: str
    change_url: str

    def html(self) -> SafeString:
        """The row of the queue table (written here rather than in the template: 50 rows of 15 values through the
        template engine, or through format_html, were 4–5 ms of the page's CPU). Every value is escaped."""
        texts = [str(getattr(self, name)) for name in self.__slots__]
        if _MARKUP.search("".join(texts)):  # most rows have nothing to escape: one search instead of 15 escapes
            texts = [html.escape(text) for text in texts]
        e = dict(zip(self.__slots__, texts, strict=True))
        waiting = (
            f'<strong class="review-overdue">{e["waiting"]}</strong>' if self.overdue else f"已等待 {e['waiting']}"
        )
        documents = f"<div>待审核证件/协议：{e['documents']}</div>\n" if self.documents != "—" else ""
        return SafeString(
            "<tr>\n"
            f'<td><span class="nowrap">{e["submitted"]}</span><br>{waiting}</td>\n'
            f'<td>{e["unit"]}<br><span class="quiet">{e["uscc"]}</span> '
            f'<a href="{e["unit_url"]}" title="只看该单位的待审核人员">只看该单位</a></td>\n'
            f'<th scope="row"><span class="nowrap">{e["name"]}（{e["year"]}年度）</span><br>'
            f'<span class="nowrap quiet">{e["masked_id"]}</span></th>\n'
            f"<td>\n<div>待审核月份：{e['months']}</div>\n<div>未通过核验项：{e['failing']}</div>\n{documents}</td>\n"
            f'<td class="nowrap"><a class="button" href="{e["review_url"]}" aria-label="审核 {e["name"]}">审核</a> '
            f'<a href="{e["change_url"]}">详情</a></td>\n'
            "</tr>"
        )

    @classmethod
    def of(cls, p: QueueItem, stats, *, base: str, unit_url: str) -> QueueRow:
        w = stats.waiting
        return cls(
            pk=p.pk,
            submitted=f"{timezone.localtime(p.submitted_at):%Y-%m-%d %H:%M}" if p.submitted_at else "未提交",
            waiting=w.text if w else "—",
            overdue=bool(w and w.overdue),
            unit=p.employer_name,
            uscc=p.employer_uscc,
            unit_url=unit_url,
            name=p.name,
            masked_id=mask_number(p.id_number),
            year=p.year,
            months=stats.months_text,
            failing="、".join(stats.failing) or "—",
            documents=stats.documents_text,
            review_url=f"{base}{p.pk}/review/",
            change_url=f"{base}{p.pk}/change/",
        )


class QueueItem(NamedTuple):
    """One placement of the queue's page: what its row and statistics read (QueueRow.of, queue_stats)."""

    pk: int
    submitted_at: datetime | None
    name: str
    id_number: str
    year: int
    employer_id: int
    employer_name: str
    employer_uscc: str


# QueueItem's columns. Read as tuples: a placement and its unit have ~60 columns, and 51 of each built into model
# objects (deferred ones, with ``only``) were ~3 ms of the page's CPU (bench/page_cpu.py).
ROW_FIELDS = ("pk", "submitted_at", "name", "id_number", "year", "employer_id", "employer__name", "employer__uscc")
_UNIT_SLOT = "UNITSLOT0"  # letters and digits: urlencode leaves it as it is


class QueueChangeList(ChangeList):
    """The changelist with :class:`LookaheadPaginator` and the per-row queue stats (two queries for a page)."""

    def get_query_string(self, new_params=None, remove=None):
        """Django's, without its general ``urlencode``: the filters ask for ~40 links a view, ~1 ms of the page's
        CPU. Parameters of other types than text, whole numbers, truth values and lists of text go to Django's
        (tests/placements/review/test_queue_speed.py holds the two equal)."""
        params = self.filter_params.copy()
        for prefix in remove or ():
            for key in [k for k in params if k.startswith(prefix)]:
                del params[key]
        for key, value in (new_params or {}).items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        parts = []
        for key, value in sorted(params.items()):
            if type(key) is not str:
                return super().get_query_string(new_params, remove)
            if type(value) is list and all(type(v) is str for v in value):
                name = quote_plus(key)
                parts.extend(f"{name}={quote_plus(v)}" for v in value)
            elif type(value) in (str, int, bool):
                parts.append(f"{quote_plus(key)}={quote_plus(str(value))}")
            else:
                return super().get_query_string(new_params, remove)
        return "?" + "&".join(parts)

    def get_results(self, request):
        self.page_num = max(self.page_num, 1)
        queryset = self.queryset.values_list(*ROW_FIELDS)
        default = not self.filter_params  # the page as the queue opens: no filter, search or ordering chosen
        paginator = LookaheadPaginator(queryset, self.list_per_page, number=self.page_num, prepare=default)
        if not paginator.rows and self.page_num > 1:
            # Past the end (the queue shrank meanwhile): show the last page that has rows.
            self.page_num = max(1, math.ceil(self._count_up_to(paginator) / self.list_per_page))
            paginator = LookaheadPaginator(queryset, self.list_per_page, number=self.page_num)
        rows = [QueueItem._make(row) for row in paginator.rows]
        stats = queue_stats(rows, cache=request_cache(request))
        base = reverse("admin:placements_placement_changelist")
        # 只看该单位: this page's query string with the unit set and the page dropped, built once (the admin's
        # get_query_string copies and encodes every parameter: ~30 µs a row) and given each row's unit.
        unit_url = self.get_query_string({UnitFilter.parameter_name: _UNIT_SLOT}, [PAGE_VAR])
        slot = f"{UnitFilter.parameter_name}={_UNIT_SLOT}"  # a typed search "unit=…" would be encoded: no clash
        self.queue_rows = []
        for item in rows:
            row_url = unit_url.replace(slot, f"{UnitFilter.parameter_name}={item.employer_id}")
            self.queue_rows.append(QueueRow.of(item, stats[item.pk], base=base, unit_url=row_url))
        self.paginator = paginator
        self.result_list = rows
        self.result_count = paginator.count
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = False
        self.can_show_all = False
        self.multi_page = paginator.has_next or self.page_num > 1
        self.has_next = paginator.has_next
        self.prev_url = self.get_query_string({PAGE_VAR: self.page_num - 1}) if self.page_num > 1 else ""
        self.next_url = self.get_query_string({PAGE_VAR: self.page_num + 1}) if paginator.has_next else ""

    def _count_up_to(self, paginator: LookaheadPaginator) -> int:
        """Rows before the requested page (bounded: counts at most up to that page's offset)."""
        offset = (paginator.number - 1) * self.list_per_page
        return len(self.queryset.values_list("pk", flat=True)[:offset])


# --- filters -----------------------------------------------------------------------------------------------------


class QueueFilter(PendingFirstFilter):
    title = "审核事项"
    all_label = "全部安置登记"

    def pending(self, request, queryset):
        return queryset.filter(awaiting_review_q())


class AgeFilter(admin.SimpleListFilter):
    title = "等待时间"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("overdue", "已超期（超过5个工作日）"), ("recent", "未超期")]

    def queryset(self, request, queryset):
        if self.value() in ("overdue", "recent"):
            return queryset.filter(overdue_q(self.value() == "overdue", cache=request_cache(request)))
        return queryset


class CheckFilter(admin.SimpleListFilter):
    title = "未通过核验项"
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [*((c, CHECK_LABELS[c]) for c in CHECKS if c != "age"), (DOCUMENTS, "补录残疾证 / 劳务派遣协议")]

    def queryset(self, request, queryset):
        value = self.value()
        if value in CHECKS or value == DOCUMENTS:
            return queryset.filter(failing_check_q(value))
        return queryset


def _prefix_of(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


class RegionFilter(admin.SimpleListFilter):
    """The reviewer's sub-regions (残联主管部门 of the unit): the next level down, and the level below a chosen one.
    A municipality's single 市辖区 is skipped so its districts show at once. One query."""

    title = "所属区域"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        user = request.user
        own = getattr(getattr(user, "reviewer_profile", None), "region", None)
        prefix = reviewer_region_prefix(user) or ""
        chosen = self.value() or ""
        if not (chosen.isdigit() and len(chosen) == 6 and chosen.startswith(prefix)):
            chosen = ""
        base = chosen or (own.code if own is not None and not user.is_superuser else "")
        if base:
            # The base, its children and grandchildren all share its code's prefix (GB/T 2260): one range on the
            # primary key, then the two levels picked here. (``parent_id = base OR parent.parent_id = base`` joined
            # the whole region table to itself: 2 ms of PostgreSQL on every queue view.)
            prefix = _prefix_of(base)
            lo, hi = prefix.ljust(6, "0"), prefix.ljust(6, "9")
            within = [RegionRow(*row) for row in _regions_between(lo, hi)]
            children = {r.code for r in within if r.parent_id == base}  # abolished ones too: their children count
            regions = [
                r
                for r in within
                if not r.abolished and (r.code == chosen or r.parent_id == base or r.parent_id in children)
            ]
        else:
            regions = [
                RegionRow(*row)
                for row in Region.objects.filter(Q(code=chosen) | Q(parent__isnull=True), abolished=False)
                .order_by("code")
                .values_list(*RegionRow._fields)
            ]
        children = [r for r in regions if r.parent_id == base] if base else regions
        if len(children) == 1:  # e.g. 北京市 → 市辖区: show the districts
            only = children[0].code
            children = [r for r in regions if r.parent_id == only] or children
        choices = [(r.code, r.name) for r in children if r.code != chosen]
        if chosen:
            label = next((r.name for r in regions if r.code == chosen), chosen)
            choices.insert(0, (chosen, f"{label}（当前）"))
        return choices

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value.isdigit() and len(value) == 6:
            return queryset.filter(employer__federation_region__code__startswith=_prefix_of(value))
        return queryset


class RegionRow(NamedTuple):
    code: str
    name: str
    parent_id: str | None
    abolished: bool


def _regions_in(lo: str, hi: str):
    return Region.objects.filter(code__gte=lo, code__lte=hi).order_by("code").values_list(*RegionRow._fields)


_regions_between = PreparedQuery(_regions_in, (("~a", "~b"), ("~c", "~d")))  # on every queue view: compiled once


class UnitFilter(admin.SimpleListFilter):
    """One unit, chosen from a row's 「只看该单位」 link (a list of every unit would not scale)."""

    title = "用人单位"
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        value = self.value() or ""
        pk = ascii_int(value)
        if pk is None:
            return []
        employer = Employer.objects.filter(employer_scope_q(request.user, ""), pk=pk).only("name").first()
        return [(value, employer.name)] if employer else [(value, "（不在本辖区）")]

    def queryset(self, request, queryset):
        pk = ascii_int(self.value() or "")
        if pk is not None:
            return queryset.filter(employer_id=pk)
        return queryset


class YearFilter(admin.SimpleListFilter):
    title = "业务年度"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        this = timezone.localdate().year
        return [(str(y), f"{y}年度") for y in range(this, this - 4, -1)]

    def queryset(self, request, queryset):
        year = ascii_int(self.value() or "", digits=4)
        if year is not None:
            return queryset.filter(year=year)
        return queryset
