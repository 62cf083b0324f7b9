"""The login lock-out (django-axes) with two limits, the client address from a trusted proxy, and a way out.

* **Client address** (:func:`client_ip`, ``AXES_CLIENT_IP_CALLABLE``): ``REMOTE_ADDR``, unless the deployment
  names the header its load balancer writes (``TRUSTED_PROXY_HEADER``, e.g. ``X-Forwarded-For``) and how many
  proxies stand in front of the application (``TRUSTED_PROXY_COUNT``). Each proxy appends the address it received
  the request from, so the client's address is the entry that many hops from the right; whatever the client put
  further left itself is ignored. A header shorter than that, or an entry that is not an IP address, falls back to
  ``REMOTE_ADDR``.
* **Two limits** (:class:`LockoutHandler`, ``AXES_HANDLER``): failures of one account from one address
  (``AXES_FAILURE_LIMIT`` within ``LOCKOUT_ACCOUNT_COOLOFF``) lock that pair only — a stranger elsewhere typing
  the username locks nobody but himself; failures from one address whatever the account (``LOCKOUT_ADDRESS_LIMIT``,
  higher, within ``AXES_COOLOFF_TIME``) lock the address. axes compares one count against one limit; the handler
  measures each parameter set against its own limit and cool-off and reports the worst, shifted onto
  ``AXES_FAILURE_LIMIT``. A successful login forgets the account's failures at that address, never the address's.
* **The way out**: the account lock ends after the short back-off, and a user with a confirmed TOTP device lifts it
  at once by entering a current code on the lock-out page (:func:`unlock`). The address lock has no such way out.
"""

import ipaddress
import logging
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

log = logging.getLogger(__name__)

ACCOUNT = ("username", "ip_address")
ADDRESS = ("ip_address",)


# --- the client's address ------------------------------------------------------------------------------------


def _meta_key(header: str) -> str:
    """``X-Forwarded-For`` (or ``HTTP_X_FORWARDED_FOR``) → the ``request.META`` key."""
    key = header.strip().upper().replace("-", "_")
    return key if key.startswith("HTTP_") else f"HTTP_{key}"


def _address(entry: str) -> str | None:
    """One header entry as an IP address (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:5678``, ``::1``) or None."""
    entry = entry.strip().strip('"')
    if entry.startswith("[") and "]" in entry:
        entry = entry[1 : entry.index("]")]
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def forwarded_address(value: str, count: int) -> str | None:
    """The address ``count`` hops from the right of a comma-separated forwarding header; None if there is none."""
    entries = [entry for entry in value.split(",") if entry.strip()]
    if count < 1 or len(entries) < count:
        return None
    return _address(entries[-count])


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: from the trusted proxy header when configured, else ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR")
    header = getattr(settings, "TRUSTED_PROXY_HEADER", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if not header or count < 1:
        return remote
    value = request.META.get(_meta_key(header), "")
    address = forwarded_address(value, count)
    if address is None:
        log.warning("%s %r has no address %d hops from the right; using REMOTE_ADDR", header, value, count)
        return remote
    return address


# --- two limits --------------------------------------------------------------------------------------------


def _parameter_key(parameter) -> tuple[str, ...]:
    return (parameter,) if isinstance(parameter, str) else tuple(parameter)


def rule(parameter) -> tuple[int, timedelta]:
    """(failure limit, cool-off) for one entry of ``AXES_LOCKOUT_PARAMETERS``."""
    if _parameter_key(parameter) == ADDRESS:
        return settings.LOCKOUT_ADDRESS_LIMIT, settings.AXES_COOLOFF_TIME
    return settings.AXES_FAILURE_LIMIT, settings.LOCKOUT_ACCOUNT_COOLOFF


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit and a cool-off per lockout parameter set (see the module docstring)."""

    def get_user_attempts(self, request, credentials=None):
        now = request.axes_attempt_time or timezone.now()
        parameters = get_lockout_parameters(request, credentials)
        return [
            attempts.filter(attempt_time__gte=now - rule(parameter)[1])
            for parameter, attempts in zip(parameters, self.filter_user_attempts(request, credentials), strict=True)
        ]

    def get_failures(self, request, credentials=None) -> int:
        """The failures of the parameter set nearest its own limit, shifted so that reaching that limit reads as
        reaching ``AXES_FAILURE_LIMIT`` (which axes compares against). Notes on ``request.axes_lock_scope`` which
        lock applies ("address" before "account")."""
        base = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        scope = None
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            limit = rule(parameter)[0]
            worst = max(worst, count - limit + base)
            if count >= limit and scope != "address":
                scope = "address" if _parameter_key(parameter) == ADDRESS else "account"
        request.axes_lock_scope = scope
        return max(worst, 0)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login: the account's failures at this address, never the whole address's."""
        username = get_client_username(request, credentials)
        return self.reset_attempts(ip_address=request.axes_ip_address, username=username) if username else 0


# --- the lock-out page and the way out ------------------------------------------------------------------------


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _context(request: HttpRequest, username: str, form=None) -> dict:
    from core.otp import OTPTokenForm

    scope = getattr(request, "axes_lock_scope", None) or "account"
    limit, cooloff = rule(list(ADDRESS) if scope == "address" else list(ACCOUNT))
    return {
        "scope": scope,
        "failure_limit": limit,
        "cooloff_minutes": _minutes(cooloff),
        "username": username,
        "form": form or OTPTokenForm(),
    }


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the lock-out page (HTTP 429) saying which lock applies and for how long."""
    username = get_client_username(request, credentials) or ""
    return render(request, "registration/locked_out.html", _context(request, username), status=429)


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=150)


@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    """A current TOTP code of the locked account lifts its lock at this address (not an address lock)."""
    from axes.handlers.proxy import AxesProxyHandler

    from core.audit import record
    from core.otp import OTPTokenForm, _throttle_message, confirmed_devices

    who = UnlockForm(request.POST)
    username = who.cleaned_data["username"] if who.is_valid() else ""
    form = OTPTokenForm(request.POST)
    if form.is_valid() and username:
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        devices = confirmed_devices(user) if user is not None and user.is_active else []
        throttled = None
        for device in devices:
            throttled = _throttle_message(device)
            if throttled:
                continue
            if device.verify_token(form.cleaned_data["otp_token"]):
                address = client_ip(request)
                AxesProxyHandler.reset_attempts(ip_address=address, username=username)
                record(actor=user, action="login_unlocked_with_otp", obj=device, changes={"address": address})
                messages.success(request, "动态验证码正确，账号已解锁，请重新登录。")
                return HttpResponseRedirect(reverse("admin:login" if user.is_staff else "login"))
        # The same answer for unknown accounts and accounts without a device: nothing to learn from it.
        form.add_error("otp_token", throttled or "验证码不正确或已过期，或该账号未绑定动态验证码。")
    return render(request, "registration/locked_out.html", _context(request, username, form), status=429)
