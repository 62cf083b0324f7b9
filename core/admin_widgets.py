"""Admin autocomplete that survives hand-made input.

Django's ``AutocompleteSelect`` re-renders a bound form by looking the posted value up in the database. A value the
target's primary key cannot hold — ``user=abc``, an id past the 64-bit range — then raises ValueError or
OverflowError while the page is drawn, although the form field has already reported it as an invalid choice.
:class:`CheckedAutocompleteSelect` looks up only values the key field accepts; :class:`CheckedAutocompleteMixin`
puts it on every ``autocomplete_fields`` entry of a ``ModelAdmin`` or inline.
"""

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError


class CheckedAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        return super().optgroups(name, [v for v in value if _holds(target, v)], attr)


def _holds(field, value) -> bool:
    try:
        field.run_validators(field.to_python(value))  # integer fields validate the database's range
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class CheckedAutocompleteMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
