"""The reviewers' workplace in the admin (domain.md §7): which admin class shows which model. The classes live
with their use case: the placements' queue and review page in :mod:`placements.review.admin`, the related-unit
proofs' queue and review page (ADR 0010) in :mod:`placements.review.proof_admin`, the queue of grid recomputes
still owed (ADR 0017) in :mod:`placements.grid.admin`."""

from django.contrib import admin

from employers.models import RelatedUnitProof
from placements.grid.admin import PendingRecomputeAdmin
from placements.models import PendingRecompute, Placement
from placements.review.admin import PlacementAdmin
from placements.review.proof_admin import RelatedUnitProofAdmin

admin.site.register(Placement, PlacementAdmin)
admin.site.register(RelatedUnitProof, RelatedUnitProofAdmin)
admin.site.register(PendingRecompute, PendingRecomputeAdmin)
