"""Forms of the unit's basic information and of related units (shape checks; the services check the rules)."""

from django import forms

from core.forms import RegionPickerField, RegionPickersMixin
from core.uploads import SafeFileField
from employers import identifiers
from employers.constants import LegalRepIdType
from employers.models import Employer, RelatedUnit

REGION_HELP = {
    "federation_region": "用人单位年审认证的办理所在地。",
    "tax_region": "用人单位缴纳残保金的所在地。",
    "registration_region": "用人单位注册登记的所在地。",
}


def _run(check, value: str) -> str:
    try:
        return check(value)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


class EmployerForm(RegionPickersMixin, forms.ModelForm):
    """单位基本信息 (domain.md §3). ``version`` carries the row version the page was loaded with."""

    federation_region = RegionPickerField(label="残联主管部门", help_text=REGION_HELP["federation_region"])
    tax_region = RegionPickerField(label="税务主管部门", help_text=REGION_HELP["tax_region"])
    registration_region = RegionPickerField(label="单位所属行政区", help_text=REGION_HELP["registration_region"])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Employer
        fields = [
            "name",
            "uscc",
            "tax_registration_no",
            "organization_code",
            "unit_kind",
            "economic_kind",
            "industry",
            "federation_region",
            "tax_region",
            "registration_region",
            "legal_rep_name",
            "legal_rep_id_type",
            "legal_rep_id_number",
            "legal_rep_phone",
            "phone",
            "contact_name",
            "contact_phone",
            "business_address",
            "registered_address",
        ]
        labels = {"legal_rep_id_number": "法人身份证号（或其他证件号码）"}
        help_texts = {
            "uscc": "18 位，系统自动校验。向税务部门发送申报结果后不能再修改。",
            "legal_rep_id_type": "法人为港澳台居民或外国人时，可选择护照等其他有效证件。",
            "legal_rep_id_number": "居民身份证为 18 位，末位 X 大小写均可。",
            "organization_code": "9 位，如 12345678-5。",
        }
        widgets = {
            "unit_kind": forms.Select(),
            "economic_kind": forms.Select(),
            "industry": forms.Select(),
            "legal_rep_id_type": forms.Select(),
        }

    def __init__(self, *args, uscc_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.uscc_locked = uscc_locked
        if not self.is_bound:
            self.fields["version"].initial = self.instance.version
        if uscc_locked:
            self.fields["uscc"].disabled = True
            self.fields["uscc"].help_text = "本单位已向税务部门发送申报结果，统一社会信用代码不能修改。"
        for name in ("unit_kind", "economic_kind", "industry"):
            self.fields[name].choices = [("", "请选择"), *list(self.fields[name].choices)[1:]]
        for name in ("phone", "legal_rep_phone", "contact_phone"):
            self.fields[name].widget.attrs.setdefault("autocomplete", "tel")
            self.fields[name].widget.attrs.setdefault("inputmode", "tel")
        self.setup_region_pickers()

    def clean_uscc(self):
        if self.uscc_locked:
            return self.instance.uscc
        return _run(identifiers.clean_uscc, self.cleaned_data["uscc"])

    def clean_tax_registration_no(self):
        value = self.cleaned_data.get("tax_registration_no", "")
        return _run(identifiers.clean_tax_registration_no, value) if value else ""

    def clean_organization_code(self):
        value = self.cleaned_data.get("organization_code", "")
        return _run(identifiers.clean_organization_code, value) if value else ""

    def clean_legal_rep_phone(self):
        return _run(identifiers.clean_phone, self.cleaned_data["legal_rep_phone"])

    def clean_contact_phone(self):
        return _run(identifiers.clean_phone, self.cleaned_data["contact_phone"])

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        return _run(identifiers.clean_phone, value) if value else ""

    def clean(self):
        cleaned = super().clean()
        id_type = cleaned.get("legal_rep_id_type")
        number = cleaned.get("legal_rep_id_number")
        if id_type and number:
            check = (
                identifiers.clean_resident_id
                if id_type == LegalRepIdType.RESIDENT_ID
                else identifiers.clean_other_document
            )
            try:
                cleaned["legal_rep_id_number"] = check(number)
            except ValueError as error:
                self.add_error("legal_rep_id_number", str(error))
        return cleaned

    def _post_clean(self):
        # Writes go through employers.services.employer_update, not ModelForm.save(): skip model validation of
        # the unique USCC here (the service reports it beside the field).
        pass

    def changed_data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class RelatedUnitForm(RegionPickersMixin, forms.ModelForm):
    """关联单位. At least one identifier; the proof is required when adding."""

    region = RegionPickerField(label="行政划分区域")
    proof = SafeFileField(
        label="证明材料",
        required=False,
        help_text="劳务派遣单位请上传劳务派遣协议，其他关联单位请上传关联关系证明。支持 JPG、PNG、PDF，不超过 10 MB。",
    )

    class Meta:
        model = RelatedUnit
        fields = ["relation", "name", "region", "uscc", "tax_registration_no", "organization_code", "phone", "address"]
        labels = {"relation": "关联关系"}
        help_texts = {"uscc": "统一社会信用代码、税务登记证号码、组织机构代码至少填写一项。"}
        widgets = {"relation": forms.Select()}

    def __init__(self, *args, proof_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [("", "请选择"), *list(self.fields["relation"].choices)[1:]]
        self.fields["proof"].required = proof_required
        if proof_required:
            self.fields["proof"].error_messages["required"] = "请上传劳务派遣协议或关联关系证明。"
        self.setup_region_pickers()

    def clean_uscc(self):
        value = self.cleaned_data.get("uscc", "")
        return _run(identifiers.clean_uscc, value) if value else ""

    def clean_tax_registration_no(self):
        value = self.cleaned_data.get("tax_registration_no", "")
        return _run(identifiers.clean_tax_registration_no, value) if value else ""

    def clean_organization_code(self):
        value = self.cleaned_data.get("organization_code", "")
        return _run(identifiers.clean_organization_code, value) if value else ""

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        return _run(identifiers.clean_phone, value) if value else ""

    def clean(self):
        cleaned = super().clean()
        identifiers_given = [cleaned.get(k) for k in ("uscc", "tax_registration_no", "organization_code")]
        if not any(identifiers_given) and not any(
            k in self.errors for k in ("uscc", "tax_registration_no", "organization_code")
        ):
            self.add_error("uscc", "请至少填写统一社会信用代码、税务登记证号码、组织机构代码中的一项。")
        return cleaned

    def _post_clean(self):
        pass  # written by employers.services

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
