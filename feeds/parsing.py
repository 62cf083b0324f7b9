"""Field and row validation for the feeds (feeds.md). Pure: no ORM.

Every checker returns the clean value or a Chinese reason (a ``str``) instead of raising: a feed file of a
million rows is validated in a tight loop, and the checkers of the values that repeat (ID numbers, USCCs, months,
amounts) are memoised, so python-stdnum runs once per distinct value, not once per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidComponent, ValidationError

from feeds import certificates as certs

GENDERS = ("男", "女")
CERT_STATUSES = ("有效", "注销")
LAST_VALID_TO = date(2099, 12, 31)
FIRST_YEAR = 2000

Row = list[str]
Clean = tuple
RowValidator = Callable[[Row], "Clean | str"]


# --- bounds ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bounds:
    """The accepted range of months, dates and years: 2000-01 … December of next year (feeds.md)."""

    first_year: int
    last_year: int

    @classmethod
    def for_today(cls, today: date) -> Bounds:
        return cls(first_year=FIRST_YEAR, last_year=today.year + 1)

    @property
    def first_month(self) -> int:
        return self.first_year * 100 + 1

    @property
    def last_month(self) -> int:
        return self.last_year * 100 + 12

    @property
    def first_date(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def last_date(self) -> date:
        return date(self.last_year, 12, 31)


# --- identifiers ---------------------------------------------------------------------------------------------------


def normalize_id_number(raw: str) -> str:
    """Trim and upper-case (the last character may be ``x``)."""
    return (raw or "").strip().upper()


@lru_cache(maxsize=1 << 21)
def check_id_number(raw: str) -> tuple[str, str | None]:
    """``(normalized, None)`` for a valid GB 11643 resident ID, else ``(normalized, reason)``.

    Checks length, digits, the check digit, the birth date (a real date, not in the future, not before 1900) and
    the birth place (a region code python-stdnum knows for the birth year).
    """
    number = normalize_id_number(raw)
    if not number:
        return number, "身份证号为空"
    if len(number) != 18:
        return number, f"身份证号应为18位，实际为{len(number)}位"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return number, "身份证号格式错误"
    if number[17] != ric.calc_check_digit(number):
        return number, "身份证号校验位错误"
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        return number, "身份证号中的出生日期无效"
    if birth.year < 1900 or birth > date.today():
        return number, "身份证号中的出生日期无效"
    if not id_birth_place_valid(number, birth.year):
        return number, "身份证号中的地区码无效"
    return number, None


def is_valid_id_number(raw: str) -> bool:
    return check_id_number(raw)[1] is None


def id_gender(id_number: str) -> str:
    """男 for an odd order code (17th character), 女 for an even one."""
    return "男" if int(id_number[16]) % 2 else "女"


def id_birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


@lru_cache(maxsize=1 << 20)
def check_uscc(raw: str) -> tuple[str, str | None]:
    """``(normalized, None)`` for a valid GB 32100 unified social credit code, else ``(normalized, reason)``."""
    number = (raw or "").strip().upper()
    if not number:
        return number, "统一社会信用代码为空"
    if len(number) != 18:
        return number, f"统一社会信用代码应为18位，实际为{len(number)}位"
    try:
        stdnum_uscc.validate(number)
    except ValidationError as exc:
        if exc.__class__.__name__ == "InvalidChecksum":
            return number, "统一社会信用代码校验位错误"
        return number, "统一社会信用代码格式错误"
    return number, None


def is_valid_uscc(raw: str) -> bool:
    return check_uscc(raw)[1] is None


# --- months, dates, years, money ---------------------------------------------------------------------------------

_MONEY = re.compile(r"^(-?)(\d+)(?:\.(\d*))?$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@lru_cache(maxsize=4096)
def parse_month(raw: str, bounds: Bounds) -> int | str:
    """``YYYYMM`` → the int ``YYYYMM``, or a reason."""
    text = raw.strip()
    if not text:
        return "月份为空"
    if len(text) != 6 or not text.isdigit() or not 1 <= int(text[4:]) <= 12:
        return f"月份“{text}”不是有效的YYYYMM"
    value = int(text)
    if not bounds.first_month <= value <= bounds.last_month:
        return f"月份{text}超出范围（{bounds.first_month}至{bounds.last_month}）"
    return value


@lru_cache(maxsize=1 << 14)
def parse_date(raw: str, first: date, last: date, label: str = "日期") -> date | str:
    """``YYYY-MM-DD`` between ``first`` and ``last`` → a date, or a reason."""
    text = raw.strip()
    if not text:
        return f"{label}为空"
    match = _DATE.match(text)
    try:
        if not match:
            raise ValueError
        value = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return f"{label}“{text}”不是有效的日期（YYYY-MM-DD）"
    if not first <= value <= last:
        return f"{label}{text}超出范围（{first}至{last}）"
    return value


@lru_cache(maxsize=1024)
def parse_year(raw: str, bounds: Bounds) -> int | str:
    text = raw.strip()
    if not text:
        return "年度为空"
    if len(text) != 4 or not text.isdigit():
        return f"年度“{text}”不是有效的年份"
    value = int(text)
    if not bounds.first_year <= value <= bounds.last_year:
        return f"年度{text}超出范围（{bounds.first_year}至{bounds.last_year}）"
    return value


@lru_cache(maxsize=1 << 17)
def parse_money(raw: str, label: str = "金额", max_integer_digits: int = 10) -> Decimal | str:
    """Yuan with at most 2 decimals, not negative → ``Decimal`` with 2 places, or a reason."""
    text = raw.strip()
    if not text:
        return f"{label}为空"
    match = _MONEY.match(text)
    if not match:
        return f"{label}“{text}”不是有效的数字"
    sign, integer, fraction = match.groups()
    if sign:
        return f"{label}不能为负数"
    if fraction is not None and len(fraction) > 2:
        return f"{label}最多保留2位小数"
    if len(integer.lstrip("0")) > max_integer_digits:
        return f"{label}超出允许的范围"
    return Decimal(text).quantize(Decimal("0.01"))


# --- regions -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StdnumRegion:
    code: str
    province: str
    name: str
    periods: tuple[tuple[int, int], ...] | None  # years the code was in use (``[1983-2010]名称``); None: always

    def valid_in(self, year: int) -> bool:
        return self.periods is None or any(start <= year <= end for start, end in self.periods)


@lru_cache(maxsize=1)
def stdnum_regions() -> dict[str, StdnumRegion]:
    """The GB/T 2260 codes python-stdnum ships (``stdnum/cn/loc.dat``), including abolished ones."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    out: dict[str, StdnumRegion] = {}
    province_code = province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, attrs = line.strip().partition(" ")
        value = attrs.split("=", 1)[1].strip('"') if "=" in attrs else ""
        if not line.startswith(" "):
            province_code, province = code, value
            continue
        names = value.split(",")
        periods: list[tuple[int, int]] | None = []
        for name in names:
            match = re.match(r"^\[(\d*)-(\d*)\]", name)
            if not match:
                periods = None
                break
            periods.append((int(match[1] or 0), int(match[2] or 9999)))
        name = re.sub(r"^\[[^\]]*\]", "", names[-1])
        out[province_code + code] = StdnumRegion(province_code + code, province, name, periods and tuple(periods))
    return out


