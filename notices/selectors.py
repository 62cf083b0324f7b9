"""Reads for the notice pages and the navigation badge. Every query here is bounded."""

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db import connection, connections
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest
from django.utils import timezone

from core import prepared
from core.models import Region
from core.numbers import ascii_int
from employers.models import Employer
from notices.constants import PAGE_SIZE
from notices.models import Notice, NoticeAttachment, NoticeRead
from notices.querysets import NoticeQuerySet
from notices.scope import scope_codes, search_terms


def notices_visible_to(employer: Employer, now: datetime | None = None) -> NoticeQuerySet:
    """What a unit may see: national, its regions', its own; published only; pinned first, then newest."""
    return Notice.objects.visible_to(employer, now or timezone.now()).newest_first()


def unit_scope(employer: Employer) -> tuple[str, ...]:
    """The region codes whose notices reach the unit (notices.scope.scope_codes of its three regions), sorted."""
    return tuple(
        sorted(scope_codes([employer.federation_region_id, employer.tax_region_id, employer.registration_region_id]))
    )


def notices_in_scope(employer_id: int, codes: tuple[str, ...], now: datetime) -> NoticeQuerySet:
    """:func:`notices_visible_to` from the unit's id and :func:`unit_scope` — the same statement (tested), built
    from plain values so that it can be compiled once (core.prepared)."""
    published_to_unit = Q(employer__isnull=True) & (Q(region__isnull=True) | Q(region_id__in=codes))
    return Notice.objects.published(now).filter(Q(employer_id=employer_id) | published_to_unit).newest_first()


def page_number(raw: str | None) -> int:
    """A page number from the query string: garbage → 1, below 1 → 1 (past the end is clamped by the paginator)."""
    number = ascii_int(str(raw).strip()[:9])
    return max(number or 1, 1)


def notice_page(*, employer: Employer, query: str | None, page: str | None, now: datetime | None = None) -> Page:
    """One page of the unit's notices (20 a page) with the read flag; a page past the end shows the last page.

    Without a search (the list as a clerk opens it), ``page.unread_total`` is the unit's unread count (the navigation
    badge), and the page is two statements written out (:func:`_unit_page`). A search goes through the ORM: the
    page's ids are picked on the notice table alone, then only those rows are loaded with their region and read flag
    (an annotation in the first query would be computed for every row).
    """
    if not search_terms(query):
        return _unit_page(employer, now or timezone.now(), page_number(page))
    ids = notices_visible_to(employer, now).search(query).values_list("pk", flat=True)
    page_obj = Paginator(ids, PAGE_SIZE).get_page(page_number(page))
    page_ids = list(page_obj.object_list)
    rows = (
        Notice.objects.filter(pk__in=page_ids)
        .with_read_flag(employer)
        .select_related("region")
        .only("id", "title", "kind", "publish_at", "pinned", "employer_id", "region__name", "region__full_name")
        .in_bulk()
    )
    page_obj.object_list = [rows[pk] for pk in page_ids if pk in rows]
    return page_obj


def _visible_sql(employer: Employer, now: datetime) -> tuple[str, str, list, list]:
    """NoticeQuerySet.visible_to and unread_by's conditions written out: the WHERE clause over ``n`` (the notice
    table) and ``is_read``, an expression that is true when the unit has read ``n``; their parameters in order."""
    codes = sorted(
        scope_codes([employer.federation_region_id, employer.tax_region_id, employer.registration_region_id])
    )
    in_regions = f" OR n.region_id IN ({', '.join(['%s'] * len(codes))})" if codes else ""
    where = (
        f"n.publish_at <= %s AND (n.employer_id = %s OR (n.employer_id IS NULL AND (n.region_id IS NULL{in_regions})))"
    )
    is_read = f"EXISTS (SELECT 1 FROM {NoticeRead._meta.db_table} r WHERE r.employer_id = %s AND r.notice_id = n.id)"
    return where, is_read, [_db_now(now), employer.pk, *codes], [employer.pk]


