"""Bring 统计分析's summary up to date: recompute the persons and month figures of the units whose placements changed
since the last run (declarations.statistics_summary). Run from cron every 10 minutes; the first run of a year
computes every unit (minutes for a province of 100,000 units), later runs only what changed. The levy estimates of
the units that stated their staff figures are recomputed with them, and whenever their inputs changed (the figures,
the province's ratio or social average wage, the rules).

    manage.py refresh_statistics [--year Y] [--region PREFIX] [--dry-run]
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from declarations.statistics_summary import summary_refresh


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="business year (default: last year and this)")
        parser.add_argument("--region", default="", help="region code prefix (2, 4 or 6 digits; default: all)")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be recomputed")

    def handle(self, *args, year=None, region="", dry_run=False, **options):
        region = region.strip()
        if region and not (region.isdigit() and len(region) in (2, 4, 6)):
            raise CommandError("--region 应为2、4或6位行政区划代码前缀。")
        today = timezone.localdate()
        for y in year or [today.year - 1, today.year]:
            if not 2000 <= y <= today.year + 1:
                raise CommandError(f"业务年度 {y} 不在 2000 至 {today.year + 1} 之间。")
            result = summary_refresh(year=y, region=region, dry_run=dry_run)
            verb = "would recompute" if dry_run else "recomputed"
            self.stdout.write(
                f"{y}: {result.units} units with placements, {verb} {result.recomputed}, "
                f"removed {result.removed}, levy estimates computed {result.estimated}, {result.seconds:.1f} s"
            )
