"""The forms of STEP.01: the person (with the registry lookup), 学历, a contract and a hand-added certificate;
and the choice of last year's persons to import."""

from __future__ import annotations

from datetime import date

from django import forms
from django.forms.utils import ErrorDict
from django.urls import reverse

from core.forms import RegionPickerField, RegionPickersMixin
from core.uploads import SafeFileField
from employers import identifiers
from employers.constants import Relation
from employers.models import RelatedUnit
from feeds.certificates import CATEGORY_NAMES, GRADE_NAMES, validate_cert
from placements.constants import ContractRelation, ContractType, Degree, Education, RetirementBaseline
from placements.forms import UPLOAD_HELP, VersionedForm, _date, _yes_no
from placements.models import Contract, Placement, identity_from_id_number
from placements.registration.rules import (
    ContractInput,
    age_on,
    baseline_error,
    contract_errors,
    graduate_missing,
    graduation_date_error,
)
from placements.registration.services import CONTRACT_FIELDS

# --- step 1: the person ------------------------------------------------------------------------------------------


class PersonForm(RegionPickersMixin, VersionedForm):
    """基本信息 (§4). On a new placement the ID number comes first (查询 fills what the registry knows); afterwards it
    is read-only (to register another person, add a new one)."""

    LOOKUP = "_lookup"

    id_number = forms.CharField(
        label="身份证号",
        max_length=20,
        help_text="输入 18 位身份证号后自动获取残疾人基础库中的信息；获取不到的请手动填写带 * 的内容。",
    )
    name = forms.CharField(label="姓名", max_length=50)
    age = forms.CharField(label="年龄", required=False, disabled=True, help_text="根据身份证号自动计算")
    household_region = RegionPickerField(label="户籍地")
    household_address = forms.CharField(label="户籍地址", max_length=200)
    phone = forms.CharField(label="联系电话", max_length=20)
    education = forms.ChoiceField(label="文化程度", required=False, choices=[("", "请选择"), *Education.choices])
    guardian_name = forms.CharField(label="监护人姓名", max_length=50, required=False)
    guardian_phone = forms.CharField(label="监护人电话", max_length=20, required=False)
    is_graduate = _yes_no("是否高校毕业生", help_text="选择“是”时需要填写学历信息。")
    retirement_baseline = forms.ChoiceField(
        label="退休年龄基准（女性）",
        required=False,
        choices=[("", "请选择"), *RetirementBaseline.choices],
        help_text="仅女性填写：女职工原50周岁退休，女干部原55周岁退休（按2025年起渐进式延迟退休规定计算）。",
    )
    # The first 学历 record, on a new placement only (more can be added on the step-1 page).
    school = forms.CharField(label="毕业院校", max_length=100, required=False)
    degree = forms.ChoiceField(label="学历", required=False, choices=[("", "请选择"), *Degree.choices])
    graduation_date = _date("毕业时间", required=False)

    GRADUATE_FIELDS = ("school", "degree", "graduation_date")

    def __init__(self, *args, placement: Placement | None = None, year: int, **kwargs):
        self.placement = placement
        self.year = year
        initial = kwargs.pop("initial", {}) or {}
        if placement is not None:
            initial = {
                "id_number": placement.id_number,
                "name": placement.name,
                "household_region": placement.household_region_id,
                "household_address": placement.household_address,
                "phone": placement.phone,
                "education": placement.education,
                "guardian_name": placement.guardian_name,
                "guardian_phone": placement.guardian_phone,
                "is_graduate": "1" if placement.is_graduate else "0",
                "retirement_baseline": placement.retirement_baseline,
                **initial,
            }
            kwargs.setdefault("version", placement.version)
        super().__init__(*args, initial=initial, **kwargs)
        self.looking_up = bool(self.is_bound and self.data.get(self.LOOKUP))
        if placement is not None:
            if placement.gender == "男":
                del self.fields["retirement_baseline"]  # men have no baseline (§5.5)
            self.fields["id_number"].disabled = True
            self.fields["id_number"].help_text = "身份证号保存后不能修改；如填错，请删除该人员后重新添加。"
            for name in self.GRADUATE_FIELDS:
                del self.fields[name]
        else:
            self.fields["school"].help_text = "选择“是”高校毕业生时填写。"
            # With JavaScript the ID number is looked up when the field loses focus (htmx re-renders the form).
            self.fields["id_number"].widget.attrs.update(
                {
                    "hx-post": f"{reverse('placements:new')}?year={year}",
                    "hx-trigger": "change",
                    "hx-target": "#person-form",
                    "hx-select": "#person-form",
                    "hx-swap": "outerHTML",
                    "hx-vals": '{"_lookup": "1"}',
                    "hx-sync": "closest form:replace",
                }
            )
        id_field = self.fields["id_number"]
        id_field.widget.attrs.update({"autocomplete": "off", "inputmode": "text", "spellcheck": "false"})
        for name in ("phone", "guardian_phone"):
            self.fields[name].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["age"].initial = self._age_text()
        self.setup_region_pickers()

    def _age_text(self) -> str:
        number = self.placement.id_number if self.placement else (self.data.get("id_number") or "")
        birth, gender = identity_from_id_number(str(number).strip().upper())
        if birth is None:
            return ""
        age = age_on(birth, date.today())
        return f"{age}（{gender}，{birth:%Y年%-m月%-d日}出生）" if age is not None else ""

    def full_clean(self):
        if self.looking_up:  # 查询: only the ID number is checked; the view fills in the registry's data
            self._errors = ErrorDict()
            self.cleaned_data = {}
            try:
                self.cleaned_data["id_number"] = identifiers.clean_resident_id(self.data.get("id_number", ""))
            except ValueError as error:
                self._errors["id_number"] = self.error_class([str(error)])
            return
        super().full_clean()

    def clean_id_number(self):
        if self.placement is not None:
            return self.placement.id_number
        try:
            return identifiers.clean_resident_id(self.cleaned_data["id_number"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_phone(self):
        try:
            return identifiers.clean_phone(self.cleaned_data["phone"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_guardian_phone(self):
        value = self.cleaned_data.get("guardian_phone", "")
        if not value:
            return ""
        try:
            return identifiers.clean_phone(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("id_number")
        _, gender = identity_from_id_number(number) if number else (None, "")
        if "retirement_baseline" in self.fields and (
            message := baseline_error(gender, cleaned.get("retirement_baseline", ""))
        ):
            self.add_error("retirement_baseline", message)
        if gender == "男":
            cleaned["retirement_baseline"] = ""
        if self.placement is None and cleaned.get("is_graduate"):
            missing = graduate_missing(cleaned.get("school"), cleaned.get("degree"), cleaned.get("graduation_date"))
            for name, message in missing.items():
                self.add_error(name, message)
        return cleaned

    def person_data(self) -> dict:
        names = (
            "name",
            "household_region",
            "household_address",
            "phone",
            "education",
            "guardian_name",
            "guardian_phone",
            "is_graduate",
            "retirement_baseline",
        )
        return {name: self.cleaned_data.get(name) or ("" if name != "is_graduate" else False) for name in names}

    def graduate_data(self) -> dict | None:
        if self.placement is not None or not self.cleaned_data.get("is_graduate"):
            return None
        return {name: self.cleaned_data[name] for name in self.GRADUATE_FIELDS}

    def fill_from_registry(self, person, region_exists: bool) -> None:
        """查询: put what the registry knows into the bound form (the clerk's other input stays)."""
        data = self.data.copy()
        data["name"] = person.name or data.get("name", "")
        data["household_address"] = person.address or data.get("household_address", "")
        data["phone"] = person.phone or data.get("phone", "")
        education = _education_choice(person.education)
        if education:
            data["education"] = education
        if region_exists and person.region_code:
            code = person.region_code
            for index, part in enumerate((code[:2] + "0000", code[:4] + "00", code)):
                data[f"household_region_{index}"] = part
        self.data = data
        self.setup_region_pickers()


_EDUCATION_ALIASES = {
    "硕士": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "研究生": Education.POSTGRADUATE,
    "本科": Education.BACHELOR,
    "大学本科": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "大学专科": Education.COLLEGE,
    "中专": Education.VOCATIONAL,
    "中技": Education.VOCATIONAL,
    "中专/中技": Education.VOCATIONAL,
    "高中": Education.HIGH_SCHOOL,
    "初中": Education.JUNIOR,
    "小学": Education.PRIMARY,
    "文盲": Education.NONE,
    "文盲或半文盲": Education.NONE,
}


def _education_choice(text: str) -> str:
    return _EDUCATION_ALIASES.get((text or "").strip(), "")


class GraduateForm(VersionedForm):
    school = forms.CharField(label="毕业院校", max_length=100)
    degree = forms.ChoiceField(label="学历", choices=[("", "请选择"), *Degree.choices])
    graduation_date = _date("毕业时间")

    def clean_graduation_date(self):
        value = self.cleaned_data["graduation_date"]
        if message := graduation_date_error(value, date.today()):
            raise forms.ValidationError(message)
        return value


# --- step 1: contracts -------------------------------------------------------------------------------------------


class UnitChoiceField(forms.ModelChoiceField):
    """A paying unit: this unit (empty value) or one of its related units."""

    def label_from_instance(self, obj: RelatedUnit) -> str:
        return f"{obj.name}（{obj.get_relation_display()}）"


class ContractForm(VersionedForm):
    is_dispatched = forms.TypedChoiceField(
        label="是否劳务派遣",
        choices=[("0", "否"), ("1", "是")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    relation = forms.ChoiceField(label="关联单位关系", choices=ContractRelation.choices, initial=ContractRelation.SELF)
    contract_type = forms.ChoiceField(label="合同类型", choices=[("", "请选择"), *ContractType.choices])
    start = _date("合同开始日期")
    end = _date("合同结束日期", required=False, help_text="无固定期限合同不填写。")
    job = forms.CharField(label="岗位工种", max_length=50)
    monthly_salary = forms.DecimalField(
        label="合同月薪（元）",
        max_digits=10,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    dispatch_unit = UnitChoiceField(
        label="劳务派遣单位",
        queryset=RelatedUnit.objects.none(),
        required=False,
        empty_label="无",
        help_text="劳务派遣人员必填：在“单位信息维护管理”中添加关系为“劳务派遣单位”的关联单位。",
    )
    pension_unit = UnitChoiceField(label="社保参保单位", queryset=RelatedUnit.objects.none(), required=False)
    medical_unit = UnitChoiceField(label="医保参保单位", queryset=RelatedUnit.objects.none(), required=False)
    wage_unit = UnitChoiceField(label="工资发放单位", queryset=RelatedUnit.objects.none(), required=False)
    contract_file = SafeFileField(label="合同附件", help_text=UPLOAD_HELP)

    DATA_FIELDS = CONTRACT_FIELDS  # what the form hands to registration.services.contract_add / contract_update

    def __init__(self, *args, employer, related_units: list[RelatedUnit], contract: Contract | None = None, **kw):
        self.contract = contract
        if contract is not None:
            initial = {name: getattr(contract, name) for name in self.DATA_FIELDS}
            initial["is_dispatched"] = "1" if contract.is_dispatched else "0"
            for name in ("dispatch_unit", "pension_unit", "medical_unit", "wage_unit"):
                initial[name] = getattr(contract, f"{name}_id")
            kw["initial"] = {**initial, **(kw.get("initial") or {})}
        super().__init__(*args, **kw)
        ids = [u.pk for u in related_units]
        own = f"本单位（{employer.name}）"
        for name in ("pension_unit", "medical_unit", "wage_unit"):
            field = self.fields[name]
            field.queryset = RelatedUnit.objects.filter(pk__in=ids)
            field.empty_label = own
            field.choices = [("", own), *[(u.pk, field.label_from_instance(u)) for u in related_units]]
        dispatch = self.fields["dispatch_unit"]
        firms = [u for u in related_units if u.relation == Relation.DISPATCH_FIRM]
        dispatch.queryset = RelatedUnit.objects.filter(pk__in=[u.pk for u in firms])
        dispatch.choices = [("", "无"), *[(u.pk, dispatch.label_from_instance(u)) for u in firms]]
        if contract is not None:
            self.fields["contract_file"].required = False
            self.fields["contract_file"].help_text = "不更换附件时无需重新上传。" + UPLOAD_HELP

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in ("is_dispatched", "relation", "contract_type", "start", "end")):
            return cleaned
        unit = lambda name: cleaned.get(name).pk if cleaned.get(name) else None  # noqa: E731
        errors = contract_errors(
            ContractInput(
                is_dispatched=bool(cleaned.get("is_dispatched")),
                relation=cleaned.get("relation", ""),
                contract_type=cleaned.get("contract_type", ""),
                start=cleaned.get("start"),
                end=cleaned.get("end"),
                dispatch_unit=unit("dispatch_unit"),
                pension_unit=unit("pension_unit"),
                medical_unit=unit("medical_unit"),
                wage_unit=unit("wage_unit"),
            )
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return cleaned

    def contract_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.DATA_FIELDS}


# --- step 1: hand-added certificates -----------------------------------------------------------------------------


class HandCertificateForm(VersionedForm):
    cert_no = forms.CharField(
        label="残疾证号",
        max_length=40,
        help_text="残疾人证号为 20 位：持证人身份证号 + 残疾类别 + 残疾等级（补发证可带后缀如 B1）。",
    )
    cert_type = forms.ChoiceField(label="证件类型", choices=[("残疾人证", "残疾人证"), ("残疾军人证", "残疾军人证")])
    valid_from = _date("有效期起")
    valid_to = _date("有效期止")
    grade = forms.TypedChoiceField(
        label="残疾等级", coerce=int, choices=[("", "请选择"), *[(k, v) for k, v in GRADE_NAMES.items()]]
    )
    category = forms.TypedChoiceField(
        label="残疾类别",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "请选择"), *[(k, v) for k, v in CATEGORY_NAMES.items()]],
        help_text="残疾人证必填；残疾军人证不填。",
    )
    image = SafeFileField(
        label="残疾证件图片", help_text="请上传残疾证件的照片或扫描件（JPG、PNG、PDF，不超过 10 MB）。"
    )

    def __init__(self, *args, id_number: str, **kwargs):
        self.id_number = id_number
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", "有效期止不能早于有效期起。")
        if cleaned.get("cert_type") and cleaned.get("cert_no") and "grade" not in self.errors:
            errors = validate_cert(
                cleaned["cert_type"], cleaned["cert_no"], self.id_number, cleaned.get("category"), cleaned.get("grade")
            )
            for message in errors:
                self.add_error("cert_no", message)
        return cleaned

    def certificate_data(self) -> dict:
        return {
            k: self.cleaned_data.get(k) for k in ("cert_no", "cert_type", "valid_from", "valid_to", "grade", "category")
        }


class ImportForm(forms.Form):
    persons = forms.TypedMultipleChoiceField(
        label="选择需要导入的人员",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一名需要导入的人员。"},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].choices = [(p.pk, p.name) for p in candidates]
