"""Reading one cell of an uploaded workbook into the value the wizard's validators take. Pure (no Django).

Each ``read_*`` returns the value or raises :class:`CellError` with the Chinese reason shown in the report. Text is
NFKC-normalised first, so full-width digits and letters (１１０１…, Ｘ) read as ASCII."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from core.numbers import ascii_int


class CellError(ValueError):
    """The cell cannot be read (message in Chinese)."""


def text(value: object) -> str:
    """A cell as text: NFKC (full-width → ASCII), whitespace trimmed; numbers without a trailing ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    out = unicodedata.normalize("NFKC", str(value))
    return out.replace("\u00a0", " ").strip()


def shown(value: object) -> str:
    """The value as the report shows it (at most 60 characters)."""
    out = f"{value:.15g}".upper() if isinstance(value, float) else text(value)
    return out if len(out) <= 60 else out[:59] + "…"


def read_id_number(value: object) -> str:
    """身份证号 as typed; a number means Excel stored it as one and kept only 15 significant digits."""
    if isinstance(value, bool):
        raise CellError("身份证号格式不正确。")
    if isinstance(value, int | float):
        digits = f"{value:.0f}" if isinstance(value, float) else str(value)
        if isinstance(value, float) or len(digits) > 15:
            raise CellError(
                f"身份证号被 Excel 存成了数字，只保留了前 15 位有效数字，最后几位已丢失（读到 {digits}）。"
                "请把该列设为“文本”格式后重新输入完整的身份证号。"
            )
        raise CellError(f"身份证号被 Excel 存成了数字（读到 {digits}），请把该列设为“文本”格式后重新输入。")
    return re.sub(r"[\s\-]", "", text(value)).upper()


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)


def read_date(value: object) -> date | None:
    """A date typed as a date, as an Excel serial number (45717) or as text: 2025-03-01, 2025/3/1, 2025.3.1,
    2025年3月1日, 20250301. Empty → None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20_000 <= value <= 80_000:  # 1954 … 2119: an Excel serial
            return _EXCEL_EPOCH + timedelta(days=int(value))
        value = text(value)
    raw = text(value)
    match = _DATE_TEXT.match(raw) or _DATE_COMPACT.match(raw)
    if match is None:
        serial = ascii_int(raw, digits=5)
        if serial is not None and 20_000 <= serial <= 80_000:
            return _EXCEL_EPOCH + timedelta(days=serial)
        raise CellError("日期格式不正确，请填写如 2025-03-01、2025/3/1 或 2025年3月1日。")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("日期不存在，请核对年月日。") from None


def read_money(value: object) -> Decimal:
    """合同月薪: a non-negative amount with at most two decimals (元)."""
    if isinstance(value, bool):
        raise CellError("请填写金额（元），如 5000 或 5000.50。")
    raw = text(value).replace(",", "").removesuffix("元").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CellError("请填写金额（元），如 5000 或 5000.50。") from None
    if not amount.is_finite() or amount < 0:
        raise CellError("金额不能为负数。")
    amount = amount.quantize(Decimal("0.01")) if amount == amount.quantize(Decimal("0.01")) else None
    if amount is None:
        raise CellError("金额最多保留两位小数。")
    if amount >= Decimal("100000000"):
        raise CellError("金额过大，请核对（单位：元）。")
    return amount


def read_choice(value: object, choices: dict[str, str], header: str) -> str:
    """A label of a list column → its stored value ('' when empty)."""
    raw = text(value)
    if not raw:
        return ""
    if raw in choices:
        return choices[raw]
    compact = raw.replace(" ", "")
    for label, stored in choices.items():  # the labels compared as the cell was read (NFKC: （） → ())
        if text(label).replace(" ", "") == compact:
            return stored
    raise CellError(f"“{header}”只能选择：{'、'.join(choices)}。")
