"""Two 确定 clicks at the same moment (PostgreSQL only: real concurrent transactions)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from declarations import services
from declarations.models import Submission, TaxRecord
from tests import factories
from tests.declarations.conftest import DECLARE_AT
from tests.factories import declarations as df

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_token", [True, False])
def test_two_simultaneous_declarations_make_one(same_token):
    employer = factories.employer()
    df.placement(employer)
    barrier = threading.Barrier(2, timeout=20)
    outcomes: dict[int, object] = {}

    def click(n: int) -> None:
        try:
            with time_machine.travel(DECLARE_AT, tick=False):
                barrier.wait()
                token = "same" if same_token else f"tab-{n}"
                outcomes[n] = services.declaration_declare(employer=employer, year=df.YEAR, by=None, token=token)
        except Exception as exc:  # noqa: BLE001 - reported below
            outcomes[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Submission.objects.count() == 1 and TaxRecord.objects.count() == 1
    results = list(outcomes.values())
    submissions = [r for r in results if isinstance(r, Submission)]
    if same_token:
        assert len(submissions) == 2 and submissions[0].pk == submissions[1].pk  # both clicks see the one declaration
    else:
        errors = [r for r in results if isinstance(r, services.DeclarationError)]
        assert len(submissions) == 1 and len(errors) == 1 and "已完成申报" in errors[0].message


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_an_export_and_a_withdrawal_approval_at_the_same_moment_stay_consistent(attempt, tmp_path):
    """Either the result was exported (then a WITHDRAW record follows) or it was cancelled before (then the tax
    office never hears of it); never both, never neither, and no deadlock."""
    from declarations import exports
    from declarations.constants import RecordType

    employer = factories.employer()
    df.placement(employer)
    with time_machine.travel(DECLARE_AT, tick=False):
        services.declaration_declare(employer=employer, year=df.YEAR, by=None)
    withdrawal = services.withdrawal_request(employer=employer, year=df.YEAR, reason="漏报", by=None)
    factories.region("110000", "北京市")
    reviewer = factories.reviewer_user("110000")
    barrier = threading.Barrier(2, timeout=20)
    errors: list[Exception] = []

    def export() -> None:
        try:
            barrier.wait()
            exports.tax_export(authority="110101", output_dir=tmp_path)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def approve() -> None:
        try:
            barrier.wait()
            services.withdrawal_approve(withdrawal=withdrawal, reason="同意", by=reviewer)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=export), threading.Thread(target=approve)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    result = TaxRecord.objects.get(record_type=RecordType.DECLARATION)
    withdrawn = TaxRecord.objects.filter(record_type=RecordType.WITHDRAWAL).count()
    if result.id <= exports.exported_upto("110101"):
        assert not result.cancelled and withdrawn == 1
    else:
        assert result.cancelled and withdrawn == 0
