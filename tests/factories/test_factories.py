"""The factories themselves: ``.build()`` touches no database; identifiers are valid; created rows are complete."""

from datetime import date

import pytest
from stdnum.cn import ric, uscc

from tests import factories
from tests.factories import declarations as df
from tests.factories import feeds as ff
from tests.factories import placements as pf

BUILDABLE = [
    factories.RegionFactory,
    factories.EmployerFactory,
    factories.RelatedUnitFactory,
    factories.RegistryPersonFactory,
    factories.CertificateFactory,
    factories.WageRecordFactory,
    factories.PensionContributionFactory,
    factories.MedicalContributionFactory,
    factories.PlacementFactory,
    factories.PlacementMonthFactory,
    factories.ContractFactory,
    factories.HandCertificateFactory,
    factories.EvidenceFactory,
    factories.DeclarationFactory,
    factories.NoticeFactory,
    factories.ReliefApplicationFactory,
    factories.StaffFiguresFactory,
    factories.MinimumWageFactory,
    factories.StoredFileFactory,
]


@pytest.mark.parametrize("factory", BUILDABLE, ids=lambda f: f.__name__)
def test_build_gives_an_unsaved_row_without_a_database(factory):
    row = factory.build()  # no django_db mark: a query would fail the test
    assert row.pk is None or factory is factories.RegionFactory  # a region's primary key is its code


def test_built_rows_hang_together():
    month = factories.PlacementMonthFactory.build(month=202503)
    p = month.placement
    assert (month.id_number, month.year) == (p.id_number, p.year)
    assert p.birth_date == date(1985, 6, 15) and p.gender in ("男", "女")
    assert p.employer.federation_region.code == "110101"
    assert p.employer.federation_region.parent.parent.level == "province"
    assert uscc.is_valid(p.employer.uscc)


@pytest.mark.parametrize(
    "number",
    [
        factories.make_id_number(),
        factories.make_id_number(date(1990, 2, 3), male=False),
        factories.valid_id_number(),
        ff.person_id(),
        ff.valid_id(male=False),
        pf.person_id(),
        df.person_id(),
    ],
)
def test_id_numbers_are_valid(number):
    assert ric.is_valid(number)


def test_usccs_are_valid():
    assert all(uscc.is_valid(n) for n in (factories.make_uscc(), ff.unit_uscc(), factories.uscc_code("440305", 7)))
    assert not uscc.is_valid(factories.bad_check_digit(factories.make_uscc()))


@pytest.mark.django_db
def test_created_rows_are_saved_with_their_parents():
    clerk = factories.employer_user()
    unit = clerk.employer_account.employer
    assert unit.pk and unit.federation_region.parent.parent.code == "110000"
    reviewer = factories.reviewer_user("310000")
    assert reviewer.is_staff and reviewer.reviewer_profile.region_id == "310000"
    p = pf.complete_person(unit)
    assert p.contracts.count() == 1 and p.wizard_step == 2


@pytest.mark.django_db
def test_registry_rows_are_upserted_by_their_key():
    first = ff.registry_person(name="王晓明")
    again = ff.registry_person(first.id_number, name="王晓红")
    assert again.pk == first.pk and again.name == "王晓红"
    cert = ff.registry_cert(first.id_number, grade=3)
    assert ff.registry_cert(first.id_number, grade=3, status="注销").pk == cert.pk
