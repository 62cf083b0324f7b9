"""core.renderers.FormRenderer: Django's select, textarea and input widget templates written in Python (a select
rendered one template per option; bench/page_cpu.py). The markup must be Django's own, byte for byte: every widget is
rendered with the project's renderer (FORM_RENDERER) and with Django's built-in templates (the DjangoTemplates
renderer reads django/forms/templates, never the project's templates/)."""

from datetime import date

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from core.renderers import INPUT_TEMPLATES, WIDGETS, WRITTEN, FormRenderer
from levy.forms import LevyCalculatorForm
from placements.registration.forms import GraduateForm, PersonForm

DJANGO = DjangoTemplates()
PROJECT = get_default_renderer()
HOSTILE = "a<b>&\"c'd 中文"


def _both(widget: forms.Widget, name: str, value, attrs: dict | None = None) -> tuple[str, str]:
    return (
        widget.render(name, value, attrs=attrs, renderer=PROJECT),
        widget.render(name, value, attrs=attrs, renderer=DJANGO),
    )


def test_the_project_renders_with_the_written_templates():
    assert isinstance(PROJECT, FormRenderer)


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_no_project_template_overrides_a_written_one(name):
    """The renderer would bypass an override: what it writes must be Django's own template, found as Django's."""
    template = get_template(name)
    assert "/site-packages/django/forms/templates/" in template.origin.name, template.origin.name
    if name in INPUT_TEMPLATES and name != WIDGETS + "input.html":
        assert template.template.source.strip() == '{% include "django/forms/widgets/input.html" %}'


class _DisabledFirst(forms.Select):
    """An option with attributes of its own (disabled, data-*, a False one left out)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if index == 0:
            option["attrs"].update({"disabled": True, "data-note": HOSTILE, "hidden": False})
        return option


class _OwnOptionTemplate(forms.Select):
    option_template_name = "django/forms/widgets/input.html"  # some other template: still included


class _CallableAttr(forms.TextInput):
    """A template calls a callable value; the written template leaves such a widget to the template."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-called"] = lambda: HOSTILE
        return context


CHOICES = [("", "请选择"), (1, "一"), ("2", HOSTILE), (2024, "2024 年"), ("3", mark_safe("<b>安全</b>")), (5, 12345)]
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
        (forms.Select(choices=[("a", gettext_lazy("Yes")), ((1, 2), 1.5)]), "a"),
        (forms.Textarea(), None),
        (forms.Textarea(), ""),
        (forms.Textarea(attrs={"rows": 3, "maxlength": 500}), HOSTILE + "\n第二行"),
        (forms.Textarea(), mark_safe("<b>safe</b>")),
        (_CallableAttr(), "x"),
        (forms.TextInput(), None),
        (forms.TextInput(), ""),
        (forms.TextInput(), 0),
        (forms.TextInput(attrs={"inputmode": "decimal", "placeholder": HOSTILE, "readonly": True}), HOSTILE),
        (forms.TextInput(attrs={"autofocus": False, "size": 6, "aria-describedby": "a b"}), "1000.5"),
        (forms.TextInput(attrs={"data-safe": mark_safe("<i>"), "data-tuple": (1, 2), "data-n": 1.5}), mark_safe("<x>")),
        (forms.URLInput(), "https://例子.cn/?a=1&b=2"),
        (forms.TimeInput(), "08:30"),
        (forms.DateTimeInput(), "2025-03-01 08:30"),
        (forms.FileInput(), None),
        (forms.ClearableFileInput(), None),
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


def test_the_written_templates_do_not_use_the_template_engine(monkeypatch):
    """The point of the renderer: no template render for a select, a text input, a textarea."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered through a template")

    monkeypatch.setattr("django.forms.renderers.TemplatesSetting.render", refuse)
    for widget, value in ((forms.Select(choices=CHOICES), "2"), (forms.TextInput(), HOSTILE), (forms.Textarea(), "x")):
        assert widget.render("f", value, renderer=PROJECT)
    with pytest.raises(AssertionError, match="through a template"):
        _CallableAttr().render("f", "x", renderer=PROJECT)


_texts = st.text(alphabet=st.sampled_from("ab<>&\"' 中\n"), max_size=6)
_scalars = st.one_of(_texts, st.integers(-5, 100_000), st.decimals(places=2, allow_nan=False, allow_infinity=False))
_attrs = st.dictionaries(
    st.sampled_from(["class", "data-x", "placeholder", "disabled", "size"]),
    st.one_of(_scalars, st.booleans(), _texts.map(mark_safe)),
)


@settings(max_examples=300, deadline=None)
@given(
    choices=st.lists(st.tuples(_scalars, _scalars), max_size=5),
    value=st.one_of(st.none(), _scalars),
    attrs=_attrs,
    kind=st.sampled_from([forms.Select, forms.SelectMultiple, forms.TextInput, forms.HiddenInput, forms.Textarea]),
)
def test_any_widget_renders_as_with_djangos_templates(choices, value, attrs, kind):
    widget = kind(choices=choices) if issubclass(kind, forms.Select) else kind()
    if kind is forms.SelectMultiple:
        value = [] if value is None else [value]
    mine, theirs = _both(widget, "f", value, attrs=attrs)
    assert mine == theirs
