"""批量导入's upload form: the file's shape only (its content is checked by placements.bulk.package)."""

from django import forms

from placements.bulk.layout import MAX_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label="导入文件",
        help_text=f"请使用导入模板填写，保存为 Excel 工作簿（.xlsx），不超过 {MAX_BYTES // 1024 // 1024} MB。",
        error_messages={"required": "请选择要上传的 Excel 文件（.xlsx）。", "empty": "文件为空，请重新选择。"},
        widget=forms.FileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "class": "form-control",
            }
        ),
    )
