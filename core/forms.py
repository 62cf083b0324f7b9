"""Shared form pieces: the cascading province → city → county region picker.

The picker is three ``<select>``s. Without JavaScript, the clerk picks a province and presses 「刷新下级选项」 (a
submit button named ``_refresh``); the view re-renders the bound form without saving, now offering that province's
cities. With htmx, a change refreshes the next select at once (``core:region_options``). Abolished regions are never
offered; an existing value that has since been abolished is shown marked 「已撤销」 and refused on save.
"""

from django import forms
from django.forms.renderers import get_default_renderer
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils.safestring import mark_safe

from core.models import Region
from core.selectors import pickable_regions, region_options

REFRESH_FIELD = "_refresh"
LEVEL_LABELS = ("省", "市", "区县")
PLACEHOLDERS = ("请选择省份", "请选择城市", "请选择区县")


def is_region_code(value: object) -> bool:
    """Six ASCII digits: the only shape a posted region code may have before it goes near a query."""
    return isinstance(value, str) and len(value) == 6 and value.isascii() and value.isdigit()


def split_region_code(code: str | None) -> list[str | None]:
    """``["110000", "110100", "110105"]`` for ``"110105"``; ``[p, c, None]`` for a city; no query."""
    if not code:
        return [None, None, None]
    code = str(code)
    province = code[:2] + "0000"
    if code == province:
        return [province, None, None]
    city = code[:4] + "00"
    if code == city:
        return [province, city, None]
    return [province, city, code]