def id_birth_place_valid(id_number: str, birth_year: int) -> bool:
    """python-stdnum's rule (``ric.get_birth_place``), table-driven: the code existed in the birth year."""
    region = stdnum_regions().get(id_number[:6])
    return region is not None and region.valid_in(birth_year)


class RegionIndex:
    """Known region codes and their 2- and 4-digit prefixes, for the ``region_code`` checks."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = frozenset(c for c in codes if len(c) == 6 and c.isdigit())
        self.prefixes = frozenset(c[:n] for c in self.codes for n in (2, 4))

    @classmethod
    def from_stdnum(cls, extra: Iterable[str] = ()) -> RegionIndex:
        return cls([*stdnum_regions(), *extra])

    def check_county(self, raw: str) -> str | tuple[str]:
        """A 6-digit code → ``(code,)`` when known, else a reason."""
        text = raw.strip()
        if not text:
            return "户籍地区划代码为空"
        if len(text) != 6 or not text.isdigit():
            return f"区划代码“{text}”应为6位数字"
        if text not in self.codes:
            return f"区划代码{text}未知"
        return (text,)

    def check_prefix(self, raw: str, lengths: Collection[int] = (2, 4, 6), label: str = "区划代码") -> str | tuple[str]:
        """A region prefix (2, 4 or 6 digits) → ``(prefix,)``; ``110000`` is read as ``11``, ``110100`` as ``1101``."""
        text = raw.strip()
        if not text:
            return f"{label}为空"
        if not text.isdigit() or len(text) not in (2, 4, 6):
            return f"{label}“{text}”应为{'、'.join(str(n) for n in sorted(lengths))}位数字"
        if len(text) == 6 and text.endswith("0000"):
            text = text[:2]
        elif len(text) == 6 and text.endswith("00"):
            text = text[:4]
        if len(text) not in lengths:
            return f"{label}“{raw.strip()}”应为{'、'.join(str(n) for n in sorted(lengths))}位数字"
        known = self.codes if len(text) == 6 else self.prefixes
        if text not in known:
            return f"{label}{raw.strip()}未知"
        return (text,)


# --- kinds ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One feed kind of feeds.md. ``columns`` are both the CSV header and the model's field names."""

    name: str
    title: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    person_field: str | None = "id_number"

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.key)


