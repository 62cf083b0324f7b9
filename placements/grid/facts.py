"""Gathering the facts the grid rules evaluate (contracts, certificates, monthly feed facts, minimum wages, months
held elsewhere) for many placements in a bounded number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, Case, CharField, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Cast

from core.months import YearMonth
from employers.models import Employer, RelatedUnit
from feeds.models import Certificate, MedicalContribution, PensionContribution, WageRecord
from placements.constants import DocumentReview
from placements.grid.rules import (
    CERT_CANCELLED,
    CERT_PENDING,
    CERT_REJECTED,
    CERT_VALID,
    CertFacts,
    ContractFacts,
    MinWageRow,
    PersonFacts,
    minimum_wages_for_year,
)
from placements.lookups import ArrayValues
from placements.models import Contract, HandCertificate, Placement, PlacementMonth

_HAND_STATE = {
    DocumentReview.APPROVED: CERT_VALID,
    DocumentReview.PENDING: CERT_PENDING,
    DocumentReview.REJECTED: CERT_REJECTED,
    DocumentReview.NOT_REQUIRED: CERT_VALID,
}
_PENSION, _MEDICAL, _WAGE = "p", "m", "w"  # kinds in the monthly facts union


class PlacementRef(NamedTuple):
    """What the engine needs of a placement, read without building model instances (bulk recompute)."""

    pk: int
    employer_id: int
    year: int
    id_number: str
    birth_date: date | None
    gender: str
    retirement_baseline: str
    frozen: bool
    employer_uscc: str
    employer_region: str


def placement_refs(qs) -> list[PlacementRef]:
    """The placements of ``qs`` as :class:`PlacementRef` (one query, joined to their employers)."""
    return [
        PlacementRef(*row)
        for row in qs.values_list(
            "pk",
            "employer_id",
            "year",
            "id_number",
            "birth_date",
            "gender",
            "retirement_baseline",
            "frozen",
            "employer__uscc",
            "employer__registration_region_id",
        )
    ]


def facts_for_placements(placements: Sequence[Placement | PlacementRef]) -> dict[int, PersonFacts]:
    """The facts of many placements, one query per source for the whole batch:

    employers (skipped when already loaded), contracts with their paying units, certificates (registry ∪ hand-added),
    monthly facts (pension ∪ medical ∪ wages), minimum wages, and the months other units hold.
    """
    placements = list(placements)
    if not placements:
        return {}
    ids = sorted({p.id_number for p in placements})
    pks = [p.pk for p in placements]
    years = {p.year for p in placements}
    lo, hi = YearMonth(min(years), 1).key, YearMonth(max(years), 12).key

    units = _employer_units(placements)
    contracts = _contracts(pks, units, placements)
    registry, hand = _certificates(ids, pks)
    wages, pension, medical = _monthly_facts(ids, lo, hi)
    min_wages = _minimum_wages({code for _, code in units.values()}, years)
    held = _held_months(ids, lo, hi)

    out: dict[int, PersonFacts] = {}
    for p in placements:
        uscc, region = units[p.employer_id]
        taken = frozenset(month for month, pk in held.get(p.id_number, ()) if pk != p.pk)
        out[p.pk] = PersonFacts(
            id_number=p.id_number,
            year=p.year,
            employer_uscc=uscc,
            birth_date=p.birth_date,
            gender=p.gender,
            baseline=p.retirement_baseline,
            contracts=contracts.get(p.pk, ()),
            certificates=registry.get(p.id_number, []) + hand.get(p.pk, []),
            wages=wages.get(p.id_number, {}),
            pension=pension.get((p.id_number, p.year), {}),
            medical=medical.get((p.id_number, p.year), {}),
            min_wages=min_wages[(region, p.year)],
            taken_months=taken,
        )
    return out


def _employer_units(placements: Sequence[Placement | PlacementRef]) -> dict[int, tuple[str, str]]:
    """employer pk → (USCC, registration region code)."""
    field = Placement._meta.get_field("employer")
    units = {}
    missing = set()
    for p in placements:
        if isinstance(p, PlacementRef):
            units[p.employer_id] = (p.employer_uscc, p.employer_region)
        elif field.is_cached(p):
            units[p.employer_id] = (p.employer.uscc, p.employer.registration_region_id)
        else:
            missing.add(p.employer_id)
    if missing:
        rows = Employer.objects.filter(pk__in=missing).values_list("pk", "uscc", "registration_region_id")
        units.update({pk: (uscc, region) for pk, uscc, region in rows})
    return units


def _related_uscc(field: str) -> Case:
    """The USCC of the related unit a contract's ``field`` names, as a subquery run only for a non-null unit."""
    uscc = RelatedUnit.objects.filter(pk=OuterRef(field)).order_by().values("uscc")[:1]
    return Case(When(**{f"{field}__isnull": False}, then=Subquery(uscc)), default=Value(None), output_field=CharField())


