"""The list's small forms: the reason for exporting full ID numbers."""

from __future__ import annotations

from django import forms


class FullIdExportForm(forms.Form):
    reason = forms.CharField(
        label="导出完整身份证号的事由",
        min_length=5,
        max_length=200,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="例如：报送税务部门核对、单位人事档案核对。导出人、时间、事由将记录在审计日志中。",
        error_messages={
            "required": "请填写导出完整身份证号的事由。",
            "min_length": "事由至少 5 个字，请写明用途。",
            "max_length": "事由不能超过 200 个字。",
        },
    )
