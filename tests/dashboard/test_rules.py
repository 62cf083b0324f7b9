"""The home page's pure rules: no database."""

from datetime import date

import pytest

from core.filing import Window
from dashboard import rules
from declarations.transitions import State

DONE, CURRENT, NOT_STARTED = rules.DONE, rules.CURRENT, rules.NOT_STARTED


@pytest.mark.parametrize(
    ("state", "has_placements", "expected", "current"),
    [
        (State("filling"), False, (NOT_STARTED, NOT_STARTED, NOT_STARTED), 0),
        (State("filling"), True, (CURRENT, NOT_STARTED, NOT_STARTED), 0),
        (State("declared"), True, (DONE, DONE, CURRENT), 2),
        (State("sent"), True, (DONE, DONE, DONE), None),
        (State("withdrawing", "declared"), True, (DONE, DONE, CURRENT), 2),
        (State("withdrawing", "sent"), True, (DONE, DONE, DONE), None),
    ],
)
def test_progress_steps(state, has_placements, expected, current):
    progress = rules.progress(2025, state, has_placements=has_placements)
    assert tuple(step.state for step in progress.steps) == expected
    assert [step.label for step in progress.steps] == ["按比例安置登记", "完成申报", "发送税务部门"]
    marked = [i for i, step in enumerate(progress.steps) if step.current]
    assert marked == ([] if current is None else [current])
    assert progress.withdrawal_pending is (state.status == "withdrawing")
    labels = {DONE: "已完成", CURRENT: "进行中", NOT_STARTED: "未开始"}
    assert [step.state_label for step in progress.steps] == [labels[s] for s in expected]


def test_year_figures_fold_the_grouped_months():
    rows = [
        # (YYYYMM, review_state, weight, evidence_missing, count)
        (202501, "auto", 2, False, 1),  # one 二级 person: 1 confirmed, 2 approved
        (202501, "auto", 1, False, 3),  # three 三级 persons
        (202502, "confirmed", 1, False, 2),
        (202503, "pending", 1, True, 4),  # awaiting evidence
        (202503, "pending", 1, False, 1),  # awaiting a reviewer
        (202504, "rejected", 2, False, 1),
    ]
    figures = rules.year_figures(5, 4, rows)
    assert (figures.persons, figures.registered, figures.confirmed, figures.approved) == (5, 12, 6, 7)
    assert (figures.rejected, figures.pending, figures.evidence_missing) == (1, 5, 4)
    assert (figures.severe_months, figures.other_months) == (1, 5)
    assert [(bar.month, bar.confirmed, bar.approved) for bar in figures.months[:4]] == [
        (1, 4, 5),
        (2, 2, 2),
        (3, 0, 0),
        (4, 0, 0),
    ]
    assert len(figures.months) == 12 and figures.months[11].label == "12月"
    assert figures.placed_persons * 12 == 7
    assert figures.has_chart_data


def test_chart_summary_names_the_busiest_month_and_says_when_empty():
    empty = rules.year_figures(0, 0, [])
    assert "暂无已确认的安置月份" in rules.chart_summary(empty, 2025)
    figures = rules.year_figures(2, 2, [(202503, "auto", 2, False, 2), (202504, "auto", 1, False, 1)])
    text = rules.chart_summary(figures, 2025)
    assert "3月（4 人）" in text and "数据表" in text


WINDOW = Window("11", 2025, date(2026, 3, 1), date(2026, 10, 31), configured=False)