def _contracts(
    pks: list[int], units: dict[int, tuple[str, str]], placements: Sequence[Placement | PlacementRef]
) -> dict[int, list[ContractFacts]]:
    """The contracts of these placements, their paying units resolved to USCCs.

    The related units' USCCs are subqueries run for the contracts that name one (most name none: the unit pays):
    joined, PostgreSQL hash-joined the whole related unit table three times for every chunk (60 of a
    2,000-placement chunk's 66 ms with 100,000 related units).
    """
    own = {p.pk: units[p.employer_id][0] for p in placements}
    rows = (
        Contract.objects.filter(placement__id__in_array=ArrayValues(pks))
        .order_by()
        .annotate(
            k_wage=_related_uscc("wage_unit_id"),
            k_pension=_related_uscc("pension_unit_id"),
            k_medical=_related_uscc("medical_unit_id"),
        )
        .values_list(
            "placement_id",
            "start",
            "end",
            "contract_type",
            "is_dispatched",
            "review_state",
            "k_wage",
            "k_pension",
            "k_medical",
            "wage_unit_id",
            "pension_unit_id",
            "medical_unit_id",
        )
    )
    out: dict[int, list[ContractFacts]] = defaultdict(list)
    for pk, start, end, ctype, dispatched, review, wage, pension, medical, wage_id, pension_id, medical_id in rows:
        this = own[pk]
        out[pk].append(
            ContractFacts(
                start=start,
                end=end,
                contract_type=ctype,
                is_dispatched=dispatched,
                # A null unit is this employer; a related unit without a USCC matches no feed row.
                wage_unit=this if wage_id is None else wage or "",
                pension_unit=this if pension_id is None else pension or "",
                medical_unit=this if medical_id is None else medical or "",
                rejected=review == DocumentReview.REJECTED,
            )
        )
    return out


def _certificates(ids: list[str], pks: list[int]) -> tuple[dict[str, list[CertFacts]], dict[int, list[CertFacts]]]:
    """Registry certificates by ID number and hand-added ones by placement, in one UNION query."""
    columns = ("cert_no", "cert_type", "grade", "valid_from", "valid_to")
    registry_qs = (
        Certificate.objects.filter(id_number__in_array=ArrayValues(ids))
        .annotate(k_id=F("id_number"), k_pk=Cast(Value(None), output_field=BigIntegerField()), k_state=F("status"))
        .values_list("k_id", "k_pk", "k_state", *columns)
        .order_by()
    )
    hand_qs = (
        HandCertificate.objects.filter(placement__id__in_array=ArrayValues(pks))
        .annotate(k_id=Value("", output_field=CharField()), k_pk=F("placement_id"), k_state=F("review_state"))
        .values_list("k_id", "k_pk", "k_state", *columns)
        .order_by()
    )
    registry: dict[str, list[CertFacts]] = defaultdict(list)
    hand: dict[int, list[CertFacts]] = defaultdict(list)
    for id_number, pk, state, cert_no, cert_type, grade, valid_from, valid_to in registry_qs.union(hand_qs, all=True):
        if pk is None:
            cert = CertFacts(
                cert_no, cert_type, grade, valid_from, valid_to, CERT_VALID if state == "有效" else CERT_CANCELLED
            )
            registry[id_number].append(cert)
        else:
            hand[pk].append(
                CertFacts(cert_no, cert_type, grade, valid_from, valid_to, _HAND_STATE.get(state, CERT_PENDING))
            )
    return registry, hand


