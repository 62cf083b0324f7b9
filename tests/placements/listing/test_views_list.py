"""The placement list (/placements/): year picker, totals, counters as filters, search, masking, actions, paging,
the bounded number of queries."""

import random
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.masking import mask_number
from core.models import FilingWindow
from employers.declaration_states import DECLARED, State
from employers.services import declaration_state_record
from feeds.models import WageRecord
from placements.constants import PlacementStatus
from placements.grid import recompute as services
from placements.grid import services as grid_services
from placements.grid.facts import facts_for_placements
from placements.grid.marks import mark_changed
from placements.grid.recompute import grid_recompute_many
from placements.grid.rules import evaluate_year
from placements.grid.services import months_select, placement_submit
from placements.listing.selectors import list_header
from placements.models import GridChange, Placement, PlacementMonth
from placements.registration import lifecycle as registration_lifecycle
from placements.selectors import placement_totals
from tests.factories import placements as pf
from tests.factories import placements as w

pytestmark = pytest.mark.django_db
URL = reverse("placements:index")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the year's totals are cached for a few seconds (wizard_selectors.list_header)


TODAY = date(2026, 11, 28)  # no filing window configured: the filing year is the previous calendar year


def with_months(employer, states, *, completed=True, year=2025, weight=2, name=None):
    p = pf.placement(employer, year=year, wizard_completed=completed, name=name or "李明", id_number=w.valid_id())
    PlacementMonth.objects.bulk_create(
        PlacementMonth(
            placement=p,
            id_number=p.id_number,
            year=year,
            month=year * 100 + i,
            selected=state != "none",
            review_state=state,
            weight=weight,
            cert_no=f"{p.id_number}42",
        )
        for i, state in enumerate(states, start=1)
    )
    return p


@pytest.fixture
def every_status(employer):
    return {
        "approved_system": with_months(employer, ["auto"] * 12, name="张系统"),
        "approved_manual": with_months(employer, ["auto"] * 10 + ["confirmed"] * 2, name="王人工"),
        "partially_rejected": with_months(employer, ["auto", "rejected"], name="赵部分"),
        "rejected": with_months(employer, ["rejected"] * 3, name="钱不通过"),
        "pending": with_months(employer, ["auto", "pending"], name="孙待审"),
        "incomplete": with_months(employer, ["none"] * 12, completed=False, name="周待完善"),
    }


def test_list_shows_totals_counters_masked_numbers_and_actions(employer_client, employer, every_status):
    response = employer_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    # totals over confirmed months: 12 + 12 + 1 + 0 + 1 + 0 = 26 months, × weight 2 = 52
    assert "本次累计安置确认 <strong>26</strong> 个月，累计安置核定 <strong>52</strong> 个月" in html
    for label, n in [
        ("已登记", 6),
        ("审核通过（系统）", 1),
        ("审核通过（人工）", 1),
        ("部分审核不通过", 1),
        ("审核不通过", 1),
        ("待审核", 1),
        ("资料待完善", 1),
    ]:
        assert f'{label} <span class="pl-count">{n}</span> 人' in html
    p = every_status["pending"]
    assert p.id_number not in html
    assert f"{p.id_number[:6]}********{p.id_number[-4:]}" in html
    assert mask_number(f"{p.id_number}42") in html and f"{p.id_number}42" not in html  # certificate masked too
    for column in (
        "序号",
        "姓名",
        "身份证号",
        "残疾证号",
        "安置登记(月)",
        "安置确认(月)",
        "安置核定(月)",
        "安置不通过(月)",
        "审核状态",
        "操作",
    ):
        assert f'<th scope="col">{column}</th>' in html
    # actions: 继续填写 for the unfinished one, 重新登记 for the confirmed ones, 编辑 for the others
    incomplete, approved = every_status["incomplete"], every_status["approved_system"]
    assert f'aria-label="继续填写 {incomplete.name}"' in html
    assert f'aria-label="编辑 {approved.name}"' not in html
    assert f'aria-label="重新登记 {approved.name}"' in html
    assert f'aria-label="编辑 {p.name}"' in html
    assert f'aria-label="删除 {p.name}"' in html
    assert "导入上一年申报名单" in html and "添加残疾人" in html


@pytest.mark.parametrize("status", PlacementStatus.values)
def test_each_counter_filters_the_list(employer_client, every_status, status):
    html = employer_client.get(URL, {"status": status}).content.decode()
    shown = [p for p in every_status.values() if f">{p.name}<" in html]
    assert shown == [every_status[status]]
    assert 'aria-current="true"' in html


def test_search_by_name_or_id_number(employer_client, every_status):
    p = every_status["pending"]
    html = employer_client.get(URL, {"q": "孙待"}).content.decode()
    assert f">{p.name}<" in html and ">张系统<" not in html
    html = employer_client.get(URL, {"q": p.id_number.lower()}).content.decode()
    assert f">{p.name}<" in html and ">张系统<" not in html
    html = employer_client.get(URL, {"q": "没有这个人"}).content.decode()
    assert "暂无数据" in html


