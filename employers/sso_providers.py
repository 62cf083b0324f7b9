"""The 法人 single sign-on providers (ADR 0012, "Several providers"): a national and a provincial 政务服务网 at once.

``settings.OIDC_PROVIDERS`` maps a key to its settings (read from ``OIDC_<KEY>_*``; config/settings.py). The key
``default`` is the unprefixed single-provider settings (``OIDC_ISSUER``, ``OIDC_RP_CLIENT_ID``…) and keeps its URLs
``/accounts/sso/login/`` and ``/accounts/sso/callback/``; any other key has ``/accounts/sso/<key>/login/`` and
``…/callback/``. Read from the settings at each call (cheap), so nothing is cached across a settings change.

A provider's accounts are told apart by the issuer (``SSOIdentity.issuer``): with several providers each must have
its ``ISSUER`` set, the ID token's ``iss`` is checked against it, and no two may share one. ``check_providers`` (a
system check, run by ``check --deploy`` before the web and worker processes start) refuses a half-configured one.
"""

import logging
import re
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from core.errors import DomainError

logger = logging.getLogger(__name__)

DEFAULT = "default"
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
# The per-provider settings, as OIDC_<KEY>_<NAME> in the environment (lower case in settings.OIDC_PROVIDERS).
FIELDS = (
    "ISSUER",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "AUDIENCE",
    "AUTHORIZATION_ENDPOINT",
    "TOKEN_ENDPOINT",
    "USERINFO_ENDPOINT",
    "JWKS_ENDPOINT",
    "SCOPES",
    "USCC_CLAIM",
    "UNIT_NAME_CLAIM",
    "NAME_CLAIM",
    "PHONE_CLAIM",
    "LABEL",
)
# mozilla-django-oidc's endpoint setting → (our field, the discovery document's name)
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": ("authorization_endpoint", "authorization_endpoint"),
    "OIDC_OP_TOKEN_ENDPOINT": ("token_endpoint", "token_endpoint"),
    "OIDC_OP_USER_ENDPOINT": ("userinfo_endpoint", "userinfo_endpoint"),
    "OIDC_OP_JWKS_ENDPOINT": ("jwks_endpoint", "jwks_uri"),
}


class ProviderUnavailable(DomainError):
    """The provider could not be reached or answered nonsense."""

    def __init__(self, message: str = "政务服务网统一身份认证平台暂时无法访问，请稍后再试，或使用账号密码登录。"):
        super().__init__(message)


def env_name(key: str, name: str) -> str:
    """The environment variable of a provider's setting, e.g. ``OIDC_NATIONAL_CLIENT_ID``."""
    if key == DEFAULT:
        return {"CLIENT_ID": "OIDC_CLIENT_ID", "LABEL": "OIDC_BUTTON_LABEL"}.get(name, f"OIDC_{name}")
    return f"OIDC_{key.upper().replace('-', '_')}_{name}"


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    audience: str = ""
    scopes: str = ""
    endpoints: dict[str, str] = field(default_factory=dict)  # explicit ones, by our field name
    uscc_claim: str = "uscc"
    unit_name_claim: str = "org_name"
    name_claim: str = "name"
    phone_claim: str = "phone_number"

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and (self.issuer or self.endpoints.get("authorization_endpoint")))

    @property
    def login_path(self) -> str:
        return reverse("sso:login") if self.key == DEFAULT else reverse("sso:provider_login", args=[self.key])

    @property
    def callback_path(self) -> str:
        return reverse("sso:callback") if self.key == DEFAULT else reverse("sso:provider_callback", args=[self.key])

    def discovery(self) -> dict:
        """The issuer's discovery document, cached one hour per issuer."""
        cache_key = f"oidc-discovery:{self.issuer}"
        metadata = cache.get(cache_key)
        if metadata is None:
            try:
                url = f"{self.issuer}/.well-known/openid-configuration"
                response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
                response.raise_for_status()
                metadata = response.json()
            except (requests.RequestException, ValueError) as error:
                logger.warning("OIDC discovery failed for %s: %s", self.issuer, error)
                raise ProviderUnavailable() from error
            cache.set(cache_key, metadata, 3600)
        return metadata

    def setting(self, name: str, *default):
        """A mozilla-django-oidc setting for this provider: its client, scopes and endpoints (an endpoint not set
        explicitly comes from the issuer's discovery); anything else is the global setting."""
        if name in ENDPOINTS:
            ours, discovered = ENDPOINTS[name]
            value = self.endpoints.get(ours, "")
            if not value and self.issuer:
                value = self.discovery().get(discovered, "")
        elif name == "OIDC_RP_CLIENT_ID":
            value = self.client_id
        elif name == "OIDC_RP_CLIENT_SECRET":
            value = self.client_secret
        elif name == "OIDC_RP_SCOPES":
            value = self.scopes
        else:
            value = getattr(settings, name, "")
        if value in ("", None):
            if default:
                return default[0]
            raise ImproperlyConfigured(f"{name} is not configured for the sign-on provider {self.key!r}")
        return value


def default_provider() -> Provider:
    """The provider of the unprefixed settings (enabled or not)."""
    s = settings
    return Provider(
        key=DEFAULT,
        label=s.OIDC_BUTTON_LABEL,
        issuer=(getattr(s, "OIDC_ISSUER", "") or "").rstrip("/"),
        client_id=getattr(s, "OIDC_RP_CLIENT_ID", ""),
        client_secret=getattr(s, "OIDC_RP_CLIENT_SECRET", ""),
        audience=getattr(s, "OIDC_AUDIENCE", ""),
        scopes=s.OIDC_RP_SCOPES,
        endpoints={ours: getattr(s, name, "") or "" for name, (ours, _) in ENDPOINTS.items()},
        uscc_claim=s.OIDC_USCC_CLAIM,
        unit_name_claim=s.OIDC_UNIT_NAME_CLAIM,
        name_claim=s.OIDC_NAME_CLAIM,
        phone_claim=s.OIDC_PHONE_CLAIM,
    )


