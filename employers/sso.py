"""法人 single sign-on over OpenID Connect (mozilla-django-oidc; ADR 0012), from one or several providers.

Authorization code flow with PKCE (S256), state and nonce checked by mozilla-django-oidc; the ID token's RS256
signature is checked against the provider's JWKS, and — which mozilla-django-oidc leaves out — its audience (our
client id), issuer (when known) and expiry here. The unit is the USCC claim's (``employers.accounts.sso_sign_in``).

The providers and their settings: ``employers.sso_providers``. The login view of a provider records the provider's
key in the state's session entry; the callback of another provider refuses that state (a Chinese page), and the
backend reads the provider the callback view found (``request.sso_provider``). Nothing here touches the network
until a sign-in starts, so an unconfigured or unreachable provider never breaks password logins.
"""

import logging
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import render
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.errors import DomainError
from employers import sso_providers
from employers.accounts import AccountError, Person, sso_sign_in
from employers.sso_providers import DEFAULT, Provider, ProviderUnavailable

logger = logging.getLogger(__name__)


class SignInRefused(DomainError):
    """The provider's answer was not accepted (token, claims)."""


class UnitOIDCBackend(OIDCAuthenticationBackend):
    """Signs a 法人 account in as its unit's administrator clerk, for the provider of the callback."""

    def __init__(self, *args, **kwargs):
        # Lazy: Django builds every backend for every password login and session, the endpoints are looked up only
        # when a code is exchanged.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    @property
    def provider(self) -> Provider:
        return getattr(getattr(self, "request", None), "sso_provider", None) or sso_providers.default_provider()

    def get_settings(self, name, *default):
        return self.provider.setting(name, *default)

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return self.get_settings("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return self.get_settings("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return self.get_settings("OIDC_OP_JWKS_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self):
        return self.get_settings("OIDC_RP_CLIENT_ID")

    @property
    def OIDC_RP_CLIENT_SECRET(self):
        return self.get_settings("OIDC_RP_CLIENT_SECRET", "")

    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or "state" not in request.GET or "nonce" not in kwargs:
            return None  # a password login: not ours
        return super().authenticate(request, **kwargs)

    def get_token(self, payload):
        # the redirect URI sent with the code is the one the login view sent: this provider's callback
        payload = {**payload, "redirect_uri": absolutify(self.request, self.provider.callback_path)}
        return super().get_token(payload)

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SignInRefused("登录凭证的签名算法不被接受。")
        provider = self.provider
        issuer = provider.issuer
        audience = provider.audience or provider.client_id
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
        except jwt.InvalidIssuerError:
            raise SignInRefused(f"登录凭证不是「{provider.label}」签发的，已拒绝。") from None
        except jwt.InvalidTokenError as error:
            logger.warning("OIDC ID token refused: %s", error)
            raise SignInRefused("登录凭证校验未通过，请重新登录。") from None

    def get_or_create_user(self, access_token, id_token, payload):
        provider = self.provider
        claims = {**self.get_userinfo(access_token, id_token, payload), **payload}
        uscc = str(claims.get(provider.uscc_claim) or "").strip()
        if not uscc:
            raise AccountError("政务服务网未提供本单位的统一社会信用代码，无法登录。请确认使用的是法人账号。")
        person = Person(
            name=str(claims.get(provider.name_claim) or ""),
            phone=str(claims.get(provider.phone_claim) or ""),
            email=str(claims.get("email") or ""),
            email_verified=claims.get("email_verified") is True,
        )
        # The provider's accounts are told apart by its issuer: the configured one (checked against the token's
        # iss above); the default provider without one (explicit endpoints) keeps the token's.
        return sso_sign_in(
            issuer=provider.issuer or str(payload.get("iss") or ""),
            subject=str(payload["sub"]),
            uscc=uscc,
            unit_name=str(claims.get(provider.unit_name_claim) or ""),
            person=person,
        )


def _refused(request, message: str, status: int, provider: Provider | None = None):
    return render(
        request,
        "registration/sso_error.html",
        {
            "title": "统一身份认证登录未成功",
            "message": message,
            "button_label": provider.label if provider else settings.OIDC_BUTTON_LABEL,
        },
        status=status,
    )


UNAVAILABLE = ProviderUnavailable().message
NOT_ENABLED = "本系统未启用该统一身份认证登录。"


class SSOLoginView(OIDCAuthenticationRequestView):
    """Starts a sign-in at the provider of the URL (``default`` without one)."""

    def __init__(self, *args, **kwargs):
        pass  # endpoints looked up in get(), for the provider of the URL

    def get_settings(self, name, *default):
        return self.provider.setting(name, *default)

    def get_extra_params(self, request):
        # the provider's own callback URL (mozilla-django-oidc would reverse one name for every provider)
        return {**super().get_extra_params(request), "redirect_uri": absolutify(request, self.provider.callback_path)}

    def get(self, request, provider: str = DEFAULT):
        found = sso_providers.get(provider)
        if found is None:
            return _refused(request, NOT_ENABLED, 404)
        self.provider = found
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        except ProviderUnavailable:
            return _refused(request, UNAVAILABLE, 503, found)
        response = super().get(request)
        # bind the state to this provider: its callback alone accepts it
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = found.key
        request.session.modified = True
        return response


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback; every refusal is a Chinese page saying what to do, never a 500."""

    def get_settings(self, name, *default):
        return self.provider.setting(name, *default)

    @property
    def success_url(self):
        account = getattr(self.user, "employer_account", None)
        if account is not None and not account.employer.profile_complete:
            return reverse("employers:index")  # 资料待完善: the unit's basic information first
        return super().success_url

    def login_failure(self):
        if self.request.GET.get("error"):
            return _refused(self.request, "已在统一身份认证平台取消登录或登录未获授权。", 403, self.provider)
        return _refused(self.request, "登录请求无效或已过期，请重新点击登录。", 400, self.provider)

    def _state_of_another_provider(self, request) -> str | None:
        """The key of the provider whose login issued this callback's state, when it is not this one (the entry is
        used up: a state is tried once)."""
        states = request.session.get("oidc_states")
        state = request.GET.get("state")
        if not isinstance(states, dict) or state not in states:
            return None
        started_at = states[state].get("provider", DEFAULT)
        if started_at == self.provider.key:
            return None
        del states[state]
        request.session.modified = True
        return started_at

    def get(self, request, provider: str = DEFAULT):
        found = sso_providers.get(provider)
        if found is None:
            return _refused(request, NOT_ENABLED, 404)
        self.provider = request.sso_provider = found
        other = self._state_of_another_provider(request)
        if other is not None:
            logger.warning("OIDC callback of %s with a state issued for %s", found.key, other)
            started = sso_providers.get(other)
            started_label = f"「{started.label}」" if started else "另一个认证平台"
            return _refused(
                request,
                f"登录请求无效：该登录是从{started_label}发起的，却返回到了「{found.label}」。请回到登录页重新点击登录。",
                400,
                found,
            )
        try:
            return super().get(request)
        except (AccountError, SignInRefused) as error:
            return _refused(request, error.message, 403, found)
        except SuspiciousOperation as error:  # unknown state, nonce mismatch, no matching key
            logger.warning("OIDC callback refused: %s", error)
            return _refused(request, "登录请求无效或已过期（校验未通过），请重新点击登录。", 400, found)
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            logger.warning("OIDC provider answered %s: %s", status, error)
            if 400 <= status < 500:
                return _refused(request, "登录授权码无效或已被使用，请重新点击登录。", 400, found)
            return _refused(request, UNAVAILABLE, 503, found)
        except (requests.RequestException, ProviderUnavailable, ValueError) as error:
            logger.warning("OIDC provider unreachable: %s", error)
            return _refused(request, UNAVAILABLE, 503, found)
