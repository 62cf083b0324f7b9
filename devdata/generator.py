"""Synthetic, realistic feed files for demos, tests and benchmarks (``generate_feeds``). Pure: no ORM.

Deterministic for a seed: every person is drawn from its own ``random.Random`` seeded with (seed, index), so any
subset of the files can be written and they agree with each other, and a million rows stream out without holding
the population in memory (only the ID numbers are kept, to guarantee they are unique).

What it produces (business year Y): valid ID numbers (GB 11643, real county codes valid for every birth year) and
USCCs (GB 32100), Chinese names, genders consistent with the ID, 残疾人证 of all 7 categories and grades 1–4,
some 残疾军人证 (grades 1–10, free-text numbers), people near retirement (men born 1963–1966, around the 2025
reform), minimum-wage changes on Y-07-01, and gaps: missing insurance and wage months, wages under the minimum,
insurance paid by a related unit, people hired mid-year, certificates expiring mid-year, and a few invalid rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from feeds.parsing import stdnum_regions
from feeds.rows import KINDS

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志文博然轩睿哲峰亮成东海"
GIVEN_FEMALE = "芳娜秀英敏静丽艳娟霞燕玲桂兰红玉梅琳婷雪慧莉倩颖洁晶佳琪欣怡涵雨桐萱妍思嘉悦月"
EDUCATION = ("小学", "初中", "初中", "高中", "中专", "中专", "大专", "大专", "本科", "本科", "硕士", "")
ROADS = (
    "人民路",
    "解放路",
    "建设路",
    "和平路",
    "中山路",
    "新华路",
    "胜利路",
    "文化路",
    "朝阳路",
    "光明街",
    "长安街",
    "幸福路",
)
TRADE_NAMES = (
    "华泰",
    "恒信",
    "鑫达",
    "宏远",
    "金桥",
    "博雅",
    "瑞丰",
    "嘉禾",
    "天成",
    "盛世",
    "万通",
    "东方",
    "中和",
    "新程",
)
INDUSTRIES = (
    "科技",
    "物流",
    "餐饮管理",
    "制造",
    "商贸",
    "建设工程",
    "医药",
    "物业服务",
    "电子",
    "食品",
    "纺织",
    "信息技术",
)
RELATIONS = (("上下级", 6), ("劳务派遣单位", 3), ("其他关联单位", 2))

# Monthly minimum wage (first grade, yuan) roughly as published for 2025; other provinces get a plausible default.
MIN_WAGE_2025 = {"11": 2540, "31": 2740, "44": 2500, "12": 2430, "32": 2490, "33": 2490, "37": 2200, "50": 2200}
RATIO_PERCENT = {"11": "1.70", "12": "1.50", "31": "1.50", "44": "1.50", "33": "1.50", "32": "1.60", "50": "1.70"}
MILITARY_SHARE = 0.05
KIND_FILES = (*KINDS, "employers")


def id_number(region: str, birth: date, order: int) -> str:
    """A valid 18-character resident ID (order: 3 digits, odd for men)."""
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def uscc_code(region: str, serial: int, prefix: str = "91") -> str:
    """A valid USCC: registration authority + kind, the region, a 9-character organisation code, the check."""
    body = f"{prefix}{region}{serial:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def usable_regions(codes: Sequence[str] | None = None, this_year: int | None = None) -> list[str]:
    """County codes in use today (so units and new IDs look current), optionally limited to ``codes`` (e.g. the
    Region table); falls back to python-stdnum's own list when the two do not overlap."""
    this_year = this_year or date.today().year
    known = stdnum_regions()
    current = sorted(c for c, r in known.items() if r.valid_in(this_year) and not c.endswith("00"))
    if codes:
        wanted = set(codes)
        chosen = [c for c in current if c in wanted]
        if chosen:
            return chosen
    return current


@dataclass(frozen=True, slots=True)
class Unit:
    uscc: str
    name: str
    region_code: str
    related_uscc: str = ""
    related_name: str = ""
    related_relation: str = ""


@dataclass(slots=True)
class Person:
    index: int
    id_number: str
    name: str
    gender: str
    birth: date
    region_code: str
    address: str
    phone: str
    education: str
    unit: Unit
    wage: int
    first_month: int  # 1 unless hired mid-year
    pension_missing: frozenset[int]
    medical_missing: frozenset[int]
    wage_missing: frozenset[int]
    wage_low: frozenset[int]
    insured_by_related: bool
    certificates: tuple[tuple[str, ...], ...]  # rows of the certificates feed


