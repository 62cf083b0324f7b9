"""Fault: PostgreSQL stopped for a few seconds and started again under load; the app and the workers recover.

    .venv/bin/python bench/faults/restart_postgres.py [--down 5] [--concurrency 4] [--before 15] [--after 30]

Against ``make cluster`` seeded with ``make cluster-seed``. THE SHARED LOCAL POSTGRESQL IS RESTARTED (every
database on it loses its connections): run it seldom. ``pg_ctlcluster VERSION main stop -m fast``, ``--down``
seconds, ``start``; if it does not answer within 60 s the script starts it again and says so (it never leaves
PostgreSQL stopped: the start also runs on Ctrl-C or an error).

Prints the requests and errors before / while the database is down / in the first 15 s after / later: requests in
flight get the Chinese 503 page (the application's while a node still passes its probe, the balancer's Chinese
page once haproxy has marked both nodes DOWN), nothing else; the seconds from the start to the first 200 through
the balancer (nodes recover without a restart: kept connections are health-checked, DB_CONN_MAX_AGE); what the
workers' supervisor did (db_worker exits on the lost connection; it is restarted with back-off); and one task
queued after the restart and run by a worker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import _cluster


def pg_version() -> str:
    return sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0


def pg(action: str) -> float:
    started = time.monotonic()
    args = ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", action]
    if action == "stop":
        args += ["-m", "fast"]
    subprocess.run(args, check=False, timeout=120)
    return time.monotonic() - started


def ensure_started() -> None:
    for _ in range(3):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if pg_ready():
                return
            time.sleep(0.5)
        print("  PostgreSQL not answering: starting it again", flush=True)
        pg("start")
    sys.exit("PostgreSQL does not come back: start it by hand (pg_ctlcluster … main start)")


def first_ok(url: str, timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--down", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--after", type=float, default=30)
    args = parser.parse_args()
    _cluster.cluster_env()
    log_file = _cluster.RUN / "logs" / "workers.log"
    log_offset = log_file.stat().st_size
    print(
        f"restart_postgres: PostgreSQL {pg_version()} stopped for {args.down:.0f} s under load "
        f"(c={args.concurrency}); load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    try:
        with _cluster.BackgroundLoad(args.concurrency) as background:
            time.sleep(args.before)
            stop_at = time.monotonic()
            stop_s = pg("stop")
            time.sleep(args.down)
            start_at = time.monotonic()
            start_s = pg("start")
            ensure_started()
            ready_at = time.monotonic()
            recovered = first_ok(_cluster.lb_url() + "/accounts/login/", 90)
            print(
                f"  stop took {stop_s:.1f} s, start {start_s:.1f} s; PostgreSQL answered "
                f"{ready_at - start_at:.1f} s after the start command"
            )
            print(
                f"  first 200 through the balancer {recovered:.1f} s after PostgreSQL answered"
                if recovered is not None
                else "  NO 200 through the balancer within 90 s"
            )
            print(f"  haproxy now: {_cluster.backend_status()}")
            time.sleep(args.after)
            end = time.monotonic()
    finally:
        if not pg_ready():
            pg("start")
            ensure_started()
    background.report(
        [
            _cluster.Window("before", background.started, stop_at),
            _cluster.Window("PostgreSQL stopped", stop_at, ready_at),
            _cluster.Window("first 15 s after", ready_at, ready_at + 15),
            _cluster.Window("later", ready_at + 15, end),
        ]
    )
    probe = subprocess.run(
        [_cluster.PY, str(_cluster.ROOT / "scripts" / "cluster_probe.py"), "task", "--timeout", "90"],
        env={**os.environ, **_cluster.cluster_env()},
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    print(f"  a task queued after the restart: {(probe.stdout or probe.stderr).strip()}")
    print("  workers' supervisor during the episode:")
    with log_file.open("rb") as log:
        log.seek(log_offset)
        for line in log.read().decode("utf-8", "replace").splitlines():
            if "supervise[" in line:
                print("   ", line)
    return probe.returncode


if __name__ == "__main__":
    sys.exit(main())
