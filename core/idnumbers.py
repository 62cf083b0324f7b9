"""Resident ID numbers (公民身份号码, GB 11643-1999): normalise, decode, validate. Pure: no ORM.

The one implementation of the rule for the whole project (the wizard, the registry lookup, the unit's 法人身份证号,
the feeds, the admin). A number is valid when (docs/adr/0007-resident-id-numbers.md):

- it has 18 characters: 17 digits and a final digit or ``X`` (a lower-case ``x`` is accepted and upper-cased);
- the final character is the GB 11643 check character (ISO 7064 MOD 11-2) of the first 17;
- characters 7–14 are a real birth date, not in the future and not before 1900;
- characters 1–6 are a GB/T 2260 region code that was in force at *some* time from the birth year on. The code is
  the household registration area when the number was issued (from 1984 on, long after many holders were born),
  so a code created after the birth year is normal; only a code abolished before the birth year cannot appear.
  This is why python-stdnum's ``ric.validate`` / ``ric.get_birth_place`` (code in force in the birth year) is not
  used.

Messages come in two forms (:class:`InvalidIdNumber`): ``message``, the sentence shown beside a form field, and
``reason``, the short form of a feed report line.
"""

from __future__ import annotations

from datetime import date

from core.regiontable import stdnum_table

LENGTH = 18
FIRST_BIRTH_YEAR = 1900
MALE, FEMALE = "男", "女"

_CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11


class InvalidIdNumber(ValueError):
    """Why a resident ID number cannot be right.

    ``code``: what is wrong — ``empty``, ``length``, ``format``, ``check_digit``, ``birth_date`` or ``area_code``;
    ``message`` (also ``str()``): the Chinese sentence shown beside a form field; ``reason``: the short form used in
    feed reports (joined by "；" with the row's other reasons).
    """

    def __init__(self, code: str, message: str, reason: str) -> None:
        super().__init__(message)
        self.code, self.message, self.reason = code, message, reason


def normalize(raw: str | None) -> str:
    """Trim and upper-case (only the last character may be a letter: ``x`` → ``X``)."""
    return (raw or "").strip().upper()


def check_digit(number: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits of ``number`` (which may or may not
    include it): the digits weighted 2¹⁷ … 2¹ mod 11, summed. Read as a base-13 number the 17 digits are
    Σ dᵢ·13¹⁶⁻ⁱ ≡ Σ dᵢ·2¹⁶⁻ⁱ (mod 11) because 13 ≡ 2, so the weighted sum is twice that (python-stdnum's trick)."""
    return _CHECK_CHARACTERS[2 * int(number[:17], 13) % 11]


# --- decoding --------------------------------------------------------------------------------------------------------


def birth_date(number: str) -> date:
    """The birth date in characters 7–14; ``ValueError`` when they are not a date."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender(number: str) -> str:
    """男 for an odd order code (17th character), 女 for an even one."""
    return MALE if int(number[16]) % 2 else FEMALE


def decode(number: str) -> tuple[date | None, str]:
    """``(birth date, gender)`` of a stored number; ``(None, "")`` when they cannot be read (no validation)."""
    try:
        return birth_date(number), gender(number)
    except (ValueError, IndexError):
        return None, ""


# --- validation ------------------------------------------------------------------------------------------------------


def validate(raw: str | None, *, today: date | None = None) -> str:
    """The normalised number, or :class:`InvalidIdNumber`. ``today`` (default: the local date) bounds the birth
    date."""
    number = normalize(raw)
    if not number:
        raise InvalidIdNumber("empty", "请输入身份证号码。", "身份证号为空")
    if len(number) != LENGTH:
        raise InvalidIdNumber(
            "length",
            f"身份证号码应为 18 位（当前长度为 {len(number)} 位）。",
            f"身份证号长度应为18位，实际为{len(number)}位",
        )
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(
            "format", "身份证号码格式不正确：前 17 位为数字，最后一位为数字或 X。", "身份证号格式错误"
        )
    if number[17] != check_digit(number):
        raise InvalidIdNumber("check_digit", "身份证号码校验位不正确，请核对后重新输入。", "身份证号校验位错误")
    born = _checked_birth_date(number, today or date.today())
    _check_area_code(number[:6], born.year)
    return number


def is_valid(raw: str | None, *, today: date | None = None) -> bool:
    try:
        validate(raw, today=today)
    except InvalidIdNumber:
        return False
    return True


def _checked_birth_date(number: str, today: date) -> date:
    try:
        born = birth_date(number)
    except ValueError:
        raise InvalidIdNumber(
            "birth_date",
            f"身份证号码中的出生日期（第 7–14 位 {number[6:14]}）不是有效的日期。",
            "身份证号中的出生日期无效",
        ) from None
    if born > today:
        raise InvalidIdNumber(
            "birth_date",
            f"身份证号码中的出生日期 {born:%Y-%m-%d} 晚于今天。",
            "身份证号中的出生日期无效（晚于今天）",
        )
    if born.year < FIRST_BIRTH_YEAR:
        raise InvalidIdNumber(
            "birth_date",
            f"身份证号码中的出生日期 {born:%Y-%m-%d} 早于 {FIRST_BIRTH_YEAR} 年。",
            f"身份证号中的出生日期无效（早于{FIRST_BIRTH_YEAR}年）",
        )
    return born


def _check_area_code(code: str, birth_year: int) -> None:
    region = stdnum_table().get(code)
    if region is None:
        raise InvalidIdNumber(
            "area_code",
            f"身份证号码中的地区代码（前 6 位 {code}）不是行政区划代码。",
            f"身份证号中的地区代码{code}无效（不是行政区划代码）",
        )
    if not region.valid_in_or_after(birth_year):
        last = max(p.last_year or 0 for p in region.names)
        raise InvalidIdNumber(
            "area_code",
            f"身份证号码中的地区代码 {code}（{region.name}）只使用到 {last} 年，早于出生年份 {birth_year} 年。",
            f"身份证号中的地区代码{code}只使用到{last}年，早于出生年份{birth_year}年",
        )
