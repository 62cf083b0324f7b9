"""Probes of a running cluster, run with its environment (``set -a; . var/cluster/env; set +a``):

    .venv/bin/python scripts/cluster_probe.py task [--timeout 60]     one task queued and run by a db_worker
    .venv/bin/python scripts/cluster_probe.py upload                  one file stored in, read from and removed from S3

``task`` queues ``placements.grid.tasks.recompute_persons`` for no person (it does nothing, but goes through the
task table and a worker like any grid recompute) and waits until a worker has finished it; prints the worker's id
and the seconds it took. ``upload`` writes a small file through Django's default storage (S3Storage, the path every
upload takes after its checks), checks the object in the bucket with boto3 and reads it back, then deletes it.
Exit status 0 on success, 1 with the reason on stderr otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def probe_task(timeout: float) -> int:
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from placements.grid.tasks import recompute_persons

    started = time.monotonic()
    result = recompute_persons.enqueue([], 2025)
    while time.monotonic() - started < timeout:
        row = DBTaskResult.objects.get(pk=result.id)
        if row.status == TaskResultStatus.SUCCESSFUL:
            print(f"task {row.id} run by {','.join(row.worker_ids)} in {time.monotonic() - started:.1f} s")
            return 0
        if row.status == TaskResultStatus.FAILED:
            print(f"task {row.id} FAILED: {row.traceback[-500:]}", file=sys.stderr)
            return 1
        time.sleep(0.5)
    print(f"task {result.id} not finished by a worker within {timeout:.0f} s (status {row.status})", file=sys.stderr)
    return 1


def probe_upload() -> int:
    import boto3
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    if settings.STORAGE_BACKEND != "s3":
        print("STORAGE_BACKEND is not s3", file=sys.stderr)
        return 1
    started = time.monotonic()
    body = f"cluster smoke {uuid.uuid4()}".encode()
    name = default_storage.save(f"smoke/{uuid.uuid4().hex}.txt", ContentFile(body))
    s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name=os.environ.get("S3_REGION"))
    key = f"{os.environ['S3_PREFIX'].strip('/')}/{name}" if os.environ.get("S3_PREFIX") else name
    head = s3.head_object(Bucket=os.environ["S3_BUCKET"], Key=key)
    with default_storage.open(name) as stored:
        read = stored.read()
    default_storage.delete(name)
    if read != body or head["ContentLength"] != len(body):
        print("the object read back differs from the one stored", file=sys.stderr)
        return 1
    print(
        f"upload {name} ({len(body)} bytes) stored in S3, read back and deleted in {time.monotonic() - started:.2f} s"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("probe", choices=["task", "upload"])
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    import django

    django.setup()
    return probe_task(args.timeout) if args.probe == "task" else probe_upload()


if __name__ == "__main__":
    sys.exit(main())