def _months(rng: random.Random, share: float, most: int = 3) -> frozenset[int]:
    if rng.random() >= share:
        return frozenset()
    return frozenset(rng.sample(range(1, 13), rng.randint(1, most)))


def chinese_name(rng: random.Random, gender: str) -> str:
    given = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))


def birth_date(rng: random.Random, year: int, gender: str) -> date:
    roll = rng.random()
    if roll < 0.12:  # near retirement around the 2025 reform: men born 1963–1966, women 1970–1976
        start, end = (
            (date(1963, 1, 1), date(1966, 12, 31)) if gender == "男" else (date(1970, 1, 1), date(1976, 12, 31))
        )
    elif roll < 0.16:  # just of working age
        start, end = date(year - 19, 1, 1), date(year - 16, 6, 30)
    else:
        start, end = date(year - 55, 1, 1), date(year - 20, 12, 31)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def certificate_rows(rng: random.Random, person_id: str, year: int) -> tuple[tuple[str, ...], ...]:
    """The person's certificates: usually one valid all year; some expire mid-year (half renewed), some military."""
    if rng.random() < MILITARY_SHARE:
        grade = rng.randint(1, 10)
        issued = date(year - rng.randint(1, 15), rng.randint(1, 12), rng.randint(1, 28))
        number = f"军残字第{rng.randrange(10**7):07d}号"
        return ((number, person_id, "残疾军人证", "", str(grade), str(issued), str(date(2099, 12, 31)), "有效"),)
    category = rng.randint(1, 7)
    grade = rng.choices((1, 2, 3, 4), weights=(15, 25, 30, 30))[0]
    number = f"{person_id}{category}{grade}"
    roll = rng.random()
    if roll < 0.08:  # expires in the business year
        valid_to = date(year, rng.randint(2, 11), rng.randint(1, 28))
        valid_from = date(valid_to.year - 10, valid_to.month, valid_to.day) + timedelta(days=1)
        rows = [(number, person_id, "残疾人证", str(category), str(grade), str(valid_from), str(valid_to), "有效")]
        if rng.random() < 0.5:  # renewed, possibly a few weeks late
            renewed = valid_to + timedelta(days=rng.choice((1, 1, 20, 45)))
            rows.append(
                (
                    f"{number}B1",
                    person_id,
                    "残疾人证",
                    str(category),
                    str(grade),
                    str(renewed),
                    str(date(renewed.year + 10, renewed.month, min(renewed.day, 28))),
                    "有效",
                )
            )
        return tuple(rows)
    valid_from = date(year - rng.randint(1, 9), rng.randint(1, 12), rng.randint(1, 28))
    if roll < 0.10:  # issued during the business year: counts from that month on
        valid_from = date(year, rng.randint(2, 11), rng.randint(1, 28))
    valid_to = date(valid_from.year + 10, valid_from.month, valid_from.day)
    status = "注销" if roll > 0.99 else "有效"
    return ((number, person_id, "残疾人证", str(category), str(grade), str(valid_from), str(valid_to), status),)