MONTHLY_KINDS = ("pension", "medical", "wages")
_MONTHLY_KEY = ("id_number", "unit_uscc", "month")
KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "persons",
            "残疾人人口基础库（人员）",
            ("id_number", "name", "gender", "region_code", "address", "phone", "education"),
            ("id_number",),
        ),
        KindSpec(
            "certificates",
            "残疾人人口基础库（残疾证）",
            ("cert_no", "id_number", "cert_type", "category", "grade", "valid_from", "valid_to", "status"),
            ("cert_no",),
        ),
        KindSpec("pension", "社保（养老保险缴费）", ("id_number", "unit_uscc", "month", "base_amount"), _MONTHLY_KEY),
        KindSpec("medical", "医保（医疗保险缴费）", ("id_number", "unit_uscc", "month", "base_amount"), _MONTHLY_KEY),
        KindSpec("wages", "税务（工资薪金）", ("id_number", "unit_uscc", "month", "amount"), _MONTHLY_KEY),
        KindSpec(
            "min_wages",
            "人社（月最低工资标准）",
            ("region_code", "effective_from", "amount"),
            ("region_code", "effective_from"),
            None,
        ),
        KindSpec(
            "social_avg_wages",
            "统计（社会平均工资）",
            ("province_code", "year", "annual_amount"),
            ("province_code", "year"),
            None,
        ),
        KindSpec(
            "ratios", "省政府（安排比例）", ("province_code", "year", "ratio_percent"), ("province_code", "year"), None
        ),
    )
}

TEXT_LIMITS = {
    "name": ("姓名", 50),
    "address": ("户籍地址", 200),
    "phone": ("联系电话", 20),
    "education": ("文化程度", 20),
}


def _text(raw: str, field: str, required: bool, errors: list[str]) -> str:
    label, limit = TEXT_LIMITS[field]
    value = " ".join(raw.split())
    if required and not value:
        errors.append(f"{label}为空")
    elif len(value) > limit:
        errors.append(f"{label}超过{limit}个字符")
    return value


def _small_int(raw: str, label: str, allowed: range, errors: list[str]) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) not in allowed:
        errors.append(f"{label}“{text}”应为{allowed.start}–{allowed.stop - 1}")
        return None
    return int(text)


