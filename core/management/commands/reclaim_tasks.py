"""Requeue background tasks a dead worker left RUNNING: python manage.py reclaim_tasks [--older-than AGE]
[--worker ID …] [--max-attempts N] [--dry-run]

A task RUNNING for longer than AGE (default TASK_RECLAIM_SECONDS, i.e. HEALTHZ_TASK_RUNNING_SECONDS: 1 hour; e.g.
``30m``, ``2h``) or last claimed by one of the named workers (``--worker``: the supervisor names the worker it saw
exit) goes back to READY and another worker runs it; one claimed N times already (default 3) is marked FAILED
(core.task_maintenance.AbandonedTask). Every task of this repository is safe to run again (core/task_maintenance.py).
The supervisor of the workers (scripts/supervise.py) runs this every few minutes; in production also from cron.
"""

from django.core.management.base import BaseCommand, CommandError

from core.task_maintenance import DEFAULT_MAX_ATTEMPTS, default_reclaim_after, parse_age, tasks_reclaim


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--older-than", metavar="AGE", help="运行超过该时长即视为中断（如 30m、2h；默认 1 小时）")
        parser.add_argument(
            "--worker",
            action="append",
            default=[],
            metavar="ID",
            help="已退出的 worker id（可重复）：其任务立即重新排队",
        )
        parser.add_argument("--only-workers", action="store_true", help="只处理 --worker 指定的 worker 的任务")
        parser.add_argument("--max-attempts", type=int, default=DEFAULT_MAX_ATTEMPTS, help="达到该次数的任务记为失败")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不修改")

    def handle(self, *args, older_than, worker, only_workers, max_attempts, dry_run, **options):
        if max_attempts < 1:
            raise CommandError("--max-attempts 至少为 1。")
        try:
            age = None if only_workers else (parse_age(older_than) if older_than else default_reclaim_after())
        except ValueError as error:
            raise CommandError(str(error)) from None
        result = tasks_reclaim(older_than=age, dead_workers=worker, max_attempts=max_attempts, dry_run=dry_run)
        if options["verbosity"] >= 2:
            for task_id in result.requeued:
                self.stdout.write(f"  requeued {task_id}")
            for task_id in result.failed:
                self.stdout.write(f"  failed   {task_id}")
        prefix = "（试运行）" if dry_run else ""
        self.stdout.write(f"{prefix}重新排队 {len(result.requeued)} 个任务，放弃（记为失败）{len(result.failed)} 个")
