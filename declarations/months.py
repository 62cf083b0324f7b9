"""Month lists of a declared person, compact (``"1-8,10"``) and as printed (``"1—8月、10月"``). Pure."""


def months_label(months: str) -> str:
    """``"1-8,10"`` → ``"1—8月、10月"``."""
    if not months:
        return ""
    parts = []
    for part in months.split(","):
        lo, _, hi = part.partition("-")
        parts.append(f"{lo}—{hi}月" if hi else f"{lo}月")
    return "、".join(parts)


def compress_months(months: list[int]) -> str:
    """``[1, 2, 3, 5]`` (months of the year) → ``"1-3,5"``."""
    out: list[str] = []
    start = prev = None
    for m in sorted(set(months)):
        if start is None:
            start = prev = m
        elif m == prev + 1:
            prev = m
        else:
            out.append(f"{start}-{prev}" if prev != start else f"{start}")
            start = prev = m
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else f"{start}")
    return ",".join(out)
