"""A tax export batch is an id range of the authority's records (no per-record batch column to update)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("declarations", "0003_declaration_fillfactor")]

    operations = [
        migrations.RemoveIndex(model_name="taxrecord", name="taxrecord_queued_idx"),
        migrations.RemoveIndex(model_name="taxrecord", name="taxrecord_batch_idx"),
        migrations.RemoveField(model_name="taxrecord", name="batch"),
        migrations.AddIndex(
            model_name="taxrecord",
            index=models.Index(fields=["authority", "id"], name="taxrecord_authority_idx"),
        ),
        migrations.AddField(
            model_name="exportbatch",
            name="first_id",
            field=models.BigIntegerField(default=0, verbose_name="起始记录号"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="exportbatch",
            name="last_id",
            field=models.BigIntegerField(default=0, verbose_name="截止记录号"),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="exportbatch",
            constraint=models.CheckConstraint(
                condition=models.Q(last_id__gte=models.F("first_id")), name="exportbatch_range"
            ),
        ),
    ]
