"""Masking of ID and certificate numbers (core.masking, domain.md §4): pure tables, no database."""

from datetime import date

import pytest
from django.template import Context, Template
from stdnum.cn import ric

from core.masking import DISABILITY_CERT, OTHER, RESIDENT_ID, mask_number, number_kind


def make_id(area: str = "339011", birth: date = date(1985, 6, 15), order: int = 153) -> str:
    body = f"{area}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


ID = make_id()
ID_X = next(n for n in (make_id(order=k) for k in range(1000)) if n.endswith("X"))


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        (ID, RESIDENT_ID, ID[:6] + "*" * 8 + ID[-4:]),
        (ID_X, RESIDENT_ID, ID_X[:6] + "*" * 8 + ID_X[-4:]),
        (ID_X.lower(), RESIDENT_ID, ID_X[:6] + "*" * 8 + ID_X[-4:].lower()),
        (f"{ID}42", DISABILITY_CERT, ID[:6] + "*" * 10 + ID[-2:] + "42"),  # 残疾人证: ID + category + grade
        (f"{ID}42B1", DISABILITY_CERT, ID[:6] + "*" * 12 + "42B1"),  # a reissued one
        ("军4584665205", OTHER, "军4******205"),  # 残疾军人证 numbers are free text
        ("军字第12345号", OTHER, "军字*****5号"),
        ("川军残字第0012345号", OTHER, "川军残*******45号"),
        ("110105491231002", OTHER, "110********1002"),  # an old 15-digit ID
        ("E12345678", OTHER, "E1*****78"),
        ("1234", OTHER, "1**4"),
        ("123", OTHER, "**3"),
        ("12", OTHER, "*2"),
        ("1", OTHER, "*"),
    ],
)
def test_mask_by_kind(value, kind, masked):
    assert number_kind(value) == kind
    assert mask_number(value) == masked


def test_the_specification_example():
    assert mask_number("339011198506151539") == "339011********1539"


@pytest.mark.parametrize("length", range(1, 41))
def test_short_and_free_text_numbers_hide_at_least_half(length):
    value = "军" + "".join(str(i % 10) for i in range(length - 1))
    masked = mask_number(value)
    visible = [i for i, c in enumerate(masked) if c != "*"]
    assert len(masked) == length
    assert len(visible) <= length // 2  # at least half hidden
    leading = next((i for i, c in enumerate(masked) if c == "*"), length)
    trailing = length - 1 - max(i for i, c in enumerate(masked) if c == "*")
    assert leading <= 3 and trailing <= 4 and leading + trailing == len(visible)


@pytest.mark.parametrize("value", [None, ""])
def test_empty(value):
    assert mask_number(value) == ""


def test_template_filter_uses_the_same_rule():
    template = Template("{% load core_tags %}{{ a|masked }} {{ b|masked }} {{ c|masked }}")
    assert template.render(Context({"a": ID, "b": "军4584665205", "c": None})) == f"{mask_number(ID)} 军4******205 "
