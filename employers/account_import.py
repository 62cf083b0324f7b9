"""残联 staff open accounts for many units at once from a CSV or xlsx file of USCC + contact (issue 14).

Columns (header row; Chinese or English names): 统一社会信用代码 / uscc (required), 经办人姓名 / contact_name
(required), 经办人电话 / contact_phone, 电子邮箱 / email, 用户名 / username (optional: ``u`` + the USCC in lower
case). Reading and checking a row is pure (:func:`parse_table`, :func:`check_row`); :func:`accounts_open_bulk` opens
the accounts through ``employers.accounts.account_open`` (scope-checked, audited), one savepoint per row, and
reports each row. Idempotent: a unit that already has a login is reported 「已有账号」 and left alone, so the same
file twice opens nothing the second time. An address given in the file is stored unverified: the caller mails the
verification link (``employers.mail``) after the accounts are committed.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from core.actors import Actor
from core.errors import DomainError
from employers import accounts, identifiers
from employers.access import employers_in_scope
from employers.models import EmployerAccount

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
COLUMNS = {
    "uscc": ("统一社会信用代码", "uscc", "信用代码"),
    "contact_name": ("经办人姓名", "contact_name", "经办人", "联系人"),
    "contact_phone": ("经办人电话", "contact_phone", "联系电话", "电话"),
    "email": ("电子邮箱", "email", "邮箱"),
    "username": ("用户名", "username", "登录用户名"),
}
_USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{4,30}$")

OPENED, WOULD_OPEN, EXISTS, ERROR = "opened", "would_open", "exists", "error"
STATUS_LABELS = {
    OPENED: "已开通",
    WOULD_OPEN: "可开通（试运行，未保存）",
    EXISTS: "已有账号，未重复开通",
    ERROR: "未开通",
}


class ImportFileError(DomainError):
    """The file as a whole cannot be read (message in Chinese)."""


@dataclass
class Row:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class RowResult:
    line: int
    uscc: str
    status: str
    message: str = ""
    account: EmployerAccount | None = None
    link: str = ""  # the one-time path to set the password (opened rows)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _cells_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [row for row in csv.reader(io.StringIO(text))]
    raise ImportFileError("文件编码无法识别：请保存为 UTF-8 或 GBK 编码的 CSV，或 Excel（.xlsx）文件。")


def _cells_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):  # a broken file
        raise ImportFileError("Excel 文件已损坏或无法打开，请重新保存为 .xlsx 后上传。") from None
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def parse_table(data: bytes) -> list[Row]:
    """The rows of a CSV or xlsx file (recognised by content), keyed by column; bad headers refuse the file."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("文件超过 5 MB，请分批导入。")
    cells = _cells_xlsx(data) if data[:4] == b"PK\x03\x04" else _cells_csv(data)
    cells = [[c.strip() for c in row] for row in cells]
    numbered = [(n, row) for n, row in enumerate(cells, start=1) if any(row)]
    if not numbered:
        raise ImportFileError("文件中没有数据。")
    header_line, header = numbered[0]
    index: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, name in enumerate(header):
            if name.lower() in {n.lower() for n in names}:
                index[key] = i
                break
    missing = [COLUMNS[k][0] for k in ("uscc", "contact_name") if k not in index]
    if missing:
        raise ImportFileError(f"第 {header_line} 行（表头）缺少列：{'、'.join(missing)}。")
    rows = numbered[1:]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"一次最多导入 {MAX_ROWS} 行（当前 {len(rows)} 行），请分批导入。")
    return [Row(line=n, values={k: (row[i] if i < len(row) else "") for k, i in index.items()}) for n, row in rows]


def check_row(row: Row) -> Row:
    """Normalise a row's values in place; its ``errors`` say what is wrong, in Chinese."""
    v = row.values
    try:
        v["uscc"] = identifiers.clean_uscc(v.get("uscc", ""))
    except ValueError as error:
        row.errors.append(str(error))
    if not v.get("contact_name"):
        row.errors.append("经办人姓名不能为空。")
    elif len(v["contact_name"]) > 50:
        row.errors.append("经办人姓名最多 50 个字。")
    if v.get("contact_phone"):
        try:
            v["contact_phone"] = identifiers.clean_phone(v["contact_phone"])
        except ValueError as error:
            row.errors.append(str(error))
    if v.get("email"):
        try:
            validate_email(v["email"])
        except ValidationError:
            row.errors.append(f"电子邮箱格式不正确：{v['email']}")
    if v.get("username") and not _USERNAME.match(v["username"]):
        row.errors.append("用户名应为 4–30 位字母、数字或 _ . @ + -。")
    return row


def accounts_open_bulk(*, rows: list[Row], by: Actor, dry_run: bool = False) -> list[RowResult]:
    """Open the first login (the unit's administrator) of each listed unit of ``by``'s region; one result a row."""
    rows = [check_row(row) for row in rows]
    usccs = {row.values["uscc"] for row in rows if not row.errors}
    units = {u.uscc: u for u in employers_in_scope(by).filter(uscc__in=usccs).select_related("federation_region")}
    with_login = set(EmployerAccount.objects.filter(employer__uscc__in=usccs).values_list("employer__uscc", flat=True))
    seen: set[str] = set()
    results = []
    for row in rows:
        uscc = row.values.get("uscc", "")
        if row.errors:
            results.append(RowResult(row.line, uscc, ERROR, "；".join(row.errors)))
            continue
        if uscc in seen:
            results.append(RowResult(row.line, uscc, ERROR, "与前面的行统一社会信用代码重复，已跳过。"))
            continue
        seen.add(uscc)
        unit = units.get(uscc)
        if unit is None:
            message = "本辖区没有该统一社会信用代码的单位（请先在「用人单位」中添加单位）。"
            results.append(RowResult(row.line, uscc, ERROR, message))
            continue
        if uscc in with_login:
            results.append(RowResult(row.line, uscc, EXISTS, f"{unit.name} 已有登录账号。"))
            continue
        if dry_run:
            results.append(RowResult(row.line, uscc, WOULD_OPEN, unit.name))
            continue
        try:
            with transaction.atomic():
                account, link = accounts.account_open(
                    employer=unit,
                    username=row.values.get("username") or accounts.sso_username(uscc),
                    contact_name=row.values["contact_name"],
                    contact_phone=row.values.get("contact_phone", ""),
                    email=row.values.get("email", ""),
                    email_verified=False,
                    by=by,
                )
        except DomainError as error:
            results.append(RowResult(row.line, uscc, ERROR, error.message))
            continue
        with_login.add(uscc)
        results.append(RowResult(row.line, uscc, OPENED, unit.name, account=account, link=link))
    return results


def summary(results: list[RowResult]) -> str:
    counts = {status: sum(1 for r in results if r.status == status) for status in STATUS_LABELS}
    return (
        f"共 {len(results)} 行：已开通 {counts[OPENED]}，可开通 {counts[WOULD_OPEN]}，"
        f"已有账号 {counts[EXISTS]}，未开通 {counts[ERROR]}。"
    )
