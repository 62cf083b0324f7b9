"""Querysets with state-named methods. Every count, total and status is compiled here from the tables of
``placements.counting`` (the one definition); nothing in this module restates a counting rule by hand."""

from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from placements import counting
from placements.constants import DocumentReview, PlacementStatus


def measure_q(measure: counting.Measure, prefix: str = "") -> Q:
    """The months ``measure`` takes, as a condition on PlacementMonth rows (``prefix`` "months__" from Placement)."""
    q = Q(**{f"{prefix}selected": True})
    if measure.states != counting.SELECTED_STATES:  # selected ⇔ a review state other than none (a DB constraint)
        q &= Q(**{f"{prefix}review_state__in": sorted(measure.states)})
    if measure.evidence_missing is not None:
        q &= Q(**{f"{prefix}evidence_missing": measure.evidence_missing})
    if measure.weight is not None:
        q &= Q(**{f"{prefix}weight": measure.weight})
    return q


def measure_sql(measure: counting.Measure) -> str:
    """:func:`measure_q` as a plain SQL condition on the month table's columns (for hand-written statements)."""
    parts = ["selected"]
    if measure.states != counting.SELECTED_STATES:
        parts.append("review_state IN (" + ", ".join(f"'{state}'" for state in sorted(measure.states)) + ")")
    if measure.evidence_missing is not None:
        parts.append(("" if measure.evidence_missing else "NOT ") + "evidence_missing")
    if measure.weight is not None:
        parts.append(f"weight = {int(measure.weight)}")
    return " AND ".join(parts)


def measure_aggregate(measure: counting.Measure, prefix: str = "", counted: str = "pk"):
    """The aggregate of ``measure`` over PlacementMonth rows: a filtered COUNT, or a filtered SUM of the weights."""
    q = measure_q(measure, prefix)
    if measure.weighted:
        return Coalesce(Sum(f"{prefix}weight", filter=q), Value(0))
    return Count(counted, filter=q)


def counted_q(prefix: str = "") -> Q:
    """Placements whose months count in their year's totals (counting.counts_toward_year), as a condition."""
    return Q(**{f"{prefix}{counting.YEAR_FIELD}": True})


def pending_agreement_q(placement_model) -> Exists:
    """EXISTS a dispatch agreement of the placement awaiting a reviewer (Contract.review_state pending)."""
    contract = placement_model._meta.get_field("contracts").related_model
    return Exists(
        contract.objects.filter(placement=OuterRef("pk"), is_dispatched=True, review_state=DocumentReview.PENDING)
    )


def _condition(condition: counting.Condition, placement_model):
    """One row of counting.STATUS_RULES as a SQL condition over the ``n_<measure>`` annotations."""
    if condition.subject == "completed":
        return Q(wizard_completed=condition.value)
    if condition.subject == "pending_agreement":
        exists = pending_agreement_q(placement_model)
        return exists if condition.value else ~exists
    value = F(f"n_{condition.value}") if isinstance(condition.value, str) else condition.value
    lookup = {"==": "exact", ">": "gt"}[condition.op]
    return Q(**{f"n_{condition.subject}__{lookup}": value})


def status_case(placement_model) -> Case:
    """审核状态 as a CASE over the ``n_<measure>`` annotations, row for row counting.STATUS_RULES."""
    return Case(
        *(When(_condition(cond, placement_model), then=Value(status)) for cond, status in counting.STATUS_RULES),
        default=Value(counting.STATUS_DEFAULT),
        output_field=models.CharField(),
    )


