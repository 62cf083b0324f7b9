"""django-otp's middleware with the session's second-factor device read by a prepared query (core.prepared; issue
16: the admin pages' floor).

On every request of a reviewer signed in with a second factor, ``OTPMiddleware`` loads the device named in the
session (``otp_totp.totpdevice/5``) with ``Device.from_persistent_id``: a queryset built and compiled anew each time.
Here the same row is read by the same query compiled once per connection and device model; the parsing and its
refusals are django-otp's (``Device._filter_persistent_id``: a malformed id, an unknown model or one that is no
device gives no device). tests/core/test_middleware_otp.py compares the two.
"""

from __future__ import annotations

from django.apps import apps
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.models import Device

from core.prepared import PreparedQuery

_queries: dict[type, PreparedQuery] = {}


def _device_query(device_cls: type) -> PreparedQuery:
    query = _queries.get(device_cls)
    if query is None:

        def first(pk: int):  # ``.filter(id=pk).first()``: ordered by pk, one row
            return device_cls.objects.filter(id=pk).order_by("pk")[:1]

        query = _queries[device_cls] = PreparedQuery(first, ((-790001,), (-790002,)))
    return query


def device_from_persistent_id(persistent_id: str) -> Device | None:
    """``Device.from_persistent_id(persistent_id)``, by a prepared query."""
    try:
        model_label, device_id = persistent_id.rsplit("/", 1)
        app_label, model_name = model_label.split(".")
        device_cls = apps.get_model(app_label, model_name)
        pk = int(device_id)
    except (ValueError, LookupError):
        return None
    if not issubclass(device_cls, Device):
        return None
    found = _device_query(device_cls)(pk)
    return found[0] if found else None


class OTPMiddleware(DjangoOTPMiddleware):
    def _device_from_persistent_id(self, persistent_id: str):
        return device_from_persistent_id(self._normalize_persistent_id(persistent_id))
