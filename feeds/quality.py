"""Grouping of feed rejection reasons for the import quality page (pure: no Django).

A reason names the offending value (「月份“202513”不是有效的YYYYMM」, 「月份202601超出范围（202401至202512）」); the
group replaces quoted values with 「…」 and runs of digits with 「N」, so rows rejected for the same rule fall into one
group: 「月份“…”不是有效的YYYYMM」, 「月份N超出范围（N至N）」.
"""

import re
from collections.abc import Mapping, Sequence

from core.masking import OTHER as OTHER_NUMBER
from core.masking import mask_number, number_kind

_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_DIGITS = re.compile(r"\d+")
SUPERSEDED = "被后面相同主键的行覆盖"
MAX_GROUPS = 50  # what an import log keeps; the rest is summed into OTHER
OTHER = "其他原因"


def reason_group(reason: str) -> str:
    text = _QUOTED.sub("“…”", reason.strip())
    return _DIGITS.sub("N", text)[:200]


def top_groups(counts: Mapping[str, int], limit: int = MAX_GROUPS) -> dict[str, int]:
    """The groups by count (largest first, then by text), the ones past ``limit`` summed into 「其他原因」."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ordered[:limit])
    rest = sum(n for _, n in ordered[limit:])
    if rest:
        kept[OTHER] = kept.get(OTHER, 0) + rest
    return kept


MASKED_COLUMNS = frozenset({"id_number", "cert_no"})


def masked_fields(header: Sequence[str], fields: Sequence[str]) -> list[str]:
    """A rejected row's fields for display: the ID and certificate number columns masked, and any other value
    shaped like a resident ID too (a row with too many or too few fields has its columns shifted)."""
    return [
        mask_number(value)
        if value
        and ((index < len(header) and header[index] in MASKED_COLUMNS) or number_kind(value.strip()) != OTHER_NUMBER)
        else value
        for index, value in enumerate(fields)
    ]
