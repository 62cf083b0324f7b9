"""Querysets with state-named methods. Totals (登记 / 确认 / 核定 / 不通过) are aggregates over PlacementMonth."""

from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from placements.constants import DocumentReview, MonthReview, PlacementStatus

# Conditions on PlacementMonth rows (prefix "" on the month queryset, "months__" from Placement).
_CONFIRMED_STATES = (MonthReview.AUTO, MonthReview.CONFIRMED)


def _month_q(prefix: str, **conditions) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in conditions.items()})


def pending_agreement_q(placement_model) -> Exists:
    """EXISTS a dispatch agreement of the placement awaiting a reviewer (Contract.review_state pending)."""
    contract = placement_model._meta.get_field("contracts").related_model
    return Exists(
        contract.objects.filter(placement=OuterRef("pk"), is_dispatched=True, review_state=DocumentReview.PENDING)
    )


class PlacementQuerySet(models.QuerySet):
    def of(self, employer, year: int) -> "PlacementQuerySet":
        return self.filter(employer=employer, year=year)

    def open(self) -> "PlacementQuerySet":
        """Not frozen by a declaration: may still be edited and recomputed."""
        return self.filter(frozen=False)

    def with_counts(self) -> "PlacementQuerySet":
        """Annotate the per-placement month counts in the same query (GROUP BY placement).

        ``n_registered`` 安置登记, ``n_confirmed`` 安置确认 (system + reviewer), ``n_approved`` 安置核定 (Σ weight of
        confirmed months), ``n_rejected`` 安置不通过, ``n_pending`` awaiting review, ``n_missing_evidence``
        pending months still lacking evidence, ``n_manual`` confirmed by a reviewer.
        """
        p = "months__"
        selected = _month_q(p, selected=True)
        confirmed = selected & _month_q(p, review_state__in=_CONFIRMED_STATES)
        return self.annotate(
            n_registered=Count("months", filter=selected),
            n_confirmed=Count("months", filter=confirmed),
            n_approved=Coalesce(Sum(f"{p}weight", filter=confirmed), Value(0)),
            n_rejected=Count("months", filter=selected & _month_q(p, review_state=MonthReview.REJECTED)),
            n_pending=Count("months", filter=selected & _month_q(p, review_state=MonthReview.PENDING)),
            n_missing_evidence=Count("months", filter=selected & _month_q(p, evidence_missing=True)),
            n_manual=Count("months", filter=selected & _month_q(p, review_state=MonthReview.CONFIRMED)),
        )

    def with_status(self) -> "PlacementQuerySet":
        """Annotate ``status`` (PlacementStatus value) as placements.rules.placement_status computes it.

        A dispatch agreement awaiting review makes the placement 待审核 (the manual's 待审核: "需要审核的部分资料有
        劳务派遣协议、…"), so 完成申报 waits for the reviewer's decision on it."""
        qs = self if "n_registered" in self.query.annotations else self.with_counts()
        S = PlacementStatus
        return qs.annotate(
            status=Case(
                When(wizard_completed=False, then=Value(S.INCOMPLETE)),
                When(n_registered=0, then=Value(S.INCOMPLETE)),
                When(n_missing_evidence__gt=0, then=Value(S.INCOMPLETE)),
                When(n_pending__gt=0, then=Value(S.PENDING)),
                When(pending_agreement_q(self.model), then=Value(S.PENDING)),
                When(n_rejected=models.F("n_registered"), then=Value(S.REJECTED)),
                When(n_rejected__gt=0, then=Value(S.PARTIALLY_REJECTED)),
                When(n_manual__gt=0, then=Value(S.APPROVED_MANUAL)),
                default=Value(S.APPROVED_SYSTEM),
                output_field=models.CharField(),
            )
        )

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
        """Placements that forbid 完成申报 (§7): 资料待完善 or 待审核."""
        return self.in_status(PlacementStatus.INCOMPLETE, PlacementStatus.PENDING)


class PlacementMonthQuerySet(models.QuerySet):
    def of_year(self, year: int) -> "PlacementMonthQuerySet":
        return self.filter(year=year)

    def selected(self) -> "PlacementMonthQuerySet":
        """安置登记: the months the employer registered."""
        return self.filter(selected=True)

    def held(self) -> "PlacementMonthQuerySet":
        """Months that hold the person-month against other units (selected, not rejected, of a placement submitted
        at least once — PlacementMonth.held)."""
        return self.filter(held=True)

    def auto_verified(self) -> "PlacementMonthQuerySet":
        return self.filter(selected=True, review_state=MonthReview.AUTO)

    def confirmed(self) -> "PlacementMonthQuerySet":
        """安置确认: confirmed by the system or by a reviewer."""
        return self.filter(selected=True, review_state__in=_CONFIRMED_STATES)

    def pending(self) -> "PlacementMonthQuerySet":
        return self.filter(selected=True, review_state=MonthReview.PENDING)

    def awaiting_review(self) -> "PlacementMonthQuerySet":
        """The reviewers' queue: pending months with their evidence complete, of placements submitted."""
        return self.pending().filter(evidence_missing=False, placement__wizard_completed=True)

    def needing_evidence(self) -> "PlacementMonthQuerySet":
        return self.pending().filter(evidence_missing=True)

    def rejected(self) -> "PlacementMonthQuerySet":
        return self.filter(selected=True, review_state=MonthReview.REJECTED)

    def totals(self) -> dict[str, int]:
        """登记 / 确认 / 核定 / 不通过 over these months, one query."""
        confirmed = Q(selected=True, review_state__in=_CONFIRMED_STATES)
        row = self.aggregate(
            registered=Count("pk", filter=Q(selected=True)),
            confirmed=Count("pk", filter=confirmed),
            approved=Coalesce(Sum("weight", filter=confirmed), Value(0)),
            rejected=Count("pk", filter=Q(selected=True, review_state=MonthReview.REJECTED)),
        )
        return {key: int(value or 0) for key, value in row.items()}
