"""Forms of the declaration pages. They check the shape of the input; the services check the rules."""

from django import forms

from declarations.constants import WITHDRAWAL_REASON_MAX


class CommitmentForm(forms.Form):
    """申报资料真实性承诺书: the clerk must tick 「已阅读、确认」."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    acknowledged = forms.BooleanField(
        label="已阅读、确认",
        required=True,
        error_messages={"required": "请阅读承诺书并勾选「已阅读、确认」后再继续。"},
    )


class ConfirmForm(forms.Form):
    """The final 确定: only the form token (it makes a double click create one declaration)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WithdrawalForm(forms.Form):
    reason = forms.CharField(
        label="申报撤回理由",
        max_length=WITHDRAWAL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": WITHDRAWAL_REASON_MAX}),
        help_text=(
            f"请说明需要撤回本年度年审申报的原因（必填，最多 {WITHDRAWAL_REASON_MAX} 字），提交后由残联主管部门审核。"
        ),
        error_messages={
            "required": "请填写撤回理由。",
            "max_length": "撤回理由最多 %(limit_value)d 个字（当前 %(show_value)d 个）。",
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("请填写撤回理由。")
        return reason


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=40,
        help_text="审核认定书右下角的 20 位验证码（可带或不带连字符，不区分大小写）。",
        error_messages={"required": "请输入验证码。"},
    )
