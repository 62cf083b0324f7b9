"""Limits of 缓减免申请 (no database): 减免 ≤ one year's levy estimate, 缓缴 ≤ 6 months."""

from decimal import Decimal as D

import pytest

from relief.limits import DEFERRAL, REDUCTION, check_request

OK_LOSS = D("1000000")


@pytest.mark.parametrize(
    ("amount", "estimate", "field", "message"),
    [
        (D("100000.00"), D("100000.00"), None, None),  # exactly the estimate: allowed
        (D("0.01"), D("100000.00"), None, None),
        (D("100000.01"), D("100000.00"), "amount_requested", "不能超过一年的预计应缴残保金 100,000.00 元"),
        (None, D("100000.00"), "amount_requested", "请填写申请减免金额"),
        (D(0), D("100000.00"), "amount_requested", "必须大于 0"),
        (D("-5"), D("100000.00"), "amount_requested", "必须大于 0"),
        (D("1"), D("0.00"), "amount_requested", "无需申请减免"),
        (D("1"), None, "staff_count", "无法计算预计应缴残保金"),
    ],
)
def test_reduction_at_most_one_year_of_levy(amount, estimate, field, message):
    errors = check_request(kind=REDUCTION, amount=amount, months=None, loss_amount=OK_LOSS, levy_estimate=estimate)
    if field is None:
        assert errors == {}
    else:
        assert message in errors[field]


@pytest.mark.parametrize(
    ("months", "estimate", "message"),
    [
        (1, D(1), None),
        (6, D(1), None),  # exactly 6 months: allowed
        (7, D(1), "缓缴期限最长 6 个月"),
        (0, D(1), "至少为 1 个月"),
        (None, D(1), "请填写申请缓缴月数"),
        (3, D(0), "无需申请缓缴"),
    ],
)
def test_deferral_at_most_six_months(months, estimate, message):
    errors = check_request(kind=DEFERRAL, amount=None, months=months, loss_amount=OK_LOSS, levy_estimate=estimate)
    if message is None:
        assert errors == {}
    else:
        assert message in errors["months_requested"]


def test_only_the_figure_of_the_kind_is_checked():
    assert check_request(kind=DEFERRAL, amount=D("9e9"), months=2, loss_amount=OK_LOSS, levy_estimate=D(1)) == {}
    assert check_request(kind=REDUCTION, amount=D(1), months=99, loss_amount=OK_LOSS, levy_estimate=D(1)) == {}


@pytest.mark.parametrize("loss", [None, D(0), D("-1")])
def test_a_direct_economic_loss_is_required(loss):
    errors = check_request(kind=DEFERRAL, amount=None, months=2, loss_amount=loss, levy_estimate=D(1))
    assert "直接经济损失金额" in errors["loss_amount"]


def test_unknown_kind():
    assert (
        "申请类型"
        in check_request(kind="gift", amount=None, months=None, loss_amount=OK_LOSS, levy_estimate=D(1))["kind"]
    )
