"""The limits of a 缓减免申请 (domain.md §11, 财税〔2015〕72号 第十六条). Pure: no ORM.

- 减免 (reduction or exemption): the amount asked is at most one year's levy estimate of the unit.
- 缓缴 (deferral): at most 6 months.

The levy estimate is computed by ``relief.selectors.levy_estimate`` with ``levy.calculator`` (see its docstring);
this module only compares.
"""

from decimal import Decimal

DEFERRAL = "deferral"
REDUCTION = "reduction"
KIND_LABELS = {DEFERRAL: "缓缴", REDUCTION: "减免"}

MAX_DEFERRAL_MONTHS = 6
MIN_DEFERRAL_MONTHS = 1


def check_request(
    *,
    kind: str,
    amount: Decimal | None,
    months: int | None,
    loss_amount: Decimal | None,
    levy_estimate: Decimal | None,
) -> dict[str, str]:
    """Field name → Chinese message for every limit the request breaks (empty when it is within the limits).

    Only the figure of the chosen kind is checked (the service drops the other one).
    """
    errors: dict[str, str] = {}
    if loss_amount is None or loss_amount <= 0:
        errors["loss_amount"] = "请填写直接经济损失金额（大于 0）"

    if kind == REDUCTION:
        if amount is None:
            errors["amount_requested"] = "请填写申请减免金额"
        elif amount <= 0:
            errors["amount_requested"] = "申请减免金额必须大于 0"
        elif levy_estimate is not None and levy_estimate <= 0:
            errors["amount_requested"] = "按本单位数据计算的预计应缴残保金为 0 元，无需申请减免"
        elif levy_estimate is not None and amount > levy_estimate:
            errors["amount_requested"] = (
                f"申请减免金额不能超过一年的预计应缴残保金 {levy_estimate:,.2f} 元（本次申请 {amount:,.2f} 元）"
            )
    elif kind == DEFERRAL:
        if months is None:
            errors["months_requested"] = "请填写申请缓缴月数"
        elif months < MIN_DEFERRAL_MONTHS:
            errors["months_requested"] = "申请缓缴月数至少为 1 个月"
        elif months > MAX_DEFERRAL_MONTHS:
            errors["months_requested"] = f"缓缴期限最长 {MAX_DEFERRAL_MONTHS} 个月（本次申请 {months} 个月）"
        elif levy_estimate is not None and levy_estimate <= 0:
            errors["months_requested"] = "按本单位数据计算的预计应缴残保金为 0 元，无需申请缓缴"
    else:
        errors["kind"] = "请选择申请类型（缓缴或减免）"

    if levy_estimate is None and kind in (REDUCTION, DEFERRAL):
        errors.setdefault("staff_count", "无法计算预计应缴残保金，请检查职工人数和月平均工资")
    return errors
