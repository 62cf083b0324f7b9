"""Region scoping for every reviewer-facing admin: a reviewer sees and acts on the units whose 残联主管部门 lies
inside their region (a province reviewer the province, a district reviewer the district); superusers see all.

Reuse it in any app's admin::

    @admin.register(Placement)
    class PlacementAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
        scope_lookup = "employer"            # path from the model to its Employer

``scope_lookup = ""`` scopes the Employer model itself; ``scope_region_lookup = "region"`` scopes by a Region FK
instead (e.g. reviewer profiles). Foreign-key choices (and autocomplete, which goes through the related admin's
scoped queryset) are limited to the reviewer's units too, so a form cannot attach another region's unit.
An object outside the scope is simply not in the queryset: its change page answers like a missing object.
Autocomplete fields re-render a posted value that is no key (``employer=abc``) as empty: a field error, not a 500.
"""

from django.db.models import Q

from core.admin_widgets import CheckedAutocompleteMixin
from employers.access import employer_scope_q, employers_in_scope, region_scope_q, reviewer_region_prefix
from employers.models import Employer


class RegionScopedAdminMixin(CheckedAutocompleteMixin):
    scope_lookup: str | None = "employer"
    scope_region_lookup: str | None = None

    def scope_q(self, request) -> Q:
        if self.scope_region_lookup:
            return region_scope_q(request.user, self.scope_region_lookup)
        return employer_scope_q(request.user, self.scope_lookup or "")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(self.scope_q(request))

    def has_module_permission(self, request):
        return reviewer_region_prefix(request.user) is not None and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return reviewer_region_prefix(request.user) is not None and super().has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Employer:
            kwargs["queryset"] = employers_in_scope(request.user)
        elif any(
            getattr(f, "related_model", None) is Employer and f.name == "employer" for f in related._meta.get_fields()
        ):
            kwargs["queryset"] = related._default_manager.filter(employer_scope_q(request.user, "employer"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
