"""The index of one unit's events newest first (issue 15), built after 0009 filled the column."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0009_audit_employer_backfill")]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["employer", "-at", "-id"], name="core_audit_employer_at_id"),
        ),
    ]
