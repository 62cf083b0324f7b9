"""Certificate-number parsing and validation (pure, no database)."""

from datetime import date

import pytest

from feeds.certificates import (
    DISABILITY,
    MILITARY,
    CertNumberError,
    ParsedCert,
    grade_counts,
    grade_weight,
    normalize_cert_no,
    parse_disability_cert_no,
    validate_cert,
)
from tests.factories import make_id_number

ID = make_id_number(date(1985, 6, 15), seq=7)
ID_X = next(n for n in (make_id_number(date(1990, 1, 1), seq=s) for s in range(1, 400)) if n.endswith("X"))


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (ID + "42", ParsedCert(ID, 4, 2, "")),
        (ID + "71", ParsedCert(ID, 7, 1, "")),
        (ID + "14B1", ParsedCert(ID, 1, 4, "B1")),
        (ID + "63b2", ParsedCert(ID, 6, 3, "B2")),
        (f"  {ID}23  ", ParsedCert(ID, 2, 3, "")),
        (ID_X.lower() + "54", ParsedCert(ID_X, 5, 4, "")),
    ],
)
def test_parse_disability_cert_no(number, expected):
    assert parse_disability_cert_no(number) == expected


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "为空"),
        (ID, "应为20位"),
        (ID + "4", "应为20位"),
        ("A" + ID[1:] + "42", "前18位"),
        (ID + "82", "第19位"),
        (ID + "02", "第19位"),
        (ID + "45", "第20位"),
        (ID + "40", "第20位"),
        (ID + "42C1", "后缀"),
        (ID + "42B123", "后缀"),
    ],
)
def test_parse_disability_cert_no_errors(number, fragment):
    with pytest.raises(CertNumberError) as exc:
        parse_disability_cert_no(number)
    assert fragment in exc.value.message


def test_category_name():
    assert parse_disability_cert_no(ID + "42").category_name == "肢体"


@pytest.mark.parametrize(
    ("cert_type", "grade", "counts", "weight"),
    [
        (DISABILITY, 1, True, 2),
        (DISABILITY, 2, True, 2),
        (DISABILITY, 3, True, 1),
        (DISABILITY, 4, True, 1),
        (DISABILITY, 5, False, 0),
        (MILITARY, 1, True, 2),
        (MILITARY, 3, True, 2),
        (MILITARY, 4, True, 1),
        (MILITARY, 8, True, 1),
        (MILITARY, 9, False, 0),
        (MILITARY, 10, False, 0),
        (MILITARY, None, False, 0),
    ],
)
def test_grade_counts_and_weight(cert_type, grade, counts, weight):
    assert grade_counts(cert_type, grade) is counts
    assert grade_weight(cert_type, grade) == weight


@pytest.mark.parametrize(
    ("cert_type", "cert_no", "id_number", "category", "grade", "fragments"),
    [
        (DISABILITY, ID + "42", ID, 4, 2, []),
        (DISABILITY, ID + "42B1", ID, 4, 2, []),
        (DISABILITY, ID_X + "11", ID_X.lower(), 1, 1, []),
        (DISABILITY, ID_X.lower() + "11", ID_X, 1, 1, []),
        (DISABILITY, ID + "42", make_id_number(seq=8), 4, 2, ["身份证号不一致"]),
        (DISABILITY, ID + "42", ID, 3, 2, ["残疾类别4"]),
        (DISABILITY, ID + "42", ID, 4, 3, ["残疾等级2"]),
        (DISABILITY, ID + "42", ID, None, 2, ["须填写残疾类别"]),
        (DISABILITY, ID + "42", ID, 8, 2, ["残疾类别应为1–7"]),
        (DISABILITY, ID + "45", ID, 4, 5, ["残疾人证等级应为1–4级", "第20位"]),
        (DISABILITY, "123", ID, 4, 2, ["应为20位"]),
        (MILITARY, "军残字第0012345号", ID, None, 9, []),
        (MILITARY, "军残字第0012345号", ID, None, 10, []),
        (MILITARY, "军残字第0012345号", ID, None, 11, ["1–10级"]),
        (MILITARY, "军残字第0012345号", ID, 4, 3, ["不填写残疾类别"]),
        (MILITARY, " ", ID, None, 3, ["为空"]),
        (MILITARY, "号" * 41, ID, None, 3, ["超过40"]),
        ("学生证", ID + "42", ID, 4, 2, ["证件类型"]),
    ],
)
def test_validate_cert(cert_type, cert_no, id_number, category, grade, fragments):
    errors = validate_cert(cert_type, cert_no, id_number, category, grade)
    assert len(errors) == len(fragments), errors
    for fragment, error in zip(fragments, errors, strict=True):
        assert fragment in error


def test_normalize_cert_no():
    assert normalize_cert_no(" 1101x ", DISABILITY) == "1101X"
    assert normalize_cert_no(" 军残字  第1号 ", MILITARY) == "军残字 第1号"


def test_full_width_digits_are_not_a_certificate_number():
    with pytest.raises(CertNumberError):
        parse_disability_cert_no(ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "42")
