"""Remove upload leftovers: python manage.py sweep_uploads [--older-than HOURS] [--dry-run] [--delete-unreferenced]

Files under uploads/ in storage with no StoredFile row (written by a request whose transaction rolled back
afterwards) are deleted when last modified more than HOURS ago (default 24). StoredFile rows that no model
references are counted; they are the replaced or released uploads the services keep on purpose (see
core/sweep.py), and are deleted with their files, audited as file.sweep, only with --delete-unreferenced.
Nothing younger than HOURS is touched (it may be an upload in progress). Run daily, e.g. from cron.
The output ends with: 未被引用的上传记录 N 个，存储中无记录的文件 M 个，共释放 X KB
"""

import getpass
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.sweep import uploads_sweep


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=24,
            metavar="HOURS",
            help="只处理早于该小时数的文件与记录（默认 24，至少 1）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计将要删除的内容，不删除")
        parser.add_argument(
            "--delete-unreferenced",
            action="store_true",
            help="同时删除未被任何数据引用的上传记录及其文件（被替换、被删除的附件按设计保留，确认后再用）",
        )

    def handle(self, *args, older_than: int, dry_run: bool, delete_unreferenced: bool, **options):
        if older_than < 1:
            raise CommandError("--older-than 至少为 1 小时：更新的文件可能正在上传。")
        result = uploads_sweep(
            older_than=timedelta(hours=older_than),
            dry_run=dry_run,
            delete_unreferenced=delete_unreferenced,
            by=f"sweep_uploads（{_os_user()}）",
        )
        if options["verbosity"] >= 2:
            for name in result.names:
                self.stdout.write(f"  {name}")
        if result.rows_kept:
            self.stdout.write(
                f"未被引用但保留的上传记录 {result.rows_kept} 个（被替换或已删除数据的附件，审计记录中可查）；"
                "确需删除时加 --delete-unreferenced。"
            )
        cutoff = timezone.localtime(result.older_than)
        prefix = "（试运行，未删除）" if dry_run else "已清理："
        self.stdout.write(self.style.SUCCESS(f"{prefix}{result.summary}（早于 {cutoff:%Y-%m-%d %H:%M}）"))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
