"""A second factor for the reviewers' admin: TOTP (django-otp), set up on the first login.

Flow: password (the ordinary admin login, throttled by django-axes) → if the account has no confirmed TOTP device,
a setup page shows a QR code and the secret as text and asks for a 6-digit code to confirm it → on every later
login, a verify page asks for the current code. Until then the session is not verified and every admin page sends
the user to the pending step. ``settings.ADMIN_REQUIRE_OTP = False`` turns the second factor off (development only).

The site is installed as Django's default admin site through :class:`OTPAdminConfig` (listed in INSTALLED_APPS in
place of ``django.contrib.admin``), so every ``admin.site.register`` in the project is covered.

This module is imported while the app registry loads: no model imports at module level.
"""

from base64 import b32encode
from functools import wraps

import django_otp
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.validators import RegexValidator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import get_script_prefix, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from core.kept import Kept

DEVICE_NAME = "审核后台动态验证码"


def otp_required() -> bool:
    return getattr(settings, "ADMIN_REQUIRE_OTP", True)


def is_verified(user) -> bool:
    """Whether the session passed the second factor (False where OTPMiddleware did not run)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def second_factor_ok(user) -> bool:
    """For views outside the admin that serve reviewers (e.g. file downloads): a staff session counts only once
    it passed the second factor. Always True when ``ADMIN_REQUIRE_OTP`` is off or for non-staff users."""
    return not (otp_required() and getattr(user, "is_staff", False)) or is_verified(user)


def confirmed_devices(user) -> list:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def pending_device(user):
    """The account's unconfirmed TOTP device (created once, so the QR code stays the same across reloads)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device) -> str:
    """The base32 secret in groups of four, for typing into an authenticator app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(data: str) -> str:
    import segno

    return segno.make(data, error="m").svg_inline(scale=5, border=2, title="动态验证码绑定二维码")


class OTPTokenField(forms.CharField):
    """Six digits; spaces and full-width digits (as a phone keyboard may type them) are accepted."""

    def to_python(self, value):
        value = super().to_python(value)
        value = "".join(ch for ch in value if not ch.isspace())
        return value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


class OTPTokenForm(forms.Form):
    otp_token = OTPTokenField(
        label="6 位动态验证码",
        max_length=20,
        validators=[RegexValidator(r"^[0-9]{6}$", "请输入验证器 App 上显示的 6 位数字。")],
        error_messages={"required": "请输入 6 位动态验证码。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
        help_text="打开手机上的验证器 App（如 FreeOTP、Microsoft Authenticator），输入当前显示的 6 位数字。",
    )


def _throttle_message(device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    if locked_until is not None:
        from django.utils import timezone

        return f"验证码错误次数过多，请于 {timezone.localtime(locked_until):%H:%M:%S} 后再试。"
    return "验证码错误次数过多，请稍后再试。"


class OTPAdminSite(admin.AdminSite):
    """The admin site with the second factor. Unverified staff are sent to set up or enter their code."""

    _app_lists = Kept(256)

    def get_app_list(self, request: HttpRequest, app_label=None):
        """The navigation's app list (every admin page's sidebar), kept in the process per user and everything the
        project's admins decide their modules by: the user's flags, permissions and reviewer region (their
        ``has_module_permission`` / ``has_*_permission`` look at nothing else). Built anew, it asked ~40 admins four
        permissions each and reversed their URLs: ~2 ms of every admin page (bench/page_cpu.py). A module check that
        looks at anything else must add it to the key (tests/core/test_admin_app_list.py compares the two)."""
        key = self._app_list_key(request, app_label)
        if key is None:
            return super().get_app_list(request, app_label)
        return self._app_lists.find_or_make(key, lambda: super(OTPAdminSite, self).get_app_list(request, app_label))

    def _app_list_key(self, request: HttpRequest, app_label) -> tuple | None:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return None
        profile = getattr(user, "reviewer_profile", None)  # the reviewer's region (employers' one-to-one to User)
        perms = frozenset() if user.is_superuser else frozenset(user.get_all_permissions())
        region = getattr(profile, "region_id", None)
        return (self.name, app_label, user.pk, user.is_superuser, region, perms, get_language(), get_script_prefix())

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not otp_required() or is_verified(request.user)

    def needs_second_factor(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(otp_required() and user.is_active and user.is_staff and not is_verified(user))

    def _next_url(self, request: HttpRequest, source: dict | None = None) -> str:
        source = request.POST if source is None else source
        candidate = source.get("next") or request.GET.get("next") or ""
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return reverse("admin:index", current_app=self.name)

    def second_factor_redirect(self, request: HttpRequest, next_url: str) -> HttpResponse:
        name = "admin:otp_verify" if confirmed_devices(request.user) else "admin:otp_setup"
        return HttpResponseRedirect(f"{reverse(name, current_app=self.name)}?{urlencode({'next': next_url})}")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def wrapper(request, *args, **kwargs):
            if self.needs_second_factor(request):
                if request.path == reverse("admin:logout", current_app=self.name):
                    return view(request, *args, **kwargs)  # a half-signed-in user may always sign out
                return self.second_factor_redirect(request, request.get_full_path())
            if request.user.is_staff:  # the admin's users: the same sets Django would read, by one prepared statement
                from core.permissions import load_permissions  # models: not importable when the site is built

                load_permissions(request.user)
            return inner(request, *args, **kwargs)

        return wrapper

    def login(self, request, extra_context=None):
        if request.method == "GET" and self.needs_second_factor(request):
            return self.second_factor_redirect(request, self._next_url(request, request.GET))
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        """The admin index, with the reference-data warnings on top (``templates/admin/index.html``, ADR 0009)."""
        from core.selectors import reference_warnings

        context = {"reference_warnings": reference_warnings(timezone.localdate()), **(extra_context or {})}
        return super().index(request, context)

    def get_urls(self):
        return [
            path("otp/setup/", self.otp_setup, name="otp_setup"),
            path("otp/verify/", self.otp_verify, name="otp_verify"),
            *super().get_urls(),
        ]

    # --- the two steps --------------------------------------------------------------------------------------

    def _pending_or_redirect(self, request: HttpRequest) -> HttpResponse | None:
        """None when the request belongs on a second-factor page; otherwise where to go instead."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            login_url = reverse("admin:login", current_app=self.name)
            return HttpResponseRedirect(f"{login_url}?{urlencode({'next': self._next_url(request, request.GET)})}")
        if not self.needs_second_factor(request):
            return HttpResponseRedirect(self._next_url(request))
        return None

    def _complete(self, request: HttpRequest, device) -> HttpResponse:
        request.session.cycle_key()  # the session gains privileges: give it a new id
        django_otp.login(request, device)
        return HttpResponseRedirect(self._next_url(request))

    def _render(self, request: HttpRequest, template: str, context: dict) -> TemplateResponse:
        request.current_app = self.name
        return TemplateResponse(
            request, template, {**self.each_context(request), "next": self._next_url(request), **context}
        )

    @method_decorator([sensitive_post_parameters("otp_token"), csrf_protect, never_cache])
    def otp_setup(self, request: HttpRequest) -> HttpResponse:
        redirect = self._pending_or_redirect(request)
        if redirect is not None:
            return redirect
        if confirmed_devices(request.user):
            # Never a second device from a half-signed-in session: that would bypass the existing one.
            return self.second_factor_redirect(request, self._next_url(request))
        from core.audit import record

        device = pending_device(request.user)
        form = OTPTokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            throttled = _throttle_message(device)
            if throttled:
                form.add_error("otp_token", throttled)
            elif device.verify_token(form.cleaned_data["otp_token"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(actor=request.user, action="otp_device_confirmed", obj=device)
                return self._complete(request, device)
            else:
                form.add_error("otp_token", "验证码不正确或已过期，请核对手机时间后输入最新的 6 位数字。")
        return self._render(
            request,
            "otp/setup.html",
            {
                "title": "绑定动态验证码",
                "form": form,
                "qr_svg": qr_svg(device.config_url),
                "secret": secret_text(device),
                "username": request.user.get_username(),
            },
        )

    @method_decorator([sensitive_post_parameters("otp_token"), csrf_protect, never_cache])
    def otp_verify(self, request: HttpRequest) -> HttpResponse:
        redirect = self._pending_or_redirect(request)
        if redirect is not None:
            return redirect
        devices = confirmed_devices(request.user)
        if not devices:
            return self.second_factor_redirect(request, self._next_url(request))
        form = OTPTokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            token = form.cleaned_data["otp_token"]
            verified = None
            throttled = None
            for device in devices:
                throttled = _throttle_message(device)
                if throttled:
                    continue
                verified = django_otp.verify_token(request.user, device.persistent_id, token)
                if verified is not None:
                    break
            if verified is not None:
                return self._complete(request, verified)
            form.add_error("otp_token", throttled or "验证码不正确或已过期，请输入验证器 App 上最新的 6 位数字。")
        return self._render(
            request,
            "otp/verify.html",
            {"title": "输入动态验证码", "form": form, "username": request.user.get_username()},
        )


class OTPAdminConfig(AdminConfig):
    """``django.contrib.admin`` with :class:`OTPAdminSite` as the default site (``admin.site``)."""

    default_site = "core.otp.OTPAdminSite"