def make_row_validator(
    kind: str, positions: dict[str, int], *, bounds: Bounds, regions: RegionIndex | None = None
) -> RowValidator:
    """A function that turns one CSV row of ``kind`` into a clean tuple (in ``KINDS[kind].columns`` order) or a
    Chinese reason. ``positions`` maps each column to its index in the row (the header may order them freely)."""
    regions = regions or RegionIndex.from_stdnum()
    if kind in MONTHLY_KINDS:
        return _monthly_validator(kind, positions, bounds)
    return {
        "persons": _persons_validator,
        "certificates": _certificates_validator,
        "min_wages": _min_wages_validator,
        "social_avg_wages": _social_avg_validator,
        "ratios": _ratios_validator,
    }[kind](positions, bounds, regions)


def _memo(check: Callable[[str], object]) -> Callable[[str], object]:
    """A per-import dict cache in front of ``check`` (cheaper than lru_cache in the hot loop)."""
    cache: dict[str, object] = {}

    def cached(raw: str) -> object:
        value = cache.get(raw)
        if value is None:
            value = cache[raw] = check(raw)
        return value

    return cached


def _monthly_validator(kind: str, positions: dict[str, int], bounds: Bounds) -> RowValidator:
    """The hot loop of the big feeds: four memoised lookups per row (ID, USCC, month, amount)."""
    amount_column = KINDS[kind].columns[3]
    amount_label = "工资金额" if kind == "wages" else "缴费基数"
    i_id, i_unit, i_month, i_amount = (positions[c] for c in ("id_number", "unit_uscc", "month", amount_column))
    ids: dict[str, tuple[str, str | None]] = {}
    units: dict[str, tuple[str, str | None]] = {}
    months: dict[str, int | str] = {}
    amounts: dict[str, Decimal | str] = {}

    def validate(row: Row) -> Clean | str:
        raw_id, raw_unit, raw_month, raw_amount = row[i_id], row[i_unit], row[i_month], row[i_amount]
        person = ids.get(raw_id)
        if person is None:
            person = ids[raw_id] = check_id_number(raw_id)
        unit = units.get(raw_unit)
        if unit is None:
            unit = units[raw_unit] = check_uscc(raw_unit)
        month = months.get(raw_month)
        if month is None:
            month = months[raw_month] = parse_month(raw_month, bounds)
        amount = amounts.get(raw_amount)
        if amount is None:
            if len(amounts) > 200_000:
                amounts.clear()
            amount = amounts[raw_amount] = parse_money(raw_amount, amount_label)
        if person[1] is None and unit[1] is None and month.__class__ is int and amount.__class__ is Decimal:
            return (person[0], unit[0], month, amount)
        found = (person[1], unit[1] and "单位" + unit[1], month, amount)
        return "；".join(e for e in found if e.__class__ is str)

    return validate


def _persons_validator(positions: dict[str, int], bounds: Bounds, regions: RegionIndex) -> RowValidator:
    cols = KINDS["persons"].columns

    def validate(row: Row) -> Clean | str:
        raw = dict(zip(cols, (row[positions[c]] for c in cols), strict=True))
        errors: list[str] = []
        id_number, id_error = check_id_number(raw["id_number"])
        if id_error:
            errors.append(id_error)
        name = _text(raw["name"], "name", True, errors)
        gender = raw["gender"].strip()
        if not gender:
            errors.append("性别为空")
        elif gender not in GENDERS:
            errors.append(f"性别“{gender}”应为男或女")
        elif not id_error and id_gender(id_number) != gender:
            errors.append("性别与身份证号不符")
        region = regions.check_county(raw["region_code"])
        if region.__class__ is str:
            errors.append(region)
        address = _text(raw["address"], "address", False, errors)
        phone = _text(raw["phone"], "phone", False, errors)
        education = _text(raw["education"], "education", False, errors)
        if errors:
            return "；".join(errors)
        return (id_number, name, gender, region[0], address, phone, education)

    return validate


