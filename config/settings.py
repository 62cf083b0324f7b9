"""Settings driven by environment variables (see README.md, "Configuration")."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)
# The committed development key: used when SECRET_KEY is unset; with DEBUG off `check --deploy` refuses it
# (core.E001, core/checks.py) and so do gunicorn (config/gunicorn.conf.py) and the systemd units (docs/deploy.md).
DEV_SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core.otp.OTPAdminConfig",  # django.contrib.admin with the TOTP second factor (core/otp.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates for FORM_RENDERER (core.renderers.FormRenderer, a TemplatesSetting)
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "core",
    "employers",
    "feeds",
    "placements",
    "declarations",
    "levy",
    "notices",
    "relief",
    "manual",
    "dashboard",
    # Demo and synthetic data (load_demo_data, generate_feeds): development, DEVDATA=1 and pytest only (ADR 0008).
    *(["devdata"] if env_bool("DEVDATA", DEBUG or "pytest" in sys.modules) else []),
]

MIDDLEWARE = [
    "core.requestid.RequestIdMiddleware",  # X-Request-ID on every response and in every log line of the request
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP on every response (ADR 0020)
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from STATIC_ROOT (collectstatic) with DEBUG off
    "core.middleware.InputGuardMiddleware",  # refuses control characters, over-long and non-UTF-8 input (HTTP 400)
    "core.middleware_sessions.SessionMiddleware",  # Django's, its database session read by a statement built once
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware_otp.OTPMiddleware",  # django-otp's, the session's device read by a prepared query
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",  # {{ csp_nonce }} for <script>/<style> (ADR 0020)
                "core.context_processors.navigation",
                "core.context_processors.site_footer",
                "notices.context_processors.unread",
            ],
        },
    },
]
FORM_RENDERER = "core.renderers.FormRenderer"  # TemplatesSetting with the commonest widget templates in Python
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        # Seconds a connection is kept across requests (0: one per request). DB_CONN_MAX_AGE; CONN_MAX_AGE still read.
        conn_max_age=env_int("DB_CONN_MAX_AGE", env_int("CONN_MAX_AGE", 60)),
        # A kept connection is tested before reuse, so a restarted or failed-over database costs no failed request.
        conn_health_checks=True,
    )
}
# PostgreSQL's JIT compiler pays off only for long analytic queries. Here it compiled for 10–15 ms whenever a plan's
# estimate crossed jit_above_cost — each 2,000-placement chunk of a grid recompute, for one — and saved nothing
# (docs/adr/0001-month-grid.md, session 8). Added to any options the URL names. DB_JIT=1 leaves the server's setting
# alone: behind PgBouncer, which refuses an ``options`` startup parameter, set it and turn JIT off for the role
# instead (docs/deploy.md).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool("DB_JIT", False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in _options.get("options", ""):
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# The statements every signed-in page runs (the unit, the badge, the prepared querysets: core.prepared.execute) are
# prepared once per PostgreSQL connection and then only executed: PostgreSQL plans them once instead of on every
# request (0.33 ms of the unit's 0.38 ms was planning). Needs connections that live across requests: off with
# DB_CONN_MAX_AGE=0, and set DB_SERVER_PREPARE=0 behind PgBouncer in transaction mode (a statement prepared on one
# server connection would be executed on another).
DB_SERVER_PREPARE = env_bool("DB_SERVER_PREPARE", DATABASES["default"].get("CONN_MAX_AGE", 0) != 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "core.passwords.Argon2idHasher",  # Argon2id at OWASP's minimum (19 MiB, t=2, p=1): ~20 ms a login (ADR 0023)
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "login"

# django-axes (core/lockout.py): 5 failures of one account from one address lock that pair for 5 minutes (a TOTP
# code on the lock-out page lifts it at once); 30 failures from one address, whatever the accounts, lock the address
# for 15 minutes. A stranger elsewhere typing a username locks only himself.
AXES_HANDLER = "core.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "core.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = 5
LOCKOUT_ACCOUNT_COOLOFF = timedelta(minutes=5)
LOCKOUT_ADDRESS_LIMIT = 30
AXES_COOLOFF_TIME = timedelta(minutes=15)  # the longest cool-off: axes forgets failures older than this
AXES_RESET_ON_SUCCESS = True

# Reviewers' second factor in the admin (core/otp.py): TOTP set up on the first login. Off only for local development.
ADMIN_REQUIRE_OTP = env_bool("ADMIN_REQUIRE_OTP", True)
OTP_TOTP_ISSUER = "按比例就业网报系统"
# django-otp's device admin neither shows the TOTP secrets nor serves their QR codes (its QR view also ends in a 500
# for an unknown device); reviewers set their device up at /admin/otp/setup/ (core/otp.py).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# `manage.py collectstatic --noinput` copies (and with DEBUG off fingerprints and compresses) every static file here;
# WhiteNoise serves them from this directory in production.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
# The front-end packages come from node_modules (package-lock.json), so collectstatic needs `npm ci` first
# (scripts/setup.sh runs it).
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only the files the pages link (core/staticfinders.py): ECharts' dist folder alone is 120 MB of other builds.
STATIC_VENDOR_FILES = {
    "vendor/bootstrap": (
        BASE_DIR / "node_modules" / "bootstrap" / "dist",
        [
            "css/bootstrap.min.css",
            "css/bootstrap.min.css.map",
            "js/bootstrap.bundle.min.js",
            "js/bootstrap.bundle.min.js.map",
        ],
    ),
    "vendor/htmx": (BASE_DIR / "node_modules" / "htmx.org" / "dist", ["htmx.min.js"]),
    "vendor/echarts": (BASE_DIR / "node_modules" / "echarts" / "dist", ["echarts.min.js"]),
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfinders.VendorFinder",
]

# Uploaded files never live under the static tree and are only served through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "uploads"))
# No URL serves MEDIA_ROOT: files go out only through employers.views.download (permission-checked).
MEDIA_URL = "/_no_public_media/"
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()  # checked by core.E003–E005
if STORAGE_BACKEND == "s3":
    try:
        from botocore.config import Config as _BotoConfig
    except ImportError:  # reported by `check --deploy` (core.E004), not a crash at import
        _s3_client_config = None
    else:
        # A hanging object store answers within the timeout: connect 5 s, read 15 s, 3 attempts in all.
        _s3_client_config = _BotoConfig(
            connect_timeout=env_int("S3_CONNECT_TIMEOUT", 5),
            read_timeout=env_int("S3_READ_TIMEOUT", 15),
            retries={"max_attempts": env_int("S3_MAX_ATTEMPTS", 3), "mode": "standard"},
            signature_version="s3v4",
            s3={"addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "auto")},
        )
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "client_config": _s3_client_config,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
# Static files: fingerprinted and compressed by WhiteNoise with DEBUG off (needs `collectstatic` first: a page
# naming a file the manifest lacks is an error); the plain storage in development and under pytest, where pages are
# rendered without a collectstatic run. STATICFILES_BACKEND overrides either.
_manifest_static = not DEBUG and "pytest" not in sys.modules
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": os.environ.get("STATICFILES_BACKEND")
        or (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _manifest_static
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Fingerprinted files (name.0123abcd.css) are cached by browsers for a year; the others for WHITENOISE_MAX_AGE.
WHITENOISE_MAX_AGE = env_int("WHITENOISE_MAX_AGE", 3600)

# Shared cache: Redis when REDIS_URL is set (every app node must see the same counters), else this process's memory
# (development, tests, one process).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "wangbao"),
            # A Redis that does not answer fails the request within seconds instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wangbao"}}

# Background work behind Django's django.tasks API: immediate in development and tests,
# django-tasks-db workers (`manage.py db_worker`) in production.
TASK_BACKEND = os.environ.get("TASK_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASK_BACKEND == "database"
            else "django.tasks.backends.immediate.ImmediateBackend"
        )
    }
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60  # sessions end after 30 minutes without a request
SESSION_RENEW_SECONDS = 5 * 60  # … renewed at most every 5 minutes of activity (employers/sessions.py)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # the file view allows SAMEORIGIN so reviewers can embed PDFs
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy of every response that sets none itself (the /files/ view sets its own; ADR 0020):
# scripts and <style> elements only from this origin or carrying the request's nonce, no inline event handlers,
# nothing from another origin. style-src-attr allows style="" attributes only (not <style> elements): ECharts
# writes its tooltips as HTML with style attributes (the templates themselves have none; tests/core/test_csp.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The reverse proxies in front of the app nodes (load balancer, nginx): the header they append the client's address
# to (TRUSTED_PROXY_HEADER, e.g. X-Forwarded-For) and how many of them there are (TRUSTED_PROXY_COUNT). Unset or 0
# (no proxy): REMOTE_ADDR, and the header, which a client can forge, is ignored.
TRUSTED_PROXY_HEADER = os.environ.get("TRUSTED_PROXY_HEADER", "X-Forwarded-For")
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Behind TLS in production (HTTPS=1): secure cookies, redirect to HTTPS, HSTS.
if env_bool("HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the proxy: it says so in X-Forwarded-Proto. Trusted only behind a proxy (which must overwrite the
    # header a client sends); without one the header is a client's claim.
    if TRUSTED_PROXY_COUNT > 0:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer's health probe may speak plain HTTP to the node.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# E-mail (password reset) through Django 6.1's MAILERS (the EMAIL_* settings are deprecated and may not be set beside
# it): SMTP when EMAIL_HOST is set, else printed on the console (development). The environment variables keep the
# familiar EMAIL_* names. Tests get Django's locmem mailer.
_email_host = os.environ.get("EMAIL_HOST", "").strip()
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 587 if env_bool("EMAIL_USE_TLS") else 25),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": env_int("EMAIL_TIMEOUT", 10),  # a mail server that hangs does not hang the request
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "按比例就业网报系统 <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Issuing body printed on documents when a unit's region has no name of its own.
ISSUING_BODY_SUFFIX = "残疾人联合会"

# One line per record on stderr: time (ISO 8601 in TIME_ZONE, with its offset, whatever the process's TZ), level,
# logger, request id (X-Request-ID, "-" outside a request), message; JSON lines with LOG_FORMAT=json.
# config/gunicorn.conf.py sends gunicorn's own and access logs through the same formatter.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING").strip().upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.requestid.RequestIdFilter"}},
    "formatters": {
        "line": {"()": "core.requestid.LogFormatter", "as_json": LOG_FORMAT == "json", "time_zone": TIME_ZONE},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# Absolute address printed in certificates' QR codes when a document is generated without a request (daily task).
# Required with DEBUG off (core.E002).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
# The government-site footer of every page (core.context_processors.site_footer): 主办单位, ICP 备案号, 公网安备号,
# 网站标识码 (not Django's SITE_ID, hence one dict). Empty items are not shown.
GOV_SITE = {
    "sponsor": os.environ.get("SITE_SPONSOR", "中国残疾人联合会").strip(),
    "icp": os.environ.get("SITE_ICP", "").strip(),
    "psb": os.environ.get("SITE_PSB", "").strip(),
    "site_id": os.environ.get("SITE_ID", "").strip(),
}

# /healthz (core/health.py): the task backlog is stale when the oldest task waiting to run has waited longer than
# HEALTHZ_TASK_WAIT_SECONDS, or a task has been running for longer than HEALTHZ_TASK_RUNNING_SECONDS.
HEALTHZ_TASK_WAIT_SECONDS = env_int("HEALTHZ_TASK_WAIT_SECONDS", 15 * 60)
HEALTHZ_TASK_RUNNING_SECONDS = env_int("HEALTHZ_TASK_RUNNING_SECONDS", 60 * 60)
# Where `export_tax` writes the files for the tax offices.
TAX_EXPORT_DIR = Path(os.environ.get("TAX_EXPORT_DIR", BASE_DIR / "var" / "exports" / "tax"))

# 查询 in the registration wizard discloses what the disabled-persons registry holds about an ID number, so an
# employer account may look up only so many different numbers: (window in seconds, distinct ID numbers). Every
# lookup is audited (action registry.lookup, object feeds.registryperson / the ID number).
REGISTRY_LOOKUP_LIMITS = [(10 * 60, 60), (24 * 3600, 600)]
# 批量导入's check reads the registry's data of every person of the file: an account may have so many different
# persons checked that way per window (a re-upload of the same persons does not count again). Each person read is
# audited (action registry.bulk_lookup). The default fits a large unit's whole file twice over in a day.
REGISTRY_BULK_LOOKUP_LIMITS = [(24 * 3600, env_int("REGISTRY_BULK_PERSONS_PER_DAY", 10_000))]

# --- Logins of units (issue 14; employers/sso.py, employers/accounts.py, ADR 0012) ----------------------------------
# 法人 single sign-on over OpenID Connect (政务服务网): on with a client id and an issuer (or explicit endpoints).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")  # endpoints by discovery from {issuer}/.well-known/…
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_AUTHORIZATION_ENDPOINT", "")  # explicit endpoints win
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_JWKS_ENDPOINT", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_AUDIENCE = os.environ.get("OIDC_AUDIENCE", "")  # the ID token's expected aud; default the client id
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile phone email")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_CLOCK_SKEW = int(os.environ.get("OIDC_CLOCK_SKEW", "60"))  # seconds of leeway on exp / iat
OIDC_USCC_CLAIM = os.environ.get("OIDC_USCC_CLAIM", "uscc")
OIDC_UNIT_NAME_CLAIM = os.environ.get("OIDC_UNIT_NAME_CLAIM", "org_name")
OIDC_NAME_CLAIM = os.environ.get("OIDC_NAME_CLAIM", "name")
OIDC_PHONE_CLAIM = os.environ.get("OIDC_PHONE_CLAIM", "phone_number")
OIDC_BUTTON_LABEL = os.environ.get("OIDC_BUTTON_LABEL", "政务服务网法人登录")
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
# Several providers (a national and a provincial 政务服务网; employers/sso_providers.py): OIDC_PROVIDERS=zjzwfw,national
# and per key OIDC_<KEY>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _LABEL (required), _AUDIENCE, the explicit endpoints,
# _SCOPES and the claim names (default: the unprefixed ones above). The key "default" is the unprefixed variables
# above, at /accounts/sso/login/; without OIDC_PROVIDERS it is the only one. A half-configured one fails `check`.
_OIDC_FIELDS = ["ISSUER", "CLIENT_ID", "CLIENT_SECRET", "AUDIENCE", "AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT"]
_OIDC_FIELDS += ["USERINFO_ENDPOINT", "JWKS_ENDPOINT", "SCOPES", "USCC_CLAIM", "UNIT_NAME_CLAIM", "NAME_CLAIM"]
_OIDC_FIELDS += ["PHONE_CLAIM", "LABEL"]  # as employers.sso_providers.FIELDS
OIDC_PROVIDERS = {
    key: {}
    if key == "default"
    else {f.lower(): os.environ.get(f"OIDC_{key.upper().replace('-', '_')}_{f}", "") for f in _OIDC_FIELDS}
    for key in (k.strip().lower() for k in os.environ.get("OIDC_PROVIDERS", "default").split(","))
    if key
}
# OIDC_PROVIDERS set by the operator: "default" listed there but left empty is a mistake the check names (E101)
OIDC_PROVIDERS_EXPLICIT = bool(os.environ.get("OIDC_PROVIDERS", "").strip())
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "employers.sso.UnitOIDCBackend"]
# Password reset by e-mail (clerks with a verified address): links valid one hour; at most 5 requests per address and
# 20 per client address an hour (employers.accounts.password_reset_allowed, counted in the cache).
PASSWORD_RESET_TIMEOUT = 3600
PASSWORD_RESET_RATE = (3600, 5, 20)
# 窗口代办 (employers/proxy.py) and the idle-session renewal (employers/sessions.py), inside the session and auth ones.
MIDDLEWARE = [*MIDDLEWARE, "employers.proxy.ProxyMiddleware", "employers.sessions.IdleSessionMiddleware"]
# --- end of logins of units -------------------------------------------------------------------------------------
