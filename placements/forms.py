"""What the clerk's forms share: the version and one-time token every wizard form carries (:class:`VersionedForm`),
the bare confirmation form (:class:`ConfirmForm`) and the field helpers."""

from __future__ import annotations

import uuid

from django import forms

YES_NO = [("", "请选择"), ("1", "是"), ("0", "否")]
DATE_WIDGET = {"type": "date"}
UPLOAD_HELP = (
    "请上传劳动合同或劳务派遣协议（劳务派遣协议中应明确该人员计入用人单位）。文件不超过 10 MB，格式仅限 JPG、PNG、PDF。"
)


def _yes_no(label: str, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda v: v == "1", empty_value=None, widget=forms.Select, **kwargs
    )


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"), **kwargs)


class VersionedForm(forms.Form):
    """Hidden ``version`` and ``token`` fields (see the module docstring)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["version"].initial = version
            self.fields["token"].initial = uuid.uuid4().hex

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    @property
    def token_value(self) -> str:
        return self.cleaned_data.get("token") or ""


class ConfirmForm(VersionedForm):
    """Delete / 重新登记 / 撤回 / 完成登记 confirmations: just the version and the token."""