def _named(key: str, values: dict[str, str]) -> Provider:
    s = settings

    def get(name: str, fallback: str = "") -> str:
        return (values.get(name.lower()) or "").strip() or fallback

    return Provider(
        key=key,
        label=get("LABEL"),
        issuer=get("ISSUER").rstrip("/"),
        client_id=get("CLIENT_ID"),
        client_secret=get("CLIENT_SECRET"),
        audience=get("AUDIENCE"),
        scopes=get("SCOPES", s.OIDC_RP_SCOPES),
        endpoints={ours: get(ours.upper()) for ours, _ in ENDPOINTS.values()},
        uscc_claim=get("USCC_CLAIM", s.OIDC_USCC_CLAIM),
        unit_name_claim=get("UNIT_NAME_CLAIM", s.OIDC_UNIT_NAME_CLAIM),
        name_claim=get("NAME_CLAIM", s.OIDC_NAME_CLAIM),
        phone_claim=get("PHONE_CLAIM", s.OIDC_PHONE_CLAIM),
    )


def all_providers() -> list[Provider]:
    """Every listed provider, in the order of ``OIDC_PROVIDERS``, configured or not."""
    listed = getattr(settings, "OIDC_PROVIDERS", None) or {DEFAULT: {}}
    return [default_provider() if key == DEFAULT else _named(key, values or {}) for key, values in listed.items()]


def providers() -> list[Provider]:
    """The providers a unit can sign in with (the login page's buttons, in order)."""
    return [p for p in all_providers() if p.enabled]


def get(key: str) -> Provider | None:
    """An enabled provider by its key, else None."""
    return next((p for p in providers() if p.key == key), None)


def for_issuer(issuer: str) -> Provider | None:
    """The enabled provider whose accounts carry ``issuer`` (``SSOIdentity.issuer``). The default provider without
    an issuer of its own (explicit endpoints) takes what no other claims."""
    issuer = (issuer or "").rstrip("/")
    enabled = providers()
    match = next((p for p in enabled if p.issuer and p.issuer == issuer), None)
    if match is None:
        match = next((p for p in enabled if p.key == DEFAULT and not p.issuer), None)
    return match


# --- validation at start ------------------------------------------------------------------------------------------


def _problems(provider: Provider, several: bool) -> list[str]:
    """What is missing or wrong in one provider's settings, as sentences naming the environment variables."""
    key, env = provider.key, lambda name: env_name(provider.key, name)
    if key != DEFAULT and not KEY_PATTERN.match(key):
        return [f"认证平台标识 {key!r} 无效：只能用小写字母、数字和连字符（在网址 /accounts/sso/<标识>/ 中使用）。"]
    endpoints = provider.endpoints
    touched = provider.client_id or provider.issuer or any(endpoints.values())
    if not touched:
        if key == DEFAULT and not getattr(settings, "OIDC_PROVIDERS_EXPLICIT", False):
            return []  # no single sign-on from the unprefixed settings: a province without one
        return [f"OIDC_PROVIDERS 列出了 {key}，但 {env('ISSUER')}、{env('CLIENT_ID')} 等均未设置。"]
    problems = []
    if not provider.client_id:
        problems.append(f"未设置 {env('CLIENT_ID')}（在认证平台登记的客户端标识）。")
    if not provider.issuer:
        missing = [env(ours.upper()) for ours, _discovered in ENDPOINTS.values() if not endpoints.get(ours)]
        if missing:
            problems.append(f"未设置 {env('ISSUER')}，也未设置全部端点：缺少 {'、'.join(missing)}。")
        if several:
            problems.append(f"同时配置了多个认证平台时必须设置 {env('ISSUER')}，用于核验登录凭证的签发方。")
    if key != DEFAULT and not provider.label:
        problems.append(f"未设置 {env('LABEL')}（登录页按钮上的文字）。")
    return problems


def check_providers(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    listed = all_providers()
    several = sum(1 for p in listed if p.client_id or p.issuer or any(p.endpoints.values())) > 1
    errors: list[checks.CheckMessage] = []
    for provider in listed:
        for problem in _problems(provider, several):
            errors.append(
                checks.Error(
                    f"法人统一身份认证平台 {provider.key!r} 配置不完整：{problem}",
                    hint="补齐该平台的环境变量，或把它从 OIDC_PROVIDERS 中去掉（README「Configuration」, ADR 0012）。",
                    id="employers.E101",
                )
            )
    issuers: dict[str, str] = {}
    for provider in listed:
        if provider.issuer and provider.issuer in issuers:
            errors.append(
                checks.Error(
                    f"认证平台 {issuers[provider.issuer]!r} 与 {provider.key!r} 的签发方相同（{provider.issuer}）。",
                    hint="同一平台只配置一次：法人账号按签发方区分，两个标识会共用同一批绑定。",
                    id="employers.E102",
                )
            )
        issuers.setdefault(provider.issuer, provider.key)
    configured = getattr(settings, "OIDC_PROVIDERS", None) or {}
    if DEFAULT not in configured and getattr(settings, "OIDC_RP_CLIENT_ID", ""):
        errors.append(
            checks.Warning(
                "设置了 OIDC_CLIENT_ID，但 OIDC_PROVIDERS 未列出 default：不带平台标识的 OIDC_* 变量不会生效。",
                hint="在 OIDC_PROVIDERS 中加入 default，或改用 OIDC_<标识>_* 变量。",
                id="employers.W101",
            )
        )
    return errors


checks.register(check_providers, checks.Tags.security)
