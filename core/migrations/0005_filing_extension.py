"""FilingExtension moves from the declarations app to core (ADR 0010): the model's state only; its table
``declarations_filingextension`` stays where it is (``Meta.db_table``), so no row moves. The content type follows
the model, so the permissions granted on it keep working."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="declarations", model="filingextension")
    if not ContentType.objects.filter(app_label="core", model="filingextension").exists():
        old.update(app_label="core")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    new = ContentType.objects.filter(app_label="core", model="filingextension")
    if not ContentType.objects.filter(app_label="declarations", model="filingextension").exists():
        new.update(app_label="declarations")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0004_employmentratio_source"),
        ("declarations", "0005_filing_extension"),
        ("employers", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FilingExtension",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("year", models.PositiveSmallIntegerField(verbose_name="业务年度")),
                        ("closes_on", models.DateField(verbose_name="申报期延长至")),
                        ("reason", models.CharField(max_length=500, verbose_name="延期原因")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                        (
                            "employer",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="filing_extensions",
                                to="employers.employer",
                                verbose_name="用人单位",
                            ),
                        ),
                        (
                            "granted_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="审批人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "申报期延期",
                        "verbose_name_plural": "申报期延期",
                        "db_table": "declarations_filingextension",
                        "ordering": ["-year", "employer"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("employer", "year"),
                                name="uniq_filing_extension_unit_year",
                                violation_error_message="该单位该业务年度已有延期记录，请修改原记录。",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
