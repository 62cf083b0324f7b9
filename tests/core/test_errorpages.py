"""500 and 503 pages (core/errorpages.py): a dependency down gives a Chinese 503 and nothing half-recorded; the S3
client gives up within its timeouts; a bug gives the Chinese 500 page."""

import socket
import threading
import time

import pytest
from botocore.config import Config
from django.template.loader import render_to_string
from django.test import Client

from core.models import Region

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.core.urls_failing")]


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


def test_database_down_gives_503_in_chinese(anonymous):
    response = anonymous.get("/_test/db-down/", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "系统暂时无法提供服务" in html and "未保存任何内容" in html
    assert "lb-7f3a9c21" in html and response["X-Request-ID"] == "lb-7f3a9c21"
    assert "Connection refused" not in html


def test_nothing_half_recorded(anonymous):
    response = anonymous.get("/_test/db-down-after-write/")
    assert response.status_code == 503
    assert not Region.objects.filter(code="990000").exists()


def test_plain_bug_gives_500_in_chinese(anonymous):
    response = anonymous.get("/_test/bug/")
    assert response.status_code == 500
    assert "系统内部错误" in response.content.decode()


def test_500_page_renders_without_request_or_database():
    html = render_to_string("500.html", {})
    assert "系统内部错误" in html and "请求编号：-" in html
    assert "/static/" not in html  # no static manifest needed


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: an object store that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn in held:
        conn.close()


def test_hanging_object_store_gives_503_within_the_timeout(anonymous, settings, silent_server, monkeypatch, caplog):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "wangbao",
                "endpoint_url": silent_server,
                "region_name": "cn-north-1",
                # as config/settings.py, with a 1 s read timeout and one attempt to keep the test short
                "client_config": Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}),
            },
        },
    }
    started = time.monotonic()
    response = anonymous.post("/_test/storage-down/")
    assert response.status_code == 503
    assert "系统暂时无法提供服务" in response.content.decode()
    assert time.monotonic() - started < 10
    assert "botocore.exceptions.ReadTimeoutError" in caplog.text


def test_settings_give_s3_its_timeouts():
    """STORAGE_BACKEND=s3 builds S3Storage with connect 5 s / read 15 s / 3 attempts (fresh settings module)."""
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import django, os; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "c = s.client_config; print(type(s).__name__, s.bucket_name, c.connect_timeout, c.read_timeout,"
        " c.retries['max_attempts'])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "wangbao-uploads",
        "S3_ENDPOINT_URL": "https://oss.example.gov.cn",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["S3Storage", "wangbao-uploads", "5", "15", "3"]