class PlacementQuerySet(models.QuerySet):
    def of(self, employer, year: int) -> "PlacementQuerySet":
        return self.filter(employer=employer, year=year)

    def open(self) -> "PlacementQuerySet":
        """Not frozen by a declaration: may still be edited and recomputed."""
        return self.filter(frozen=False)

    def with_counts(self, *names: str) -> "PlacementQuerySet":
        """Annotate ``n_<measure>`` for each measure named (default counting.PLACEMENT_MEASURES) in the same query
        (GROUP BY placement): ``n_registered`` 安置登记, ``n_confirmed`` 安置确认, ``n_approved`` 安置核定,
        ``n_rejected`` 安置不通过, ``n_pending``, ``n_manual``, ``n_missing_evidence`` (counting.MEASURES)."""
        return self.annotate(
            **{
                f"n_{name}": measure_aggregate(counting.measure(name), "months__", "months")
                for name in names or counting.PLACEMENT_MEASURES
            }
        )

    def with_status(self) -> "PlacementQuerySet":
        """Annotate ``status`` (PlacementStatus value), compiled from counting.STATUS_RULES."""
        qs = self if "n_registered" in self.query.annotations else self.with_counts()
        return qs.annotate(status=status_case(self.model))

    def counted(self) -> "PlacementQuerySet":
        """The placements whose months make up their year's totals (counting.counts_toward_year)."""
        return self.filter(counted_q())

    def in_status(self, *statuses: str) -> "PlacementQuerySet":
        return self.with_status().filter(status__in=statuses)

    def incomplete(self) -> "PlacementQuerySet":
        return self.in_status(PlacementStatus.INCOMPLETE)

    def pending(self) -> "PlacementQuerySet":
        return self.in_status(PlacementStatus.PENDING)

    def approved(self) -> "PlacementQuerySet":
        return self.in_status(PlacementStatus.APPROVED_SYSTEM, PlacementStatus.APPROVED_MANUAL)

    def rejected(self) -> "PlacementQuerySet":
        return self.in_status(PlacementStatus.REJECTED)

    def partially_rejected(self) -> "PlacementQuerySet":
        return self.in_status(PlacementStatus.PARTIALLY_REJECTED)

    def blocking_declaration(self) -> "PlacementQuerySet":
        """Placements that forbid 完成申报 (§7): 资料待完善 or 待审核 (counting.BLOCKING_STATUSES)."""
        return self.in_status(*counting.BLOCKING_STATUSES)


class PlacementMonthQuerySet(models.QuerySet):
    def of_year(self, year: int) -> "PlacementMonthQuerySet":
        return self.filter(year=year)

    def counted(self) -> "PlacementMonthQuerySet":
        """Months of placements that count in their year's totals (counting.counts_toward_year)."""
        return self.filter(counted_q("placement__"))

    def in_measure(self, name: str) -> "PlacementMonthQuerySet":
        """The months measure ``name`` of counting.MEASURES takes."""
        return self.filter(measure_q(counting.measure(name)))

    def selected(self) -> "PlacementMonthQuerySet":
        """安置登记: the months the employer registered."""
        return self.filter(selected=True)

    def held(self) -> "PlacementMonthQuerySet":
        """Months that hold the person-month against other units (selected, not rejected, of a placement submitted
        at least once — PlacementMonth.held)."""
        return self.filter(held=True)

    def confirmed(self) -> "PlacementMonthQuerySet":
        """安置确认: confirmed by the system or by a reviewer."""
        return self.in_measure("confirmed")

    def pending(self) -> "PlacementMonthQuerySet":
        return self.in_measure("pending")

    def awaiting_review(self) -> "PlacementMonthQuerySet":
        """The reviewers' queue: pending months with their evidence complete, of placements submitted."""
        return self.in_measure("awaiting_review").counted()

    def needing_evidence(self) -> "PlacementMonthQuerySet":
        """Registered ✗ months still lacking the employer's evidence."""
        return self.in_measure("missing_evidence")

    def rejected(self) -> "PlacementMonthQuerySet":
        return self.in_measure("rejected")

    def totals(self, *names: str) -> dict[str, int]:
        """The measures named (default: every measure of counting.MEASURES) over these months, one query."""
        row = self.aggregate(
            **{name: measure_aggregate(counting.measure(name)) for name in names or counting.MEASURE_NAMES}
        )
        return {key: int(value or 0) for key, value in row.items()}