@pytest.mark.parametrize(
    ("today", "declared", "kind", "days", "urgent", "words"),
    [
        (date(2026, 2, 20), False, "not_yet", 9, False, "还有 9 天开始"),
        (date(2026, 3, 1), False, "open", 244, False, "距截止还有 244 天"),
        (date(2026, 9, 30), False, "open", 31, False, "距截止还有 31 天"),
        (date(2026, 10, 1), False, "open", 30, True, "距截止还有 30 天"),
        (date(2026, 10, 31), False, "open", 0, True, "今天截止"),
        (date(2026, 11, 1), False, "closed", None, True, "已截止"),
        (date(2026, 9, 30), True, "done", None, False, "已完成申报"),
    ],
)
def test_deadline_note(today, declared, kind, days, urgent, words):
    note = rules.deadline_note(WINDOW, today, declared=declared)
    assert (note.kind, note.days, note.urgent) == (kind, days, urgent)
    assert words in note.text and "2026-03-01 至 2026-10-31" in note.text


def person(**fields) -> rules.PersonFacts:
    data = {
        "placement_id": 1,
        "name": "王伟",
        "birth_date": date(1985, 6, 15),
        "gender": "男",
        "baseline": "",
        "missing_months": 0,
        "certificate_ends": (),
    }
    data.update(fields)
    return rules.PersonFacts(**data)


@pytest.mark.parametrize(
    ("birth", "gender", "baseline", "year", "expected"),
    [
        # men born 1965-01 … 1965-04 retire at 60 years 1 month (2025 reform, first step)
        (date(1965, 3, 10), "男", "", 2025, date(2025, 4, 10)),
        (date(1965, 3, 10), "男", "", 2026, None),
        (date(1964, 11, 30), "男", "", 2024, date(2024, 11, 30)),  # before the reform: 60
        (date(1964, 11, 30), "男", "", 2025, None),  # retired already
        # women 50 baseline born 1975-01: 50 years 1 month; unknown baseline is treated as 50
        (date(1975, 1, 31), "女", "worker50", 2025, date(2025, 2, 28)),
        (date(1975, 1, 31), "女", "", 2025, date(2025, 2, 28)),
        # women 55 baseline born 1970-05: 55 years 2 months
        (date(1970, 5, 1), "女", "cadre55", 2025, date(2025, 7, 1)),
        (None, "", "", 2025, None),
    ],
)
def test_retiring_on(birth, gender, baseline, year, expected):
    assert rules.retiring_on(person(birth_date=birth, gender=gender, baseline=baseline), year) == expected


@pytest.mark.parametrize(
    ("ends", "expected"),
    [
        ((), None),
        ((date(2025, 8, 31),), date(2025, 8, 31)),
        ((date(2025, 8, 31), date(2030, 8, 31)), None),  # renewed: a later certificate exists
        ((date(2024, 12, 31),), None),  # ended before the year: the grid shows it, not a reminder
        ((date(2025, 1, 1), date(2025, 12, 31)), date(2025, 12, 31)),
    ],
)
def test_certificate_ends_in(ends, expected):
    assert rules.certificate_ends_in(person(certificate_ends=ends), 2025) == expected


def test_reminders_collect_each_kind_and_sort_by_day():
    deadline = rules.deadline_note(WINDOW, date(2026, 9, 30), declared=False)
    people = [
        person(placement_id=1, name="甲", certificate_ends=(date(2025, 9, 1),)),
        person(placement_id=2, name="乙", certificate_ends=(date(2025, 3, 1),), missing_months=2),
        person(placement_id=3, name="丙", birth_date=date(1965, 3, 10)),
        person(placement_id=4, name="丁", missing_months=3),
    ]
    result = rules.reminders(people, 2025, deadline)
    assert [r.name for r in result.certificates] == ["乙", "甲"]
    assert [(r.name, r.day) for r in result.retirements] == [("丙", date(2025, 4, 10))]
    assert [(r.name, r.months) for r in result.evidence] == [("乙", 2), ("丁", 3)]
    assert result.evidence_months == 5
    assert result.count == 5
    assert result.deadline is deadline


def test_birth_years_cover_every_retirement_age():
    ranges = rules.birth_years_reaching_retirement(2025)
    assert ranges["男"] == (1962, 1965)  # 60 … 63
    assert ranges["女"] == (1967, 1975)  # 50 … 58