class World:
    """The generated units and the recipe of every person (built on demand from its own seeded RNG)."""

    def __init__(
        self, *, year: int, employers: int, persons: int, seed: int = 1, region_codes: Sequence[str] | None = None
    ) -> None:
        if employers < 1 or persons < 0:
            raise ValueError("employers must be ≥ 1 and persons ≥ 0")
        self.year, self.seed, self.size = year, seed, persons
        self.regions = usable_regions(region_codes)
        self._region_cache: dict[int, dict[str, list[str]]] = {}
        rng = random.Random(f"units-{seed}")
        names = stdnum_regions()
        self.units: list[Unit] = []
        for n in range(employers):
            region = rng.choice(self.regions)
            name = f"{names[region].name}{rng.choice(TRADE_NAMES)}{rng.choice(INDUSTRIES)}有限公司{n + 1}"
            uscc = uscc_code(region, seed * 1_000_000 + n + 1)
            related = ("", "", "")
            if rng.random() < 0.3:
                relation = rng.choices([r for r, _ in RELATIONS], weights=[w for _, w in RELATIONS])[0]
                suffix = "人力资源服务有限公司" if relation == "劳务派遣单位" else "分公司"
                related_region = rng.choice(self.regions)
                related = (uscc_code(related_region, seed * 1_000_000 + 500_000 + n + 1), f"{name}{suffix}", relation)
            self.units.append(Unit(uscc, name, region, *related))
        self._ids: list[str] = []
        seen: set[str] = set()
        for index in range(persons):
            _, region, birth, gender = self._identity(random.Random(self._person_seed(index)))
            order = (index % 499) * 2 + (1 if gender == "男" else 0)
            number = id_number(region, birth, order)
            while number in seen:
                order = (order + 2) % 1000
                number = id_number(region, birth, order)
            seen.add(number)
            self._ids.append(number)

    def _person_seed(self, index: int) -> int:
        return self.seed * 10_000_019 + index

    def _identity(self, rng: random.Random) -> tuple[Unit, str, date, str]:
        """The first draws of a person's RNG: gender, unit, birth date, household region (a code in use in the
        birth year, so the ID passes python-stdnum's birth-place rule; mostly in the unit's province)."""
        gender = rng.choice(("男", "女"))
        unit = self.units[int(len(self.units) * rng.random() ** 1.5)]
        birth = birth_date(rng, self.year, gender)
        province = unit.region_code[:2] if rng.random() < 0.7 else ""
        return unit, rng.choice(self._regions_for(birth.year, province)), birth, gender

    def _regions_for(self, year: int, province: str) -> list[str]:
        by_province = self._region_cache.get(year)
        if by_province is None:
            known = stdnum_regions()
            by_province = {"": [c for c in self.regions if known[c].valid_in(year)] or self.regions}
            for code in by_province[""]:
                by_province.setdefault(code[:2], []).append(code)
            self._region_cache[year] = by_province
        return by_province.get(province) or by_province[""]

    def _plan(self, rng: random.Random, unit: Unit) -> dict:
        """The draws the monthly feeds need, right after the identity (so they can skip the rest)."""
        return {
            "wage": rng.randrange(2600, 12000, 10),
            "first_month": rng.randint(2, 9) if rng.random() < 0.05 else 1,
            "pension_missing": _months(rng, 0.06),
            "medical_missing": _months(rng, 0.05),
            "wage_missing": _months(rng, 0.07),
            "wage_low": _months(rng, 0.04, 6),
            "insured_by_related": bool(unit.related_uscc)
            and unit.related_relation != "劳务派遣单位"
            and rng.random() < 0.2,
        }

    def person(self, index: int) -> Person:
        rng = random.Random(self._person_seed(index))
        unit, region, birth, gender = self._identity(rng)
        plan = self._plan(rng, unit)
        number = self._ids[index]
        place = stdnum_regions()[region]
        return Person(
            index=index,
            id_number=number,
            name=chinese_name(rng, gender),
            gender=gender,
            birth=birth,
            region_code=region,
            address=f"{place.province}{place.name}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
            phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            education=rng.choice(EDUCATION),
            unit=unit,
            certificates=certificate_rows(rng, number, self.year),
            **plan,
        )

    def people(self) -> Iterator[Person]:
        for index in range(self.size):
            yield self.person(index)

    # --- rows per kind ------------------------------------------------------------------------------------------

    def rows(self, kind: str) -> Iterator[tuple]:
        return getattr(self, f"_rows_{kind}")()

    def _rows_employers(self) -> Iterator[tuple]:
        for u in self.units:
            yield (u.uscc, u.name, u.region_code, u.related_uscc, u.related_name, u.related_relation)

    def _rows_persons(self) -> Iterator[tuple]:
        for p in self.people():
            yield (p.id_number, p.name, p.gender, p.region_code, p.address, p.phone, p.education)

    def _rows_certificates(self) -> Iterator[tuple]:
        for p in self.people():
            yield from p.certificates

    def _monthly(self, kind: str) -> Iterator[tuple]:
        year = self.year
        missing_key = {"pension": "pension_missing", "medical": "medical_missing", "wages": "wage_missing"}[kind]
        for index in range(self.size):
            rng = random.Random(self._person_seed(index))
            unit = self._identity(rng)[0]
            plan = self._plan(rng, unit)
            payer = unit.related_uscc if plan["insured_by_related"] and kind != "wages" else unit.uscc
            missing, low = plan[missing_key], plan["wage_low"] if kind == "wages" else ()
            number, base = self._ids[index], f"{plan['wage']}.00"
            for month in range(plan["first_month"], 13):
                if month not in missing:
                    yield (number, payer, year * 100 + month, "1500.00" if month in low else base)

    def _rows_pension(self) -> Iterator[tuple]:
        return self._monthly("pension")

    def _rows_medical(self) -> Iterator[tuple]:
        return self._monthly("medical")

    def _rows_wages(self) -> Iterator[tuple]:
        return self._monthly("wages")

    def provinces(self) -> list[str]:
        return sorted({u.region_code[:2] for u in self.units} | {"11"})

    def _rows_min_wages(self) -> Iterator[tuple]:
        year = self.year
        for province in self.provinces():
            amount = MIN_WAGE_2025.get(province, 2100) + (year - 2025) * 100
            yield (province, f"{year - 1}-07-01", f"{amount - 120}.00")
            if int(province) % 2 == 1 or province == "11":  # raised mid-year in about half of the provinces
                yield (province, f"{year}-07-01", f"{amount}.00")
            city = min(c[:4] for c in self.regions if c[:2] == province) if province != "11" else "1101"
            yield (city, f"{year - 1}-07-01", f"{amount - 70}.00")

    def _rows_social_avg_wages(self) -> Iterator[tuple]:
        for province in self.provinces():
            base = 180000 if province in ("11", "31") else 110000
            for year in (self.year - 1, self.year):
                yield (province, year, f"{base + (year - 2024) * 6000 + int(province) * 37}.00")

    def _rows_ratios(self) -> Iterator[tuple]:
        for province in self.provinces():
            for year in (self.year - 1, self.year):
                yield (province, year, RATIO_PERCENT.get(province, "1.50"))


