"""Open the logins of many units at once: python manage.py open_accounts FILE --by USERNAME [--dry-run] [--report F]

FILE is CSV (UTF-8 or GBK) or Excel (.xlsx), a header row then one unit a row:
  统一社会信用代码 (uscc)       required, checked with its GB 32100 check character
  经办人姓名 (contact_name)     required
  经办人电话 (contact_phone)    optional
  电子邮箱 (email)              optional; stored unverified, a verification link is mailed to it
  用户名 (username)             optional; default u + the USCC in lower case
Example:
  统一社会信用代码,经办人姓名,经办人电话,电子邮箱
  91110105MA01ABCD1X,王芳,13812345678,wangfang@example.cn

--by names the 残联 reviewer on whose behalf the accounts are opened: only units of that reviewer's region are
opened, and the audit trail names them. Each unit's first login is its administrator; its one-time link to set the
password (1 hour) is printed and written to --report (CSV: 行号,统一社会信用代码,结果,说明,用户名,设置密码链接).
Idempotent: a unit that has a login already is reported 「已有账号」 and not touched. Rows are independent: a bad row
is reported and the others go on. The output ends with one summary line.
"""

import argparse
import csv
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from employers import account_import, mail
from employers.access import reviewer_region_prefix


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The docstring's layout kept in --help."""


class Command(BaseCommand):
    help = __doc__

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=_HelpFormatter, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="单位名单（CSV 或 .xlsx）")
        parser.add_argument("--by", required=True, metavar="USERNAME", help="开通账号的残联审核人员用户名")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告每一行，不开通")
        parser.add_argument("--report", metavar="F", help="把每一行的结果（含一次性设置密码链接）写入 CSV 文件")
        parser.add_argument("--base-url", default="", help="链接的网址前缀（默认 PUBLIC_BASE_URL）")

    def handle(self, *args, file: str, by: str, dry_run=False, report=None, base_url="", **options):
        staff = get_user_model().objects.filter(username=by, is_active=True).first()
        if staff is None or reviewer_region_prefix(staff) is None:
            raise CommandError(f"{by} 不是有效的残联审核人员账号（需有审核人员资料及管辖区域）。")
        base = (base_url or settings.PUBLIC_BASE_URL or "http://127.0.0.1:8000").rstrip("/")
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取文件 {file}：{error.strerror}") from None
        try:
            rows = account_import.parse_table(data)
        except account_import.ImportFileError as error:
            raise CommandError(error.message) from None
        results = account_import.accounts_open_bulk(rows=rows, by=staff, dry_run=dry_run)
        for r in results:
            link = f"{base}{r.link}" if r.link else ""
            line = f"第 {r.line} 行 {r.uscc}：{r.status_label}"
            if r.message:
                line += f"（{r.message}）"
            if r.account is not None:
                line += f" 用户名 {r.account.user.username} {link}"
            self.stdout.write(line)
            if r.account is not None and r.account.user.email:
                try:
                    mail.email_verification_send(account=r.account, base_url=base, by=staff)
                except (mail.AccountError, OSError) as error:
                    self.stderr.write(f"第 {r.line} 行：验证邮件未发送（{getattr(error, 'message', error)}）")
        if report:
            with open(report, "w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow(["行号", "统一社会信用代码", "结果", "说明", "用户名", "设置密码链接"])
                for r in results:
                    username = r.account.user.username if r.account is not None else ""
                    writer.writerow(
                        [r.line, r.uscc, r.status_label, r.message, username, f"{base}{r.link}" if r.link else ""]
                    )
        prefix = "（试运行，未保存）" if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"单位账号开通{prefix}：{account_import.summary(results)}"))
