"""Fault: the export folder's disk is full when ``export_tax`` writes a batch (a real file system, not a mock).

    sudo .venv/bin/python bench/faults/export_disk_full.py [--size 64k]

Against ``make cluster`` (its database must have tax records queued: declared units, e.g. after
``bench/faults/kill_worker_pdf.py`` or ``make cluster-seed``). Needs root: it mounts a tmpfs of ``--size`` on a new
temporary folder, fills it to the last byte (ENOSPC from the kernel), and runs ``manage.py export_tax --all
--output-dir <that folder>`` with the cluster's environment. Expected: exit status 1, a Chinese message naming the
folder and saying nothing was marked; no ExportBatch created; no declaration's status changed; the folder holds only
the filler (no file under the final name, no temporary). Then the filler is removed and the same command run again:
exit 0, one file per authority whose trailer checks (``taxfile.check``), the declarations 已发送税务. The tmpfs is
unmounted and the folder removed at the end, whatever happened.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _cluster


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="64k", help="the tmpfs's size (mount -o size=…)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit(
            "export_disk_full: needs root (mount -t tmpfs); tests/declarations/test_export_disk_full.py runs without"
        )
    env = _cluster.use_cluster_env()
    import django

    django.setup()
    from declarations import exports, taxfile
    from declarations.models import Declaration, ExportBatch

    authorities = exports.authorities_with_queue()
    if not authorities:
        sys.exit("export_disk_full: no tax records queued in the cluster's database (declare some units first)")
    queued = {a: exports.queued(a).count() for a in authorities}

    def state() -> tuple[int, dict[str, int]]:
        statuses: dict[str, int] = {}
        for status in Declaration.objects.values_list("status", flat=True):
            statuses[status] = statuses.get(status, 0) + 1
        return ExportBatch.objects.count(), statuses

    folder = Path(tempfile.mkdtemp(prefix="wangbao-export-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size},mode=0755", "tmpfs", str(folder)], check=True)
    try:
        filler = folder / "filler"
        with filler.open("wb") as out:  # to the last byte: the kernel's ENOSPC ends it
            try:
                while True:
                    out.write(b"\0" * 4096)
                    out.flush()
            except OSError as error:
                print(
                    f"export_disk_full: tmpfs {args.size} on {folder} filled ({error.strerror}); load average "
                    + ", ".join(f"{x:.2f}" for x in os.getloadavg())
                )
        free = os.statvfs(folder)
        print(
            f"  free: {free.f_bavail * free.f_frsize} bytes; queued: "
            + ", ".join(f"{a} {n} records" for a, n in queued.items())
        )
        before = state()
        command = [_cluster.PY, "manage.py", "export_tax", "--all", "--output-dir", str(folder)]
        child_env = {**os.environ, **env}
        t = time.monotonic()
        full = subprocess.run(command, cwd=_cluster.ROOT, env=child_env, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - t
        after = state()
        left = sorted(p.name for p in folder.iterdir())
        print(f"  disk full: exit status {full.returncode} in {took:.1f} s; stderr:")
        for line in full.stderr.strip().splitlines():
            print("   ", line)
        print(
            f"  export batches {before[0]} → {after[0]}; declarations by status {before[1]} → {after[1]}; "
            f"in the folder: {left}"
        )
        ok_full = (
            full.returncode == 1
            and "导出目录所在磁盘空间不足" in full.stderr
            and "没有申报被标记为已发送税务" in full.stderr
            and "Traceback" not in full.stderr
            and before == after
            and left == ["filler"]
        )
        filler.unlink()
        t = time.monotonic()
        again = subprocess.run(command, cwd=_cluster.ROOT, env=child_env, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - t
        files = sorted(p for p in folder.iterdir())
        checked = {p.name: len(taxfile.check(p.read_bytes())) for p in files}
        final = state()
        print(
            f"  space again: exit status {again.returncode} in {took:.1f} s; files {checked} (rows, trailer checked); "
            f"export batches {final[0]}; declarations by status {final[1]}"
        )
        ok_again = (
            again.returncode == 0
            and len(files) == len(authorities)
            and sum(checked.values()) == sum(queued.values())
            and final[0] == before[0] + len(authorities)
        )
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()
    ok = ok_full and ok_again
    print("export_disk_full:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