HEADERS = {**{kind: spec.columns for kind, spec in KINDS.items()}, "employers": (
    "uscc", "name", "region_code", "related_uscc", "related_name", "related_relation")}  # fmt: skip


def _csv_field(value: object) -> str:
    text = str(value)
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _corrupt(rng: random.Random, row: tuple, kind: str) -> tuple:
    """An invalid variant of a row: a wrong check digit, an impossible month or a negative amount."""
    row = list(row)
    if kind in ("pension", "medical", "wages"):
        choice = rng.randrange(3)
        if choice == 0:
            row[0] = row[0][:17] + ("0" if row[0][17] != "0" else "1")
        elif choice == 1:
            row[2] = row[2] // 100 * 100 + 13
        else:
            row[3] = "-" + str(row[3])
    elif kind in ("persons", "certificates"):
        i = 0 if kind == "persons" else 1
        row[i] = row[i][:17] + ("0" if row[i][17] != "0" else "1")
    return tuple(row)


def write_feeds(
    world: World,
    out_dir: str | Path,
    kinds: Sequence[str] | None = None,
    *,
    invalid_share: float = 0.0005,
    limits: dict[str, int] | None = None,
) -> dict[str, int]:
    """Write ``<kind>.csv`` (and ``employers.csv``) into ``out_dir``; returns the data rows written per file.

    ``invalid_share``: the share of rows of the person feeds replaced by an invalid variant (rejected on import).
    ``limits``: stop a kind after this many rows (e.g. exactly 1,000,000 pension rows for the benchmark).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    limits = limits or {}
    written: dict[str, int] = {}
    for kind in kinds or KIND_FILES:
        rng = random.Random(f"invalid-{world.seed}-{kind}")
        corruptible = kind in ("persons", "certificates", "pension", "medical", "wages") and invalid_share > 0
        limit = limits.get(kind)
        monthly = kind in ("pension", "medical", "wages")
        n = 0
        with (out / f"{kind}.csv").open("w", encoding="utf-8", newline="") as f:
            f.write(",".join(HEADERS[kind]) + "\n")
            buffer: list[str] = []
            for row in world.rows(kind):
                if limit is not None and n >= limit:
                    break
                if corruptible and rng.random() < invalid_share:
                    row = _corrupt(rng, row, kind)
                if monthly:
                    buffer.append(f"{row[0]},{row[1]},{row[2]},{row[3]}\n")
                else:
                    buffer.append(",".join(map(_csv_field, row)) + "\n")
                n += 1
                if len(buffer) >= 10_000:
                    f.write("".join(buffer))
                    buffer.clear()
            f.write("".join(buffer))
        written[kind] = n
    return written