class RegionPickerWidget(forms.MultiWidget):
    template_name = "core/widgets/region_picker.html"

    def __init__(self, attrs=None):
        super().__init__([forms.Select, forms.Select, forms.Select], attrs)

    def decompress(self, value):
        if isinstance(value, Region):
            value = value.pk
        return split_region_code(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        subwidgets = context["widget"]["subwidgets"]
        label = getattr(self, "label", "") or ""
        for index, sub in enumerate(subwidgets):
            css = sub["attrs"].get("class", "")
            sub["attrs"]["class"] = " ".join(c for c in ["form-select", css.replace("form-control", "")] if c).strip()
            sub["attrs"]["aria-label"] = f"{label}：{LEVEL_LABELS[index]}"
            if index < 2:
                child_id = subwidgets[index + 1]["attrs"].get("id", "")
                grandchild_id = subwidgets[2]["attrs"].get("id", "") if index == 0 else ""
                query = f"?source={sub['name']}&level={index + 1}&clear={grandchild_id}"
                sub["attrs"]["hx-get"] = reverse("core:region_options") + query
                sub["attrs"]["hx-trigger"] = "change"
                sub["attrs"]["hx-target"] = f"#{child_id}"
                sub["attrs"]["hx-swap"] = "innerHTML"
        context["widget"]["refresh_name"] = REFRESH_FIELD
        context["widget"]["invalid"] = "is-invalid" in (attrs or {}).get("class", "")
        return context

    def _render(self, template_name, context, renderer=None):
        """The three selects through the renderer (core.renderers writes a select in Python), not as includes."""
        renderer = renderer or get_default_renderer()
        for sub in context["widget"]["subwidgets"]:
            sub["html"] = mark_safe(renderer.render(sub["template_name"], {"widget": sub}))
        return super()._render(template_name, context, renderer)


class RegionPickerField(forms.MultiValueField):
    """Cleans to a current :class:`Region` with no current children (a county, or a city without counties)."""

    widget = RegionPickerWidget
    default_error_messages = {
        "required": "请选择行政区划。",
        "invalid": "请选择有效的行政区划。",
        "mismatch": "所选省、市、区县不一致：更改上级后请点击「刷新下级选项」重新选择。",
        "abolished": "该行政区划已撤销，请重新选择。",
        "incomplete": "请继续选择下一级（{level}）。",
    }

    def __init__(self, **kwargs):
        invalid = {"null_characters_not_allowed": self.default_error_messages["invalid"]}
        fields = tuple(forms.CharField(required=False, error_messages=invalid) for _ in LEVEL_LABELS)
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        return [c or None for c in data_list] if data_list else [None, None, None]

    def clean(self, value):
        parts = super().clean(value)
        parts = parts or [None, None, None]
        chosen = [c for c in parts if c]
        if not chosen:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        if not all(is_region_code(c) for c in chosen):  # hand-made or garbled input, never the picker's own
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        province, city, county = ([*parts, None, None, None])[:3]
        if not province or (county and not city):
            raise forms.ValidationError(self.error_messages["mismatch"], code="mismatch")
        if (city and city[:2] != province[:2]) or (county and county[:4] != city[:4]):
            raise forms.ValidationError(self.error_messages["mismatch"], code="mismatch")
        code = chosen[-1]
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if region.abolished:
            raise forms.ValidationError(self.error_messages["abolished"], code="abolished")
        if pickable_regions().filter(parent_id=code).exists():
            level = LEVEL_LABELS[min(len(chosen), 2)]
            raise forms.ValidationError(self.error_messages["incomplete"].format(level=level), code="incomplete")
        return region

    def has_changed(self, initial, data):
        initial_code = initial.pk if isinstance(initial, Region) else initial
        return split_region_code(initial_code) != [d or None for d in (data or [None, None, None])]


class RegionPickersMixin:
    """For forms with :class:`RegionPickerField`s: fills every picker's choices with ONE query.

    Call ``self.setup_region_pickers()`` at the end of ``__init__``. ``self.refreshing`` is True when the clerk
    pressed 「刷新下级选项」: the view then re-renders instead of saving (``is_valid()`` is False).
    """

    refreshing = False

    def is_valid(self) -> bool:
        """Never while refreshing: nothing was validated, so there is nothing a view may save."""
        valid = super().is_valid()  # still cleans: a view may read cleaned_data (e.g. the ID number of 查询)
        return valid and not self.refreshing

    def full_clean(self):
        if self.refreshing:  # only re-rendering the pickers: no validation, no errors shown
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def setup_region_pickers(self) -> None:
        self.refreshing = bool(self.is_bound and self.data.get(REFRESH_FIELD))
        pickers = {name: f for name, f in self.fields.items() if isinstance(f, RegionPickerField)}
        selected = {}
        for name, field in pickers.items():
            field.widget.label = str(field.label or "")
            if self.is_bound:
                raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
                # Only well-formed codes are looked up; anything else shows as unchosen (clean() reports it).
                parts = [v.strip() if isinstance(v, str) and is_region_code(v.strip()) else None for v in raw]
            else:
                parts = field.widget.decompress(self.get_initial_for_field(field, name))
            # Without JavaScript a stale child may still be posted after the parent changed: drop it for display.
            if parts[1] and (not parts[0] or parts[1][:2] != parts[0][:2]):
                parts[1] = parts[2] = None
            if parts[2] and (not parts[1] or parts[2][:4] != parts[1][:4]):
                parts[2] = None
            selected[name] = parts
        parent_codes = [code for parts in selected.values() for code in parts[:2] if code]
        options = region_options(parent_codes)
        current_codes = {code for parts in selected.values() for code in parts if code}
        offered = {r.code for regions in options.values() for r in regions}
        missing = current_codes - offered
        extra = {r.code: r for r in Region.objects.filter(code__in=missing)} if missing else {}
        if self.refreshing:
            self.data = self.data.copy()
        for name, field in pickers.items():
            parts = selected[name]
            lists = [options[None], options.get(parts[0], []) if parts[0] else [], []]
            if parts[1]:
                lists[2] = options.get(parts[1], [])
            for index, sub in enumerate(field.widget.widgets):
                choices = [("", PLACEHOLDERS[index])] + [(r.code, r.name) for r in lists[index]]
                code = parts[index]
                if code and code in extra:
                    choices.append((code, f"{extra[code].name}（已撤销）"))
                sub.choices = choices
            if self.refreshing:
                # Re-render what was chosen (with stale children dropped) rather than the raw POST.
                for index in range(3):
                    self.data[f"{self.add_prefix(name)}_{index}"] = parts[index] or ""
