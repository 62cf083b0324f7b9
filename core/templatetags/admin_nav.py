"""``{% nav_app_list %}``: the admin navigation's app list (templates/admin/nav_sidebar.html), rendered once per
app list and page path and kept in the process.

Django's sidebar includes ``admin/app_list.html`` on every admin page: ~40 models' rows through the template engine,
~1.5 ms of each page's CPU (bench/page_cpu.py, the review queue). Its output depends on the app list, the page's
path (the current app and model are marked) and the language only. The app list itself is kept per user and
permissions (core.otp.OTPAdminSite.get_app_list), so the same list object comes back for the same user; the render
is kept under that object's identity, the path and the language, and used only while that very object is the one
the page has (the kept entry holds it, so no other list can take its identity).
"""

from django import template
from django.template.loader import get_template
from django.utils.translation import get_language

from core.kept import Kept

register = template.Library()
_rendered = Kept(512)


@register.simple_tag(takes_context=True)
def nav_app_list(context) -> str:
    app_list = context.get("available_apps")
    request = context.get("request")
    path = getattr(request, "path", "")
    key = (id(app_list), path, get_language())
    hit = _rendered.find(key)
    if hit is not None and hit[0] is app_list:
        return hit[1]
    html = get_template("admin/app_list.html").render(
        {"app_list": app_list, "show_changelinks": False, "request": request}
    )
    _rendered.keep(key, (app_list, html))
    return html
