"""The duplicate probe (feeds.probe): a repeated key is always noticed, whichever way its rows came."""

import pyarrow as pa
import pytest

from feeds.probe import DuplicateProbe, MonthlyKeys, python_hashes
from tests.factories.feeds import person_id

UNITS = ["91110105800000018G", "91310000MA1FL4XQ1R", "911101087263862612"]


def _rows(count: int) -> list[tuple[str, str, str]]:
    ids = [person_id() for _ in range(count // 12 + 1)]
    return [(ids[i // 12], UNITS[i % 3], f"2025{i % 12 + 1:02d}") for i in range(count)]


def _columns(rows, arrow: bool):
    columns = [list(column) for column in zip(*rows, strict=True)]
    return [pa.array(column, pa.string()) for column in columns] if arrow else columns


@pytest.mark.parametrize("early", [True, False])
def test_a_key_repeated_in_another_chunk_is_noticed_whichever_way_it_came(early):
    """Rows from Arrow's columns, from Python lists (gathered) and from the validator's tuples give the same numbers:
    a key sent once verbatim and once through the validator is noticed."""
    rows = _rows(5000)
    probe = DuplicateProbe(MonthlyKeys())
    probe.early = early
    probe.add(_columns(rows[:2000], arrow=True), 2000)
    probe.add(_columns(rows[2000:4000], arrow=False), 2000)
    assert not probe.maybe
    probe.add(list(zip(*rows[4000:], strict=True)), 1000)  # the validator's rows: tuples
    assert not probe.maybe
    probe.add(_columns([rows[10]], arrow=False), 1)  # row 10 again, from a list this time
    assert probe.maybe and probe.off


def test_no_repeated_key_no_maybe_and_a_repeat_inside_one_chunk():
    rows = _rows(3000)
    probe = DuplicateProbe(MonthlyKeys())
    probe.add(_columns(rows, arrow=True), len(rows))
    assert not probe.settle()
    again = DuplicateProbe(MonthlyKeys())
    again.add(_columns([*rows[:50], rows[7]], arrow=True), 51)
    assert again.settle()


def test_keys_it_cannot_reduce_and_too_many_keys_switch_it_off():
    """Conservative: a key that is not canonical text, or more keys than the limit, means "may repeat"."""
    probe = DuplicateProbe(MonthlyKeys())
    probe.add([pa.array(["11010519850615001X"]), pa.array([UNITS[0]]), pa.array(["2025-1"])], 1)
    assert probe.maybe
    small = DuplicateProbe(MonthlyKeys(), limit=100)
    small.add(_columns(_rows(101), arrow=True), 101)
    assert small.off and small.maybe


def test_other_kinds_keys_by_python_hash():
    probe = DuplicateProbe(python_hashes)
    probe.add([["a", "b"], [1, 2]], 2)
    probe.add([["a"], [2]], 1)
    assert not probe.maybe
    probe.add([["b"], [2]], 1)
    assert probe.maybe
