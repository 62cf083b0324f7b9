"""Mark the related units a finished registration names (``employers.RelatedUnit.referenced_at``, ADR 0010): from
now on ``placements.services.placement_submit`` marks them, and the employers app reads the mark instead of looking
into this app's contracts."""

from django.db import migrations
from django.utils import timezone

UNIT_FIELDS = ("dispatch_unit_id", "pension_unit_id", "medical_unit_id", "wage_unit_id")


def mark_referenced(apps, schema_editor):
    Contract = apps.get_model("placements", "Contract")
    RelatedUnit = apps.get_model("employers", "RelatedUnit")
    finished = Contract.objects.filter(placement__wizard_completed=True)
    now = timezone.now()
    for name in UNIT_FIELDS:
        named = finished.filter(**{f"{name}__isnull": False}).values(name)
        RelatedUnit.objects.filter(pk__in=named, referenced_at__isnull=True).update(referenced_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0004_month_held"),
        ("employers", "0002_declaration_state_related_unit_referenced"),
    ]

    operations = [migrations.RunPython(mark_referenced, migrations.RunPython.noop)]
