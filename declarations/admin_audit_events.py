"""The superusers' raw audit table (core's AuditEvent admin) in words: each action and object type by its Chinese
name (declarations.audit_labels) with its code beneath. core registers the table; the names are this app's, which
core may not import (ADR 0010), so the table is registered again here."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from core.admin import AuditEventAdmin
from core.models import AuditEvent
from declarations.audit_labels import action_label, object_type_label

_NAMED = {"action": "action_name", "object_type": "object_name"}


class NamedAuditEventAdmin(AuditEventAdmin):
    list_display = ("at", "actor_label", "action_name", "object_name", "object_id", "object_repr")
    fields = tuple(_NAMED.get(f, f) for f in AuditEventAdmin.fields)
    readonly_fields = fields

    @admin.display(description="操作", ordering="action")
    def action_name(self, obj) -> str:
        return _named(action_label(obj.action), obj.action)

    @admin.display(description="对象类型", ordering="object_type")
    def object_name(self, obj) -> str:
        return _named(object_type_label(obj.object_type), obj.object_type)


def _named(name: str, code: str) -> str:
    """The name with its code beneath; the code alone when it has no name."""
    if name == code:
        return code
    return format_html('{}<br><small class="quiet">{}</small>', name, code)


admin.site.unregister(AuditEvent)
admin.site.register(AuditEvent, NamedAuditEventAdmin)
