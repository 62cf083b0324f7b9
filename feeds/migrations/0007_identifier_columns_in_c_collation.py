"""The monthly facts' ID number and USCC columns in the C collation on PostgreSQL (feeds.models.AsciiKeyField; ADR
0002, "Identifier columns in the C collation"). One ``ALTER TABLE`` per table: PostgreSQL rebuilds its indexes once;
the rows are not rewritten. Other databases: only the model state changes (no table rebuild)."""

from django.db import migrations

import feeds.models

TABLES = ("feeds_pensioncontribution", "feeds_medicalcontribution", "feeds_wagerecord")


def _collate(collation: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "id_number" TYPE varchar(18) COLLATE {collation}, '
                f'ALTER COLUMN "unit_uscc" TYPE varchar(18) COLLATE {collation}'
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0006_known_runs_and_changed_persons_unconstrained"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_collate('"C"'), _collate('"default"'))],
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name=name,
                    field=feeds.models.AsciiKeyField(max_length=18, verbose_name=label),
                )
                for model in ("pensioncontribution", "medicalcontribution", "wagerecord")
                for name, label in (("id_number", "身份证号"), ("unit_uscc", "缴费单位"))
            ],
        ),
    ]
