"""PostgreSQL: leave room in each page of declarations_declaration so that the tax export's bulk status update
(status, sent_to_tax_at and version: none of them indexed) is a HOT update that writes no index entries.
Other databases: nothing to do."""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE declarations_declaration SET (fillfactor = 70)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE declarations_declaration RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_lean_indexes")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
