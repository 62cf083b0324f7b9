"""What the declarations admin pages share: the reviewer's region scope and read-only inlines."""

from django.contrib import admin

from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin


class ReviewerAccessMixin(RegionScopedAdminMixin):
    """Read access follows the reviewer's region (like the notices admin), not Django model permissions."""

    def has_module_permission(self, request):
        return reviewer_region_prefix(request.user) is not None

    def has_view_permission(self, request, obj=None):
        return reviewer_region_prefix(request.user) is not None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields
