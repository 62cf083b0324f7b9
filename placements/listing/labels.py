"""How the list names a placement's 审核状态 (the page, the print view and the export say it the same way)."""

from __future__ import annotations

from placements.constants import PlacementStatus

STATUS_LABELS = {s.value: s.list_label for s in PlacementStatus}
# The counters above the list (the first one, 已登记, is every placement), also the status filter's labels.
COUNTERS = (
    ("", "已登记"),
    (PlacementStatus.APPROVED_SYSTEM, "审核通过（系统）"),
    (PlacementStatus.APPROVED_MANUAL, "审核通过（人工）"),
    (PlacementStatus.PARTIALLY_REJECTED, "部分审核不通过"),
    (PlacementStatus.REJECTED, "审核不通过"),
    (PlacementStatus.PENDING, "待审核"),
    (PlacementStatus.INCOMPLETE, "资料待完善"),
)
# ✓ / ✗ as text before the label and a note after it (colour is never the only sign).
STATUS_MARKS = {
    PlacementStatus.APPROVED_SYSTEM: ("✓ ", "（系统）"),
    PlacementStatus.APPROVED_MANUAL: ("✓ ", "（人工）"),
    PlacementStatus.REJECTED: ("✗ ", ""),
    PlacementStatus.PARTIALLY_REJECTED: ("✗ ", ""),
}


def status_parts(status: str) -> tuple[str, str]:
    """(mark and label, note) of a placement's status, e.g. ("✓ 已审核确认", "（系统）")."""
    mark, note = STATUS_MARKS.get(status, ("", ""))
    return f"{mark}{STATUS_LABELS.get(status, '')}", note


def status_text(status: str) -> str:
    """The status in one string, e.g. "✓ 已审核确认（系统）"."""
    return "".join(status_parts(status))


def filters_text(search: str, status: str) -> str:
    """The filters in words, e.g. "审核状态：待审核；搜索：“王”", or "全部人员"."""
    parts = []
    if status:
        parts.append(f"审核状态：{dict(COUNTERS).get(status, status)}")
    if search:
        parts.append(f"搜索：“{search}”")
    return "；".join(parts) or "全部人员"
