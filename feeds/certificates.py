"""Disability certificate numbers and grades (domain.md §4, §5.1, §5.3). Pure: no ORM.

残疾人证 (第二代及以后): 20 characters = the holder's 18-character resident ID + one category digit
(1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重) + one grade digit (1–4), optionally followed by a reissue
suffix ``B1``, ``B2`` … (补发). 残疾军人证 numbers are free text; grades 1–10 exist, 1–8 count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DISABILITY = "残疾人证"
MILITARY = "残疾军人证"
CERT_TYPES = (DISABILITY, MILITARY)

CATEGORY_NAMES = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
GRADE_NAMES = dict(enumerate(("一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级"), start=1))

DISABILITY_GRADES = range(1, 5)
MILITARY_GRADES = range(1, 11)
MILITARY_COUNTING_GRADES = range(1, 9)

SEVERE_WEIGHT = 2  # the weight of a month (domain.md §5.3) under 残疾人证 1–2 级 / 残疾军人证 1–3 级
NORMAL_WEIGHT = 1  # under the other grades that count

CERT_NO_MAX_LENGTH = 40  # feeds.models.Certificate.cert_no

_ID_PART = re.compile(r"^[0-9]{17}[0-9X]$")
_SUFFIX = re.compile(r"^B[0-9]{1,2}$")


class CertNumberError(ValueError):
    """A certificate number that cannot be right. ``message`` is Chinese, ready to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ParsedCert:
    id_number: str
    category: int
    grade: int
    suffix: str = ""

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES[self.category]


def normalize_cert_no(cert_no: str, cert_type: str = DISABILITY) -> str:
    """Trim; a 残疾人证 number is upper-cased (``x`` → ``X``), a 残疾军人证 number keeps its text."""
    text = (cert_no or "").strip()
    if cert_type == DISABILITY:
        return text.replace(" ", "").upper()
    return " ".join(text.split())


def parse_disability_cert_no(cert_no: str) -> ParsedCert:
    """Split a 残疾人证 number into holder ID, category, grade and reissue suffix.

    Raises :class:`CertNumberError` with a Chinese message when the number cannot be a 残疾人证 number.
    """
    number = normalize_cert_no(cert_no, DISABILITY)
    if not number:
        raise CertNumberError("残疾证号为空")
    if len(number) < 20:
        raise CertNumberError(f"残疾人证号应为20位（补发证可带后缀如B1），实际为{len(number)}位")
    id_part, category, grade, suffix = number[:18], number[18], number[19], number[20:]
    if not _ID_PART.match(id_part):
        raise CertNumberError("残疾人证号前18位应为持证人身份证号")
    if category not in "1234567":
        raise CertNumberError("残疾人证号第19位（残疾类别）应为1–7")
    if grade not in "1234":
        raise CertNumberError("残疾人证号第20位（残疾等级）应为1–4")
    if suffix and not _SUFFIX.match(suffix):
        raise CertNumberError(f"残疾人证号后缀“{suffix}”无效（补发证后缀形如B1）")
    return ParsedCert(id_number=id_part, category=int(category), grade=int(grade), suffix=suffix)


def grade_range(cert_type: str) -> range:
    return MILITARY_GRADES if cert_type == MILITARY else DISABILITY_GRADES


def grade_counts(cert_type: str, grade: int | None) -> bool:
    """Whether a certificate of this type and grade counts for placement (残疾人证 1–4 级, 残疾军人证 1–8 级)."""
    if grade is None:
        return False
    if cert_type == MILITARY:
        return grade in MILITARY_COUNTING_GRADES
    return grade in DISABILITY_GRADES


def grade_weight(cert_type: str, grade: int | None) -> int:
    """Weight of a month (§5.3): 2 for 残疾人证 1–2 级 or 残疾军人证 1–3 级, 1 for other counting grades, else 0."""
    if not grade_counts(cert_type, grade):
        return 0
    severe = (1, 2, 3) if cert_type == MILITARY else (1, 2)
    return SEVERE_WEIGHT if grade in severe else NORMAL_WEIGHT


def validate_cert(cert_type: str, cert_no: str, id_number: str, category: int | None, grade: int | None) -> list[str]:
    """All the reasons (Chinese) why these certificate facts cannot be right together; empty when they can.

    ``id_number`` is compared case-insensitively (``x`` = ``X``). Dates are not checked here.
    """
    errors: list[str] = []
    if cert_type not in CERT_TYPES:
        return ["证件类型应为“残疾人证”或“残疾军人证”"]
    number = normalize_cert_no(cert_no, cert_type)
    if cert_type == MILITARY:
        if not number:
            errors.append("残疾军人证号为空")
        elif len(number) > CERT_NO_MAX_LENGTH:
            errors.append(f"残疾军人证号超过{CERT_NO_MAX_LENGTH}个字符")
        if category is not None:
            errors.append("残疾军人证不填写残疾类别")
        if grade is None or grade not in MILITARY_GRADES:
            errors.append("残疾军人证等级应为1–10级")
        return errors

    if category is None:
        errors.append("残疾人证须填写残疾类别（1–7）")
    elif category not in CATEGORY_NAMES:
        errors.append("残疾类别应为1–7")
    if grade is None or grade not in DISABILITY_GRADES:
        errors.append("残疾人证等级应为1–4级")
    try:
        parsed = parse_disability_cert_no(number)
    except CertNumberError as exc:
        errors.append(exc.message)
        return errors
    if parsed.id_number != (id_number or "").strip().upper():
        errors.append("残疾证号中的身份证号与持证人身份证号不一致")
    if category in CATEGORY_NAMES and parsed.category != category:
        errors.append(f"残疾证号第19位（残疾类别{parsed.category}）与残疾类别{category}不一致")
    if grade in DISABILITY_GRADES and parsed.grade != grade:
        errors.append(f"残疾证号第20位（残疾等级{parsed.grade}）与残疾等级{grade}不一致")
    return errors