def test_year_picker_offers_years_with_data_and_the_filing_year(employer_client, employer):
    with_months(employer, ["auto"], year=2023, name="老员工")
    html = employer_client.get(URL).content.decode()
    assert '<option value="2025" selected>2025年（当前申报年度）</option>' in html
    assert '<option value="2023">2023年</option>' in html
    html = employer_client.get(URL, {"year": 2023}).content.decode()
    assert '<option value="2023" selected>' in html and ">老员工<" in html
    # a year that is neither: the filing year
    html = employer_client.get(URL, {"year": 1999}).content.decode()
    assert '<option value="2025" selected>' in html


def test_header_query_agrees_with_placement_totals(employer):
    rng = random.Random(4)
    for i in range(30):
        states = [rng.choice(["none", "auto", "pending", "confirmed", "rejected"]) for _ in range(12)]
        with_months(employer, states, completed=rng.random() > 0.2, weight=rng.choice([1, 2]), name=f"人员{i}")
    header = list_header(employer, None, TODAY)
    assert (header.year, header.filing_year, header.years) == (2025, 2025, [2025])
    assert header.totals == placement_totals(employer, 2025)


def test_header_follows_an_open_filing_window(employer):
    FilingWindow.objects.create(
        province_code="11", business_year=2026, opens_on=date(2026, 11, 1), closes_on=date(2027, 1, 31)
    )
    with_months(employer, ["auto"] * 3, year=2026)
    header = list_header(employer, None, TODAY)
    assert (header.year, header.filing_year) == (2026, 2026)
    assert header.totals == placement_totals(employer, 2026)
    assert header.totals["confirmed"] == 3


def test_paging_50_a_page(employer_client, employer):
    for i in range(51):
        with_months(employer, ["auto"], name=f"员工{i:02d}")
    first = employer_client.get(URL).content.decode()
    assert ">员工49<" in first and ">员工50<" not in first and "第 1 / 2 页" in first
    second = employer_client.get(URL, {"page": 2}).content.decode()
    assert ">员工50<" in second and ">员工00<" not in second
    assert "<td>51</td>" in second  # 序号 continues


def test_after_the_declaration_only_view_is_offered(employer_client, employer, every_status):
    declare(employer)
    html = employer_client.get(URL).content.decode()
    assert "+ 添加残疾人" not in html and "+ 导入上一年申报名单" not in html
    for p in every_status.values():
        assert f'aria-label="查看 {p.name}"' in html
        assert f'aria-label="删除 {p.name}"' not in html
        assert f'aria-label="重新登记 {p.name}"' not in html
        assert f'aria-label="继续填写 {p.name}"' not in html


def test_list_links_to_the_declaration(employer_client, every_status):
    html = employer_client.get(URL).content.decode()
    assert "完成申报" in html
    assert reverse("declarations:year", args=[2025]) in html


def declare(employer, year=2025):
    """The year declared, as declarations.services records it for this app (employers.DeclarationState); the list
    then also asks the calendar when the 认定书 is available."""
    declaration_state_record(employer_id=employer.pk, year=year, state=State(DECLARED), declared_at=timezone.now())


@pytest.mark.parametrize("declared", [False, True])
@pytest.mark.parametrize("query", [{}, {"status": "pending"}, {"q": "员工"}, {"page": "2"}])
def test_list_queries_do_not_grow_with_rows(employer_client, employer, django_assert_max_num_queries, declared, query):
    if declared:
        declare(employer)
    with_months(employer, ["auto", "pending"], name="员工0")
    with django_assert_max_num_queries(10):
        assert employer_client.get(URL, query).status_code == 200
    for i in range(1, 120):
        with_months(employer, ["auto", "pending"], name=f"员工{i}")
    with django_assert_max_num_queries(10):
        response = employer_client.get(URL, query)
    assert response.status_code == 200
    assert response.content.decode().count('aria-label="查看 ') == 50


def test_list_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Placement.objects.count() == 0


def test_list_rows_escape_what_the_clerk_typed(employer_client, employer):
    with_months(employer, ["auto"], name='<script>alert("x")</script>')
    html = employer_client.get(URL).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_totals_follow_the_clerks_actions_at_once(employer_client, employer, employer_user, minimum_wage):
    p = w.ready_placement(employer)
    assert "本次累计安置确认 <strong>0</strong> 个月" in employer_client.get(URL).content.decode()
    grid_services.months_register(placement=p, months=[], by=employer_user, expected_version=p.version)
    assert "本次累计安置确认 <strong>12</strong> 个月" in employer_client.get(URL).content.decode()
    p.refresh_from_db()
    registration_lifecycle.placement_delete(placement=p, by=employer_user, expected_version=p.version)
    assert "本次累计安置确认 <strong>0</strong> 个月" in employer_client.get(URL).content.decode()


