"""AuditEvent.employer (the unit an event concerns, issue 15; filled by 0009, indexed by 0010 after the fill, so
the fill's updates stay cheap) and StoredFile.content_type wide enough for the xlsx type (65 characters)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_verbose_names_in_chinese'),
        ('employers', '0006_proxy_commitment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='employer',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='employers.employer', verbose_name='所属单位'),
        ),
        migrations.AlterField(
            model_name='storedfile',
            name='content_type',
            field=models.CharField(max_length=255, verbose_name='文件类型'),
        ),
        migrations.AlterField(
            model_name='storedfile',
            name='public',
            field=models.BooleanField(default=False, help_text='不再影响下载权限：通知附件经通知页面下载。', verbose_name='公开（旧标记，已不生效）'),
        ),
    ]
