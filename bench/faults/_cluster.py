"""What the fault scripts share: the running cluster's environment, background load, the balancer's view.

The scripts run against ``make cluster`` (seeded with ``make cluster-seed``); each prints its figures.
"""

from __future__ import annotations

import csv
import io
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import load  # noqa: E402 — bench/load.py: the clerk client

RUN = Path(os.environ.get("CLUSTER_DIR", ROOT / "var" / "cluster"))
PY = str(ROOT / ".venv" / "bin" / "python")


def cluster_env() -> dict[str, str]:
    """var/cluster/env as a dict (the nodes' environment)."""
    path = RUN / "env"
    if not path.exists():
        sys.exit("no cluster: run `make cluster` (and `make cluster-seed`) first")
    env = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


def use_cluster_env() -> dict[str, str]:
    """Put the cluster's environment into this process (before Django is set up), so ORM reads see its database."""
    env = cluster_env()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def lb_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('CLUSTER_LB_PORT', '8180')}"


def cluster(*args: str, timeout: float = 180) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh"), *args], check=True, timeout=timeout)


def pid_of(name: str) -> int:
    return int((RUN / "pids" / f"{name}.pid").read_text().strip())


def manage(*args: str, timeout: float = 120) -> str:
    env = {**os.environ, **cluster_env()}
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return done.stdout + done.stderr


def backend_status() -> dict[str, str]:
    """haproxy's view of the app nodes: {'app1': 'UP', 'app2': 'DOWN', …} (its stats page as CSV)."""
    port = os.environ.get("CLUSTER_STATS_PORT", "8188")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/;csv", timeout=3) as response:
            rows = csv.reader(io.StringIO(response.read().decode().lstrip("# ")))
            header = next(rows)
            return {
                r[header.index("svname")]: r[header.index("status")]
                for r in rows
                if r and r[0] == "app" and r[1] not in ("BACKEND",)
            }
    except OSError:
        return {}


@dataclass
class Window:
    name: str
    start: float
    end: float


class BackgroundLoad:
    """``concurrency`` clerks (bench/load.py's client) looping over the filing mix until stopped."""

    def __init__(self, concurrency: int = 4, timeout: float = 30.0):
        self.stats = load.Stats()
        self.stop_at = float("inf")
        self.threads = [
            threading.Thread(target=self._clerk, args=(i, timeout), daemon=True) for i in range(concurrency)
        ]

    def _clerk(self, index: int, timeout: float) -> None:
        rng = random.Random(index)
        client = load.Client(lb_url(), self.stats, "demo", "demo-pass-2026", timeout)
        number = 0
        while time.monotonic() < self.stop_at:
            client.round(number, rng)
            number += 1

    def __enter__(self) -> BackgroundLoad:
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_at = time.monotonic()
        for thread in self.threads:
            thread.join(60)

    def report(self, windows: list[Window]) -> None:
        """Requests, errors by kind and Chinese 503 pages, per time window."""
        samples = list(self.stats.samples)
        print(
            f"  {'window':<34}{'seconds':>8}{'requests':>10}{'ok':>8}{'errors':>8}  503 中文 app/balancer"
            f"{'other 5xx':>10}{'conn. err.':>11}"
        )
        for window in windows:
            inside = [s for s in samples if window.start <= s.at < window.end]
            errors = [s for s in inside if not s.ok]
            print(
                f"  {window.name:<34}{window.end - window.start:>8.1f}{len(inside):>10}{len(inside) - len(errors):>8}"
                f"{len(errors):>8}"
                f"{sum(s.chinese_503 and not s.lb_503 for s in errors):>13}/{sum(s.lb_503 for s in errors):<8}"
                f"{sum(s.status >= 500 and not s.chinese_503 for s in errors):>10}"
                f"{sum(s.status == 0 for s in errors):>11}"
            )
        kinds = sorted(self.stats.error_kinds.items(), key=lambda kv: -kv[1])[:8]
        for kind, count in kinds:
            print(f"    error: {kind} × {count}")
