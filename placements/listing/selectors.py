"""The list page (残疾人安置管理): the year choices, the header with the year's totals (cached by a fingerprint),
the search and the page of rows (one SQL statement each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Count, Max, Q, Window
from django.db.models.query import RawQuerySet
from django.db.models.sql.query import RawQuery

from core import prepared
from core.filing import Window as FilingWindowRule
from core.filing import pick_filing_year, province_of, unit_filing_year
from core.models import FilingExtension, FilingWindow
from employers.models import Employer
from placements import counting
from placements.constants import PlacementStatus
from placements.models import GridChange, Placement
from placements.selectors import placement_totals

PAGE_SIZE = 50
SEARCH_MAX = 50

# --- the list ----------------------------------------------------------------------------------------------------


def year_choices(employer: Employer, today: date) -> tuple[list[int], int]:
    """(years offered by the 业务年度 picker, newest first; the current filing year, the unit's extended windows
    included). Three queries."""
    filing_year = unit_filing_year(employer, today)
    years = set(Placement.objects.filter(employer=employer).order_by().values_list("year", flat=True).distinct())
    years.add(filing_year)
    return sorted(years, reverse=True), filing_year


@dataclass(frozen=True)
class ListHeader:
    years: list[int]  # the 业务年度 picker: years with data plus the current filing year, newest first
    filing_year: int
    year: int  # the year shown
    totals: dict[str, int]  # as placements.selectors.placement_totals
    status_ids: dict[str, list[int]] | None = None  # the year's placement ids by status, in id order


# The header's per-status row: count, then these sums (counting.YEAR_TOTALS over the counted placements).
TOTAL_KEYS = ("persons", "persons_confirmed", *counting.YEAR_TOTALS)
TOTALS_CACHE_SECONDS = 30
_NO_FINGERPRINT = (-1, -1, -1, None)


def list_header(employer: Employer, requested: int | None, today: date) -> ListHeader:
    """The picker's years, the current filing year and the shown year's totals — in ONE query when the shown year
    is the one asked for (or, with none asked, the previous calendar year, the usual filing year).

    A UNION ALL of (a) the unit's years with data, each with a fingerprint of its placements (count, Σ version,
    max id, last change), (b) the open filing windows of its province (core.filing's rule) and the unit's own
    extended windows still open (core.FilingExtension) and (c) the year's
    placements with their month counts and derived status (PlacementQuerySet.with_status, the same definition as
    placement_totals), which are summed here into the totals and the status counters. A second query (the totals
    of another year) runs only when the guess was wrong.

    Part (c) aggregates every month of the year (60,000 rows for a unit with 5,000 persons), so its result — the
    totals and the ids by status, which the status filters page through — is kept for
    :data:`TOTALS_CACHE_SECONDS` with the fingerprint it was computed at, and the statement skips part (c) (a
    one-time filter) while the fingerprint is unchanged. Every action of the clerk or a reviewer bumps a
    placement's ``version``, adds or removes one, and a background grid recompute (after a feed import) sets the
    ``changed_at`` of the unit's year (placements.models.GridChange; inside a transaction a placement's
    ``updated_at``: grid.marks.mark_changed), which the last change takes when later than the placements'
    ``updated_at``, so the counters follow all of them at once; the
    expiry only bounds how long a direct SQL edit of the months, which bypasses both, could show. The rows of the
    list are always computed fresh.
    """
    guess = requested if requested is not None and 1990 <= requested <= today.year + 1 else today.year - 1
    province = province_of(employer.federation_region_id)
    key = f"placements:list-totals:{employer.pk}:{guess}"
    cached = cache.get(key)
    rows = _header_rows(employer, guess, province, today, cached[0] if cached else _NO_FINGERPRINT)
    fingerprints = {row[1]: (*row[2:5], row[-3]) for row in rows if row[0] == "y"}
    windows = [FilingWindowRule(province, row[1], today, today, True) for row in rows if row[0] == "w"]
    filing_year = pick_filing_year(windows, today)
    years = sorted(set(fingerprints) | {filing_year}, reverse=True)
    year = requested if requested in years else filing_year
    if year != guess:
        return ListHeader(years, filing_year, year, placement_totals(employer, year))
    fingerprint = fingerprints.get(year)
    if cached and fingerprint is not None and cached[0] == fingerprint:
        return ListHeader(years, filing_year, year, dict(cached[1]), cached[2])
    totals, status_ids = _sum_statuses([row for row in rows if row[0] == "s"])
    if fingerprint is not None:
        cache.set(key, (fingerprint, totals, status_ids), TOTALS_CACHE_SECONDS)
    return ListHeader(years, filing_year, year, totals, status_ids)


def _sum_statuses(rows: list[tuple]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """The totals and the ids by status from the per-status rows ('s', count, persons_confirmed, registered,
    confirmed, approved, rejected, -, status, "id,id,…")."""
    totals = dict.fromkeys((*TOTAL_KEYS, *(f"status_{v}" for v in PlacementStatus.values)), 0)
    status_ids: dict[str, list[int]] = {v: [] for v in PlacementStatus.values}
    for row in rows:
        count, status = int(row[1]), row[-2]
        totals["persons"] += count
        for offset, name in enumerate(TOTAL_KEYS[1:], start=2):
            totals[name] += int(row[offset] or 0)
        totals[f"status_{status}"] += count
        status_ids[status] = sorted(int(i) for i in (row[-1] or "").split(",") if i)
    return totals, status_ids


# Stand-ins for the unit and the year while compiling the header's statement once per process (see _header_sql).
_EMPLOYER_SLOT, _YEAR_SLOT = 918_273_645_019, 32_109  # in range of the columns, never real values


@lru_cache(maxsize=4)
def _header_sql(vendor: str) -> tuple[str, tuple]:
    """The header statement and its parameters with the unit and the year as stand-ins (:data:`_EMPLOYER_SLOT`,
    :data:`_YEAR_SLOT`). Compiling PlacementQuerySet.with_status costs more than running it for a small unit, and
    the statement only differs by those values. Columns: kind, key (a year or a count), five numbers, last change,
    status, ids. Parameters, in order: unit, province, today, today, unit, today, the inner query's,
    "no fingerprint yet", the year's fingerprint as last computed (count, Σ version, max id, last change), year."""
    qn = connection.ops.quote_name
    inner = (
        Placement.objects.filter(employer_id=_EMPLOYER_SLOT, year=_YEAR_SLOT)
        .with_status()
        .values("id", "status", counting.YEAR_FIELD, *(f"n_{name}" for name in counting.YEAR_TOTALS))
        .order_by()
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    counted = f"t.{qn(counting.YEAR_FIELD)}"  # counting.counts_toward_year
    sums = ", ".join(
        [f"COALESCE(SUM(CASE WHEN {counted} AND t.{qn('n_confirmed')} > 0 THEN 1 ELSE 0 END), 0)"]
        + [f"COALESCE(SUM(CASE WHEN {counted} THEN t.{qn('n_' + name)} ELSE 0 END), 0)" for name in TOTAL_KEYS[2:]]
    )
    ids = (
        f"STRING_AGG(CAST(t.{qn('id')} AS TEXT), ',')" if vendor == "postgresql" else f"GROUP_CONCAT(t.{qn('id')}, ',')"
    )
    placement_table = qn(Placement._meta.db_table)
    window_table = qn(FilingWindow._meta.db_table)
    extension_table = qn(FilingExtension._meta.db_table)
    # The last change: the placements' latest updated_at, or the year's last recompute change when later.
    change_table = qn(GridChange._meta.db_table)
    last_change = (
        f"CASE WHEN MAX(g.{qn('changed_at')}) > MAX(p.{qn('updated_at')}) THEN MAX(g.{qn('changed_at')}) "
        f"ELSE MAX(p.{qn('updated_at')}) END"
    )
    fingerprint = f"COUNT(*), COALESCE(SUM(p.{qn('version')}), 0), COALESCE(MAX(p.{qn('id')}), 0)"
    sql = (
        f"WITH y (k, n, v, m, u) AS (SELECT p.{qn('year')}, {fingerprint}, {last_change} FROM {placement_table} p "
        f"LEFT JOIN {change_table} g "
        f"ON g.{qn('employer_id')} = p.{qn('employer_id')} AND g.{qn('year')} = p.{qn('year')} "
        f"WHERE p.{qn('employer_id')} = %s GROUP BY p.{qn('year')}) "
        f"SELECT 'y' AS kind, k, n, v, m, 0, 0, u, NULL, NULL FROM y "
        f"UNION ALL SELECT 'w', {qn('business_year')}, 0, 0, 0, 0, 0, NULL, NULL, NULL FROM {window_table} "
        f"WHERE {qn('province_code')} = %s AND {qn('opens_on')} <= %s AND {qn('closes_on')} >= %s "
        f"UNION ALL SELECT 'w', {qn('year')}, 0, 0, 0, 0, 0, NULL, NULL, NULL FROM {extension_table} "
        f"WHERE {qn('employer_id')} = %s AND {qn('closes_on')} >= %s "
        f"UNION ALL SELECT 's', COUNT(*), {sums}, NULL, t.{qn('status')}, {ids} FROM ({inner_sql}) t "
        f"WHERE %s OR NOT ((%s, %s, %s, %s) = (SELECT n, v, m, u FROM y WHERE k = %s)) GROUP BY t.{qn('status')}"
    )
    return sql, tuple(inner_params)


def _header_rows(employer: Employer, year: int, province: str, today: date, fingerprint: tuple) -> list[tuple]:
    sql, tail = _header_sql(connection.vendor)
    slots = {_EMPLOYER_SLOT: employer.pk, _YEAR_SLOT: year}
    inner = [slots.get(v, v) if isinstance(v, int) else v for v in tail]
    params = [
        employer.pk,
        province,
        today,
        today,
        employer.pk,
        today,
        *inner,
        fingerprint[-1] is None,
        *fingerprint,
        year,
    ]
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def normalise_search(text: str | None) -> str:
    return (text or "").strip()[:SEARCH_MAX]


def _search_q(search: str) -> Q:
    return Q(id_number=search.upper()) | Q(name__contains=search)


@dataclass
class ListPage:
    rows: list[Placement]
    number: int
    count: int
    page_size: int = PAGE_SIZE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size


def list_page(
    employer: Employer,
    year: int,
    *,
    search: str = "",
    status: str = "",
    page: int = 1,
    totals: dict[str, int],
    status_ids: dict[str, list[int]] | None = None,
) -> ListPage:
    """One page of the list (§4), one query. Each row has ``n_registered`` / ``n_confirmed`` / ``n_approved`` /
    ``n_rejected``, ``status`` and ``cert_no`` (unmasked: the template masks it).

    ``totals`` (placement_totals of the year) gives the row count of an unfiltered list or of a status filter, so no
    COUNT query is needed; with a search the count comes from a window over the same query. The statement is
    compiled once per page offset and kind of filter (:func:`_rows_sql`) and run as a raw query.
    """
    fetched = fetch_list_page(
        employer, year, search=search, status=status, page=page, totals=totals, status_ids=status_ids
    )
    return fetched.page()


@dataclass(frozen=True)
class FetchedPage:
    """A list page's rows as the database returned them (:func:`fetch_list_page`): ``rows`` and ``columns`` say
    everything :meth:`page` builds its placements from, so a page made of the same rows is the same page."""

    number: int
    count: int | None  # None: the search's window count of the first row
    sql: str
    params: tuple
    columns: tuple  # the cursor's description
    rows: tuple[tuple, ...]

    def numbers(self) -> ListPage:
        """The page's numbers without its placements (the count of a search: its window column in the first row)."""
        count = self.count
        if count is None:
            at = next(i for i, column in enumerate(self.columns) if column[0] == "full_count")
            count = self.rows[0][at] if self.rows else 0
        return ListPage([], self.number, count)

    def page(self) -> ListPage:
        """The :class:`ListPage` with its placements (built by Django's RawQuerySet from these rows)."""
        rows = []
        if self.sql:
            rows = list(RawQuerySet(self.sql, Placement, query=_FetchedRawQuery(self), params=self.params))
        count = self.count if self.count is not None else (rows[0].full_count if rows else 0)
        return ListPage(rows, self.number, count)


class _FetchedRawQuery(RawQuery):
    """A raw query whose rows were already fetched (one execution for the page's key and its placements)."""

    def __init__(self, fetched: FetchedPage) -> None:
        super().__init__(fetched.sql, DEFAULT_DB_ALIAS, fetched.params)
        self.fetched = fetched

    def chain(self, using):
        return self

    def _execute_query(self):
        self.cursor = _FetchedCursor(self.fetched.columns, self.fetched.rows)


class _FetchedCursor:
    def __init__(self, description, rows) -> None:
        self.description = description
        self._rows = rows

    def __iter__(self):
        return iter(self._rows)

    def close(self) -> None:
        """Nothing to close: the rows were fetched and the real cursor closed (RawQuerySet closes its cursor)."""


def fetch_list_page(
    employer: Employer,
    year: int,
    *,
    search: str = "",
    status: str = "",
    page: int = 1,
    totals: dict[str, int],
    status_ids: dict[str, list[int]] | None = None,
) -> FetchedPage:
    """:func:`list_page`'s one query, its rows not yet turned into placements."""
    # Never past the last page of the whole year (a filtered list is shorter): a page number of 25 digits is an
    # empty last page, not an OFFSET the database refuses.
    page = max(1, min(page, -(-totals.get("persons", 0) // PAGE_SIZE) or 1))
    offset = (page - 1) * PAGE_SIZE
    if status and not search and status_ids is not None:
        # The header knows the year's ids by status: only the page's placements are aggregated.
        ids = status_ids.get(status, [])
        page_ids = ids[offset : offset + PAGE_SIZE]
        if not page_ids:
            return FetchedPage(page, len(ids), "", (), (), ())
        sql, params = _ids_rows_sql(connection.vendor, len(page_ids))
        slots = dict(zip(_ID_SLOTS, page_ids, strict=False))
        return _fetch(page, len(ids), sql, tuple(slots.get(v, v) if isinstance(v, int) else v for v in params))
    sql, params = _rows_sql(connection.vendor, offset, bool(status), bool(search))
    slots = {
        _EMPLOYER_SLOT: employer.pk,
        _YEAR_SLOT: year,
        _STATUS_SLOT: status,
        _SEARCH_SLOT: search.upper(),
        f"%{_SEARCH_SLOT}%": f"%{connection.ops.prep_for_like_query(search)}%",
    }
    params = tuple(slots.get(v, v) if isinstance(v, int | str) else v for v in params)
    count = None if search else totals.get(f"status_{status}" if status else "persons", 0)
    return _fetch(page, count, sql, params)


def _fetch(number: int, count: int | None, sql: str, params: tuple) -> FetchedPage:
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        columns = tuple(tuple(c)[:2] for c in cursor.description)
        rows = tuple(tuple(row) for row in cursor.fetchall())
    return FetchedPage(number, count, sql, params, columns, rows)


_STATUS_SLOT = "__status_slot__"
_SEARCH_SLOT = "ZZSEARCHSLOTZZ"  # upper case and without LIKE wildcards: it survives .upper() and escaping as is


@lru_cache(maxsize=256)
def _rows_sql(vendor: str, offset: int, by_status: bool, by_search: bool) -> tuple[str, tuple]:
    """The statement of a list page with stand-ins for the unit, the year, the status and the search (see
    :func:`_header_sql`): compiled once per page offset and kind of filter instead of once per request."""
    base = Placement.objects.filter(employer_id=_EMPLOYER_SLOT, year=_YEAR_SLOT)
    if not by_status and not by_search:
        # Aggregate only the page's placements: the page's ids first (an index range), the counts for those.
        ids = base.order_by("id").values("pk")[offset : offset + PAGE_SIZE]
        qs = Placement.objects.filter(pk__in=ids).with_status().annotate(cert_no=Max("months__cert_no"))
        return qs.order_by("id").query.sql_with_params()
    qs = base.with_status().annotate(cert_no=Max("months__cert_no"))
    if by_search:
        qs = qs.filter(_search_q(_SEARCH_SLOT)).annotate(full_count=Window(Count("pk")))
    if by_status:
        qs = qs.filter(status=_STATUS_SLOT)
    return qs.order_by("id")[offset : offset + PAGE_SIZE].query.sql_with_params()


_ID_SLOTS = tuple(918_273_600_000 + i for i in range(PAGE_SIZE))


@lru_cache(maxsize=PAGE_SIZE)
def _ids_rows_sql(vendor: str, n: int) -> tuple[str, tuple]:
    """The rows of ``n`` given placements (stand-ins :data:`_ID_SLOTS`), compiled once per ``n``."""
    qs = Placement.objects.filter(pk__in=_ID_SLOTS[:n]).with_status().annotate(cert_no=Max("months__cert_no"))
    return qs.order_by("id").query.sql_with_params()


# --- the filters of the list, shared by the page, the export and the print view -------------------------------------


@dataclass(frozen=True)
class ListFilters:
    """The list's filters as the page's query string carries them: ``q`` (search) and ``status``."""

    search: str = ""
    status: str = ""

    @classmethod
    def from_params(cls, params) -> ListFilters:
        """From a QueryDict or a plain mapping (``q``, ``status``); an unknown status is no filter."""
        status = (params or {}).get("status") or ""
        return cls(normalise_search((params or {}).get("q")), status if status in PlacementStatus.values else "")

    @property
    def query(self) -> dict[str, str]:
        """The non-empty filters as query parameters."""
        return {k: v for k, v in (("q", self.search), ("status", self.status)) if v}


def filtered_placements(employer: Employer, year: int, filters: ListFilters) -> list[Placement]:
    """Every placement of the year the list shows with ``filters`` (the same search and status rules as
    :func:`list_page`), in list order, with ``n_<measure>``, ``status`` and ``cert_no`` (unmasked). One query."""
    qs = Placement.objects.of(employer, year).with_status().annotate(cert_no=Max("months__cert_no"))
    if filters.search:
        qs = qs.filter(_search_q(filters.search))
    if filters.status:
        qs = qs.filter(status=filters.status)
    return list(qs.order_by("id"))


def batch_placements(employer: Employer, year: int, ids: list[int]) -> list[Placement]:
    """The unit's placements of ``year`` among ``ids`` with their counts and status (the batch 删除's confirmation
    page). One query; ids of another unit or year are simply not found."""
    return list(Placement.objects.of(employer, year).filter(pk__in=ids).with_status().order_by("id"))
