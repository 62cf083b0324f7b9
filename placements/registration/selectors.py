"""Reads of the registration pages: the unit's placement with its status, its contracts, 学历, certificates
(registry and hand-added), the related units, last year's persons to import, the summary of step 4."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from core.prepared import PreparedQuery
from employers.models import Employer, RelatedUnit
from feeds.models import Certificate, RegistryPerson
from placements import counting
from placements.grid.selectors import month_grid
from placements.listing.selectors import _search_q
from placements.models import Contract, GraduateRecord, HandCertificate, Placement, PlacementMonth
from placements.querysets import pending_agreement_q
from placements.registration.rules import RegistryCert, hand_certificate_allowed

# --- one placement -----------------------------------------------------------------------------------------------


def _placement_of_unit(pk: int, employer_id: int):
    return (
        Placement.objects.select_related("household_region")
        .annotate(pending_agreement=pending_agreement_q(Placement))
        .filter(pk=pk, employer_id=employer_id)
        .order_by("pk")[:1]
    )


_placement_of_unit_prepared = PreparedQuery(_placement_of_unit, ((-730001, -730002), (-730003, -730004)))


def placement_with_status(employer: Employer, pk: int) -> Placement | None:
    """The unit's placement with its twelve months (``p.grid``), counts and status, or None (→ 404 in the view).

    Two plain queries, compiled once (core.prepared); the counts and the status are computed from the months
    by the pure rules (the same definitions as PlacementQuerySet.with_status, which compiles to a much larger
    statement).
    """
    found = _placement_of_unit_prepared(pk, employer.pk)
    if not found:
        return None
    p = found[0]
    p.employer = employer
    p.grid = month_grid(p)
    counts = counting.count_months(counting.state_of(m) for m in p.grid)
    for name, value in counts.items():
        setattr(p, f"n_{name}", value)
    p.status = counting.status_from_counts(counts, completed=p.wizard_completed, pending_agreement=p.pending_agreement)
    return p


def related_units(employer: Employer, keep: Contract | None = None) -> list[RelatedUnit]:
    """The unit's active related units, plus those ``keep`` (a contract being edited) already names."""
    names = ("dispatch_unit", "pension_unit", "medical_unit", "wage_unit")
    kept = [getattr(keep, f"{name}_id") for name in names if keep is not None and getattr(keep, f"{name}_id")]
    return list(
        RelatedUnit.objects.filter(Q(is_active=True) | Q(pk__in=kept), employer=employer).order_by("relation", "name")
    )


def _contracts(placement_id: int):
    return (
        Contract.objects.filter(placement_id=placement_id)
        .select_related("dispatch_unit", "pension_unit", "medical_unit", "wage_unit", "contract_file")
        .order_by("start", "id")
    )


_contracts_prepared = PreparedQuery(_contracts, ((-730011,), (-730012,)))


def contracts_of(placement: Placement) -> list[Contract]:
    """The placement's contracts with their related units and file, by start (one query, compiled once)."""
    return _contracts_prepared(placement.pk)


def _graduates(placement_id: int):
    return GraduateRecord.objects.filter(placement_id=placement_id).order_by("graduation_date", "id")


def _hand_certificates(placement_id: int):
    return HandCertificate.objects.filter(placement_id=placement_id).select_related("image").order_by("valid_from")


def _registry_certificates(id_number: str):
    return Certificate.objects.filter(id_number=id_number).order_by("-valid_from")


_graduates_prepared = PreparedQuery(_graduates, ((-730031,), (-730032,)))
_hand_certificates_prepared = PreparedQuery(_hand_certificates, ((-730041,), (-730042,)))
_registry_certificates_prepared = PreparedQuery(_registry_certificates, (("~a",), ("~b",)))


def graduates_of(placement: Placement) -> list[GraduateRecord]:
    """The placement's 学历 records by graduation (one query, compiled once)."""
    return _graduates_prepared(placement.pk)


def hand_certificates_of(placement: Placement) -> list[HandCertificate]:
    """The certificates the unit added by hand, with their image, by start (one query, compiled once)."""
    return _hand_certificates_prepared(placement.pk)


def registry_certificates(id_number: str) -> list[Certificate]:
    """The registry's certificates of the person, newest first (one query, compiled once)."""
    return _registry_certificates_prepared(id_number)


def hand_certificate_is_allowed(certificates: list[Certificate], year: int) -> bool:
    return hand_certificate_allowed(
        (RegistryCert(c.valid_from, c.valid_to, c.status == "有效") for c in certificates), year
    )


@dataclass(frozen=True)
class RegistryLookup:
    person: RegistryPerson | None
    certificates: list[Certificate]

    @property
    def found(self) -> bool:
        return self.person is not None


def registry_lookup(id_number: str) -> RegistryLookup:
    """What the disabled-persons registry knows of a person (two queries)."""
    return RegistryLookup(RegistryPerson.objects.filter(id_number=id_number).first(), registry_certificates(id_number))


def summary_of(months: list[PlacementMonth]) -> dict[str, int]:
    """The placement's measures (counting.MEASURES): registered, confirmed, pending, rejected, approved, expected…"""
    return counting.count_months(counting.state_of(m) for m in months)


# --- 导入上一年申报名单 ---------------------------------------------------------------------------------------------


def _import_candidates_qs(employer: Employer, year: int, search: str = ""):
    this_year = Placement.objects.filter(employer=employer, year=year).values("id_number")
    qs = (
        Placement.objects.filter(employer=employer, year=year - 1, wizard_completed=True)
        .exclude(id_number__in=this_year)
        .order_by("id")
    )
    if search:
        qs = qs.filter(_search_q(search))
    return qs.only("pk", "name", "id_number", "year")


def import_candidates(
    employer: Employer, year: int, search: str = "", limit: int = 500, *, ids: list[int] | None = None
) -> list[Placement]:
    """Last year's registered persons of the unit who are not yet in ``year`` (one query); ``ids``: only those."""
    qs = _import_candidates_qs(employer, year, search)
    if ids is not None:
        return list(qs.filter(pk__in=ids[:limit]))
    return list(qs[:limit])


def import_candidates_page(
    employer: Employer, year: int, search: str = "", *, offset: int = 0, limit: int = 50
) -> tuple[list[Placement], int]:
    """One page of :func:`import_candidates` and how many there are in all (two queries)."""
    qs = _import_candidates_qs(employer, year, search)
    return list(qs[offset : offset + limit]), qs.count()
