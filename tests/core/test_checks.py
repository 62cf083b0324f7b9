"""Deployment checks (core/checks.py): a production configuration without SECRET_KEY, PUBLIC_BASE_URL or a usable
object store is refused by ``manage.py check --deploy``; a complete one passes."""

import pytest
from django.conf import settings as django_settings
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core import checks

PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "k8V2-not-the-development-key-3hZ9qLw1pR7tY4uE6iO0aS5dF2gH8jK",
    "PUBLIC_BASE_URL": "https://wangbao.example.gov.cn",
    "MAILERS": {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": "smtp.gov.cn"}}
    },
}
S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {"bucket_name": "wangbao-uploads", "endpoint_url": "https://oss.example.gov.cn"},
}


@pytest.fixture
def production(settings, monkeypatch):
    # The browser tests' conftest allows sync ORM calls under Playwright's event loop for the whole test process;
    # Django's deploy check (async.E001) rightly refuses that in production, so it is not part of this configuration.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    settings.STORAGE_BACKEND = "filesystem"
    return settings


# `check --deploy` runs every registered check, some of which read the database.
deploy_check = pytest.mark.django_db


def ids(messages) -> set[str]:
    return {m.id for m in messages}


def errors_of_deploy_check() -> str:
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True)
    return str(raised.value)


@deploy_check
def test_complete_production_configuration_has_no_core_errors(production):
    messages = checks.check_secret_key() + checks.check_public_base_url() + checks.check_storage()
    assert messages == []
    call_command("check", deploy=True, fail_level="ERROR")  # does not raise


@deploy_check
def test_development_key_refused_with_debug_off(production):
    production.SECRET_KEY = django_settings.DEV_SECRET_KEY
    [error] = checks.check_secret_key()
    assert isinstance(error, Error) and error.id == "core.E001"
    assert "SECRET_KEY" in error.msg and "开发密钥" in error.msg
    assert "core.E001" in errors_of_deploy_check()


@deploy_check
@pytest.mark.parametrize("url", ["", "http://localhost:8000", "wangbao.example.gov.cn", "ftp://x.example.cn"])
def test_public_base_url_missing_or_local_refused(production, url):
    production.PUBLIC_BASE_URL = url
    [error] = checks.check_public_base_url()
    assert error.id == "core.E002"
    assert "二维码" in error.msg
    assert "core.E002" in errors_of_deploy_check()


@deploy_check
def test_console_mail_refused_by_django(production):
    production.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    assert "mail.E001" in errors_of_deploy_check()


def test_debug_on_is_not_production(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.PUBLIC_BASE_URL = ""
    assert checks.check_secret_key() == [] and checks.check_public_base_url() == []


def test_s3_without_bucket_refused(production):
    production.STORAGE_BACKEND = "s3"
    production.STORAGES = {**production.STORAGES, "default": {**S3, "OPTIONS": {"bucket_name": ""}}}
    assert ids(checks.check_storage()) == {"core.E003"}


def test_s3_with_bucket_passes(production):
    production.STORAGE_BACKEND = "s3"
    production.STORAGES = {**production.STORAGES, "default": S3}
    assert checks.check_storage() == []


def test_s3_without_boto3_refused(production, monkeypatch):
    production.STORAGE_BACKEND = "s3"
    production.STORAGES = {**production.STORAGES, "default": S3}
    real = checks.importlib.util.find_spec
    monkeypatch.setattr(checks.importlib.util, "find_spec", lambda name: None if name == "boto3" else real(name))
    [error] = checks.check_storage()
    assert error.id == "core.E004" and "boto3" in error.msg


def test_unknown_storage_backend_refused(production):
    production.STORAGE_BACKEND = "ftp"
    assert ids(checks.check_storage()) == {"core.E005"}


def test_production_warnings(production, tmp_path):
    production.STORAGES = {
        **production.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    production.STATIC_ROOT = tmp_path
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    production.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    found = ids(checks.check_shared_cache() + checks.check_task_backend() + checks.check_static_manifest())
    assert found == {"core.W001", "core.W002", "core.W004"}
