"""Fault: the object store hanging, then refusing, during an upload; the clerk gets the Chinese 503 page within the
timeouts and nothing is half-recorded.

    .venv/bin/python bench/faults/stop_s3.py

Against ``make cluster`` seeded with ``make cluster-seed``. The upload is a clerk's 批量导入: the import template
(GET /placements/bulk/template/) uploaded to /placements/bulk/ through the balancer — the file is stored in S3 and a
BulkImport row, a StoredFile row and an audit event are written in one transaction. Three rounds:

1. S3 hanging (moto stopped with SIGSTOP: connections accepted, nothing answered);
2. S3 refusing (moto stopped; its port closed);
3. S3 back (moto started again: it keeps objects in memory, so the bucket is new and empty — a real store keeps them).

Prints for each: the HTTP status, seconds, whether the page is the Chinese 503 page, and the rows of BulkImport /
StoredFile / AuditEvent before and after (unchanged for 1 and 2, one more of each for 3), plus the objects in the
bucket (a file stored before a failure would be an orphan for sweep_uploads), and what haproxy thought of the nodes.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import sys
import time
import uuid

import _cluster

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def raw(client, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout=120):
    conn = http.client.HTTPConnection(client.host, client.port, timeout=timeout)
    all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()), **(headers or {})}
    started = time.monotonic()
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data, time.monotonic() - started, response


def multipart(fields: dict[str, str], name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main() -> int:
    _cluster.use_cluster_env()
    import django

    django.setup()
    import boto3

    from core.models import AuditEvent, StoredFile
    from placements.bulk.models import BulkImport

    def counts() -> tuple[int, int, int]:
        return BulkImport.objects.count(), StoredFile.objects.count(), AuditEvent.objects.count()

    def objects() -> int:
        s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name=os.environ["S3_REGION"])
        return s3.list_objects_v2(Bucket=os.environ["S3_BUCKET"]).get("KeyCount", 0)

    client = _cluster.load.Client(_cluster.lb_url(), _cluster.load.Stats(), "demo", "demo-pass-2026", 60)
    if not client.login():
        sys.exit("cannot log in as demo: run `make cluster-seed`")
    status, template, _, _ = raw(client, "GET", "/placements/bulk/template/")
    if status != 200:
        sys.exit(f"the import template: HTTP {status}")

    def upload(label: str) -> bool:
        status, page, _, _ = raw(client, "GET", "/placements/bulk/")
        token = CSRF_INPUT.search(page.decode("utf-8", "replace"))
        if status != 200 or not token:
            print(f"  {label}: the upload page answered {status}")
            return False
        body, content_type = multipart({"csrfmiddlewaretoken": token.group(1)}, "file", "导入模板.xlsx", template)
        before = counts()
        status, data, seconds, response = raw(
            client,
            "POST",
            "/placements/bulk/",
            body,
            {
                "Content-Type": content_type,
                "Origin": _cluster.lb_url(),
                "Referer": _cluster.lb_url() + "/placements/bulk/",
            },
        )
        after = counts()
        text = data.decode("utf-8", "replace")
        chinese = "系统暂时无法提供服务" in text
        rid = response.getheader("X-Request-ID", "")
        print(
            f"  {label}: HTTP {status} in {seconds:.1f} s{'; Chinese 503 page' if chinese else ''}"
            f"{'; Retry-After ' + response.getheader('Retry-After') if response.getheader('Retry-After') else ''}"
            f"; request id {rid or '-'}"
        )
        print(
            f"    rows BulkImport/StoredFile/AuditEvent before {before}, after {after}"
            f"{' (unchanged: nothing half-recorded)' if before == after else ''}; haproxy {_cluster.backend_status()}"
        )
        return True

    s3_pid = _cluster.pid_of("s3")
    print(
        f"stop_s3: 批量导入 upload of the template ({len(template)} bytes) through the balancer; S3 timeouts: "
        f"connect {os.environ['S3_CONNECT_TIMEOUT']} s, read {os.environ['S3_READ_TIMEOUT']} s, "
        f"{os.environ['S3_MAX_ATTEMPTS']} attempts; objects in the bucket: {objects()}"
    )
    upload("S3 up (before)")
    os.killpg(s3_pid, signal.SIGSTOP)
    try:
        upload("S3 hanging (SIGSTOP)")
    finally:
        os.killpg(s3_pid, signal.SIGCONT)
    print(f"  objects in the bucket after the hanging round: {objects()}")
    _cluster.cluster("s3-stop")
    try:
        upload("S3 refusing (stopped)")
    finally:
        _cluster.cluster("s3-start")
    time.sleep(5)  # haproxy's probes see the nodes well again
    upload("S3 back (new moto, empty bucket)")
    print(f"  objects in the bucket now: {objects()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
