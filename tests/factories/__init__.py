"""Test data in one place: factory_boy factories for the models (``.build()`` gives unsaved rows for tests without a
database) and the helper functions the tests call, one module per app.

Looks real: valid ID numbers and USCCs (check characters from python-stdnum), Chinese names, real region codes.
The shared helpers are re-exported here (``from tests import factories``; ``factories.employer()``); the others
live in their app's module (``from tests.factories import placements as pf``):

- ``core``: identifiers, names, regions, reference rows, stored files; ``files``: file bytes and uploads
- ``employers``: units, clerks, reviewers, related units, the admin's TOTP login
- ``feeds``: registry persons, certificates, monthly facts, feed CSV files
- ``placements``: placements, contracts, months, hand certificates, evidence, the wizard's form data;
  ``placement_review``: placements awaiting review; ``placement_facts``: the pure rules' fact bundles
- ``declarations``, ``notices``, ``relief``, ``levy``, ``dashboard``: those apps' rows
"""

from tests.factories.core import (
    EmploymentRatioFactory,
    MinimumWageFactory,
    RegionFactory,
    SocialAverageWageFactory,
    StoredFileFactory,
    bad_check_digit,
    chinese_name,
    id_number,
    make_id_number,
    make_uscc,
    min_wage,
    region,
    stored,
    uscc_code,
    valid_id_number,
)
from tests.factories.declarations import DeclarationFactory
from tests.factories.employers import (
    EmployerAccountFactory,
    EmployerFactory,
    RelatedUnitFactory,
    ReviewerProfileFactory,
    UserFactory,
    employer,
    employer_in,
    employer_user,
    otp_login,
    related_unit,
    reviewer_user,
)
from tests.factories.feeds import (
    CertificateFactory,
    MedicalContributionFactory,
    PensionContributionFactory,
    RegistryPersonFactory,
    WageRecordFactory,
)
from tests.factories.levy import StaffFiguresFactory
from tests.factories.notices import NoticeFactory, NoticeReadFactory
from tests.factories.placements import (
    ContractFactory,
    EvidenceFactory,
    HandCertificateFactory,
    PlacementFactory,
    PlacementMonthFactory,
)
from tests.factories.relief import ReliefApplicationFactory

__all__ = [
    "CertificateFactory",
    "ContractFactory",
    "DeclarationFactory",
    "EmployerAccountFactory",
    "EmployerFactory",
    "EmploymentRatioFactory",
    "EvidenceFactory",
    "HandCertificateFactory",
    "MedicalContributionFactory",
    "MinimumWageFactory",
    "NoticeFactory",
    "NoticeReadFactory",
    "PensionContributionFactory",
    "PlacementFactory",
    "PlacementMonthFactory",
    "RegionFactory",
    "RegistryPersonFactory",
    "RelatedUnitFactory",
    "ReliefApplicationFactory",
    "ReviewerProfileFactory",
    "SocialAverageWageFactory",
    "StaffFiguresFactory",
    "StoredFileFactory",
    "UserFactory",
    "WageRecordFactory",
    "bad_check_digit",
    "chinese_name",
    "employer",
    "employer_in",
    "employer_user",
    "id_number",
    "make_id_number",
    "make_uscc",
    "min_wage",
    "otp_login",
    "region",
    "related_unit",
    "reviewer_user",
    "stored",
    "uscc_code",
    "valid_id_number",
]
