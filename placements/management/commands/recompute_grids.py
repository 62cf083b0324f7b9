"""Recompute the month grids (domain.md §5) of a business year from the current feeds, or the pending ones.

    python manage.py recompute_grids --year 2025 [--employer USCC] [--chunk 2000] [--processes 2] [--dry-run]
    python manage.py recompute_grids --pending [--dry-run]

--pending (cron, every 5 minutes; docs/deploy.md) drains the durable queue the feed imports fill (待重算安置月份表,
ADR 0017): the recomputes a failed or lost follow-up left. Exit status 3 when some are still owed afterwards.

--processes N splits a year's recompute across N worker processes by placement-id range (PostgreSQL; one per free
core; elsewhere, or with 1, one process recomputes everything and prints its progress).

Placements frozen by a declaration are skipped. Reviewers' decisions and employers' selections are kept; see
placements.services for what a changed fact does to an auto-verified or pending month.
"""

import time
from concurrent.futures.process import BrokenProcessPool

from django.core.management.base import BaseCommand, CommandError

from employers.models import Employer
from placements.grid.parallel import grid_recompute_parallel
from placements.grid.pending import pending_drain, pending_summary
from placements.grid.recompute import grid_recompute_many
from placements.models import Placement


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="业务年度, e.g. 2025")
        parser.add_argument(
            "--pending", action="store_true", help="recompute what the feed imports recorded and is still owed"
        )
        parser.add_argument("--employer", help="only the placements of the unit with this USCC")
        parser.add_argument("--chunk", type=int, default=2000, help="placements per batch (default 2000)")
        parser.add_argument(
            "--processes", type=int, default=1, help="worker processes, split by placement id (default 1)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would be recomputed, write nothing")

    def handle(self, *args, year=None, employer=None, chunk=2000, processes=1, dry_run=False, pending=False, **options):
        if pending:
            if year is not None or employer:
                raise CommandError("--pending takes no --year / --employer: it recomputes exactly what is owed")
            return self._pending(dry_run=dry_run)
        if year is None:
            raise CommandError("--year is required (or --pending)")
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year} is not a plausible business year")
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        qs = Placement.objects.open().filter(year=year)
        if employer:
            unit = Employer.objects.filter(uscc=employer.strip().upper()).first()
            if unit is None:
                raise CommandError(f"no employer with USCC {employer}")
            qs = qs.filter(employer=unit)
        total = qs.count()
        if dry_run:
            self.stdout.write(f"recompute_grids: {total} placements of {year} would be recomputed (dry run)")
            return
        started = time.monotonic()

        def progress(done: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {done}/{total} placements ({done / elapsed if elapsed else 0:,.0f}/s)")

        if processes > 1:
            try:
                done = grid_recompute_parallel(placements_qs=qs, processes=processes, chunk=chunk)
            except BrokenProcessPool as exc:
                raise CommandError(
                    "重算中断：有工作进程意外退出（内存不足或被终止）。已写入的月份保留，"
                    "请重新运行本命令（重算可重复执行）。"
                ) from exc
        else:
            done = grid_recompute_many(
                placements_qs=qs, chunk=chunk, progress=progress if options["verbosity"] else None
            )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"recompute_grids: {done} placements of {year} recomputed ({done * 12} months) in {elapsed:.1f} s"
            )
        )

    def _pending(self, *, dry_run: bool) -> None:
        before = pending_summary()
        if dry_run or not before.rows:
            self.stdout.write(
                f"recompute_grids --pending: 待重算 {before.persons} 人（{before.rows} 人·年度）"
                + ("（试运行，未重算）" if dry_run else "")
            )
            return
        started = time.monotonic()
        result = pending_drain()
        after = pending_summary()
        line = (
            f"recompute_grids --pending: {result.settled} 人·年度已重算（{result.placements} 条安置登记），"
            f"用时 {time.monotonic() - started:.1f} 秒；仍待重算 {after.persons} 人（{after.rows} 人·年度）"
        )
        if result.ok:
            self.stdout.write(self.style.SUCCESS(line))
            return
        self.stdout.write(line)
        raise CommandError(f"警告：部分重算失败：{'；'.join(result.errors[:3])}", returncode=3)
