"""The pure review rules (placements.review_rules): no database."""

from datetime import date, timedelta

import pytest

from core import calendar as workdays
from core.review import decision_errors, reason_sentence
from placements.review.rules import (
    DecidedItem,
    Waiting,
    last_overdue_day,
    notice_body,
    notice_title,
    waiting,
    waiting_many,
    working_day,
)


def cal(d: date) -> tuple[bool, bool]:
    return workdays.is_working_day(d)


@pytest.mark.parametrize(
    ("decision", "code", "text", "errors"),
    [
        ("approve", "", "", {}),
        ("approve", "unclear", "", {}),
        ("approve", "bogus", "", {"reason_code"}),
        ("reject", "", "", {"reason_code"}),
        ("reject", "", "说明了但没选原因", {"reason_code"}),
        ("reject", "unclear", "", {}),
        ("reject", "other", "", {"reason_text"}),
        ("reject", "other", "   ", {"reason_text"}),
        ("reject", "other", "证件过期", {}),
        ("reject", "unclear", "字" * 501, {"reason_text"}),
        ("maybe", "unclear", "", {"decision"}),
        ("", "", "", {"decision"}),
    ],
)
def test_decision_errors(decision, code, text, errors):
    assert set(decision_errors(decision, code, text)) == set(errors)


@pytest.mark.parametrize(
    ("code", "text", "sentence"),
    [
        ("unclear", "", "材料不清晰"),
        ("unclear", " 模糊 ", "材料不清晰：模糊"),
        ("other", "证件过期", "证件过期"),
        ("", "", ""),
        ("", "仅说明", "仅说明"),
        ("contract_short", "", "合同期限不足一年"),
    ],
)
def test_reason_sentence(code, text, sentence):
    assert reason_sentence(code, text) == sentence


@pytest.mark.parametrize(
    ("submitted", "today", "days", "overdue"),
    [
        (date(2026, 3, 20), date(2026, 3, 20), 0, False),  # same day
        (date(2026, 3, 13), date(2026, 3, 20), 5, False),  # Fri → Fri: five working days, not yet overdue
        (date(2026, 3, 12), date(2026, 3, 20), 6, True),
        (date(2026, 3, 6), date(2026, 3, 20), 10, True),
        (date(2026, 9, 30), date(2026, 10, 9), 2, False),  # 国庆 10-01…10-07 off: 10-08 and 10-09 count
        (date(2026, 2, 13), date(2026, 2, 24), 2, False),  # 春节 02-15…02-23 off; Sat 02-14 is a working day
    ],
)
def test_waiting_in_working_days(submitted, today, days, overdue):
    w = waiting(submitted, today, cal)
    assert (w.working_days, w.overdue) == (days, overdue)


def test_waiting_text_says_overdue_in_words():
    assert Waiting(6).text == "已超期（6 个工作日）"
    assert Waiting(5).text == "5 个工作日"
    assert Waiting(3, confirmed=False).text == "3 个工作日（日历未确认）"


@pytest.mark.parametrize("today", [date(2026, 3, 20), date(2026, 3, 22), date(2026, 10, 9), date(2026, 2, 24)])
def test_last_overdue_day_agrees_with_waiting(today):
    cutoff = last_overdue_day(today, cal)
    assert waiting(cutoff, today, cal).overdue
    assert not waiting(cutoff + timedelta(days=1), today, cal).overdue


def test_notice_lists_what_was_approved_and_rejected_and_why():
    body = notice_body(
        unit_name="北京市示范科技有限公司",
        year=2025,
        person_name="张伟",
        id_number="110101198506150011",
        items=[
            DecidedItem("2025年1月", True),
            DecidedItem("2025年2月", False, "材料不清晰：模糊"),
            DecidedItem("2025年3月", False, ""),
        ],
        reviewer_org="北京市残疾人联合会",
    )
    assert notice_title("张伟") == '安置人员"张伟"资料审核完成通知'
    assert "审核通过：2025年1月。" in body
    assert "· 2025年2月：材料不清晰：模糊" in body
    assert "· 2025年3月：未说明原因" in body
    assert "110101********0011" in body and "110101198506150011" not in body
    assert body.rstrip().endswith("北京市残疾人联合会")


@pytest.mark.parametrize("today", [date(2026, 3, 20), date(2026, 10, 12), date(2026, 2, 24)])
def test_waiting_many_agrees_with_waiting(today):
    days = [today - timedelta(days=n) for n in (0, 1, 3, 7, 15, 40, 40)]
    many = waiting_many(days, today, cal)
    assert set(many) == set(days)
    for day in days:
        assert many[day] == waiting(day, today, cal)


def test_working_day_memoised_answers_match_the_calendar():
    data = workdays.CalendarData(overrides={date(2027, 1, 4): False}, published_years=frozenset({2027}))
    for d in (date(2026, 10, 1), date(2026, 10, 10), date(2027, 1, 4), date(2027, 1, 5), date(2028, 1, 3)):
        assert working_day(d, data) == workdays.is_working_day(d, data)
