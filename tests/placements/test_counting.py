"""The counting rules (domain.md §5.3–§5.4, placements.counting), without a database: what a month counts as, the
placement status, the year's totals and what a recompute does to a registered month."""

import pytest

from placements import counting
from placements.counting import MonthState, count_months, placement_status, state_after_recompute, year_totals


def test_eight_confirmed_months_of_a_grade_two_person_make_sixteen():
    months = [MonthState(selected=True, review_state="confirmed", weight=2) for _ in range(8)]
    months += [MonthState(selected=False, review_state="none", weight=2) for _ in range(4)]
    counts = count_months(months)
    assert (counts["approved"], counts["confirmed"], counts["severe"]) == (16, 8, 8)


def test_every_measure_of_a_mixed_grid():
    months = [
        MonthState(True, "auto", 2),
        MonthState(True, "confirmed", 1),
        MonthState(True, "pending", 2, evidence_missing=True),
        MonthState(True, "rejected", 2),
        MonthState(False, "none", 2),
    ]
    assert count_months(months) == {
        "registered": 4,
        "confirmed": 2,
        "approved": 3,
        "rejected": 1,
        "pending": 1,
        "manual": 1,
        "missing_evidence": 1,
        "awaiting_review": 0,
        "expected": 5,
        "severe": 1,
        "other": 1,
    }


def test_grouped_rows_count_like_single_months():
    rows = [("auto", 2, False, 3), ("pending", 1, True, 2), ("pending", 2, False, 2), ("rejected", 1, False, 1)]
    singles = [MonthState(True, state, weight, missing) for state, weight, missing, n in rows for _ in range(n)]
    assert counting.count_grouped(rows) == count_months(singles)


def states(*pairs):
    return [MonthState(selected=s != "none", review_state=s, evidence_missing=m) for s, m in pairs]


@pytest.mark.parametrize(
    ("completed", "months", "status"),
    [
        (False, states(("auto", False)), "incomplete"),
        (True, states(("none", False)), "incomplete"),
        (True, states(("auto", False), ("pending", True)), "incomplete"),
        (True, states(("auto", False), ("pending", False)), "pending"),
        (True, states(("auto", False), ("auto", False), ("none", False)), "approved_system"),
        (True, states(("auto", False), ("confirmed", False)), "approved_manual"),
        (True, states(("auto", False), ("rejected", False)), "partially_rejected"),
        (True, states(("rejected", False), ("rejected", False), ("none", False)), "rejected"),
        (True, states(("rejected", False), ("pending", False)), "pending"),
    ],
)
def test_placement_status(completed, months, status):
    assert placement_status(completed=completed, months=months) == status


def test_a_pending_dispatch_agreement_makes_an_otherwise_confirmed_placement_pending():
    months = [MonthState(True, "auto", 1, False)] * 3
    assert placement_status(completed=True, months=months) == "approved_system"
    assert placement_status(completed=True, months=months, pending_agreement=True) == "pending"
    assert placement_status(completed=False, months=months, pending_agreement=True) == "incomplete"


def test_every_status_rule_names_a_known_measure_or_flag():
    known = {*counting.MEASURE_NAMES, "completed", "pending_agreement"}
    for condition, _ in counting.STATUS_RULES:
        assert condition.subject in known
        assert not isinstance(condition.value, str) or condition.value in counting.MEASURE_NAMES


@pytest.mark.parametrize(
    ("selected", "state", "verified", "expected"),
    [
        (True, "auto", True, "auto"),
        (True, "auto", False, "pending"),
        (True, "pending", True, "auto"),
        (True, "pending", False, "pending"),
        (True, "confirmed", False, "confirmed"),
        (True, "rejected", True, "rejected"),
        (False, "none", True, "none"),
    ],
)
def test_recompute_state_transitions(selected, state, verified, expected):
    assert state_after_recompute(selected, state, verified) == expected


def test_a_placement_back_in_the_wizard_adds_nothing_to_the_year():
    """After 重新登记 a person is 资料待完善 again: its last submission's months no longer count in the year."""
    confirmed_twice = [MonthState(True, "auto", 2), MonthState(True, "auto", 2)]
    all_rejected = [MonthState(True, "rejected", 1)]
    totals = year_totals([(True, confirmed_twice), (False, confirmed_twice), (True, all_rejected)])
    assert totals["persons"] == 3  # 安置登记人数: every placement
    assert totals["persons_confirmed"] == 1  # 安置确认人数: counted, with a confirmed month
    assert (totals["registered"], totals["confirmed"], totals["approved"], totals["rejected"]) == (3, 2, 4, 1)