def _certificates_validator(positions: dict[str, int], bounds: Bounds, regions: RegionIndex) -> RowValidator:
    cols = KINDS["certificates"].columns

    def validate(row: Row) -> Clean | str:
        raw = dict(zip(cols, (row[positions[c]] for c in cols), strict=True))
        errors: list[str] = []
        cert_type = raw["cert_type"].strip()
        if not cert_type:
            errors.append("证件类型为空")
        elif cert_type not in certs.CERT_TYPES:
            errors.append(f"证件类型“{cert_type}”应为残疾人证或残疾军人证")
        cert_no = certs.normalize_cert_no(raw["cert_no"], cert_type)
        if not cert_no:
            errors.append("残疾证号为空")
        id_number, id_error = check_id_number(raw["id_number"])
        if id_error:
            errors.append(id_error)
        before = len(errors)
        category = _small_int(raw["category"], "残疾类别", range(1, 8), errors)
        grade_text = raw["grade"].strip()
        grade = _small_int(grade_text, "残疾等级", range(1, 11), errors)
        if not grade_text:
            errors.append("残疾等级为空")
        # Cross-field rules (number ↔ ID, category, grade range) only when each field read cleanly.
        cross_field = len(errors) == before and cert_type in certs.CERT_TYPES and cert_no and not id_error
        valid_from = parse_date(raw["valid_from"], bounds.first_date, bounds.last_date, "有效期起")
        valid_to = parse_date(raw["valid_to"], bounds.first_date, LAST_VALID_TO, "有效期止")
        for value in (valid_from, valid_to):
            if value.__class__ is str:
                errors.append(value)
        if valid_from.__class__ is date and valid_to.__class__ is date and valid_to < valid_from:
            errors.append("有效期止早于有效期起")
        status = raw["status"].strip()
        if not status:
            errors.append("状态为空")
        elif status not in CERT_STATUSES:
            errors.append(f"状态“{status}”应为有效或注销")
        if cross_field:
            errors.extend(certs.validate_cert(cert_type, cert_no, id_number, category, grade))
        if errors:
            return "；".join(dict.fromkeys(errors))
        return (cert_no, id_number, cert_type, category, grade, valid_from, valid_to, status)

    return validate


def _min_wages_validator(positions: dict[str, int], bounds: Bounds, regions: RegionIndex) -> RowValidator:
    i_region, i_from, i_amount = (positions[c] for c in KINDS["min_wages"].columns)

    def validate(row: Row) -> Clean | str:
        region = regions.check_prefix(row[i_region])
        effective_from = parse_date(row[i_from], bounds.first_date, bounds.last_date, "生效日期")
        amount = parse_money(row[i_amount], "月最低工资", 8)
        errors = [v for v in (region, effective_from, amount) if v.__class__ is str]
        if errors:
            return "；".join(errors)
        return (region[0], effective_from, amount)

    return validate


def _province_year_validator(
    kind: str, label: str, integer_digits: int, maximum: Decimal | None
) -> Callable[[dict[str, int], Bounds, RegionIndex], RowValidator]:
    def factory(positions: dict[str, int], bounds: Bounds, regions: RegionIndex) -> RowValidator:
        i_province, i_year, i_value = (positions[c] for c in KINDS[kind].columns)

        def validate(row: Row) -> Clean | str:
            province = regions.check_prefix(row[i_province], (2,), "省级代码")
            year = parse_year(row[i_year], bounds)
            value = parse_money(row[i_value], label, integer_digits)
            errors = [v for v in (province, year, value) if v.__class__ is str]
            if maximum is not None and value.__class__ is Decimal and value > maximum:
                errors.append(f"{label}不能超过{maximum}")
            if errors:
                return "；".join(errors)
            return (province[0], year, value)

        return validate

    return factory


_social_avg_validator = _province_year_validator("social_avg_wages", "社会平均工资", 10, None)
_ratios_validator = _province_year_validator("ratios", "安排比例", 3, Decimal(100))
