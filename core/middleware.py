"""The one gate for request input: what no form of this system can accept is refused here, before any view.

Every view, form and service below may assume that the path, the query string and the form data are UTF-8 text
without control characters and of a sane length — the things that otherwise end in a database or driver error
(PostgreSQL refuses NUL in text, a 10,000-character user name overflows django-axes' 255-character column).
A request that breaks this gets HTTP 400 with the Chinese page ``templates/400.html``, before the session is loaded
or any view runs, so it writes nothing. Cookies are normalised instead of refused: a cookie with control
characters is ignored, as if the browser had not sent it (a user should not be locked out by a broken cookie).

What a single form accepts (a region code, a verification code, a numeric id) stays that form's business.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import cache
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# C0 control characters except tab, line feed and carriage return (which textareas legitimately send).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Well above any real field: the longest texts a person types here (reasons, descriptions) are bounded at 2,000.
MAX_VALUE_CHARS = 10_000
# Parameters allowed to be longer: the HTML body of a notice (admin) may be a long policy text.
LONG_VALUES = {"body": 200_000}
MAX_NAME_CHARS = 200


class InputRefused(Exception):
    """Why a request's input is refused; ``message`` is Chinese and shown on the 400 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@cache
def login_username_max_length() -> int:
    """The login form's own bound on the user name (the user model's field, 150 characters)."""
    from django.contrib.auth.forms import AuthenticationForm

    return AuthenticationForm().fields["username"].max_length or 150


def value_limit(name: str) -> int:
    if name == "username":
        return login_username_max_length()
    return LONG_VALUES.get(name, MAX_VALUE_CHARS)


def check_utf8(raw: bytes, where: str) -> None:
    """``raw`` is a URL-encoded string; its decoded bytes must be UTF-8."""
    if b"%" not in raw and raw.isascii():
        return
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise InputRefused(f"{where}不是有效的 UTF-8 编码。") from None


def check_text(text: str, where: str) -> None:
    if CONTROL_CHARS.search(text):
        raise InputRefused(f"{where}含有不允许的控制字符（如 NUL）。")


def check_parameters(items: Iterable[tuple[str, list[str]]], where: str, *, utf8_marker: bool = False) -> None:
    """Names and values of form or query parameters. ``utf8_marker``: U+FFFD means an undecodable byte (multipart)."""
    for name, values in items:
        if len(name) > MAX_NAME_CHARS:
            raise InputRefused(f"{where}中有参数名过长。")
        check_text(name, f"{where}的参数名")
        limit = value_limit(name)
        for value in values:
            if len(value) > limit:
                raise InputRefused(f"{where}中「{name[:40]}」的内容过长（超过 {limit:,} 个字符）。")
            check_text(value, f"{where}中「{name[:40]}」")
            if utf8_marker and "\ufffd" in value:
                raise InputRefused(f"{where}中「{name[:40]}」不是有效的 UTF-8 编码。")


def wsgi_bytes(text: str) -> bytes:
    """WSGI hands over the raw query string as latin-1 text (PEP 3333); a test client may pass Unicode."""
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogateescape")


def check_request(request: HttpRequest) -> None:
    """Raises :class:`InputRefused` when the request carries input no view here can accept."""
    check_text(request.path, "网址")
    check_utf8(wsgi_bytes(request.META.get("QUERY_STRING", "")), "查询参数")
    check_parameters(request.GET.lists(), "查询参数")
    if request.method != "POST":
        return
    if request.content_type == "application/x-www-form-urlencoded":
        check_utf8(request.body, "表单数据")
        check_parameters(request.POST.lists(), "表单数据")
    elif request.content_type == "multipart/form-data":
        check_parameters(request.POST.lists(), "表单数据", utf8_marker=True)
        for name, files in request.FILES.lists():
            check_parameters([(name, [f.name or "" for f in files])], "上传文件名")


def drop_bad_cookies(request: HttpRequest) -> None:
    """Ignore cookies whose name or value holds control characters (a session key with NUL would reach the DB)."""
    bad = [name for name, value in request.COOKIES.items() if CONTROL_CHARS.search(name + value)]
    for name in bad:
        del request.COOKIES[name]


def refused(message: str) -> HttpResponse:
    html = render_to_string("400.html", {"reason": message})
    return HttpResponseBadRequest(html)


class InputGuardMiddleware:
    """Refuses (HTTP 400) control characters, over-long values and non-UTF-8 text in the path and parameters.

    Sits before SessionMiddleware: the session, CSRF and authentication see only input that passed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        drop_bad_cookies(request)
        try:
            check_request(request)
        except InputRefused as exc:
            logger.warning("Refused input (%s): %r", exc.message, request.path[:200])  # %r: no raw control chars
            return refused(exc.message)
        except MultiPartParserError:
            return refused("表单数据格式不正确，无法读取。")
        return self.get_response(request)
