"""Import a feed file (feeds.md): python manage.py import_feed KIND FILE [--dry-run] [--report REJECTS.csv]

Validates every row, upserts the valid ones (the same file twice changes nothing), reports rejected rows with
their line numbers, and queues the recomputation of the grids of the persons it touched. The file is refused as
a whole (non-zero exit, nothing imported) when it is unusable: a missing column, not UTF-8, a truncated last line.
The output ends with: KIND: N read, N inserted, N updated, N unchanged, N rejected
"""

# The command lives in placements, not feeds: the import is the feeds app's (feeds.services.feed_import), the grids
# it may change are this app's, and only the app above both may call both (ADR 0010).

import getpass

from django.core.management.base import BaseCommand, CommandError

from feeds.rows import KINDS
from feeds.services import FeedFileError, feed_import
from placements.grid import tasks


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="feed kind (feeds.md)")
        parser.add_argument("file", help="CSV file, UTF-8 (a BOM is accepted)")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--report", metavar="REJECTS.csv", help="write rejected rows (line, reason, fields) here")
        parser.add_argument(
            "--method",
            choices=("auto", "copy", "portable"),
            default="auto",
            help="auto: COPY on PostgreSQL, the portable ORM path elsewhere",
        )

    def handle(self, *args, **options):
        kind = options["kind"]
        try:
            result = feed_import(
                kind=kind,
                path=options["file"],
                dry_run=options["dry_run"],
                report_path=options["report"],
                by=f"import_feed（{_os_user()}）",
                method=options["method"],
            )
        except FeedFileError as exc:
            raise CommandError(f"{kind}: 文件被拒绝 / file refused: {exc.message}") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for request in result.recompute:  # the import has committed: queue what its facts may change
            tasks.recompute_persons.enqueue(**request.as_kwargs())
        for warning in result.warnings:
            self.stderr.write(f"警告：{warning}")
        if result.samples:
            self.stdout.write("被拒绝的行（行号：原因）：")
            for line, reason in result.samples:
                self.stdout.write(f"  第{line}行：{reason}")
            if result.rejected > len(result.samples):
                more = result.rejected - len(result.samples)
                hint = f"，全部见 {options['report']}" if options["report"] else "，使用 --report 输出全部"
                self.stdout.write(f"  ……另有{more}行{hint}")
        if result.superseded:
            self.stdout.write(f"其中{result.superseded}行被文件中后出现的相同主键行覆盖（计入 rejected）")
        rate = result.read / result.seconds if result.seconds else 0
        mode = "（试运行，未写入）" if result.dry_run else ""
        self.stdout.write(
            f"方式 {result.method}，用时 {result.seconds:.2f} 秒（{rate:,.0f} 行/秒），"
            f"涉及人员 {result.touched_persons} 人{mode}"
        )
        if result.recompute:
            self.stdout.write(f"已排队重算安置月份表 {len(result.recompute)} 批")
        self.stdout.write(result.summary)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
