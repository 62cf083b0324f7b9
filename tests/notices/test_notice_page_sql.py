"""The unit's notice list without a search (notices.selectors._unit_page: two statements written out since issue 16)
shows what the querysets it stands for show — ``notices_visible_to(employer, now).with_read_flag(employer)`` in its
order, page by page, with the count and the unread count — for every kind of notice and unit, on SQLite and
PostgreSQL; and the page costs two queries."""

from datetime import timedelta

import pytest
from django.core.paginator import Paginator

from notices import selectors
from notices.selectors import notice_page, notices_visible_to

pytestmark = pytest.mark.django_db

SMALL_PAGE = 2  # every unit's notices over several pages


def _orm_pages(unit, now) -> tuple[list[list[tuple]], int]:
    rows = list(notices_visible_to(unit, now).with_read_flag(unit).select_related("region"))
    shown = [(n.pk, n.title, n.kind, n.publish_at, n.pinned, n.is_read, n.scope_label) for n in rows]
    pages = Paginator(shown, SMALL_PAGE)
    return [list(pages.page(k).object_list) for k in pages.page_range], sum(not n.is_read for n in rows)


def _shown(page) -> list[tuple]:
    return [(n.pk, n.title, n.kind, n.publish_at, n.pinned, n.is_read, n.scope_label) for n in page.object_list]


def test_every_page_shows_what_the_querysets_show(world, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", SMALL_PAGE)
    for unit in world["units"]:
        for delta in (timedelta(0), timedelta(minutes=45), timedelta(days=2)):
            at = world["now"] + delta
            expected, unread = _orm_pages(unit, at)
            assert len(expected) >= 2, unit.name  # several pages: the offsets are exercised
            for number, rows in enumerate(expected, start=1):
                page = notice_page(employer=unit, query="", page=str(number), now=at)
                assert page.number == number
                assert _shown(page) == rows, (unit.name, delta, number)
                assert page.paginator.count == sum(map(len, expected))
                assert page.unread_total == unread
            past_end = notice_page(employer=unit, query="", page="99", now=at)
            assert past_end.number == len(expected) and _shown(past_end) == expected[-1]


def test_a_unit_with_no_notice_sees_an_empty_first_page(world):
    page = notice_page(employer=world["units"][0], query="", page="3", now=world["now"] - timedelta(days=3650))
    assert page.number == 1 and list(page.object_list) == [] and page.unread_total == 0


def test_a_notice_from_the_list_is_a_notice_with_its_region(world, django_assert_num_queries):
    page = notice_page(employer=world["units"][0], query="", page="1", now=world["now"])
    with django_assert_num_queries(0):  # the region came with the row
        labels = {n.scope_label for n in page.object_list}
    assert {"全国", "本单位"} < labels and any("北京" in label or "朝阳" in label for label in labels)
    assert all(type(n.is_read) is bool for n in page.object_list)


def test_the_page_costs_two_queries(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        notice_page(employer=world["units"][0], query="", page="1")
