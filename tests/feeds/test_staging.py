"""The COPY stream's shortcuts give the answers of the rules they stand for (feeds.staging)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.idnumbers import check_digit
from core.regiontable import stdnum_table
from feeds.blocks import _indexes
from feeds.canonical import USCC_CHARACTERS, CanonicalIdNumbers, canonical_uscc
from feeds.parsing import check_id_number, check_uscc


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
    fast = CanonicalIdNumbers()
    cases, with_x = _cases()
    answers = [fast(raw) for raw in cases]
    assert answers == [check_id_number(raw) == (raw, None) for raw in cases]
    assert answers[0] and not any(answers[1:9]) and answers[9] and not answers[10] and fast(with_x)
    assert [fast(raw) for raw in cases] == answers  # asked again (from its caches): the same


def _uscc(first17: str) -> str:
    """``first17`` completed with its GB 32100 check character (computed here independently: Σ value·3ⁱ mod 31)."""
    total = sum(USCC_CHARACTERS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + USCC_CHARACTERS[(31 - total % 31) % 31]


_USCC_BODY = st.text(alphabet=USCC_CHARACTERS, min_size=10, max_size=10)
_DIGITS8 = st.text(alphabet="0123456789", min_size=8, max_size=8)


@given(
    st.one_of(
        st.builds(lambda head, body: _uscc(head + body[:9]), _DIGITS8, _USCC_BODY),  # valid codes
        st.builds(  # valid codes with one character replaced (from the alphabet, or not: I, O, lower case, space…)
            lambda head, body, at, c: (lambda code: code[:at] + c + code[at + 1 :])(_uscc(head + body[:9])),
            _DIGITS8,
            _USCC_BODY,
            st.integers(0, 17),
            st.sampled_from([*USCC_CHARACTERS, "I", "O", "S", "V", "Z", "a", "x", " ", "-", "９", "Ａ"]),
        ),
        st.text(alphabet=USCC_CHARACTERS + "IOaz -", min_size=16, max_size=20),
    )
)
def testcanonical_uscc_answers_as_check_uscc(raw):
    """Yes exactly when ``check_uscc(raw) == (raw, None)`` (python-stdnum's rule), for valid and invalid codes."""
    assert canonical_uscc(raw) == (check_uscc(raw) == (raw, None))


def testcanonical_uscc_on_known_codes():
    assert canonical_uscc("91110000600037341L")  # python-stdnum's own example
    assert not canonical_uscc("91110000600037341M")  # wrong check character
    assert not canonical_uscc("91110000600037341l")  # lower case: valid, but not as it will be stored
    assert not canonical_uscc("A1110000600037341L")  # letters in the first eight


def test_indexes_finds_every_occurrence_in_order():
    column = ["a", "b", "a", "c", "a"]
    assert list(_indexes(column, "a")) == [0, 2, 4]
    assert list(_indexes(column, "c")) == [3]
