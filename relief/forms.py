"""The 缓减免申请 forms (shape only; the limits are checked by the services) and the reviewer's decision form."""

from decimal import Decimal

from django import forms

from core.uploads import SafeFileField
from relief.constants import ATTACHMENT_FIELDS, ReliefKind
from relief.services import ApplicationData
from relief.transitions import Action

TEXT_MAX = 2000


class ReliefApplicationForm(forms.Form):
    year = forms.TypedChoiceField(
        label="业务年度", coerce=int, help_text="申请缓缴或减免哪一业务年度的残保金（次年缴纳）"
    )
    kind = forms.ChoiceField(label="申请类型", choices=ReliefKind.choices, widget=forms.RadioSelect)
    amount_requested = forms.DecimalField(
        label="申请减免金额（元）",
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="减免申请填写；不超过一年的预计应缴残保金",
        error_messages={"min_value": "申请减免金额必须大于 0", "invalid": "请输入金额，例如 50000.00"},
    )
    months_requested = forms.IntegerField(
        label="申请缓缴月数",
        required=False,
        min_value=1,
        help_text="缓缴申请填写；最长 6 个月",
        error_messages={"min_value": "缓缴月数至少为 1 个月", "invalid": "请输入整数月数"},
    )
    reason = forms.CharField(
        label="申请理由",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="说明遭受的不可抗力自然灾害或其他突发事件",
    )
    loss_amount = forms.DecimalField(
        label="直接经济损失金额（元）",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "直接经济损失金额必须大于 0", "invalid": "请输入金额，例如 1200000.00"},
    )
    loss_description = forms.CharField(
        label="损失情况说明", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    staff_count = forms.DecimalField(
        label="上年在职职工年平均人数",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="用于计算预计应缴残保金（减免金额的上限）",
        error_messages={"min_value": "职工人数必须大于 0", "invalid": "请输入人数"},
    )
    avg_monthly_wage = forms.DecimalField(
        label="上年职工月平均工资（元）",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        error_messages={"min_value": "月平均工资不能为负数", "invalid": "请输入金额"},
    )
    application_letter = SafeFileField(label="申请书", required=False)
    loss_proof = SafeFileField(label="损失证明材料", required=False)
    audited_accounts = SafeFileField(label="经审计的财务报表", required=False)

    def __init__(self, *args, years: list[int], application=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y} 年度") for y in years]
        for name in ATTACHMENT_FIELDS:
            stored = getattr(application, name) if application is not None else None
            if stored is not None:
                self.fields[name].help_text = f"已上传：{stored.original_name}。如需更换，请重新选择文件。"
            else:
                self.fields[name].help_text += " 可先保存草稿，提交申请前须上传。"

    def application_data(self) -> ApplicationData:
        d = self.cleaned_data
        return ApplicationData(
            year=d["year"],
            kind=d["kind"],
            amount_requested=d["amount_requested"],
            months_requested=d["months_requested"],
            reason=d["reason"].strip(),
            loss_amount=d["loss_amount"],
            loss_description=d["loss_description"].strip(),
            staff_count=d["staff_count"],
            avg_monthly_wage=d["avg_monthly_wage"],
        )

    def files_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ATTACHMENT_FIELDS}


class DecisionForm(forms.Form):
    """A reviewer's decision in admin: 通过 / 不通过 / 退回补充, always with a reason."""

    decision = forms.ChoiceField(
        label="审核结果",
        choices=[
            (Action.APPROVE.value, "审核通过"),
            (Action.REJECT.value, "审核不通过"),
            (Action.RETURN.value, "退回补充"),
        ],
        widget=forms.RadioSelect,
    )
    approving_body = forms.CharField(label="审批机关", max_length=100, required=False, help_text="审核通过时必填")
    document_number = forms.CharField(label="批准文号", max_length=60, required=False, help_text="审核通过时必填")
    reason = forms.CharField(
        label="审核意见",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="必填。审核通过的申请将连同审批机关、文号和此意见一并公示，请勿填写个人信息。",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == Action.APPROVE.value:
            if not (cleaned.get("approving_body") or "").strip():
                self.add_error("approving_body", "审核通过须填写审批机关")
            if not (cleaned.get("document_number") or "").strip():
                self.add_error("document_number", "审核通过须填写批准文号")
        return cleaned
