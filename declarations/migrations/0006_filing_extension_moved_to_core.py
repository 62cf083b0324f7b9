"""FilingExtension now belongs to core (``core.0005_filing_extension``, ADR 0010): forget the model here; its table
stays, owned by core."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0005_filing_extension"),
        ("core", "0005_filing_extension"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="FilingExtension")],
            database_operations=[],
        ),
    ]
