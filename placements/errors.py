"""Domain errors of the placements services. ``message`` is Chinese, ready for a form error or a message."""

from core.errors import DomainError
from core.months import month_label


class PlacementError(DomainError):
    message = "操作未能完成"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class PlacementFrozenError(PlacementError):
    message = "本年度已完成申报，不能再修改安置信息"


class StaleVersionError(PlacementError):
    message = "该人员的信息已被修改（可能在另一个页面），请刷新后再保存"


class SelectionError(PlacementError):
    """Some requested months cannot be selected: ``errors`` maps a YYYYMM month to the reason."""

    def __init__(self, errors: dict[int, str]) -> None:
        self.errors = dict(sorted(errors.items()))
        super().__init__("；".join(f"{month_label(m)}：{why}" for m, why in self.errors.items()))


class MonthsTakenError(SelectionError):
    """The months are held by another unit (已在其他单位登记), found before writing or by the database constraint."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(errors)
        months = "、".join(month_label(m) for m in self.errors)
        self.message = f"{months}已在其他单位登记，请在“信息校验”中取消勾选这些月份后再保存。"
        self.args = (self.message,)

    @property
    def months(self) -> list[int]:
        return list(self.errors)


class SubmitError(PlacementError):
    pass
