"""Write realistic synthetic feed files (test environments; the command exists with DEBUG=1 or DEVDATA=1):

    DEVDATA=1 python manage.py generate_feeds --year Y --employers N --persons M --out DIR

One CSV per feed kind (``<kind>.csv``, the formats of feeds.md) plus ``employers.csv`` (uscc, name, region_code and,
for some units, a related unit's uscc / name / relation) so that demos and benchmarks can create the units. The same
--seed gives the same files. Valid ID numbers and USCCs, Chinese names, certificates of every category and grade,
military certificates, people near retirement, minimum-wage changes mid-year and a share of gaps and invalid rows.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import Region, RegionLevel
from devdata.generator import KIND_FILES, World, write_feeds

# The Region table is used as the pool of codes once the reference data is loaded (a handful of test rows is not).
MIN_REGION_TABLE = 100


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="business year (months YYYY01…YYYY12)")
        parser.add_argument("--employers", type=int, required=True, help="number of units")
        parser.add_argument("--persons", type=int, required=True, help="number of persons with disabilities")
        parser.add_argument("--out", required=True, help="output directory (created if missing)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--kinds", help=f"comma-separated subset of: {', '.join(KIND_FILES)}")
        parser.add_argument(
            "--invalid-share", type=float, default=0.0005, help="share of invalid rows in the person feeds"
        )

    def handle(self, *args, **options):
        if not 2000 <= options["year"] <= 2100:
            raise CommandError("--year 应在 2000–2100 之间")
        if options["employers"] < 1 or options["persons"] < 0:
            raise CommandError("--employers 至少为 1，--persons 不能为负数")
        kinds = None
        if options["kinds"]:
            kinds = [k.strip() for k in options["kinds"].split(",") if k.strip()]
            unknown = sorted(set(kinds) - set(KIND_FILES))
            if unknown:
                raise CommandError(f"未知的数据类型：{', '.join(unknown)}（可选：{', '.join(KIND_FILES)}）")
        counties = Region.objects.filter(level=RegionLevel.COUNTY, abolished=False)
        codes = list(counties.values_list("code", flat=True)) if counties.count() >= MIN_REGION_TABLE else None
        started = time.monotonic()
        world = World(
            year=options["year"],
            employers=options["employers"],
            persons=options["persons"],
            seed=options["seed"],
            region_codes=codes,
        )
        written = write_feeds(world, Path(options["out"]), kinds, invalid_share=options["invalid_share"])
        for kind, rows in written.items():
            self.stdout.write(f"{Path(options['out']) / (kind + '.csv')}: {rows} 行")
        self.stdout.write(
            f"用时 {time.monotonic() - started:.1f} 秒，区划来源：{'行政区划表' if codes else 'python-stdnum'}"
        )
