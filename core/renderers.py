"""The form renderer (FORM_RENDERER): Django's TemplatesSetting, with the widget templates every form page renders
most written in Python (issue 16, bench/page_cpu.py).

A select of regions or years cost one Django template render per option: step 1 of the registration spent 6 of its
16 ms of CPU in its five selects. The templates written here are Django's own ``select.html`` (with
``select_option.html`` and ``attrs.html``), ``textarea.html``, ``input.html`` and the input templates that only
include it (text, hidden, number, date, …). The markup is Django's, byte for byte, with its escaping and localisation:
``tests/perf/test_widget_templates.py`` renders every kind of widget both ways and checks that no project template
overrides one of these names (an override would be bypassed here). Anything else — another template, an option with
a template of its own, an attribute whose value is callable (a template would call it) — goes through the templates.
"""

from __future__ import annotations

import html

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
OPTION = WIDGETS + "select_option.html"
# Django's templates that are exactly {% include "django/forms/widgets/input.html" %} (checked by the test).
INPUT_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "hidden",
        "number",
        "email",
        "password",
        "url",
        "tel",
        "search",
        "color",
        "date",
        "datetime",
        "time",
        "checkbox",
        "file",
    )
)


class _Unusual(Exception):
    """Something only a template renders faithfully: render with the template."""


def _escaped(text: str) -> str:
    """django.utils.html.conditional_escape of a str, without its lazy-string wrapper (a third of its cost)."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(text)


def _value(value) -> str:
    """``{{ value }}``: datetimes in the current time zone, numbers localised, escaped unless marked safe."""
    if type(value) is not str:  # a str subclass may be safe: the long way
        if callable(value):
            raise _Unusual
        value = localize(template_localtime(value))
        if not isinstance(value, str):
            value = str(value)
        return _escaped(value)
    return html.escape(value)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}`` (a filter that keeps a safe value safe; no localisation)."""
    if callable(value):
        raise _Unusual  # a template would call it
    text = str(value)  # what "%s" % value gives, a tuple included (the filter formats str(tuple))
    return text if isinstance(value, SafeData) else html.escape(text)


def _attrs(attrs: dict) -> str:
    """attrs.html: `` name="value"``, a True value as a bare name, a False one left out."""
    out = []
    for name, value in attrs.items():
        if callable(value):
            raise _Unusual
        if value is True:
            out.append(f" {_value(name)}")
        elif value is not False:
            out.append(f' {_value(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return f'<input type="{_value(widget["type"])}" name="{_value(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    text = _value(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'


def _select(widget: dict) -> str:
    out = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                raise _Unusual
            out.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_value(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


WRITTEN = {
    **dict.fromkeys(INPUT_TEMPLATES, _input),
    WIDGETS + "select.html": _select,
    WIDGETS + "textarea.html": _textarea,
}


class FormRenderer(TemplatesSetting):
    """TemplatesSetting (the project's templates, then Django's) with :data:`WRITTEN`'s templates in Python."""

    def render(self, template_name, context, request=None):
        written = WRITTEN.get(template_name)
        if written is not None and "widget" in context:
            try:
                return written(context["widget"])
            except (_Unusual, KeyError):  # KeyError: a context some other widget class built
                pass
        return super().render(template_name, context, request=request)
