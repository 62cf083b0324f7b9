"""Extra test data for the employers app."""

from datetime import date

from stdnum.cn import ric


def valid_id_number(birth: date = date(1980, 5, 17), region: str = "110105", seq: int = 1, male: bool = True) -> str:
    """An 18-digit resident ID with a correct GB 11643 check character.

    (python-stdnum's ``ric.calc_check_digit`` expects the full 18 characters, check position included.)
    """
    order = (seq % 499) * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")
