from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notices.models import Notice
from tests.factories import notices as nf

INDEX = reverse("notices:index")


def titles(response) -> list[str]:
    return [n.title for n in response.context["page"].object_list]


def make_many(n: int, employer=None) -> None:
    now = timezone.now()
    for i in range(n):
        if employer is not None and i % 2:
            nf.to_unit(employer, f"单位通知{i:03d}", publish_at=now - timedelta(minutes=i + 1))
        else:
            nf.published(
                f"公告{i:03d}", publish_at=now - timedelta(minutes=i + 1), region_code="110000" if i % 3 else None
            )


@pytest.mark.django_db
def test_search_over_title_and_body(employer_client):
    nf.published("关于残疾人职业康复的通知", body="<p>内容一</p>")
    nf.published("年审通知", body="<p>请做好<strong>康复</strong>服务工作</p>")
    nf.published("无关通知", body="<p>内容二</p>")
    assert sorted(titles(employer_client.get(INDEX, {"q": " 康复 "}))) == ["关于残疾人职业康复的通知", "年审通知"]
    assert titles(employer_client.get(INDEX, {"q": "年审 康复"})) == ["年审通知"]
    # markup is not searchable text
    assert titles(employer_client.get(INDEX, {"q": "strong"})) == []


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["%", "_", "100%", "a_b"])
def test_search_wildcards_are_literal(employer_client, query):
    nf.published("完成率100%的通知")
    nf.published("文件a_b.pdf说明")
    nf.published("普通通知")
    expected = {
        "%": ["完成率100%的通知"],
        "_": ["文件a_b.pdf说明"],
        "100%": ["完成率100%的通知"],
        "a_b": ["文件a_b.pdf说明"],
    }[query]
    assert titles(employer_client.get(INDEX, {"q": query})) == expected


@pytest.mark.django_db
def test_search_string_of_10000_characters_is_bounded(employer_client, django_assert_max_num_queries):
    nf.published("通知" + "x" * 50)
    with django_assert_max_num_queries(10):
        response = employer_client.get(INDEX, {"q": "x" * 10_000})
    assert response.status_code == 200
    assert len(response.context["q"]) == 100
    assert titles(response) == []  # "x" * 100 is longer than anything stored


@pytest.mark.django_db
def test_search_with_many_terms_uses_at_most_five(employer_client):
    nf.published("甲乙丙丁戊通知")
    response = employer_client.get(INDEX, {"q": "甲 乙 丙 丁 戊 不存在的第六个词"})
    assert titles(response) == ["甲乙丙丁戊通知"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), ("2", 2), ("3", 3), ("99", 3), ("0", 1), ("-4", 1), ("abc", 1), ("", 1), ("1e9", 1), ("9" * 40, 3)],
)
def test_pagination_clamps_page_numbers(employer_client, raw, expected):
    make_many(45)
    response = employer_client.get(INDEX, {"page": raw})
    assert response.status_code == 200
    assert response.context["page"].number == expected


@pytest.mark.django_db
def test_pagination_pages_of_twenty_with_jump_form(employer_client):
    make_many(45)
    response = employer_client.get(INDEX, {"page": "2"})
    content = response.content.decode()
    assert len(response.context["page"].object_list) == 20
    assert titles(response)[0] == "公告020"
    assert 'aria-label="上一页"' in content and 'aria-label="下一页"' in content
    assert '<label for="page-jump">前往</label>' in content
    assert 'max="3"' in content
    assert "共 45 条" in content


@pytest.mark.django_db
def test_pagination_keeps_the_query(employer_client):
    now = timezone.now()
    for i in range(25):
        nf.published(f"康复通知{i:02d}", publish_at=now - timedelta(minutes=i + 1))
    nf.published("别的")
    response = employer_client.get(INDEX, {"q": "康复", "page": "2"})
    assert titles(response) == ["康复通知20", "康复通知21", "康复通知22", "康复通知23", "康复通知24"]
    assert "?q=%E5%BA%B7%E5%A4%8D&amp;page=1" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_list_query_count_does_not_grow(employer_client, employer, django_assert_max_num_queries, count):
    make_many(count, employer=employer)
    with django_assert_max_num_queries(8):
        response = employer_client.get(INDEX)
    assert len(response.context["page"].object_list) == min(count, 20)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_detail_query_count_does_not_grow(employer_client, employer, django_assert_max_num_queries, count):
    from core.models import StoredFile

    make_many(count, employer=employer)
    notice = Notice.objects.filter(kind="announcement").first()
    for i in range(min(count, 10)):
        stored = StoredFile.objects.create(
            file=f"uploads/aa/{i}.pdf",
            original_name=f"附件{i}.pdf",
            content_type="application/pdf",
            extension="pdf",
            size=10,
            sha256="0" * 64,
            public=True,
        )
        notice.attachments.create(file=stored)
    with django_assert_max_num_queries(8):
        response = employer_client.get(reverse("notices:detail", args=[notice.pk]))
    assert response.status_code == 200
    assert len(response.context["attachments"]) == min(count, 10)
