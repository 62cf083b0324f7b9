"""A failed upload to object storage leaves no row that points to nothing (issue 12, "Nothing lost").

Against moto in server mode (the local S3 stand-in of scripts/cluster.sh, a real HTTP endpoint): the object store
refuses the PUT (no such bucket), or is not there at all (connection refused), or accepts it and the database write
after it fails. In every case no ``StoredFile`` row (and no audit event) exists without its object, and an object
whose row could not be written is removed again (core.uploads.store_upload). A later rollback of an outer
transaction can only leave the opposite, harmless case — an object without a row — which ``sweep_uploads`` removes.
"""

import socket
import subprocess
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from core import uploads
from core.models import AuditEvent, StoredFile
from core.sweep import uploads_sweep
from tests.factories import files

MOTO = Path(django_settings.BASE_DIR) / "var" / "cluster" / "moto-venv" / "bin" / "moto_server"
BUCKET = "wangbao-test"

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    if not MOTO.exists():
        pytest.skip("moto server not installed (scripts/cluster.sh installs it into var/cluster/moto-venv)")
    port = _free_port()
    proc = subprocess.Popen(
        [str(MOTO), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.skip("moto server did not start")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _client(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="cn-north-1", aws_access_key_id="t", aws_secret_access_key="t"
    )


@pytest.fixture
def s3(settings, monkeypatch, moto_endpoint):
    """Django's default storage is S3Storage against moto, with a fresh, empty bucket; returns a boto3 client."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "t")
    client = _client(moto_endpoint)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
    _use_storage(settings, moto_endpoint, BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _use_storage(settings, endpoint: str, bucket: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "cn-north-1",
                "addressing_style": "path",
                "client_config": Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}),
            },
        },
    }


def _store(employer):
    upload = SimpleUploadedFile("证明.png", files.png_bytes(), content_type="image/png")
    return uploads.store_upload(uploaded_file=upload, kind="test", employer=employer, by=None)


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_stored_upload_has_its_object(s3, employer):
    stored = _store(employer)
    assert _keys(s3) == [stored.file.name]
    with stored.file.open("rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_an_object_store_refusing_the_put_leaves_no_row(s3, settings, moto_endpoint, employer):
    _use_storage(settings, moto_endpoint, "no-such-bucket")
    with pytest.raises(ClientError):
        _store(employer)
    assert not StoredFile.objects.exists() and not AuditEvent.objects.filter(action="file.upload").exists()


def test_an_unreachable_object_store_leaves_no_row(settings, monkeypatch, employer):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "t")
    _use_storage(settings, f"http://127.0.0.1:{_free_port()}", BUCKET)  # nothing listens there
    with pytest.raises(BotoCoreError):
        _store(employer)
    assert not StoredFile.objects.exists() and not AuditEvent.objects.filter(action="file.upload").exists()


def test_a_failed_row_write_removes_the_object_again(s3, employer, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("the database went away after the PUT")

    monkeypatch.setattr(uploads.audit, "record", broken)
    with pytest.raises(DatabaseError):
        _store(employer)
    assert not StoredFile.objects.exists()
    assert _keys(s3) == []  # no object left behind either


def test_an_outer_rollback_leaves_at_most_an_object_without_a_row(s3, employer, django_capture_on_commit_callbacks):
    """The only leftover a rolled-back request can leave: bytes nobody can reach, removed by sweep_uploads."""
    with pytest.raises(RuntimeError), transaction.atomic():
        stored = _store(employer)
        raise RuntimeError("a form error after the upload")
    assert not StoredFile.objects.exists()
    assert _keys(s3) == [stored.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        swept = uploads_sweep(older_than=timedelta(hours=1), now=timezone.now() + timedelta(hours=2))
    assert swept.orphans == 1 and _keys(s3) == []
