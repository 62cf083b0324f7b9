"""Reads of the employers app for views (bounded: a fixed number of queries whatever the row count)."""

from django.db.models import Prefetch, QuerySet

from employers.models import Employer, RelatedUnit, RelatedUnitProof


def related_units_for(employer: Employer) -> QuerySet[RelatedUnit]:
    """The unit's current related units with region and current proofs (2 queries)."""
    proofs = RelatedUnitProof.objects.filter(withdrawn=False).select_related("file").order_by("created_at", "pk")
    return (
        RelatedUnit.objects.filter(employer=employer, is_active=True)
        .select_related("region")
        .prefetch_related(Prefetch("proofs", queryset=proofs, to_attr="current_proofs"))
        .order_by("name", "pk")
    )


def related_unit_choices(employer: Employer, relation: str | None = None) -> QuerySet[RelatedUnit]:
    """For pickers in other apps (dispatch firm, paying units): current related units, optionally of a relation."""
    queryset = RelatedUnit.objects.filter(employer=employer, is_active=True).order_by("name", "pk")
    return queryset.filter(relation=relation) if relation else queryset


def related_unit_proofs(unit: RelatedUnit) -> QuerySet[RelatedUnitProof]:
    """All proofs of a unit, withdrawn ones too (they stay visible, marked), newest first."""
    return RelatedUnitProof.objects.filter(related_unit=unit).select_related("file").order_by("-created_at", "-pk")
