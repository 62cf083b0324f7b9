"""Identifier checks for units and persons (pure; Chinese messages; resident IDs by :mod:`core.idnumbers`).

Each ``clean_*`` returns the normalised value (spaces removed, upper case) or raises ``ValueError`` whose message
is shown to the clerk.
"""

import re
from datetime import date

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from core import idnumbers

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PHONE = re.compile(r"^\+?[0-9(][0-9\- ()]{5,18}[0-9]$")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9][A-Z0-9\-()（）]{3,31}$")
_TAX_NO = re.compile(r"^[0-9A-Z]{15,20}$")


def _compact(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def clean_uscc(value: str) -> str:
    """统一社会信用代码: 18 characters, GB 32100 check character."""
    number = _compact(value)
    try:
        return uscc.validate(number)
    except InvalidLength:
        raise ValueError(f"统一社会信用代码应为 18 位（当前 {len(number)} 位）。") from None
    except InvalidFormat:
        raise ValueError(
            "统一社会信用代码格式不正确：前 8 位为数字，其余为数字或大写字母（不含 I、O、S、V、Z）。"
        ) from None
    except InvalidChecksum:
        raise ValueError("统一社会信用代码校验位不正确，请核对后重新输入。") from None
    except ValidationError:
        raise ValueError("统一社会信用代码不正确。") from None


def clean_resident_id(value: str, *, today: date | None = None) -> str:
    """居民身份证号码 by the project's one rule (:func:`core.idnumbers.validate`); spaces and hyphens typed inside the
    number are dropped, a lower-case x is accepted and stored upper-case."""
    return idnumbers.validate(_compact(value), today=today)


def clean_other_document(value: str) -> str:
    """Passport, 港澳 / 台湾 travel permits, foreigner's permanent residence card…: 4–32 letters, digits, '-'."""
    number = re.sub(r"\s", "", value or "").upper()
    if not _OTHER_DOCUMENT.match(number):
        raise ValueError("证件号码格式不正确：应为 4–32 位字母或数字。")
    return number


def org_code_check_char(body: str) -> str:
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def clean_organization_code(value: str) -> str:
    """组织机构代码 (GB 11714): 8 digits/letters + a check character, often written ``XXXXXXXX-X``."""
    number = _compact(value)
    if len(number) != 9 or any(c not in _ORG_ALPHABET for c in number[:8]):
        raise ValueError("组织机构代码应为 9 位（8 位本体代码 + 1 位校验码，如 12345678-5）。")
    if number[8] != org_code_check_char(number[:8]):
        raise ValueError("组织机构代码校验码不正确，请核对后重新输入。")
    return number


def clean_tax_registration_no(value: str) -> str:
    """税务登记证号: 15 digits/letters (old style), 18 (a USCC) or 20 (an ID number + 2)."""
    number = _compact(value)
    if not _TAX_NO.match(number):
        raise ValueError("税务登记证号应为 15–20 位数字或大写字母。")
    return number


def clean_phone(value: str) -> str:
    """A mobile or landline number, e.g. 13800138000, 010-65001234, 0755-12345678-801."""
    phone = (value or "").strip().replace("－", "-").replace("（", "(").replace("）", ")")
    digits = re.sub(r"\D", "", phone)
    if not _PHONE.match(phone) or not 7 <= len(digits) <= 18:
        raise ValueError("电话号码格式不正确，例如 13800138000 或 010-65001234。")
    if phone.startswith("1") and phone.isdigit() and len(phone) != 11:
        raise ValueError("手机号码应为 11 位。")
    return phone
