"""批量删除 from the list (issue 13): checkboxes → one confirmation page listing the persons → one POST deleting
all or none through the single 删除's service; refused after 完成申报; another unit's ids → 404 / refused whole."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.models import AuditEvent
from placements.models import Placement, PlacementMonth
from tests.placements.listing.test_views_list import declare, with_months

pytestmark = pytest.mark.django_db
URL = reverse("placements:batch_delete")
LIST = reverse("placements:index")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def three(employer):
    return [with_months(employer, ["auto"] * 3, name=n) for n in ("赵一", "钱二", "孙三")]


def _confirm(client, ps, year=2025):
    return client.get(URL, {"year": year, "ids": [p.pk for p in ps]})


def _post(client, ps, year=2025):
    return client.post(URL, {"year": year, "ids": [f"{p.pk}:{p.version}" for p in ps]})


def test_list_has_labelled_checkboxes_a_select_all_and_the_delete_button(employer_client, three):
    html = employer_client.get(LIST).content.decode()
    for p in three:
        assert f'name="ids" value="{p.pk}" id="sel-{p.pk}"' in html
        assert f'<label class="visually-hidden" for="sel-{p.pk}">选择 {p.name}</label>' in html
    assert '<label class="visually-hidden" for="select-all">全选本页人员</label>' in html
    assert f'action="{URL}" id="batch-form"' in html
    assert 'aria-label="删除所选人员"><span aria-hidden="true">🗑 </span>删除</button>' in html
    assert "<caption" in html


def test_confirmation_page_lists_the_persons_and_deletes_nothing(employer_client, three):
    response = _confirm(employer_client, three[:2])
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h3 mb-3">批量删除安置人员</h1>' in html
    assert "确定要删除以下 2 名人员的 2025 年度安置登记吗？" in html
    assert "<caption" in html and ">赵一<" in html and ">钱二<" in html and ">孙三<" not in html
    assert three[0].id_number not in html  # masked
    assert "确定删除 2 人" in html
    assert Placement.objects.count() == 3


def test_confirmed_batch_deletes_all_in_one_go_and_audits_each(employer_client, employer, three):
    response = _post(employer_client, three[:2])
    assert response.status_code == 302 and response["Location"] == f"{LIST}?year=2025"
    assert list(Placement.objects.values_list("name", flat=True)) == ["孙三"]
    assert not PlacementMonth.objects.filter(placement_id__in=[three[0].pk, three[1].pk]).exists()
    events = AuditEvent.objects.filter(action="placement.delete").order_by("object_id")
    assert [e.object_id for e in events] == [str(three[0].pk), str(three[1].pk)]
    assert all(e.changes["person"]["name"] in ("赵一", "钱二") for e in events)
    html = employer_client.get(response["Location"]).content.decode()
    assert "已删除 2 人的 2025 年度安置登记：赵一、钱二。" in html


def test_refused_after_the_declaration(employer_client, employer, three):
    declare(employer)
    for response in (_confirm(employer_client, three[:1]), _post(employer_client, three[:1])):
        assert response.status_code == 302
    assert Placement.objects.count() == 3
    html = employer_client.get(f"{LIST}?year=2025").content.decode()
    assert "2025年度已完成申报" in html
    assert 'name="ids"' not in html  # no checkboxes once declared
    assert not AuditEvent.objects.filter(action="placement.delete").exists()


def test_another_units_id_is_a_404_on_the_confirmation_and_refuses_the_whole_batch(
    employer_client, other_employer, three
):
    theirs = with_months(other_employer, ["auto"], name="别家人")
    assert _confirm(employer_client, [three[0], theirs]).status_code == 404
    response = _post(employer_client, [three[0], theirs])
    assert response.status_code == 302
    assert Placement.objects.count() == 4  # nothing deleted, not even the unit's own
    html = employer_client.get(response["Location"]).content.decode()
    assert "未删除任何人员" in html


def test_a_stale_version_refuses_the_whole_batch(employer_client, three):
    Placement.objects.filter(pk=three[1].pk).update(version=99)  # changed in another tab
    response = _post(employer_client, three[:2])
    assert response.status_code == 302
    assert Placement.objects.count() == 3
    assert "请刷新后再保存" in employer_client.get(response["Location"]).content.decode()


def test_nothing_ticked_or_bad_ids(employer_client, three):
    response = employer_client.get(URL, {"year": 2025})
    assert response.status_code == 302
    assert "请先勾选需要删除的人员。" in employer_client.get(response["Location"]).content.decode()
    assert employer_client.get(URL, {"year": 2025, "ids": "abc"}).status_code == 404
    assert employer_client.get(URL, {"year": 2024, "ids": three[0].pk}).status_code == 404  # another year


def test_needs_login(client, three):
    response = _confirm(client, three)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_confirmation_queries_do_not_grow_and_delete_is_linear(
    employer_client, employer, django_assert_max_num_queries
):
    few = [with_months(employer, ["auto"], name=f"少{i}") for i in range(2)]
    with django_assert_max_num_queries(10) as small:
        assert _confirm(employer_client, few).status_code == 200
    many = few + [with_months(employer, ["auto"], name=f"多{i}") for i in range(30)]
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert _confirm(employer_client, many).status_code == 200
    # the delete goes through the single 删除 per person (one rule): a bounded number of statements each
    with django_assert_max_num_queries(12 + 20 * len(many)):
        _post(employer_client, many)
    assert not Placement.objects.exists()


def test_a_frozen_placement_has_no_checkbox_and_refuses_the_whole_batch(employer_client, three):
    Placement.objects.filter(pk=three[2].pk).update(frozen=True)
    html = employer_client.get(LIST).content.decode()
    assert f'id="sel-{three[0].pk}"' in html and f'id="sel-{three[2].pk}"' not in html
    three[2].refresh_from_db()
    response = _post(employer_client, [three[0], three[2]])  # a hand-made request
    assert response.status_code == 302
    assert Placement.objects.count() == 3
    assert not AuditEvent.objects.filter(action="placement.delete").exists()
