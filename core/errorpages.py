"""The 500 page, and the 503 page when a dependency (database, object storage, cache, mail server) is down.

``config.urls.handler500`` is :func:`server_error`. Django calls it for any exception a view or a middleware let
through (with DEBUG off), inside its ``except`` block, so the exception is at hand: a dependency that failed —
``django.db.OperationalError`` / ``InterfaceError`` (connection refused, lost, timed out), botocore's connection
and read timeouts, endpoint and client errors (an upload the object store refused), Redis connection errors, a
refused or timed-out socket — anywhere in its cause chain gives 503 with ``Retry-After`` and the Chinese
``templates/503.html`` ("try again shortly, nothing was saved"); anything else 500 with ``templates/500.html``.

Nothing is half-recorded: every write goes through a service's ``transaction.atomic`` block, which the exception
leaves rolled back (the ORM never commits a block that raised); files an upload stored before the failure are
removed by ``sweep_uploads`` (ADR 0003). Both pages are plain HTML with no tag that needs the database, a request
context or the static manifest; they print the request id so a user's report can be found in the logs.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.template import loader

from core import requestid

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60


def _dependency_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OperationalError, InterfaceError, ConnectionError, TimeoutError]
    try:
        from botocore import exceptions as boto
    except ImportError:
        pass
    else:
        errors += [
            boto.ConnectTimeoutError,
            boto.ReadTimeoutError,
            boto.EndpointConnectionError,
            boto.ConnectionClosedError,
            boto.ClientError,
            boto.NoCredentialsError,
        ]
    try:
        from redis import exceptions as redis_errors
    except ImportError:
        pass
    else:
        errors += [redis_errors.ConnectionError, redis_errors.TimeoutError]
    return tuple(errors)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def dependency_failure(exc: BaseException | None) -> BaseException | None:
    """The exception in ``exc``'s chain that says a dependency is down, or None."""
    errors = _dependency_errors()
    return next((e for e in _chain(exc) if isinstance(e, errors)), None)


def _page(request: HttpRequest, template_name: str, status: int, fallback: str) -> HttpResponse:
    # No context processors here: the CSP nonce (ADR 0020) is put in by hand for the page's <style nonce>.
    # (LazyNonce is falsy until rendered: compare with None, not by truth.)
    nonce = get_nonce(request)
    context = {"request_id": requestid.current(), "csp_nonce": "" if nonce is None else nonce}
    try:
        body = loader.get_template(template_name).render(context)
    except Exception:  # the error page itself must not fail
        log.exception("error page %s could not be rendered", template_name)
        body = f"<!doctype html><meta charset='utf-8'><title>{fallback}</title><h1>{fallback}</h1>"
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    failed = dependency_failure(sys.exc_info()[1])
    if failed is not None:
        log.error("dependency unavailable: %s.%s", type(failed).__module__, type(failed).__qualname__)
        response = _page(request, "503.html", 503, "系统暂时无法提供服务")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _page(request, "500.html", 500, "系统内部错误")
