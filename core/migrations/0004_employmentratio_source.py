from decimal import Decimal

from django.db import migrations, models

SEEDED_RATIO = Decimal("1.50")  # the only value load_reference_data ever wrote before this migration


def mark_admin_edits(apps, schema_editor):
    """A ratio other than the old seed's 1.50 can only have come from admin: protect it from load_reference_data,
    which from now on brings unedited seeded rows up to date (ADR 0009)."""
    EmploymentRatio = apps.get_model("core", "EmploymentRatio")
    EmploymentRatio.objects.exclude(ratio_percent=SEEDED_RATIO).update(admin_edited=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_actor_action_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="employmentratio",
            name="admin_edited",
            field=models.BooleanField(default=False, editable=False, verbose_name="后台修改过"),
        ),
        migrations.AddField(
            model_name="employmentratio",
            name="confirmed",
            field=models.BooleanField(
                default=False,
                help_text="已对照依据文件核实比例和施行日期；未核实的记录显示为「待核实」。",
                verbose_name="已核实",
            ),
        ),
        migrations.AddField(
            model_name="employmentratio",
            name="effective_from",
            field=models.DateField(blank=True, null=True, verbose_name="施行日期"),
        ),
        migrations.AddField(
            model_name="employmentratio",
            name="source",
            field=models.CharField(blank=True, max_length=300, verbose_name="依据文件"),
        ),
        migrations.RunPython(mark_admin_edits, migrations.RunPython.noop),
    ]
