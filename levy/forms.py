"""The calculator form: checks the shape of the input; the rules live in ``levy.calculator``."""

from decimal import Decimal

from django import forms

from employers.constants import UnitKind
from levy.calculator import LevyInput
from levy.models import StaffFigures
from levy.selectors import levy_year_for

MAX_MONTHS = 1_000_000

# calculator input field → form field, to put a domain error beside the right field
INPUT_TO_FORM_FIELD = {
    "staff_count": "staff",
    "ratio_percent": "ratio",
    "avg_monthly_wage": "wage",
    "disabled_monthly_wage": "disabled_wage",
    "severe_person_months": "severe",
    "other_person_months": "other",
    "unit_kind": "kind",
    "social_avg_annual_wage": "social_wage",
    "year": "year",
}


NUMBER_MESSAGES = {
    "invalid": "请输入数字，例如 1000 或 1000.5",
    "max_digits": "数字位数太多，请检查",
    "max_whole_digits": "数字太大，请检查",
    "max_decimal_places": "小数位数太多，请检查",
}


def _decimal_input(placeholder: str = "") -> forms.TextInput:
    # text + inputmode: the numeric keyboard on phones, no spinner, and partial input while typing stays visible
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": placeholder})


def _int_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6})


class LevyCalculatorForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=200, required=False)
    ratio = forms.DecimalField(
        label="残疾人安置比例",
        max_digits=6,
        decimal_places=3,
        min_value=Decimal(0),
        max_value=Decimal(100),
        widget=_decimal_input("1.5"),
        help_text="所在省规定的比例，不低于 1.5%（《残疾人就业条例》第八条）；登录后按本省规定填入并注明依据",
        error_messages={
            "min_value": "残疾人安置比例不能为负数",
            "max_value": "残疾人安置比例不能超过 100%%",  # %% : Django formats the message
        },
    )
    staff = forms.DecimalField(
        label="单位员工人数",
        max_digits=12,
        decimal_places=2,
        widget=_decimal_input("例如 1000"),
        help_text="上年在职职工年平均人数，可以有小数",
    )
    wage = forms.DecimalField(
        label="单位月平均工资",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        widget=_decimal_input("例如 8000"),
        error_messages={"min_value": "单位月平均工资不能为负数"},
    )
    disabled_wage = forms.DecimalField(
        label="残疾员工月薪",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        widget=_decimal_input("例如 5000"),
        error_messages={"min_value": "残疾员工月薪不能为负数"},
    )
    severe = forms.IntegerField(
        label="1-2级（含残疾军人证1-3级）安置人月数",
        min_value=0,
        max_value=MAX_MONTHS,
        widget=_int_input(),
        error_messages={"min_value": "安置人月数不能为负数", "invalid": "安置人月数必须是整数"},
    )
    other = forms.IntegerField(
        label="3-4级（含残疾军人证4-8级）安置人月数",
        min_value=0,
        max_value=MAX_MONTHS,
        widget=_int_input(),
        error_messages={"min_value": "安置人月数不能为负数", "invalid": "安置人月数必须是整数"},
    )
    kind = forms.ChoiceField(label="单位性质", choices=UnitKind.choices, help_text="免征政策只适用于企业")
    social_wage = forms.DecimalField(
        label="当地社会平均工资",
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=_decimal_input("不填则不计工资上限"),
        help_text="年平均工资；工资上限为其 2 倍（2017 年 4 月 1 日前缴纳的为 3 倍）",
    )
    year = forms.TypedChoiceField(label="业务年度", coerce=int, help_text="残保金在次年缴纳，按次年施行的政策计算")

    # fields shown in the left column, in order (the month counts sit in the result table)
    input_fields = ("name", "ratio", "staff", "wage", "disabled_wage", "kind", "social_wage", "year")
    units = {"ratio": "%", "staff": "人", "wage": "元", "disabled_wage": "元", "social_wage": "元/年"}

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y} 年") for y in years]
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField):
                field.error_messages = {**field.error_messages, **NUMBER_MESSAGES}
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
            field.widget.attrs["data-levy-input"] = ""
            described = [f"id_{name}_error"] + ([f"id_{name}_helptext"] if field.help_text else [])
            field.widget.attrs["aria-describedby"] = " ".join(described)
        for name in ("severe", "other"):
            self.fields[name].widget.attrs["class"] = "form-control text-center levy-months"

    def clean_staff(self) -> Decimal:
        staff = self.cleaned_data["staff"]
        if staff <= 0:
            raise forms.ValidationError("单位员工人数必须大于 0")
        return staff

    def clean_social_wage(self) -> Decimal | None:
        value = self.cleaned_data["social_wage"]
        if value is not None and value <= 0:
            raise forms.ValidationError("社会平均工资必须大于 0（不知道请留空）")
        return value

    def mark_errors(self) -> None:
        """Bootstrap's invalid style on fields with errors (the ✗ text sits beside them too)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def levy_input(self) -> LevyInput:
        data = self.cleaned_data
        return LevyInput(
            staff_count=data["staff"],
            ratio_percent=data["ratio"],
            avg_monthly_wage=data["wage"],
            disabled_monthly_wage=data["disabled_wage"],
            severe_person_months=data["severe"],
            other_person_months=data["other"],
            unit_kind=data["kind"],
            social_avg_annual_wage=data["social_wage"],
            year=levy_year_for(data["year"]),
        )


class StaffFiguresForm(forms.ModelForm):
    """The unit's 职工人数 and 月平均工资 for one year (home page levy estimate); errors beside the fields."""

    units = {"staff_count": "人", "avg_monthly_wage": "元"}

    class Meta:
        model = StaffFigures
        fields = ("staff_count", "avg_monthly_wage")
        help_texts = {
            "staff_count": "该年度在职职工的年平均人数，可有小数（如 300 或 299.5）。",
            "avg_monthly_wage": "该年度职工年平均工资 ÷ 12。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = {
            "min_value": "必须大于 0",
            "max_value": "数字太大，请检查（最多 10,000,000）",
            "required": "请填写此项",
        }
        for name, field in self.fields.items():
            field.error_messages = {**field.error_messages, **NUMBER_MESSAGES, **limits}
            for validator in field.validators:
                if getattr(validator, "code", "") in limits:
                    validator.message = limits[validator.code]
            field.widget = _decimal_input()
            field.widget.attrs.update(
                {"class": "form-control", "aria-describedby": f"id_{name}_error id_{name}_helptext"}
            )

    def mark_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"
