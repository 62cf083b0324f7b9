"""Import a feed file (feeds.md): python manage.py import_feed KIND FILE [--dry-run] [--report REJECTS.csv]

Validates every row, upserts the valid ones (the same file twice changes nothing), reports rejected rows with
their line numbers, records the grid recomputes of the persons it touched in the same transaction (ADR 0017), then
runs them (the recompute_pending task: at once with the immediate backend, by a db_worker with the database one).
The file is refused as a whole (exit 1, nothing imported) when it is unusable: a missing column, not UTF-8, a
truncated last line. Exit 3 when the data was imported but the follow-up recompute failed or could not be queued:
the recomputes stay recorded, and running this command again (any file) or `recompute_grids --pending` redoes them.
The output ends with: KIND: N read, N inserted, N updated, N unchanged, N rejected
"""

# The command lives in placements, not feeds: the import is the feeds app's (feeds.services.feed_import), the grids
# it may change are this app's, and only the app above both may call both (ADR 0010).

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Exists, OuterRef, Subquery
from django.tasks import TaskResultStatus

from feeds.rows import KINDS
from feeds.services import FeedFileError, feed_import
from placements.grid import tasks
from placements.grid.pending import drop_broken_connection, pending_record, pending_summary
from placements.models import Placement

FOLLOW_UP_FAILED = 3  # exit status: imported, but grids still owed (see the module docstring)


def _record(requests) -> int:
    return pending_record(requests=requests)


def _mark_placed(changed) -> int:
    """The import's changed persons (feeds.FeedChangedPerson) who have a placement get the latest one's id, so the
    import's page can link to it (ADR 0010: the feeds app owns the row, this app writes it in the same transaction)."""
    latest = Placement.objects.filter(id_number=OuterRef("id_number")).order_by("-year", "-pk").values("pk")[:1]
    return changed.filter(Exists(latest)).update(placement_id=Subquery(latest))


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
                record_recompute=_record,
                mark_placed=_mark_placed,
            )
        except FeedFileError as exc:
            raise CommandError(f"{kind}: 文件被拒绝 / file refused: {exc.message}") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except (OperationalError, InterfaceError) as exc:  # the database went away before the import committed
            raise CommandError(
                f"{kind}: 数据库连接中断，本次导入已整体回滚（未写入任何数据）；"
                f"数据库恢复后重新运行本命令即可。（{exc}）"
            ) from exc
        follow_up = None if result.dry_run else self._follow_up()
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
        if result.recompute_recorded:
            self.stdout.write(f"已登记待重算安置月份表 {result.recompute_recorded} 人·年度（与数据同一事务提交）")
        failure = follow_up and follow_up.report(self.stdout, recorded=result.recompute_recorded or 0)
        self.stdout.write(result.summary)
        if failure:
            raise CommandError(f"警告：{failure}", returncode=FOLLOW_UP_FAILED)

    def _follow_up(self) -> "_FollowUp":
        """Run (or queue) the drain of every recorded recompute — this import's and any an earlier failure left —
        and say what still waits."""
        follow_up = _FollowUp()
        try:
            run = tasks.recompute_pending.enqueue()
        except Exception as exc:  # noqa: BLE001 — reported, and the exit status says so; the rows stay recorded
            follow_up.error = f"无法排队重算任务（{type(exc).__name__}: {exc}）"
            drop_broken_connection()
        else:
            follow_up.ran = run.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
            if run.status == TaskResultStatus.FAILED:
                last = run.errors[-1].traceback.strip().splitlines()[-1] if run.errors else "?"
                follow_up.error = f"重算任务失败（{last[:300]}）"
        try:
            follow_up.waiting = pending_summary()
        except DatabaseError as exc:
            follow_up.error = follow_up.error or f"数据库不可用（{exc}）"
            drop_broken_connection()
        return follow_up


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class _FollowUp:
    """What became of the recompute after the import: run here (immediate backend), queued, or failed."""

    def __init__(self) -> None:
        self.ran = False
        self.error: str | None = None
        self.waiting = None  # pending.PendingSummary, None when it could not be read

    def report(self, out, *, recorded: int) -> str | None:
        """Write the status line; return the failure message when grids are still owed after a run that should
        have settled them (or nothing could be queued). When the database cannot be asked any more, the rows this
        import recorded (committed with its data) are the lower bound."""
        waiting = self.waiting
        persons = (
            f"至少 {recorded} 人·年度（本次导入登记，总数暂无法统计）" if waiting is None else f"{waiting.persons} 人"
        )
        if self.error or (self.ran and waiting is not None and waiting.rows):
            reason = self.error or "部分重算失败"
            return (
                f"数据已导入，但随后的安置月份表重算未完成：{reason}；待重算 {persons}（已持久登记，不会丢失）。"
                "重新运行 import_feed 或 manage.py recompute_grids --pending 将补做。"
            )
        if self.ran:
            out.write("安置月份表已重算，无待重算人员")
        else:
            out.write(f"安置月份表重算已交后台任务（db_worker）：当前待重算 {persons}")
        return None
