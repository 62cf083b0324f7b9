"""Admin of the feed tables: read-only, exact ID search, bounded queries, no full-table count."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from core.masking import mask_number
from feeds.models import Certificate, FeedImport, PensionContribution, RegistryPerson
from tests.factories.feeds import person_id, unit_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False  # the TOTP step is tested by core; here: the feed pages


def make_pension(n):
    unit = unit_uscc()
    rows = [
        PensionContribution(id_number=person_id(), unit_uscc=unit, month=202501, base_amount=Decimal(5000))
        for _ in range(n)
    ]
    PensionContribution.objects.bulk_create(rows)
    return rows


@pytest.mark.parametrize("n", [1, 50])
def test_pension_list_queries_are_bounded(admin_client, django_assert_max_num_queries, n):
    make_pension(n)
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:feeds_pensioncontribution_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == n
    assert "feeds/pensioncontribution/add/" not in response.content.decode()


def test_search_is_exact_and_case_insensitive_for_x(admin_client):
    make_pension(3)
    target = next(n for n in (person_id() for _ in range(400)) if n.endswith("X"))
    PensionContribution.objects.create(id_number=target, unit_uscc=unit_uscc(), month=202502, base_amount=1)
    response = admin_client.get(reverse("admin:feeds_pensioncontribution_changelist"), {"q": f" {target.lower()} "})
    assert response.status_code == 200
    assert [r.id_number for r in response.context["cl"].result_list] == [target]
    assert mask_number(target) in response.content.decode()  # masked in the list
    partial = admin_client.get(reverse("admin:feeds_pensioncontribution_changelist"), {"q": target[:10]})
    assert list(partial.context["cl"].result_list) == []  # exact match only


@pytest.mark.parametrize(
    "name", ["registryperson", "certificate", "pensioncontribution", "medicalcontribution", "wagerecord", "feedimport"]
)
def test_every_feed_admin_page_renders_and_is_read_only(admin_client, name):
    response = admin_client.get(reverse(f"admin:feeds_{name}_changelist"))
    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:feeds_{name}_add")).status_code == 403


def test_change_page_is_view_only(admin_client):
    person = RegistryPerson.objects.create(id_number=person_id(), name="张伟", gender="男", region_code="110105")
    response = admin_client.get(reverse("admin:feeds_registryperson_change", args=[person.pk]))
    assert response.status_code == 200
    assert person.id_number in response.content.decode()  # the full number on the detail page
    assert admin_client.post(reverse("admin:feeds_registryperson_delete", args=[person.pk])).status_code == 403


def test_certificate_search_by_number(admin_client):
    holder = person_id()
    Certificate.objects.create(
        cert_no=f"{holder}42", id_number=holder, cert_type="残疾人证", category=4, grade=2,
        valid_from="2020-01-01", valid_to="2030-01-01", status="有效",
    )  # fmt: skip
    response = admin_client.get(reverse("admin:feeds_certificate_changelist"), {"q": f"{holder}42"})
    assert [c.cert_no for c in response.context["cl"].result_list] == [f"{holder}42"]


def test_feed_import_log_lists(admin_client):
    from django.utils import timezone

    now = timezone.now()
    FeedImport.objects.create(
        kind="pension", file_name="p.csv", method="copy", started_at=now, finished_at=now, rows_read=1,
        rows_inserted=1, rows_updated=0, rows_unchanged=0, rows_rejected=0, by_label="系统",
    )  # fmt: skip
    assert "p.csv" in admin_client.get(reverse("admin:feeds_feedimport_changelist")).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner estimates are a PostgreSQL feature")
def test_unfiltered_list_uses_the_planner_estimate_not_count(admin_client):
    from django.test.utils import CaptureQueriesContext

    make_pension(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feeds_pensioncontribution")
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(reverse("admin:feeds_pensioncontribution_changelist"))
    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in captured.captured_queries if "feeds_pensioncontribution" in q["sql"])
    assert "COUNT(" not in sql.upper()
    assert response.context["cl"].result_count == 30
