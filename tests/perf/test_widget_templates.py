"""templates/django/forms/widgets/: Django's select, input, text and hidden widget templates with their includes
written in (a select rendered one template per option; bench/page_cpu.py). The markup must be Django's own, byte for
byte: every widget is rendered with the project's templates (FORM_RENDERER = TemplatesSetting) and with Django's
built-in ones (the DjangoTemplates renderer reads django/forms/templates, never the project's templates/)."""

from datetime import date

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.template.loader import get_template

from levy.forms import LevyCalculatorForm
from placements.registration.forms import GraduateForm, PersonForm

DJANGO = DjangoTemplates()
PROJECT = TemplatesSetting()
OVERRIDDEN = ("select", "input", "text", "hidden")
HOSTILE = "a<b>&\"c'd 中文"


def _both(widget: forms.Widget, name: str, value, attrs: dict | None = None) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs=attrs, renderer=PROJECT),
        widget.render(name, value, attrs=attrs, renderer=DJANGO),
    )


def test_the_overrides_are_the_ones_in_use():
    for name in OVERRIDDEN:
        origin = get_template(f"django/forms/widgets/{name}.html").origin.name
        assert "/templates/django/forms/widgets/" in origin and "site-packages" not in origin, origin


class _DisabledFirst(forms.Select):
    """An option with attributes of its own (disabled, data-*, a False one left out)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if index == 0:
            option["attrs"].update({"disabled": True, "data-note": HOSTILE, "hidden": False})
        return option


class _OwnOptionTemplate(forms.Select):
    option_template_name = "django/forms/widgets/input.html"  # some other template: still included


CHOICES = [("", "请选择"), (1, "一"), ("2", HOSTILE), (2024, "2024 年")]
GROUPED = [("北京", [("110101", "东城区"), ("110102", "西城区")]), ("", "无"), ("上海", [("310101", "黄浦区")])]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), None),
        (forms.Select(choices=CHOICES), ""),
        (forms.Select(choices=CHOICES), 1),
        (forms.Select(choices=CHOICES), "2"),
        (forms.Select(choices=CHOICES), 2024),
        (forms.Select(choices=[]), None),
        (forms.Select(choices=GROUPED), "110102"),
        (forms.Select(choices=GROUPED, attrs={"class": "form-select", "required": True, "disabled": False}), ""),
        (forms.SelectMultiple(choices=GROUPED), ["110101", "310101"]),
        (forms.NullBooleanSelect(), True),
        (_DisabledFirst(choices=CHOICES), "2"),
        (_OwnOptionTemplate(choices=CHOICES), 1),
        (forms.TextInput(), None),
        (forms.TextInput(), ""),
        (forms.TextInput(), 0),
        (forms.TextInput(attrs={"inputmode": "decimal", "placeholder": HOSTILE, "readonly": True}), HOSTILE),
        (forms.TextInput(attrs={"autofocus": False, "size": 6, "aria-describedby": "a b"}), "1000.5"),
        (forms.HiddenInput(), "3"),
        (forms.HiddenInput(), None),
        (forms.HiddenInput(attrs={"data-x": HOSTILE}), HOSTILE),
        (forms.NumberInput(attrs={"min": 0}), 5),
        (forms.EmailInput(), "a@b.cn"),
        (forms.PasswordInput(render_value=True), "secret"),
        (forms.CheckboxInput(), True),
        (forms.CheckboxInput(), False),
        (forms.DateInput(format="%Y-%m-%d"), date(2025, 3, 1)),
        (forms.RadioSelect(choices=CHOICES), "2"),
    ],
)
def test_a_widget_renders_as_with_djangos_templates(widget, value):
    mine, theirs = _both(widget, "field", value, attrs={"id": "id_field"})
    assert mine == theirs
    assert mine  # something was rendered


def _assert_form_same(form: forms.Form) -> int:
    compared = 0
    for bound in form:
        if not bound.field.widget.template_name.startswith("django/forms/widgets/"):
            continue  # the project's own widgets (the region picker) are not overridden
        form.renderer = DJANGO
        theirs = bound.as_widget()
        form.renderer = PROJECT
        assert bound.as_widget() == theirs, bound.name
        compared += 1
    return compared


@pytest.mark.django_db
def test_the_pages_forms_render_as_with_djangos_templates():
    """The calculator's form (its year select, the decimal inputs) and step 1's person form, unbound and bound with
    errors (aria-invalid, is-invalid classes)."""
    years = list(range(2026, 2008, -1))
    assert _assert_form_same(LevyCalculatorForm(years=years)) >= 9
    bound = LevyCalculatorForm({"ratio": "x", "staff": "-1", "kind": "nonsense", "year": "1900"}, years=years)
    bound.is_valid()
    bound.mark_errors()
    assert _assert_form_same(bound) >= 9
    assert _assert_form_same(PersonForm(year=2025)) >= 8
    person = PersonForm({"id_number": "123", "education": "nonsense", "is_graduate": "1"}, year=2025)
    person.is_valid()
    assert _assert_form_same(person) >= 8
    assert _assert_form_same(GraduateForm()) >= 2
