#!/usr/bin/env python3
"""A small restart-on-exit supervisor for the task workers of the local cluster (``scripts/cluster.sh``).

    python scripts/supervise.py --workers 2 [--name HOST] [--reclaim-every 300] [--reclaim-after 30m] -- \
        .venv/bin/python manage.py db_worker

Production uses systemd (``deploy/systemd/wangbao-worker@.service``: ``Restart=always``, ``ExecStopPost`` reclaims);
this script does the same on a machine without systemd, with nothing but the standard library:

* runs ``--workers`` copies of the command, each with ``--worker-id NAME-wN`` appended (stable per slot, like
  systemd's ``%H-worker%i``);
* when one exits (killed, crashed, or ``db_worker`` leaving because PostgreSQL went away), requeues the tasks it
  left RUNNING (``manage.py reclaim_tasks --worker NAME-wN --only-workers``, retried until the database answers)
  and starts it again after a back-off (1 s doubling to 10 s; back to 1 s once a worker has run for 60 s);
* every ``--reclaim-every`` seconds runs ``manage.py reclaim_tasks --older-than AGE`` (tasks of workers lost
  elsewhere);
* SIGTERM / SIGINT: passes SIGTERM to the workers (``db_worker`` finishes the task in hand), waits
  ``--grace`` seconds, then SIGKILLs what is left, and exits.

Each line it logs starts with an ISO time; the workers' output goes to the same stream.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKOFF_MIN, BACKOFF_MAX, HEALTHY_AFTER = 1.0, 10.0, 60.0


def say(message: str) -> None:
    print(
        f"{datetime.now().astimezone().isoformat(timespec='milliseconds')} supervise[{os.getpid()}] {message}",
        flush=True,
    )


class Slot:
    def __init__(self, worker_id: str, command: list[str]):
        self.worker_id = worker_id
        self.command = [*command, "--worker-id", worker_id]
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.backoff = BACKOFF_MIN
        self.restart_at = 0.0
        self.restarts = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT)
        self.started = time.monotonic()
        say(f"started {self.worker_id} pid {self.process.pid}")


class Supervisor:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.python = args.python
        self.slots = [Slot(f"{args.name}-w{n}", args.command) for n in range(1, args.workers + 1)]
        self.to_reclaim: set[str] = set()
        self.stopping = False
        self.next_sweep = time.monotonic() + args.reclaim_every
        self.next_reclaim = 0.0

    def manage(self, *arguments: str) -> bool:
        """Run a manage.py command (bounded in time); True when it succeeded."""
        try:
            done = subprocess.run(
                [self.python, "manage.py", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=120
            )
        except subprocess.TimeoutExpired:
            say(f"manage.py {' '.join(arguments)}: timed out")
            return False
        # the command's own summary (stdout) rather than the log lines it wrote on stderr; stderr when it failed
        output = (done.stdout if done.returncode == 0 else done.stderr or done.stdout).strip().splitlines()
        say(f"manage.py {' '.join(arguments)}: exit {done.returncode} {output[-1] if output else ''}")
        return done.returncode == 0

    def stop(self, signum, _frame) -> None:
        if not self.stopping:
            say(f"{signal.strsignal(signum)}: stopping the workers")
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for slot in self.slots:
            slot.start()
        while not self.stopping:
            now = time.monotonic()
            for slot in self.slots:
                if slot.process is not None and slot.process.poll() is not None:
                    code = slot.process.returncode
                    ran = now - slot.started
                    slot.backoff = BACKOFF_MIN if ran >= HEALTHY_AFTER else min(slot.backoff * 2, BACKOFF_MAX)
                    slot.restart_at = now + slot.backoff
                    slot.process = None
                    slot.restarts += 1
                    self.to_reclaim.add(slot.worker_id)
                    say(f"{slot.worker_id} exited with {code} after {ran:.1f} s; restart in {slot.backoff:.0f} s")
            if self.to_reclaim and time.monotonic() >= self.next_reclaim:
                self.next_reclaim = time.monotonic() + 5  # retried every 5 s while the database does not answer
                ids = sorted(self.to_reclaim)
                flags = [arg for worker_id in ids for arg in ("--worker", worker_id)]
                if self.manage("reclaim_tasks", "--only-workers", *flags):
                    self.to_reclaim.clear()
            for slot in self.slots:
                if slot.process is None and time.monotonic() >= slot.restart_at and not self.stopping:
                    slot.start()
            if time.monotonic() >= self.next_sweep:
                self.next_sweep = time.monotonic() + self.args.reclaim_every
                self.manage("reclaim_tasks", "--older-than", self.args.reclaim_after)
            time.sleep(0.5)
        return self.shutdown()

    def shutdown(self) -> int:
        running = [slot for slot in self.slots if slot.process is not None and slot.process.poll() is None]
        for slot in running:
            slot.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.args.grace
        while time.monotonic() < deadline and any(slot.process.poll() is None for slot in running):
            time.sleep(0.2)
        for slot in running:
            if slot.process.poll() is None:
                say(f"{slot.worker_id} still running after {self.args.grace} s: SIGKILL")
                slot.process.kill()
                slot.process.wait()
        say("stopped")
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--name", default=socket.gethostname().split(".")[0][:40], help="worker id prefix")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--reclaim-every", type=float, default=300.0, help="seconds between timeout sweeps")
    parser.add_argument("--reclaim-after", default="30m", help="reclaim_tasks --older-than for the sweeps")
    parser.add_argument("--grace", type=float, default=60.0, help="seconds the workers get to finish on stop")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the worker command")
    args = parser.parse_args()
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("the worker command is missing (after --)")
    return Supervisor(args).run()


if __name__ == "__main__":
    sys.exit(main())
