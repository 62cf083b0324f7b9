"""The upload form of STEP.03."""

from __future__ import annotations

from django import forms

from core.months import month_label
from core.uploads import SafeFileField
from placements.forms import VersionedForm

# --- step 3: evidence --------------------------------------------------------------------------------------------


class EvidenceForm(VersionedForm):
    kind = forms.ChoiceField(label="材料类型")
    months = forms.TypedMultipleChoiceField(
        label="适用月份",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="一份材料可以同时用于多个月份，请勾选该材料所证明的全部月份。",
        error_messages={"required": "请至少选择一个适用月份。"},
    )
    file = SafeFileField(label="选择文件")

    def __init__(self, *args, kinds: list[tuple[str, str]], months: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "请选择"), *kinds]
        self.fields["months"].choices = [(m, month_label(m)) for m in months]