def in_clause(column: str, values: list) -> tuple[str, list]:
    """``column`` among ``values``: one array parameter on PostgreSQL, a list of parameters elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _monthly_facts(ids: list[str], lo: int, hi: int):
    """Pension, medical and wage facts of these persons in months [lo, hi], in one UNION ALL query.

    Insurance comes back aggregated per (person, paying unit, year) as a 12-bit month mask (bit m-1 = month m;
    the feeds' unique key makes SUM of distinct powers of two a bitwise OR), which divides the rows to read by 12.
    Wages come back per month with their amount in whole fen (an int: cheaper to send, parse and compare than a
    Decimal, a million of them a pass; the minimum wages are in fen too, :func:`_minimum_wages`). Returns ``wages``
    {id: {month: {unit: fen}}} and ``pension`` / ``medical`` {(id, year): {unit: mask}}.
    """
    where, id_params = in_clause("id_number", ids)
    insured = (
        "SELECT id_number, unit_uscc, month / 100, %s, SUM(1 << (month %% 100 - 1)), CAST(NULL AS BIGINT) "
        "FROM {table} WHERE {where} AND month >= %s AND month <= %s GROUP BY id_number, unit_uscc, month / 100"
    )
    sql = " UNION ALL ".join(
        [
            insured.format(table=PensionContribution._meta.db_table, where=where),
            insured.format(table=MedicalContribution._meta.db_table, where=where),
            f"SELECT id_number, unit_uscc, month, %s, CAST(NULL AS INTEGER), CAST(ROUND(amount * 100) AS BIGINT) "
            f"FROM {WageRecord._meta.db_table} WHERE {where} AND month >= %s AND month <= %s",
        ]
    )
    params = [p for kind in (_PENSION, _MEDICAL, _WAGE) for p in (kind, *id_params, lo, hi)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    wages: dict[str, dict[int, dict[str, int]]] = {}
    pension: dict[tuple[str, int], dict[str, int]] = {}
    medical: dict[tuple[str, int], dict[str, int]] = {}
    for id_number, unit, period, kind, mask, amount in rows:
        if kind == _WAGE:
            by_month = wages.get(id_number)
            if by_month is None:
                by_month = wages[id_number] = {}
            paid = by_month.get(period)
            if paid is None:
                paid = by_month[period] = {}
            paid[unit] = amount
        else:
            target = pension if kind == _PENSION else medical
            units = target.get((id_number, period))
            if units is None:
                units = target[(id_number, period)] = {}
            units[unit] = int(mask)
    return wages, pension, medical


def _minimum_wages(regions: Iterable[str], years: set[int]) -> dict[tuple[str, int], dict[int, int | None]]:
    """(region, year) → {month: minimum wage in force on its first day, in fen}. One query for every region and
    year."""
    from core.models import MinimumWage

    regions = set(regions)
    prefixes = set()
    for code in regions:
        prefixes |= {code[:2], code[:4], code, code[:2] + "0000", code[:4] + "00"}
    rows = [
        MinWageRow(code, effective_from, amount)
        for code, effective_from, amount in MinimumWage.objects.filter(
            region_code__in=prefixes, effective_from__lte=date(max(years), 12, 1)
        ).values_list("region_code", "effective_from", "amount")
    ]
    return {
        (code, year): {month: _fen(amount) for month, amount in minimum_wages_for_year(rows, code, year).items()}
        for code in regions
        for year in years
    }


def _fen(amount: Decimal | None) -> int | None:
    """A sum in yuan (two decimals, as the feeds store it) as whole fen, or None."""
    return None if amount is None else int((amount * 100).to_integral_value())


def _held_months(ids: list[str], lo: int, hi: int) -> dict[str, list[tuple[int, int]]]:
    """ID number → [(month, placement pk)] of the months held (PlacementMonth.held) by any placement."""
    rows = PlacementMonth.objects.held().filter(id_number__in_array=ArrayValues(ids), month__gte=lo, month__lte=hi)
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for id_number, month, pk in rows.values_list("id_number", "month", "placement_id"):
        out[id_number].append((month, pk))
    return out
