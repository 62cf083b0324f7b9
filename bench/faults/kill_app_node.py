"""Fault: an app node killed (SIGKILL, master and workers) under load; the balancer keeps serving.

    .venv/bin/python bench/faults/kill_app_node.py [--node 2] [--concurrency 4] [--before 15] [--down 20] [--after 15]

Against ``make cluster`` seeded with ``make cluster-seed``. Runs the clerks' mix through the balancer, kills node N's
whole process group after ``--before`` seconds, keeps the load on for ``--down`` seconds, starts the node again
(scripts/cluster.sh node-start N) and keeps the load on for ``--after`` seconds. Prints the requests and errors
before / while the node is down / after it is back, how long haproxy took to mark the node DOWN and UP again.
Expected: errors only for the requests in flight on the killed node (haproxy retries refused connections on the
other node: ``retry-on conn-failure``, ``option redispatch``), none once it is marked DOWN, none after.
"""

from __future__ import annotations

import argparse
import os
import signal
import time

import _cluster


def wait_for(predicate, timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--before", type=float, default=15)
    parser.add_argument("--down", type=float, default=20)
    parser.add_argument("--after", type=float, default=15)
    args = parser.parse_args()
    name = f"app{args.node}"
    _cluster.cluster_env()
    print(
        f"kill_app_node: SIGKILL to {name}'s process group under load (c={args.concurrency}); load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + " on 2 shared cores"
    )
    print(f"  haproxy before: {_cluster.backend_status()}")
    with _cluster.BackgroundLoad(args.concurrency) as background:
        time.sleep(args.before)
        killed_at = time.monotonic()
        os.killpg(_cluster.pid_of(name), signal.SIGKILL)
        marked_down = wait_for(lambda: _cluster.backend_status().get(name, "").startswith("DOWN"), 30)
        print(
            f"  killed {name}; haproxy marked it DOWN after {marked_down:.1f} s"
            if marked_down is not None
            else f"  killed {name}; haproxy did not mark it DOWN within 30 s"
        )
        time.sleep(max(0.0, args.down - (time.monotonic() - killed_at)))
        restart_at = time.monotonic()
        _cluster.cluster("node-start", str(args.node))
        marked_up = wait_for(lambda: _cluster.backend_status().get(name, "") == "UP", 60)
        back_at = time.monotonic()
        print(
            f"  {name} started again; UP in haproxy {marked_up:.1f} s after its start command returned"
            if marked_up is not None
            else f"  {name} not UP in haproxy within 60 s"
        )
        time.sleep(args.after)
        end = time.monotonic()
    background.report(
        [
            _cluster.Window("before the kill", background.started, killed_at),
            _cluster.Window(f"{name} killed → restarted", killed_at, restart_at),
            _cluster.Window(f"{name} starting → UP", restart_at, back_at),
            _cluster.Window("after", back_at, end),
        ]
    )
    print(f"  haproxy after: {_cluster.backend_status()}")


if __name__ == "__main__":
    main()
