"""``{% list_filter cl spec %}``: Django's ``{% admin_list_filter cl spec %}`` written in Python.

Django renders each list filter through ``admin/filter.html`` with the template engine: on the review queue its five
filters and ~25 choices were ~3 ms of the page's CPU (bench/page_cpu.py), more than the page's rows. The markup
here is that template's, byte for byte — the same escaping, ``iriencode`` and translation
(tests/placements/review/test_queue_speed.py renders both and compares). A filter with a template of its own, or a
project override of ``admin/filter.html``, goes through Django's tag as before.
"""

from django import template
from django.contrib.admin.templatetags.admin_list import admin_list_filter
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

DJANGO_TEMPLATE = "admin/filter.html"


@register.simple_tag
def list_filter(cl, spec) -> str:
    if spec.template != DJANGO_TEMPLATE or _overridden():
        return admin_list_filter(cl, spec)
    title = conditional_escape(str(spec.title))
    by = gettext(" By %(filter_title)s ") % {"filter_title": title}
    items = "".join(
        f"\n    <li{' class="selected"' if choice['selected'] else ''}>\n"
        f'    <a href="{conditional_escape(iri_to_uri(choice["query_string"]))}">'
        f"{conditional_escape(choice['display'])}</a></li>\n  "
        for choice in spec.choices(cl)
    )
    return SafeString(
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    {by}\n  </summary>\n  <ul>\n  '
        f"{items}\n  </ul>\n</details>\n"
    )


_override: list[bool] = []


def _overridden() -> bool:
    """Whether the template engine finds a project's ``admin/filter.html`` before Django's (looked up once)."""
    if not _override:
        from django.template.loader import get_template

        origin = get_template(DJANGO_TEMPLATE).origin.name
        _override.append(not origin.replace("\\", "/").endswith("django/contrib/admin/templates/admin/filter.html"))
    return _override[0]
