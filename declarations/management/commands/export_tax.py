"""Export declaration results to a 税务主管部门 (发送税务部门, domain.md §7 / §10).

    python manage.py export_tax --authority 110105            # a new batch of everything queued for 110105
    python manage.py export_tax --authority 110105 --batch 3  # write batch 3 again (byte-identical file)
    python manage.py export_tax --authority 110105 --dry-run  # only count what is queued
    python manage.py export_tax --all                         # a new batch for every authority with queued records

A new batch takes every queued record of the authority (declaration results, and withdrawals of results sent
earlier), marks the declarations 已发送税务 and writes ``tax_<authority>_<batch>.csv`` (UTF-8, header, rows, a trailer
with the row count and the SHA-256 of the row lines) into --output-dir (default settings.TAX_EXPORT_DIR or
var/exports/tax). All in one transaction: a failure leaves nothing marked and no file (the file is written to a
temporary name and renamed into place as the last step); a full disk or an unwritable folder is reported in Chinese
(exit status 1). With --all, an authority that fails does not stop the others. Format: ADR 0006.
"""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import Region
from declarations.exports import ExportError, authorities_with_queue, default_output_dir, queued, tax_export
from declarations.models import ExportBatch


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--authority", help="税务主管部门的6位行政区划代码，如 110105")
        target.add_argument(
            "--all", action="store_true", help="为每个有待发送记录的税务主管部门各导出一个新批次（每个部门一个事务）"
        )
        parser.add_argument("--batch", type=int, default=None, help="重新导出已有批次（批次号）")
        parser.add_argument(
            "--output-dir", default=None, help="导出目录（默认 settings.TAX_EXPORT_DIR 或 var/exports/tax）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计待发送记录数，不导出、不标记")

    def handle(self, *args, authority: str | None, batch: int | None, output_dir: str | None, dry_run: bool, **options):
        if options.get("all"):
            if batch is not None:
                raise CommandError("--batch 只能与 --authority 一起使用")
            authorities = authorities_with_queue()
            if not authorities:
                self.stdout.write("export_tax: no authority has queued records, nothing written")
            failed = []
            for code in authorities:  # one failing (a full disk) does not keep the others' batches back
                try:
                    self._export(code, None, output_dir, dry_run)
                except CommandError as error:
                    self.stderr.write(f"export_tax: authority {code}: {error}")
                    failed.append(code)
            if failed:
                raise CommandError(
                    f"{len(failed)} 个税务主管部门导出失败（{'、'.join(failed)}），原因见上；"
                    f"其余 {len(authorities) - len(failed)} 个已导出。"
                )
            return
        self._export((authority or "").strip(), batch, output_dir, dry_run)

    def _export(self, authority: str, batch: int | None, output_dir: str | None, dry_run: bool) -> None:
        if not re.fullmatch(r"\d{6}", authority):
            raise CommandError(f"--authority 应为6位行政区划代码，收到 {authority!r}")
        known = (
            Region.objects.filter(code=authority).exists()
            or queued(authority).exists()
            or ExportBatch.objects.filter(authority=authority).exists()
        )
        if not known:
            raise CommandError(f"未知的税务主管部门代码 {authority}（不是已知的行政区划，也没有该部门的申报记录）")
        if batch is not None and batch < 1:
            raise CommandError("--batch 应为正整数")
        if batch is not None and dry_run:
            raise CommandError("--dry-run 只能用于新批次，不能与 --batch 同时使用")
        out = Path(output_dir) if output_dir else default_output_dir()
        try:
            result = tax_export(
                authority=authority, batch_number=batch, output_dir=out, by_label="export_tax", dry_run=dry_run
            )
        except ExportError as error:
            raise CommandError(str(error)) from error
        if dry_run:
            self.stdout.write(
                f"export_tax: authority {authority}: {result.rows} records queued (dry run, nothing written)"
            )
        elif result.reexport:
            self.stdout.write(
                f"export_tax: authority {authority} batch {result.batch_number}: {result.rows} records re-exported "
                f"to {result.path} (identical file, sha256 {result.sha256})"
            )
        elif result.batch_number is None:
            self.stdout.write(f"export_tax: authority {authority}: 0 records queued, no batch created")
        else:
            self.stdout.write(
                f"export_tax: authority {authority} batch {result.batch_number}: {result.rows} records "
                f"({result.declarations} DECLARE, {result.withdrawals} WITHDRAW), {result.sent} declarations marked "
                f"已发送税务, file {result.path}, sha256 {result.sha256}"
            )
