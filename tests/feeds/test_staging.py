"""The COPY stream's shortcuts give the answers of the rules they stand for (feeds.staging)."""

from datetime import date, timedelta

from core.idnumbers import check_digit
from core.regiontable import stdnum_table
from feeds.parsing import check_id_number
from feeds.staging import _CanonicalIdNumbers


def _with_check(first17: str) -> str:
    return first17 + check_digit(first17)


def _cases() -> list[str]:
    table = stdnum_table()
    abolished = next(code for code, region in table.items() if all(p.last_year is not None for p in region.names))
    last = max(p.last_year for p in table[abolished].names)
    tomorrow = date.today() + timedelta(days=1)
    valid = _with_check("11010519850615001")
    with_x = next(n for n in (_with_check(f"11010519850615{k:03d}") for k in range(1000)) if n.endswith("X"))
    cases = [
        valid,
        valid[:17] + ("0" if valid[17] != "0" else "1"),  # a wrong check character
        with_x.lower(),
        " " + valid,
        valid[:17],
        _with_check("11010519850230001"),  # 30 February
        _with_check(f"110105{tomorrow:%Y%m%d}001"),  # born tomorrow
        _with_check("11010518991231001"),  # before 1900
        _with_check("99999919850615001"),  # not a region code
        _with_check(f"{abolished}{last}0101001"),  # born in the code's last year: valid
        _with_check(f"{abolished}{last + 1}0101001"),  # born after it was abolished
        "１１０１０５１９８５０６１５００１X",  # full-width digits
    ]
    # an X check character, and a few hundred generated numbers over many regions and dates
    for n in range(2000):
        code = list(table)[n * 7 % len(table)]
        first17 = f"{code}{1900 + n % 126}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        cases.append(_with_check(first17))
    assert any(c.endswith("X") for c in cases)
    return cases, with_x


def test_canonical_id_numbers_answer_as_check_id_number():
    """Yes exactly when ``check_id_number(raw) == (raw, None)``, for valid, invalid and non-canonical numbers."""
    fast = _CanonicalIdNumbers()
    cases, with_x = _cases()
    answers = [fast(raw) for raw in cases]
    assert answers == [check_id_number(raw) == (raw, None) for raw in cases]
    assert answers[0] and not any(answers[1:9]) and answers[9] and not answers[10] and fast(with_x)
    assert [fast(raw) for raw in cases] == answers  # asked again (from its caches): the same
