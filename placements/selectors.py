"""Reads other apps use: a unit's year totals (the declaration's figures, through ``placements.counting``) and the
list rows as a queryset."""

from __future__ import annotations

from django.db.models import Count, Max, Q, Sum

from employers.models import Employer
from placements.constants import PlacementStatus
from placements.counting import YEAR_TOTALS
from placements.models import Placement
from placements.querysets import PlacementQuerySet, counted_q

# --- the list page and its totals --------------------------------------------------------------------------------


def placement_list_rows(
    employer: Employer, year: int, *, search: str = "", status: str | None = None
) -> PlacementQuerySet:
    """The rows of the placement list (§4): one query with the month counts, the status and a certificate number.

    Each row has ``n_registered`` 安置登记, ``n_confirmed`` 安置确认, ``n_approved`` 安置核定, ``n_rejected``
    安置不通过, ``status`` (PlacementStatus value) and ``cert_no`` (the latest month's certificate, unmasked: mask
    it in the template). ``search`` matches the exact ID number or a part of the name.
    """
    qs = Placement.objects.of(employer, year).with_status().annotate(cert_no=Max("months__cert_no"))
    search = (search or "").strip()[:50]
    if search:
        qs = qs.filter(Q(id_number=search.upper()) | Q(name__contains=search))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("id")


def placement_totals(employer: Employer, year: int) -> dict[str, int]:
    """The year's totals and the list's counters in one query.

    ``persons`` 已登记 (every placement), ``persons_confirmed`` 安置确认人数 and the ``registered`` / ``confirmed`` /
    ``approved`` / ``rejected`` months of the placements that count in the year (counting.counts_toward_year), and
    one ``status_<value>`` count per PlacementStatus.
    """
    qs = Placement.objects.of(employer, year).with_status()
    counted = counted_q()
    row = qs.aggregate(
        persons=Count("pk"),
        persons_confirmed=Count("pk", filter=counted & Q(n_confirmed__gt=0)),
        **{name: Sum(f"n_{name}", filter=counted) for name in YEAR_TOTALS},
        **{f"status_{value}": Count("pk", filter=Q(status=value)) for value in PlacementStatus.values},
    )
    return {key: int(value or 0) for key, value in row.items()}
