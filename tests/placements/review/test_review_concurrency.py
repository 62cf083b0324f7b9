"""Two reviewers deciding the same month at once: one wins, the other is told it was already decided.

On PostgreSQL two threads (each with its own connection) race for real; elsewhere (SQLite, no row locks) the same
services run one after the other.
"""

import threading

import pytest
from django.db import connection, connections

from notices.models import Notice
from placements.constants import MonthReview
from placements.review import services as review
from tests.factories import placement_review as rf


def _race(p, month_ids, reviewers, decisions) -> list:
    barrier = threading.Barrier(len(reviewers))
    outcomes: list = [None] * len(reviewers)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[i] = review.month_decide(
                month_ids=month_ids, placement=p, decision=decisions[i], reason_code="unclear", by=reviewers[i]
            )
        except Exception as exc:  # noqa: BLE001 - the outcome is asserted by the test
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(reviewers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
@pytest.mark.parametrize("round_", range(3))
def test_two_reviewers_at_once_on_postgresql(employer, round_):
    p = rf.pending_placement(employer)
    jan = rf.month(p, 1)
    a, b = rf.reviewer("110000"), rf.reviewer("110101")
    outcomes = _race(p, [jan.pk], [a, b], ["approve", "reject"])
    winners = [o for o in outcomes if isinstance(o, review.DecisionResult)]
    losers = [o for o in outcomes if isinstance(o, review.AlreadyDecidedError)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    assert "已由其他审核人员处理" in losers[0].message
    jan.refresh_from_db()
    assert jan.review_state == (MonthReview.CONFIRMED if winners[0].decision == "approve" else MonthReview.REJECTED)
    assert Notice.objects.filter(employer=employer).count() == 1  # only the winner's notice


@pytest.mark.django_db
def test_two_reviewers_one_after_the_other(employer):
    p = rf.pending_placement(employer)
    ids = rf.pending_ids(p)
    first = review.month_decide(month_ids=ids, placement=p, decision="approve", by=rf.reviewer("110000"))
    assert first.months == [202501, 202502, 202503]
    with pytest.raises(review.AlreadyDecidedError):
        review.month_decide(
            month_ids=ids[:1], placement=p, decision="reject", reason_code="unclear", by=rf.reviewer("110101")
        )
    assert rf.month(p, 1).review_state == MonthReview.CONFIRMED
    assert Notice.objects.filter(employer=employer).count() == 1
