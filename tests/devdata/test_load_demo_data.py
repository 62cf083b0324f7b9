"""load_demo_data: refused without DEBUG, idempotent, creates exactly the brief's demo unit and logins."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from core.models import AuditEvent, StoredFile
from employers.models import Employer, RelatedUnit, RelatedUnitProof, ReviewerProfile
from employers.services import uscc_is_locked

pytestmark = pytest.mark.django_db


def test_refused_when_debug_is_off():
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG=1"):
        call_command("load_demo_data", stdout=StringIO())
    assert not Employer.objects.exists()


@override_settings(DEBUG=True)
def test_needs_reference_data_first():
    with pytest.raises(CommandError, match="load_reference_data"):
        call_command("load_demo_data", stdout=StringIO())


@override_settings(DEBUG=True)
def test_creates_demo_unit_and_logins_idempotently():
    call_command("load_reference_data", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_data", "--only", "employers", stdout=out)  # other apps test their own load_demo
    assert "演示数据已加载（employers）" in out.getvalue()

    unit = Employer.objects.get()
    assert (unit.name, unit.uscc) == ("北京市示范科技有限公司", "91110105700000001E")
    assert {unit.federation_region_id, unit.tax_region_id, unit.registration_region_id} == {"110105"}
    assert not uscc_is_locked(unit)
    users = get_user_model().objects
    assert users.get(username="demo").employer_account.employer == unit
    reviewer = users.get(username="reviewer")
    assert reviewer.is_staff and not reviewer.is_superuser
    assert ReviewerProfile.objects.get(user=reviewer).region_id == "110000"
    assert reviewer.has_perm("employers.view_employer")
    assert users.get(username="demo").check_password("demo-pass-2026")
    assert reviewer.check_password("review-pass-2026")
    related = RelatedUnit.objects.filter(employer=unit)
    assert {r.relation for r in related} == {"dispatch_firm", "parent_subsidiary"}
    assert RelatedUnitProof.objects.filter(related_unit__employer=unit).count() == 2

    counts = (
        Employer.objects.count(),
        RelatedUnit.objects.count(),
        StoredFile.objects.count(),
        AuditEvent.objects.count(),
        users.count(),
    )
    password_hash = users.get(username="demo").password
    out = StringIO()
    call_command("load_demo_data", "--only", "employers", stdout=out)
    assert "未改动" in out.getvalue()
    assert counts == (
        Employer.objects.count(),
        RelatedUnit.objects.count(),
        StoredFile.objects.count(),
        AuditEvent.objects.count(),
        users.count(),
    )
    assert users.get(username="demo").password == password_hash  # not re-hashed


@override_settings(DEBUG=True)
def test_demo_logins_work(client):
    call_command("load_reference_data", stdout=StringIO())
    call_command("load_demo_data", "--only", "employers", stdout=StringIO())
    response = client.post("/accounts/login/", {"username": "demo", "password": "demo-pass-2026"})
    assert response.status_code == 302
    assert client.get("/employer/").status_code == 200
    client.post("/accounts/logout/")
    response = client.post("/admin/login/", {"username": "reviewer", "password": "review-pass-2026", "next": "/admin/"})
    assert response.status_code == 302
