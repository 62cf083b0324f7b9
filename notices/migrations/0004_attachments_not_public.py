"""Notice attachments are no longer public files (issue 12, ADR 0020): units download them through the notice,
which serves them only once the notice is published; until now ``notice_attach`` marked them public, so a
notice's attachments could be fetched by their /files/ link before its publish time."""

from django.db import migrations


def make_private(apps, schema_editor):
    StoredFile = apps.get_model("core", "StoredFile")
    NoticeAttachment = apps.get_model("notices", "NoticeAttachment")
    StoredFile.objects.filter(pk__in=NoticeAttachment.objects.values("file_id"), public=True).update(public=False)


def make_public(apps, schema_editor):
    StoredFile = apps.get_model("core", "StoredFile")
    NoticeAttachment = apps.get_model("notices", "NoticeAttachment")
    announcements = NoticeAttachment.objects.filter(notice__employer__isnull=True).values("file_id")
    StoredFile.objects.filter(pk__in=announcements).update(public=True)


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0003_verbose_names_in_chinese"),
    ]

    operations = [migrations.RunPython(make_private, make_public)]
