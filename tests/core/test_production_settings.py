"""config/settings.py reads the production environment: Redis cache, connection age, SMTP through MAILERS, the
proxy SSL header only behind a declared proxy, static storage with DEBUG off. A fresh interpreter per environment."""

import json
import subprocess
import sys

from django.conf import settings as django_settings

PRINT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "cache": s.CACHES["default"]["BACKEND"], "cache_location": s.CACHES["default"].get("LOCATION"),
    "conn_max_age": s.DATABASES["default"]["CONN_MAX_AGE"], "mailer": s.MAILERS["default"],
    "proxy_ssl": getattr(s, "SECURE_PROXY_SSL_HEADER", None), "static": s.STORAGES["staticfiles"]["BACKEND"],
    "from": s.DEFAULT_FROM_EMAIL, "db_options": s.DATABASES["default"].get("OPTIONS", {}),
}))
"""


def settings_under(**env) -> dict:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", PRINT],
        env=base | env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_production_environment():
    got = settings_under(
        DEBUG="0",
        REDIS_URL="redis://redis.internal:6379/0",
        DB_CONN_MAX_AGE="0",
        EMAIL_HOST="smtp.example.gov.cn",
        EMAIL_USE_TLS="1",
        EMAIL_HOST_USER="wangbao",
        EMAIL_HOST_PASSWORD="s3cret",
        DEFAULT_FROM_EMAIL="网报系统 <noreply@example.gov.cn>",
        HTTPS="1",
        TRUSTED_PROXY_COUNT="1",
    )
    assert got["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert got["cache_location"] == "redis://redis.internal:6379/0"
    assert got["conn_max_age"] == 0
    assert got["mailer"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    options = got["mailer"]["OPTIONS"]
    assert (options["host"], options["port"], options["use_tls"], options["username"], options["timeout"]) == (
        "smtp.example.gov.cn",
        587,
        True,
        "wangbao",
        10,
    )
    assert got["from"] == "网报系统 <noreply@example.gov.cn>"
    assert got["proxy_ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert got["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_development_defaults():
    got = settings_under(DEBUG="1", HTTPS="1")
    assert got["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert got["conn_max_age"] == 60
    assert got["mailer"] == {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert got["proxy_ssl"] is None  # HTTPS without a declared proxy: X-Forwarded-Proto is not trusted
    assert got["static"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_postgresql_connections_turn_jit_off_unless_asked():
    url = "postgres://u:p@db.internal:5432/wangbao"
    assert settings_under(DATABASE_URL=url)["db_options"]["options"] == "-c jit=off"
    assert "options" not in settings_under(DATABASE_URL=url, DB_JIT="1")["db_options"]
    # Options the URL names are kept, JIT's added.
    named = settings_under(DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000")["db_options"]["options"]
    assert named == "-c statement_timeout=5000 -c jit=off"
    assert "options" not in settings_under()["db_options"]  # SQLite
