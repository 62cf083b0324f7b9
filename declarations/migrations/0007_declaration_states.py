"""The state of every declaration, copied into ``employers.DeclarationState`` (ADR 0010): from now on the
declarations services and the tax export write both in the same transaction, and the apps below declarations
(placements' year lock, the placements list's buttons, the USCC lock) read that copy."""

from django.db import migrations

CHUNK = 5000
LOCKED = ("declared", "sent", "withdrawing")


def copy_states(apps, schema_editor):
    Declaration = apps.get_model("declarations", "Declaration")
    DeclarationState = apps.get_model("employers", "DeclarationState")
    rows = (
        Declaration.objects.order_by("pk")
        .values_list("employer_id", "year", "status", "previous_status", "sent_to_tax_at", "current__declared_at")
        .iterator(chunk_size=CHUNK)
    )
    batch = []
    for employer_id, year, status, previous, sent_at, declared_at in rows:
        batch.append(
            DeclarationState(
                employer_id=employer_id,
                year=year,
                status=status,
                previous_status=previous,
                declared_at=declared_at if status in LOCKED else None,
                sent_to_tax_at=sent_at,
            )
        )
        if len(batch) == CHUNK:
            DeclarationState.objects.bulk_create(batch)
            batch = []
    DeclarationState.objects.bulk_create(batch)


def forget_states(apps, schema_editor):
    apps.get_model("employers", "DeclarationState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0006_filing_extension_moved_to_core"),
        ("employers", "0002_declaration_state_related_unit_referenced"),
    ]

    operations = [migrations.RunPython(copy_states, forget_states)]
