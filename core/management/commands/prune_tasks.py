"""Delete finished background-task rows: python manage.py prune_tasks [--older-than AGE] [--dry-run]

SUCCESSFUL and FAILED rows of the task table (django-tasks-db) that finished more than AGE ago (default ``30d``;
``12h``, ``90m`` or a number of days) are deleted, in chunks. READY and RUNNING rows are never touched. Run daily
from cron (docs/deploy.md).
"""

from django.core.management.base import BaseCommand, CommandError

from core.task_maintenance import parse_age, tasks_prune


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default="30d", metavar="AGE", help="完成时间早于该时长的记录（默认 30d）")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, older_than, dry_run, **options):
        try:
            age = parse_age(older_than)
        except ValueError as error:
            raise CommandError(str(error)) from None
        count = tasks_prune(older_than=age, dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"{verb}已完成的任务记录 {count} 条（完成于 {older_than} 之前）")
