"""Load the reference data: GB/T 2260 regions (from python-stdnum), 安排比例 (business years 2015–2027: 北京 1.7 %,
上海 1.6 %, elsewhere the national minimum 1.5 %, each with its source and marked 待核实 until confirmed in admin),
申报期 (03-01 … 10-31 of the next year, business years 2024–2026) and Beijing's demo wage references.

Idempotent: running it again changes nothing; rows edited in admin (ratios, windows, wages) are never overwritten.
The working-calendar table is left empty (chinese-calendar answers 2004–2026; load later years with load_calendar).
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from core import reference


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计将要写入的数据，不保存")

    def handle(self, *args, dry_run: bool = False, **options):
        started = time.monotonic()
        try:
            with transaction.atomic():
                results = reference.load_all()
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        for label, counts in results.items():
            self.stdout.write(f"  {label}: {counts}")
        elapsed = time.monotonic() - started
        created = sum(c.created for c in results.values())
        updated = sum(c.updated for c in results.values())
        prefix = "（试运行，未保存）" if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}基础数据已加载：新增 {created} 条，更新 {updated} 条，用时 {elapsed:.1f} 秒。")
        )