def test_a_background_recompute_shows_in_the_cached_totals_at_once(employer, employer_user):
    """A feed import changes months, not placements: the recompute marks the unit's year (a placement's
    ``updated_at`` inside a transaction, GridChange outside one), so the cached totals
    (wizard_selectors.list_header) are not served under the old fingerprint."""
    p = pf.complete_person(employer)
    months_select(placement=p, months=[], by=employer_user)
    placement_submit(placement=p, by=employer_user)
    untouched = pf.complete_person(employer)
    grid_recompute_many(placements_qs=Placement.objects.filter(pk=untouched.pk))
    header = list_header(employer, 2025, TODAY)
    assert header.totals["confirmed"] == 12 and header.totals["status_approved_system"] == 1
    assert list_header(employer, 2025, TODAY).totals == header.totals  # served from the cache
    before = Placement.objects.get(pk=untouched.pk).updated_at

    WageRecord.objects.filter(id_number=p.id_number, month=202505).delete()  # the wage feed changed
    assert grid_recompute_many(placements_qs=Placement.objects.filter(employer=employer)) == 2

    header = list_header(employer, 2025, TODAY)
    assert header.totals["confirmed"] == 11
    assert header.totals["status_approved_system"] == 0 and header.totals["status_incomplete"] == 2
    assert header.totals == placement_totals(employer, 2025)
    assert Placement.objects.get(pk=untouched.pk).updated_at == before  # nothing changed there: not marked


def test_a_recompute_chunk_that_started_before_the_clerks_last_change_still_shows(employer, employer_user):
    """The chunk's stamp is taken before its facts are read; a clerk's later change to another placement (and a
    list cached after it) must not hide the chunk's change: the mark is a fresh time, never a lower one."""
    p = pf.complete_person(employer)
    months_select(placement=p, months=[], by=employer_user)
    placement_submit(placement=p, by=employer_user)
    stamp = timezone.now() - timedelta(minutes=5)  # when the chunk started
    WageRecord.objects.filter(id_number=p.id_number, month=202505).delete()
    grids = [(p, evaluate_year(facts_for_placements([p])[p.pk]))]
    other = pf.complete_person(employer)
    grid_recompute_many(placements_qs=Placement.objects.filter(pk=other.pk))  # the clerk, after the stamp
    assert list_header(employer, 2025, TODAY).totals["confirmed"] == 12  # cached now

    services._write(grids, stamp)
    assert mark_changed([p.pk], stamp) == 1
    # Inside the test's transaction the mark is the placement's updated_at (grid.marks.mark_changed).
    assert Placement.objects.get(pk=p.pk).updated_at > Placement.objects.get(pk=other.pk).updated_at
    assert list_header(employer, 2025, TODAY).totals["confirmed"] == 11


@pytest.mark.django_db(transaction=True)
def test_a_pass_on_its_own_shows_in_the_cached_totals_through_its_grid_change(employer, employer_user):
    """Outside a transaction the mark is the unit's year's GridChange: the header's last change takes it, so the
    cached totals are recomputed; the placements' updated_at is not touched."""
    p = pf.complete_person(employer)
    months_select(placement=p, months=[], by=employer_user)
    placement_submit(placement=p, by=employer_user)
    assert list_header(employer, 2025, TODAY).totals["confirmed"] == 12  # cached now
    before = Placement.objects.get(pk=p.pk).updated_at
    WageRecord.objects.filter(id_number=p.id_number, month=202505).delete()
    assert grid_recompute_many(placements_qs=Placement.objects.filter(pk=p.pk)) == 1
    assert GridChange.objects.get(employer=employer, year=2025).changed_at > before
    assert Placement.objects.get(pk=p.pk).updated_at == before
    assert list_header(employer, 2025, TODAY).totals["confirmed"] == 11


def test_a_direct_edit_of_the_months_shows_once_the_cached_totals_expire(employer):
    p = with_months(employer, ["auto"] * 3)
    today = TODAY
    assert list_header(employer, 2025, today).totals["confirmed"] == 3
    PlacementMonth.objects.filter(placement=p, month=202501).update(review_state="pending")  # bypasses the services
    assert list_header(employer, 2025, today).totals["confirmed"] == 3  # cached (fingerprint unchanged)
    cache.clear()  # TOTALS_CACHE_SECONDS later
    header = list_header(employer, 2025, today)
    assert header.totals["confirmed"] == 2
    assert header.totals == placement_totals(employer, 2025)


def test_search_treats_like_wildcards_as_text(employer_client, employer):
    with_months(employer, ["auto"], name="王_明")
    with_months(employer, ["auto"], name="王明亮")
    with_months(employer, ["auto"], name="李100%")
    html = employer_client.get(URL, {"q": "_"}).content.decode()
    assert ">王_明<" in html and ">王明亮<" not in html
    html = employer_client.get(URL, {"q": "%"}).content.decode()
    assert ">李100%<" in html and ">王明亮<" not in html and "共 1 人" in html


def test_status_filter_pages_through_the_years_ids(employer_client, employer):
    for i in range(53):
        with_months(employer, ["auto", "pending"], name=f"待审{i:02d}")
    with_months(employer, ["auto"], name="已确认")
    first = employer_client.get(URL, {"status": "pending"}).content.decode()
    assert "共 53 人" in first and ">待审49<" in first and ">待审50<" not in first and ">已确认<" not in first
    second = employer_client.get(URL, {"status": "pending", "page": 2}).content.decode()
    assert ">待审50<" in second and ">待审52<" in second and ">待审49<" not in second
    assert "<td>51</td>" in second
