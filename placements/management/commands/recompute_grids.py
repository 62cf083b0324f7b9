"""Recompute the month grids (domain.md §5) of a business year from the current feeds.

    python manage.py recompute_grids --year 2025 [--employer USCC] [--chunk 2000] [--dry-run]

Placements frozen by a declaration are skipped. Reviewers' decisions and employers' selections are kept; see
placements.services for what a changed fact does to an auto-verified or pending month.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from employers.models import Employer
from placements.grid.recompute import grid_recompute_many
from placements.models import Placement


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="业务年度, e.g. 2025")
        parser.add_argument("--employer", help="only the placements of the unit with this USCC")
        parser.add_argument("--chunk", type=int, default=2000, help="placements per batch (default 2000)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be recomputed, write nothing")

    def handle(self, *args, year, employer=None, chunk=2000, dry_run=False, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"--year {year} is not a plausible business year")
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
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

        done = grid_recompute_many(placements_qs=qs, chunk=chunk, progress=progress if options["verbosity"] else None)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"recompute_grids: {done} placements of {year} recomputed ({done * 12} months) in {elapsed:.1f} s"
            )
        )
