"""The feed kinds of feeds.md and one row validator per kind. Pure: no ORM.

A validator turns one CSV row into a clean tuple (in ``KindSpec.columns`` order, the key columns first) or a Chinese
reason — every problem of the row, joined by "；". The field checks live in :mod:`feeds.parsing`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core import idnumbers
from core.numbers import ascii_int
from feeds import certificates as certs
from feeds.parsing import (
    Bounds,
    RegionIndex,
    check_id_number,
    check_uscc,
    parse_date,
    parse_money,
    parse_month,
    parse_year,
)

GENDERS = ("男", "女")
CERT_STATUSES = ("有效", "注销")
LAST_VALID_TO = date(2099, 12, 31)

Row = Sequence[str]
Clean = tuple
RowValidator = Callable[[Row], "Clean | str"]


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
    value = ascii_int(text, digits=len(str(allowed.stop)))
    if value is None or value not in allowed:
        errors.append(f"{label}“{text[:20]}”应为{allowed.start}–{allowed.stop - 1}")
        return None
    return value


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
        elif not id_error and idnumbers.gender(id_number) != gender:
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
