"""Feed test data: valid ID numbers and USCCs (python-stdnum check digits) and CSV files."""

import csv
from datetime import date
from itertools import count
from pathlib import Path

from devdata.generator import id_number, uscc_code
from feeds.rows import KINDS

_seq = count(1)


def person_id(birth: date = date(1985, 6, 15), region: str = "110105", male: bool = True) -> str:
    """A valid, unique resident ID (110105 朝阳区 exists for every birth year)."""
    n = next(_seq) % 499
    return id_number(region, birth, n * 2 + (1 if male else 0))


def unit_uscc(region: str = "110105") -> str:
    return uscc_code(region, 800_000_000 + next(_seq))


def bad_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def write_csv(path: Path, header, rows, *, encoding: str = "utf-8", newline_at_end: bool = True) -> Path:
    """Write a feed file; ``header`` may be a kind name (its columns) or a list of column names."""
    columns = KINDS[header].columns if isinstance(header, str) else header
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    if not newline_at_end:
        data = path.read_bytes()
        path.write_bytes(data.rstrip(b"\n"))
    return path
