"""Another unit's placement id in any URL of the app answers 404 (GET and POST), and nothing changes."""

import pytest
from django.urls import reverse

from placements.evidence import services as evidence_services
from placements.grid import services as grid_services
from placements.models import Contract, Evidence, GraduateRecord, HandCertificate, Placement
from tests import factories
from tests.factories import placements as pf
from tests.factories import placements as w

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(other_employer, minimum_wage):
    """Another unit's placement with one of everything (contract, 学历, hand certificate, evidence)."""
    user = factories.employer_user(other_employer)
    p = w.ready_placement(other_employer, months=range(2, 13), is_graduate=True)
    graduate = GraduateRecord.objects.create(
        placement=p, school="北京大学", degree="bachelor", graduation_date="2010-07-01"
    )
    cert = HandCertificate.objects.create(
        placement=p,
        cert_no=f"{p.id_number}42",
        cert_type="残疾人证",
        valid_from="2015-01-01",
        valid_to="2024-12-31",
        grade=2,
    )
    grid_services.months_register(placement=p, months=[202501], by=user, expected_version=p.version)
    p.refresh_from_db()
    evidence = evidence_services.evidence_upload(
        placement=p, kind="wage", months=[202501], file=w.clean_png(), by=user, expected_version=p.version
    )
    contract = Contract.objects.get(placement=p)
    return p, contract, graduate, cert, evidence


def urls(p, contract, graduate, cert, evidence):
    return [
        reverse("placements:detail", args=[p.pk]),
        reverse("placements:step1", args=[p.pk]),
        reverse("placements:step2", args=[p.pk]),
        reverse("placements:step3", args=[p.pk]),
        reverse("placements:step4", args=[p.pk]),
        reverse("placements:graduate_add", args=[p.pk]),
        reverse("placements:graduate_delete", args=[p.pk, graduate.pk]),
        reverse("placements:contract_add", args=[p.pk]),
        reverse("placements:contract_edit", args=[p.pk, contract.pk]),
        reverse("placements:contract_delete", args=[p.pk, contract.pk]),
        reverse("placements:certificate_add", args=[p.pk]),
        reverse("placements:certificate_delete", args=[p.pk, cert.pk]),
        reverse("placements:evidence_withdraw", args=[p.pk, evidence.pk]),
        reverse("placements:reregister", args=[p.pk]),
        reverse("placements:delete", args=[p.pk]),
    ]


URL_NAMES = [
    "detail",
    "step1",
    "step2",
    "step3",
    "step4",
    "graduate_add",
    "graduate_delete",
    "contract_add",
    "contract_edit",
    "contract_delete",
    "certificate_add",
    "certificate_delete",
    "evidence_withdraw",
    "reregister",
    "delete",
]


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_units_placement_is_404(employer_client, foreign, index, method):
    p = foreign[0]
    url = urls(*foreign)[index]
    before = Placement.objects.get(pk=p.pk).version
    data = {"version": before, "months": [202501], "_confirm": "1", "_finish": "1", "kind": "wage"}
    response = getattr(employer_client, method)(url, data) if method == "post" else employer_client.get(url)
    assert response.status_code in (404, 405)
    if method == "get" and URL_NAMES[index] not in ("graduate_add", "graduate_delete"):
        assert response.status_code == 404
    p.refresh_from_db()
    assert p.version == before
    assert Evidence.objects.filter(placement=p, withdrawn=False).count() == 1


@pytest.mark.parametrize("name", ["contract_edit", "contract_delete", "certificate_delete", "evidence_withdraw"])
def test_another_units_child_under_my_own_placement_is_404(employer_client, employer, foreign, name):
    """My placement id with another placement's contract / certificate / evidence id: still 404."""
    mine = pf.placement(employer, id_number=w.valid_id())
    _, contract, _, cert, evidence = foreign
    child = {
        "contract_edit": contract,
        "contract_delete": contract,
        "certificate_delete": cert,
        "evidence_withdraw": evidence,
    }
    url = reverse(f"placements:{name}", args=[mine.pk, child[name].pk])
    assert employer_client.get(url).status_code == 404
    assert employer_client.post(url, {"version": mine.version}).status_code == 404


def test_a_reviewer_login_without_a_unit_is_refused(client, foreign):
    client.force_login(factories.reviewer_user())
    assert client.get(reverse("placements:index")).status_code == 403
    assert client.get(reverse("placements:detail", args=[foreign[0].pk])).status_code == 403
