"""Test data that looks real: valid ID numbers and USCCs generated with python-stdnum's check digits."""

import random
from datetime import date
from itertools import count

from django.contrib.auth import get_user_model
from stdnum.cn import ric, uscc

from core.models import Region, RegionLevel
from employers.models import Employer, EmployerAccount, ReviewerProfile

_seq = count(1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文博宇浩然欣怡子涵梓轩雨桐"


def make_id_number(
    birth: date = date(1985, 6, 15), region: str = "110101", male: bool = True, seq: int | None = None
) -> str:
    n = next(_seq) if seq is None else seq
    order = (n % 499) * 2 + (1 if male else 0) + 1
    order = order if order % 2 == (1 if male else 0) else order + 1
    body = f"{region}{birth:%Y%m%d}{order % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects the check position present


def make_uscc(seq: int | None = None) -> str:
    n = next(_seq) if seq is None else seq
    body = f"91110101{n:09d}"[:17]
    return body + uscc.calc_check_digit(body)


def chinese_name(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def region(code: str = "110101", name: str | None = None) -> Region:
    """Get or create a region and its parents (province / city / county) with plausible names."""
    province_code, city_code = code[:2] + "0000", code[:4] + "00"
    province, _ = Region.objects.get_or_create(
        code=province_code,
        defaults={
            "name": (name if code == province_code else None) or ("北京市" if code[:2] == "11" else "测试省"),
            "level": RegionLevel.PROVINCE,
        },
    )
    if code == province_code:
        return province
    city, _ = Region.objects.get_or_create(
        code=city_code, defaults={"name": "市辖区", "level": RegionLevel.CITY, "parent": province}
    )
    if code == city_code:
        return city
    county, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name or "东城区", "level": RegionLevel.COUNTY, "parent": city}
    )
    return county


def employer(name: str | None = None, region_code: str = "110101", **fields) -> Employer:
    r = region(region_code)
    n = next(_seq)
    data = {
        "name": name or f"北京测试科技有限公司{n}",
        "uscc": make_uscc(n),
        "unit_kind": "企业",
        "economic_kind": "有限责任(公司)",
        "industry": "I",
        "federation_region": r,
        "tax_region": r,
        "registration_region": r,
        "legal_rep_name": "张伟",
        "legal_rep_id_number": make_id_number(date(1975, 3, 2)),
        "legal_rep_phone": "13800138000",
        "contact_name": "李娜",
        "contact_phone": "13900139000",
        "business_address": "北京市东城区测试路1号",
        "registered_address": "北京市东城区测试路1号",
    }
    data.update(fields)
    return Employer.objects.create(**data)


def employer_user(emp: Employer | None = None, username: str | None = None, password: str = "test-pass-2026"):
    emp = emp or employer()
    user = get_user_model().objects.create_user(username=username or f"clerk{next(_seq)}", password=password)
    EmployerAccount.objects.create(user=user, employer=emp)
    return user


def reviewer_user(region_code: str = "110000", username: str | None = None, password: str = "review-pass-2026"):
    user = get_user_model().objects.create_user(
        username=username or f"reviewer{next(_seq)}", password=password, is_staff=True
    )
    ReviewerProfile.objects.create(user=user, region=region(region_code), organisation="测试残联")
    return user
