"""法人 single sign-on over OpenID Connect (mozilla-django-oidc; ADR 0012).

Authorization code flow with PKCE (S256), state and nonce checked by mozilla-django-oidc; the ID token's RS256
signature is checked against the provider's JWKS, and — which mozilla-django-oidc leaves out — its audience (our
client id), issuer (when known) and expiry here. The unit is the USCC claim's (``employers.accounts.sso_sign_in``).

Configuration (settings, from the environment): ``OIDC_ISSUER`` (endpoints by discovery, fetched on first use and
cached) or the explicit ``OIDC_OP_*`` endpoints; ``OIDC_RP_CLIENT_ID`` / ``OIDC_RP_CLIENT_SECRET``; the claim names
``OIDC_USCC_CLAIM``, ``OIDC_UNIT_NAME_CLAIM``, ``OIDC_NAME_CLAIM``, ``OIDC_PHONE_CLAIM``; ``OIDC_BUTTON_LABEL``.
Nothing here touches the network until a sign-in starts, so an unconfigured or unreachable provider never breaks
password logins.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.shortcuts import render
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.errors import DomainError
from employers.accounts import AccountError, Person, sso_sign_in

logger = logging.getLogger(__name__)

_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class ProviderUnavailable(DomainError):
    """The provider could not be reached or answered nonsense."""

    def __init__(self, message: str = "政务服务网统一身份认证平台暂时无法访问，请稍后再试，或使用账号密码登录。"):
        super().__init__(message)


class SignInRefused(DomainError):
    """The provider's answer was not accepted (token, claims)."""


def enabled() -> bool:
    return bool(
        getattr(settings, "OIDC_RP_CLIENT_ID", "")
        and (getattr(settings, "OIDC_ISSUER", "") or getattr(settings, "OIDC_OP_AUTHORIZATION_ENDPOINT", ""))
    )


def _discovery() -> dict:
    issuer = settings.OIDC_ISSUER.rstrip("/")
    key = f"oidc-discovery:{issuer}"
    metadata = cache.get(key)
    if metadata is None:
        try:
            response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            metadata = response.json()
        except (requests.RequestException, ValueError) as error:
            logger.warning("OIDC discovery failed for %s: %s", issuer, error)
            raise ProviderUnavailable() from error
        cache.set(key, metadata, 3600)
    return metadata


def oidc_setting(name: str, *default):
    """A mozilla-django-oidc setting; an endpoint not set explicitly comes from the issuer's discovery document."""
    value = getattr(settings, name, "")
    if name in _ENDPOINTS and not value and getattr(settings, "OIDC_ISSUER", ""):
        value = _discovery().get(_ENDPOINTS[name], "")
    if value in ("", None):
        if default:
            return default[0]
        raise ImproperlyConfigured(f"{name} is not configured")
    return value


class UnitOIDCBackend(OIDCAuthenticationBackend):
    """Signs a 法人 account in as its unit's administrator clerk."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Lazy: Django builds every backend for every password login and session, the endpoints are looked up only
        # when a code is exchanged.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return oidc_setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return oidc_setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return oidc_setting("OIDC_OP_JWKS_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self):
        return oidc_setting("OIDC_RP_CLIENT_ID")

    @property
    def OIDC_RP_CLIENT_SECRET(self):
        return oidc_setting("OIDC_RP_CLIENT_SECRET", "")

    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or "state" not in request.GET or "nonce" not in kwargs:
            return None  # a password login: not ours
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SignInRefused("登录凭证的签名算法不被接受。")
        issuer = getattr(settings, "OIDC_ISSUER", "").rstrip("/")
        audience = getattr(settings, "OIDC_AUDIENCE", "") or self.OIDC_RP_CLIENT_ID
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=audience,
                issuer=issuer or None,
                leeway=settings.OIDC_CLOCK_SKEW,
                options={"require": ["exp", "iat", "aud", "sub"], "verify_iss": bool(issuer)},
            )
        except jwt.ExpiredSignatureError:
            raise SignInRefused("登录凭证已过期，请重新登录。") from None
        except jwt.InvalidAudienceError:
            raise SignInRefused("登录凭证不是签发给本系统的，已拒绝。") from None
        except jwt.InvalidTokenError as error:
            logger.warning("OIDC ID token refused: %s", error)
            raise SignInRefused("登录凭证校验未通过，请重新登录。") from None

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {**self.get_userinfo(access_token, id_token, payload), **payload}
        uscc = str(claims.get(settings.OIDC_USCC_CLAIM) or "").strip()
        if not uscc:
            raise AccountError("政务服务网未提供本单位的统一社会信用代码，无法登录。请确认使用的是法人账号。")
        person = Person(
            name=str(claims.get(settings.OIDC_NAME_CLAIM) or ""),
            phone=str(claims.get(settings.OIDC_PHONE_CLAIM) or ""),
            email=str(claims.get("email") or ""),
            email_verified=claims.get("email_verified") is True,
        )
        return sso_sign_in(
            issuer=str(payload.get("iss") or settings.OIDC_ISSUER),
            subject=str(payload["sub"]),
            uscc=uscc,
            unit_name=str(claims.get(settings.OIDC_UNIT_NAME_CLAIM) or ""),
            person=person,
        )


def _refused(request, message: str, status: int):
    return render(
        request,
        "registration/sso_error.html",
        {"title": "统一身份认证登录未成功", "message": message, "button_label": settings.OIDC_BUTTON_LABEL},
        status=status,
    )


UNAVAILABLE = "政务服务网统一身份认证平台暂时无法访问，请稍后再试，或使用账号密码登录。"


class SSOLoginView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        pass  # endpoints looked up in get()

    def get(self, request):
        if not enabled():
            return _refused(request, "本系统未启用统一身份认证登录。", 404)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
        except ProviderUnavailable:
            return _refused(request, UNAVAILABLE, 503)
        return super().get(request)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback; every refusal is a Chinese page saying what to do, never a 500."""

    get_settings = staticmethod(oidc_setting)

    @property
    def success_url(self):
        account = getattr(self.user, "employer_account", None)
        if account is not None and not account.employer.profile_complete:
            return reverse("employers:index")  # 资料待完善: the unit's basic information first
        return super().success_url

    def login_failure(self):
        if self.request.GET.get("error"):
            return _refused(self.request, "已在统一身份认证平台取消登录或登录未获授权。", 403)
        return _refused(self.request, "登录请求无效或已过期，请重新点击登录。", 400)

    def get(self, request):
        if not enabled():
            return _refused(request, "本系统未启用统一身份认证登录。", 404)
        try:
            return super().get(request)
        except (AccountError, SignInRefused) as error:
            return _refused(request, error.message, 403)
        except SuspiciousOperation as error:  # unknown state, nonce mismatch, no matching key
            logger.warning("OIDC callback refused: %s", error)
            return _refused(request, "登录请求无效或已过期（校验未通过），请重新点击登录。", 400)
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            logger.warning("OIDC provider answered %s: %s", status, error)
            if 400 <= status < 500:
                return _refused(request, "登录授权码无效或已被使用，请重新点击登录。", 400)
            return _refused(request, UNAVAILABLE, 503)
        except (requests.RequestException, ProviderUnavailable, ValueError) as error:
            logger.warning("OIDC provider unreachable: %s", error)
            return _refused(request, UNAVAILABLE, 503)
