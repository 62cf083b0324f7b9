"""A request id on every response and every log line of the request, and the one log line format.

``RequestIdMiddleware`` (first in ``MIDDLEWARE``) takes the id the load balancer sent in ``X-Request-ID`` when it is
a plausible token, else makes one, keeps it for the request's duration in a context variable and returns it in the
``X-Request-ID`` response header — so the gunicorn access line (``%({x-request-id}o)s``, config/gunicorn.conf.py),
the application's log lines (``RequestIdFilter``) and the page a user reports (the 500/503 pages print it) share it.

``LogFormatter``: time (ISO 8601 in ``TIME_ZONE`` with its offset, independent of the process's ``TZ``, so the
gunicorn master and its workers agree), level, logger, request id, message; one JSON object per line with
``as_json=True`` (``LOG_FORMAT=json``). No request data beyond the id is logged here.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_current: ContextVar[str] = ContextVar("request_id", default="-")


def current() -> str:
    """The id of the request being handled in this thread or task, ``"-"`` outside one."""
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(HEADER, "")
        request_id = sent if _ACCEPTED.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed (request_finished), not only while the middleware runs: Django writes
        # the "Not Found" / "Bad Request" lines of django.request after the middleware chain has returned.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished)
def _forget(**kwargs) -> None:
    _current.set("-")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


class LogFormatter(logging.Formatter):
    def __init__(self, *, as_json: bool = False, time_zone: str = "Asia/Shanghai") -> None:
        super().__init__()
        self.as_json = as_json
        self.zone = ZoneInfo(time_zone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or _current.get()
        message = record.getMessage()
        exc_text = self.formatException(record.exc_info) if record.exc_info else (record.exc_text or "")
        if self.as_json:
            entry = {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "request_id": request_id,
                "message": message,
                "process": record.process,
            }
            if exc_text:
                entry["exception"] = exc_text
            return json.dumps(entry, ensure_ascii=False)
        line = f"{self.formatTime(record)} {record.levelname} {record.name} [{request_id}] {message}"
        return f"{line}\n{exc_text}" if exc_text else line
