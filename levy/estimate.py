"""The levy estimate of one unit for 统计分析 (``levy.statistics``): the calculator's payable without its explanation
steps and what-if search, and the key of the inputs it was computed from. Pure Python, no ORM.

:func:`payable` is ``levy.calculator.calculate(data).payable`` computed by :func:`levy.calculator.payable`, the
calculator's own core without its explanation steps and what-if search: the same arithmetic and rules in 0.16 ms
instead of ≈ 5 ms a unit, which a province's tens of thousands of units need.
``tests/levy/test_statistics_estimate.py`` checks it against ``calculate`` on generated inputs.
"""

import zlib
from decimal import Decimal

from levy import calculator
from levy.calculator import LevyInput
from levy.rules import RULES

# A change of the rules (a new announcement in levy.rules) changes every key, so every estimate is recomputed.
RULES_VERSION = f"{zlib.crc32(repr(RULES).encode()):08x}"


def payable(data: LevyInput) -> Decimal:
    """What :func:`levy.calculator.calculate` answers as ``payable`` for ``data``. Raises LevyInputError."""
    return calculator.payable(data)


def input_key(data: LevyInput) -> str:
    """The inputs of an estimate, as the summary stores them to know when to compute it again."""
    fields = (
        data.year,
        data.staff_count,
        data.avg_monthly_wage,
        data.ratio_percent,
        data.social_avg_annual_wage,
        data.unit_kind,
        data.severe_person_months,
        data.other_person_months,
    )
    return "|".join([RULES_VERSION, *("" if value is None else str(value) for value in fields)])
