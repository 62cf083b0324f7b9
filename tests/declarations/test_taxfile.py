"""The tax export file format, without a database."""

import hashlib
from decimal import Decimal

import pytest

from declarations import taxfile
from declarations.months import compress_months, months_label
from tests.factories.declarations import at

ROW = (
    "DECLARE",
    "91110105700000001E",
    "北京市示范科技有限公司",
    2025,
    16,
    Decimal("1.33"),
    at(2026, 9, 30, 10, 0, 5),
    "112025000001",
    at(2026, 9, 30, 10, 0, 5),
)


def test_header_rows_and_trailer_with_count_and_sha256_of_the_row_lines():
    data = taxfile.render([ROW, ("WITHDRAW", *ROW[1:8], at(2026, 10, 12, 9, 0))])
    lines = data.decode("utf-8").split("\n")
    assert lines[0] == ",".join(taxfile.HEADER)
    assert lines[1] == (
        "DECLARE,91110105700000001E,北京市示范科技有限公司,2025,16,1.33,"
        "2026-09-30T10:00:05+08:00,112025000001,2026-09-30T10:00:05+08:00"
    )
    assert lines[2].startswith("WITHDRAW,") and lines[2].endswith("2026-10-12T09:00:00+08:00")
    expected = hashlib.sha256((lines[1] + "\n" + lines[2] + "\n").encode("utf-8")).hexdigest()
    assert lines[3] == f"TRAILER,2,{expected}"
    assert lines[4] == ""  # the file ends with a newline
    assert len(taxfile.check(data)) == 2


def test_same_rows_give_the_same_bytes():
    assert taxfile.render([ROW]) == taxfile.render([ROW])


def test_a_name_with_a_comma_or_quote_is_quoted_and_still_checks():
    row = (ROW[0], ROW[1], '北京"星光",科技有限公司', *ROW[3:])
    rows = taxfile.check(taxfile.render([row]))
    assert rows[0][2] == '北京"星光",科技有限公司'


def test_utc_times_are_written_in_shanghai_time():
    from datetime import UTC, datetime

    assert taxfile.iso_shanghai(datetime(2026, 9, 30, 2, 0, tzinfo=UTC)) == "2026-09-30T10:00:00+08:00"
    with pytest.raises(ValueError):
        taxfile.iso_shanghai(datetime(2026, 9, 30, 2, 0))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.replace(b",16,", b",17,"),  # a changed row
        lambda b: b"\n".join(line for line in b.split(b"\n") if not line.startswith(b"WITHDRAW")),  # a lost row
        lambda b: b.replace(b"TRAILER,2,", b"TRAILER,3,"),  # a wrong count
        lambda b: b.split(b"\n", 1)[1],  # no header
    ],
)
def test_check_detects_altered_files(mutate):
    data = taxfile.render([ROW, ("WITHDRAW", *ROW[1:])])
    with pytest.raises(taxfile.FileCheckError):
        taxfile.check(mutate(data))


def test_empty_batch_has_header_and_a_zero_trailer():
    data = taxfile.render([])
    assert data.decode().splitlines()[-1] == f"TRAILER,0,{hashlib.sha256(b'').hexdigest()}"


@pytest.mark.parametrize(
    ("months", "compact", "label"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8], "1-8", "1—8月"),
        ([1, 2, 3, 5, 10, 11, 12], "1-3,5,10-12", "1—3月、5月、10—12月"),
        ([7], "7", "7月"),
        ([], "", ""),
        ([3, 1, 2, 2], "1-3", "1—3月"),
    ],
)
def test_month_lists(months, compact, label):
    assert compress_months(months) == compact
    assert months_label(compact) == label
