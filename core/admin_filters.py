"""List filters shared by the reviewers' admin pages."""

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR


class PendingFirstFilter(admin.SimpleListFilter):
    """A reviewer's work list: 待审核 unless 全部 is chosen, and no Django "全部" entry of its own. Choosing goes back
    to the first page. Subclasses set ``title``, ``all_label`` and :meth:`pending`."""

    parameter_name = "queue"
    all_label = "全部"

    def lookups(self, request, model_admin):
        return [("pending", "待审核"), ("all", self.all_label)]

    def value(self):
        return super().value() or "pending"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}, [PAGE_VAR]),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset if self.value() == "all" else self.pending(request, queryset)

    def pending(self, request, queryset):
        raise NotImplementedError