def _unit_page(employer: Employer, now: datetime, number: int) -> Page:
    """The unit's list without a search, as ``notices_visible_to(employer, now).with_read_flag(employer)`` pages it
    (pinned first, then newest), in two statements: the count with the unread count, then the page's rows with their
    read flag and region. Built through the ORM these cost ~2.5 ms of CPU a request, the statements next to nothing
    (bench/page_cpu.py); tests/notices/test_notice_page_sql.py holds them equal to the querysets."""
    where, is_read, params, read_params = _visible_sql(employer, now)
    notice, region = Notice._meta.db_table, Region._meta.db_table
    with connections[Notice.objects.db].cursor() as cursor:
        prepared.execute(
            cursor,
            f"SELECT COUNT(*), SUM(CASE WHEN {is_read} THEN 0 ELSE 1 END) FROM {notice} n WHERE {where}",
            [*read_params, *params],
        )
        total, unread = cursor.fetchone()
    page_obj = Paginator(range(total), PAGE_SIZE).get_page(number)
    page_obj.unread_total = unread or 0
    sql = (
        f"SELECT n.id, n.title, n.kind, n.publish_at, n.pinned, n.employer_id, n.region_id, {is_read} AS is_read,"
        f" g.name AS region_name, g.full_name AS region_full_name FROM {notice} n"
        f" LEFT JOIN {region} g ON g.code = n.region_id WHERE {where}"
        " ORDER BY n.pinned DESC, n.publish_at DESC, n.id DESC LIMIT %s OFFSET %s"
    )
    values = [*read_params, *params, PAGE_SIZE, page_obj.start_index() - 1 if total else 0]
    using = Notice.objects.db  # where the router reads notices (the counts above too)
    notices = prepared.run(
        connections[using], sql, values, lambda text: list(Notice.objects.using(using).raw(text, values))
    )
    for row in notices:
        row.is_read = bool(row.is_read)  # SQLite answers 0 or 1
        if row.region_id is not None:
            row.region = Region(code=row.region_id, name=row.region_name, full_name=row.region_full_name or "")
        del row.region_name, row.region_full_name
    page_obj.object_list = notices
    return page_obj


def notice_for_employer(*, employer: Employer, pk: int, now: datetime | None = None) -> Notice:
    """One notice the unit may see, with its attachments; anything else (another unit's, unpublished) → 404."""
    attachments = Prefetch("attachments", queryset=NoticeAttachment.objects.select_related("file"))
    notice = (
        notices_visible_to(employer, now)
        .with_read_flag(employer)
        .select_related("region")
        .prefetch_related(attachments)
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def attachment_for_employer(
    *, employer: Employer, notice_pk: int, attachment_pk: int, now: datetime | None = None
) -> NoticeAttachment:
    """An attachment of a notice the unit may see now: 404 for another unit's notice, one outside its regions, or
    one whose publish time has not come (its attachments are as unpublished as its text)."""
    attachment = (
        NoticeAttachment.objects.select_related("file")
        .filter(pk=attachment_pk, notice__in=notices_visible_to(employer, now).filter(pk=notice_pk).values("pk"))
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def unread_notice_count(employer: Employer, now: datetime | None = None) -> int:
    """The unit's unread notices: ``notices_visible_to(employer, now).unread_by(employer).count()`` as one statement
    written out (NoticeQuerySet.visible_to and unread_by's conditions, the same SQL on PostgreSQL and SQLite).

    The navigation badge asks it on nearly every signed-in page; building that query through the ORM (its Q
    objects, the Exists subquery, the count's aggregation) cost ~1.4 ms of CPU a request, the statement itself
    next to nothing (bench/page_cpu.py). tests/notices/test_unread_count_sql.py holds it equal to the queryset's
    count over every kind of notice (national, each region level, the unit's own, another unit's, scheduled, read).
    """
    where, is_read, params, read_params = _visible_sql(employer, now or timezone.now())
    with connection.cursor() as cursor:
        sql = f"SELECT COUNT(*) FROM {Notice._meta.db_table} n WHERE {where} AND NOT {is_read}"
        prepared.execute(cursor, sql, [*params, *read_params])
        return cursor.fetchone()[0]


def _db_now(now: datetime):
    """``now`` as the ORM would send it for ``publish_at`` (SQLite stores naive UTC text, PostgreSQL an aware time)."""
    return Notice._meta.get_field("publish_at").get_db_prep_value(now, connection)


def unread_count_for_request(request: HttpRequest) -> int:
    """The navigation badge: one COUNT per request (two when the view did not load the unit), cached on the request."""
    cached = getattr(request, "_unread_notice_count", None)
    if cached is not None:
        return cached
    employer = getattr(request, "employer", None)
    if employer is None:
        employer = (
            Employer.objects.filter(accounts__user_id=request.user.pk)
            .only("pk", "federation_region_id", "tax_region_id", "registration_region_id")
            .first()
        )
    count = unread_notice_count(employer) if employer is not None else 0
    request._unread_notice_count = count
    return count
