"""Which region-scoped notices reach a unit. Pure: works on GB/T 2260 codes only."""

from collections.abc import Iterable

from notices.constants import SEARCH_MAX_CHARS, SEARCH_MAX_TERMS


def scope_codes(unit_region_codes: Iterable[str | None]) -> set[str]:
    """The region codes a notice may be scoped to and still reach a unit in any of ``unit_region_codes``.

    A notice scoped to region R reaches unit region C when C starts with R's prefix (2, 4 or 6 digits).
    For canonical codes that is the same as R being C's province (XX0000), city (XXYY00) or C itself,
    so the visibility query becomes ``region_id IN (...)`` on an indexed column, without a join.
    """
    codes: set[str] = set()
    for code in unit_region_codes:
        if not code or len(code) != 6 or not code.isdigit():
            continue
        codes.update({code[:2] + "0000", code[:4] + "00", code})
    return codes


def region_within(region_code: str | None, prefix: str | None) -> bool:
    """Whether a notice scope (``None`` = national) lies inside a reviewer's prefix ('' = everything)."""
    if prefix is None:
        return False
    if prefix == "":
        return True
    return region_code is not None and region_code.startswith(prefix)


def search_terms(query: str | None) -> list[str]:
    """A search string cut to a bounded size: at most 100 characters and 5 whitespace-separated terms."""
    text = (query or "").strip()[:SEARCH_MAX_CHARS]
    return text.split()[:SEARCH_MAX_TERMS]
