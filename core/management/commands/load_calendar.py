"""Load a year's holidays and adjusted working days: python manage.py load_calendar FILE [--dry-run]

Use it each November, when the State Council (国务院办公厅) publishes next year's 《部分节假日安排的通知》: the
chinese-calendar package knows the years up to 2026 only, and until a year is loaded its working days are guessed as
Monday–Friday and every date computed from them (e.g. when a 审核认定书 can be downloaded) is shown as provisional.

FILE is CSV, UTF-8 (a BOM is fine), one day a line: 日期,类型[,说明]
  日期  YYYY-MM-DD
  类型  休息日 (a day off: the holidays and the days taken off in lieu) or 工作日 (an adjusted working Saturday or
        Sunday, 调休上班)
  说明  optional, e.g. 国庆节
An optional header line (日期,类型,说明), blank lines and lines starting with # are skipped. Example:
  日期,类型,说明
  2027-10-01,休息日,国庆节
  2027-10-09,工作日,国庆节调休上班
It is enough to list the days that differ from Monday–Friday; a day listed as what it is anyway is not stored.

All or nothing: a file with a bad line is refused with every bad line named, and nothing is saved. Idempotent: the
same file twice changes nothing; days already in the table but not in the file are kept. Each change is audited.
The output ends with one line: 工作日历已加载（年度 …：新增 N 天，更新 N 天，…）.
"""

import argparse
import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from core import calendar as workdays
from core import reference

MAX_ERRORS_SHOWN = 20


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The docstring's layout (the file format and its example) kept in --help."""


class Command(BaseCommand):
    help = __doc__

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=_HelpFormatter, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="节假日安排 CSV 文件（日期,类型[,说明]）")
        parser.add_argument("--dry-run", action="store_true", help="只检查文件并统计将要写入的天数，不保存")

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{path}") from None
        except UnicodeDecodeError:
            raise CommandError(f"文件不是 UTF-8 编码：{path}（请用 UTF-8 另存后再导入）") from None
        except OSError as error:
            raise CommandError(f"无法读取文件 {path}：{error.strerror}") from None
        schedule = workdays.parse_schedule(text.splitlines())
        if schedule.errors:
            shown = "\n".join(schedule.errors[:MAX_ERRORS_SHOWN])
            more = len(schedule.errors) - MAX_ERRORS_SHOWN
            tail = f"\n……另有 {more} 行有误" if more > 0 else ""
            raise CommandError(f"文件有 {len(schedule.errors)} 行无法导入，未做任何修改：\n{shown}{tail}")
        if not schedule.rows:
            raise CommandError(f"文件中没有日期：{path}（格式：日期,类型[,说明]，如 2027-10-01,休息日,国庆节）")
        counts = reference.load_schedule(schedule, by=f"load_calendar（{_os_user()}）", dry_run=dry_run)
        prefix = "（试运行，未保存）" if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}工作日历已加载（{counts}）。"))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return "operator"
