"""Import the tax office's receipt of an export batch (税务回执), or list the batches still waiting for one.

    python manage.py import_tax_receipt receipt_110101_000001.csv   # mark each answered result 税务已接收 / 税务退回
    python manage.py import_tax_receipt FILE --dry-run               # check the file only, write nothing
    python manage.py import_tax_receipt --overdue                    # batches not fully answered after 10 days
    python manage.py import_tax_receipt --overdue --overdue-days 5

The receipt names its batch (authority, batch number, the export file's checksum) and answers records of it:
ACCEPTED, or REFUSED with a reason. The whole file is checked first — batch line, header, every row, the trailer's
count and SHA-256, that each record is in the batch and not answered differently before — and refused whole with
the problems named by line. Each unit is notified; refused results appear in the admin under 「税务回执：税务退回」.
The same file twice changes nothing and says so. Formats of both files: docs/tax-files.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from declarations.constants import RECEIPT_OVERDUE_DAYS
from declarations.receipts import ReceiptError, batches_overdue, tax_receipt_import


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="税务部门的回执文件（CSV，格式见 docs/tax-files.md）")
        parser.add_argument("--dry-run", action="store_true", help="只检查文件，不导入")
        parser.add_argument("--overdue", action="store_true", help="列出超过期限仍未全部回执的导出批次")
        parser.add_argument(
            "--overdue-days",
            type=int,
            default=RECEIPT_OVERDUE_DAYS,
            help=f"导出后多少天仍未全部回执即为逾期（默认 {RECEIPT_OVERDUE_DAYS}）",
        )

    def handle(self, *args, file: str | None, dry_run: bool, overdue: bool, overdue_days: int, **options):
        if overdue_days < 1:
            raise CommandError("--overdue-days 应为正整数")
        if file is None and not overdue:
            raise CommandError("请指定回执文件，或使用 --overdue 列出逾期未回执的批次")
        if file is not None:
            self._import(Path(file), dry_run)
        if overdue:
            self._overdue(overdue_days)

    def _import(self, path: Path, dry_run: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取回执文件 {path}：{error.strerror or error}") from error
        try:
            with transaction.atomic():
                result = tax_receipt_import(data=data, file_name=path.name, by_label="import_tax_receipt")
                if dry_run:
                    raise _DryRun
        except _DryRun:
            self.stdout.write(
                f"import_tax_receipt: {path.name}: authority {result.authority} batch {result.batch_number}: "
                f"{result.rows} rows checked, file is valid (dry run, nothing written)"
            )
            return
        except ReceiptError as error:
            raise CommandError(error.message) from error
        prefix = f"import_tax_receipt: {path.name}: authority {result.authority} batch {result.batch_number}"
        if result.repeated:
            self.stdout.write(f"{prefix}: 该回执文件此前已导入，未作任何更改（{result.rows} rows, nothing changed)")
            return
        state = "batch fully acknowledged" if result.batch_complete else "batch partly acknowledged"
        self.stdout.write(
            f"{prefix}: {result.rows} rows — {result.accepted} 税务已接收, {result.refused} 税务退回, "
            f"{result.unchanged} unchanged (answered before); {state}"
        )

    def _overdue(self, days: int) -> None:
        now = timezone.now()
        batches = list(batches_overdue(days=days, now=now))
        if not batches:
            self.stdout.write(f"import_tax_receipt: no batch waits for a receipt longer than {days} days")
            return
        self.stdout.write(f"import_tax_receipt: {len(batches)} batches without a full receipt after {days} days:")
        for batch in batches:
            waited = (now - batch.created_at).days
            self.stdout.write(
                f"  {batch.authority} 第{batch.number}批 {batch.file_name or '-'} exported "
                f"{timezone.localtime(batch.created_at):%Y-%m-%d}, {batch.acknowledged_rows}/{batch.row_count} "
                f"rows answered, {waited} days"
            )
