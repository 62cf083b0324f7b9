"""Load against the local cluster's load balancer (issue 16): N concurrent clerks doing a filing-season mix.

    .venv/bin/python bench/load.py [--url http://127.0.0.1:8180] [--concurrency 1,4,16] [--duration 60]
                                   [--user demo --password demo-pass-2026] [--json FILE]
                                   [--app-pid-file gunicorn.pid --database NAME]  # a gunicorn of your own

Needs the cluster (``make cluster``) with the demo data (``make cluster-seed``). Loopback only: any other host is
refused. Each client is a thread with its own keep-alive connection and session; it logs in (GET the login page,
POST the form) and then, until the time is up, repeats a clerk's round: the login page as an anonymous visitor
(the reference of the ratios, sampled as often as every other page), 首页 (/), the placement list, one
placement's month grid (its detail page) and its four step pages — every fifth round with an evidence upload (a
16×16 PNG, multipart, stored in the object store) where step 3 offers one —, the levy calculator, the notices, the
review queue in the admin as the reviewer (``--reviewer``: signed in once with password and TOTP, bench/load_roles.py),
and every tenth round logs out and in again. Bounded in time (``--duration`` per concurrency level) and in count
(``--max-requests``). Each upload adds a row and an object: a placement's upload list grows by the runs.

Prints, per concurrency level, the requests/s and the errors in all, then per page: requests, p50 / p95 / p99 in
ms, errors (status ≥ 400 other than the expected, a redirect to the login page, a connection error) and the page's
speed as a ratio of the login page's (mean latency of GET /accounts/login/ ÷ mean latency of the page, measured on
the same nodes in the same run: 1.0 is as cheap as the login page), and the CPU milliseconds per request used by the
app nodes and by PostgreSQL (from /proc: what does not depend on how busy the machine is). ``--json`` writes the
same figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import load_roles as roles

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CSRF_INPUT = roles.CSRF
PLACEMENT_LINK = re.compile(r'href="/placements/(\d+)/"')


@dataclass
class Sample:
    page: str
    ms: float
    ok: bool
    status: int
    at: float = field(default_factory=time.monotonic)  # when it ended (for the fault scripts' time windows)
    chinese_503: bool = False  # a 503 with the Chinese page (the application's templates/503.html, or the balancer's)
    lb_503: bool = False  # … the balancer's (deploy/haproxy/503.http: no node passes its health probe)


@dataclass
class Stats:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    error_kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, sample: Sample, error: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if error:
                self.error_kinds[error] += 1


class Client:
    """One clerk: a keep-alive HTTP connection to the balancer, its cookies, its CSRF token."""

    def __init__(self, base: str, stats: Stats, user: str, password: str, timeout: float):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.stats, self.user, self.password, self.timeout = stats, user, password, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.placements: list[int] = []
        self.reviewer: Client | None = None  # the shared verified reviewer session, on a connection of its own

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def request(
        self,
        page: str,
        method: str,
        path: str,
        body: dict | bytes | None = None,
        expect=(200,),
        anonymous: bool = False,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> str | None:
        """One request; ``anonymous``: without the clerk's cookies, and whatever cookies it sets are not kept; a
        ``body`` of bytes is sent as it is (with ``content_type``), a dict as a form."""
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "bench-load/1"}
        if self.cookies and not anonymous:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else urlencode(body, doseq=True)
            headers["Content-Type"] = content_type
            headers["Origin"] = f"http://{self.host}:{self.port}"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        started = time.perf_counter()
        try:
            conn = self._connection()
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            ms = (time.perf_counter() - started) * 1000
            self.stats.add(Sample(page, ms, False, 0), f"{page}: {type(error).__name__}")
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None
        ms = (time.perf_counter() - started) * 1000
        for header in [] if anonymous else response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)
        location = response.getheader("Location", "")
        error = ""
        if response.status not in expect:
            error = f"{page}: HTTP {response.status}"
        elif response.status == 302 and "/accounts/login/" in location and page != "logout":
            error = f"{page}: sent to the login page"
            self.cookies.pop("sessionid", None)
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            self.conn = None
        polite = response.status == 503 and "系统暂时无法提供服务" in text
        by_lb = polite and "served by the load balancer" in text
        self.stats.add(Sample(page, ms, not error, response.status, chinese_503=polite, lb_503=by_lb), error)
        return None if error else text

    def login(self) -> bool:
        page = self.request("login page", "GET", "/accounts/login/")
        match = CSRF_INPUT.search(page or "")
        if not match:
            return False
        form = {"csrfmiddlewaretoken": match.group(1), "username": self.user, "password": self.password, "next": "/"}
        return self.request("login (POST)", "POST", "/accounts/login/", form, expect=(302,)) is not None

    def logout(self) -> None:
        home = self.request("首页 /", "GET", "/") or ""
        match = CSRF_INPUT.search(home)
        if match:
            self.request("logout", "POST", "/accounts/logout/", {"csrfmiddlewaretoken": match.group(1)}, (302, 200))
        self.cookies.pop("sessionid", None)

    def round(self, number: int, rng: random.Random) -> None:
        if "sessionid" not in self.cookies and not self.login():
            time.sleep(0.2)  # the site is down: do not spin
            return
        # The reference of every ratio: the login page as a visitor sees it, once a round (as often as the others).
        self.request("login page", "GET", "/accounts/login/", anonymous=True)
        self.request("首页 /", "GET", "/")
        listing = self.request("list /placements/", "GET", "/placements/")
        if listing and not self.placements:
            self.placements = sorted({int(pk) for pk in PLACEMENT_LINK.findall(listing)})
        if self.placements:
            pk = rng.choice(self.placements)
            self.request("grid /placements/<pk>/", "GET", f"/placements/{pk}/")
            for step in (1, 2, 3, 4):
                # a step the placement has not reached (or may no longer change) redirects to the right one
                page = self.request(f"step-{step}", "GET", f"/placements/{pk}/step-{step}/", expect=(200, 302))
                form = roles.upload_form(page or "") if step == 3 and number % 5 == 2 else None
                if form:  # every fifth round, where step 3 offers it: one evidence upload (a 16×16 PNG)
                    body, kind = roles.multipart(form, "file", "证明.png", roles.PNG, "image/png")
                    # 302: stored; 200: the form again, e.g. another clerk changed the placement meanwhile
                    self.request("evidence upload", "POST", f"/placements/{pk}/step-3/", body, (302, 200), False, kind)
        self.request("calculator", "GET", "/levy/calculator/")
        self.request("notices", "GET", "/notices/")
        if self.reviewer is not None:
            self.reviewer.request("review queue (admin)", "GET", roles.REVIEW_QUEUE)
        if number % 10 == 9:
            self.logout()
            self.login()


def run_level(args, concurrency: int) -> dict:
    stats = Stats()
    deadline = time.monotonic() + args.duration
    budget = {"left": args.max_requests}
    budget_lock = threading.Lock()

    def clerk(index: int) -> None:
        rng = random.Random(index)
        client = Client(args.url, stats, args.user, args.password, args.timeout)
        if args.reviewer_cookies:
            client.reviewer = Client(args.url, stats, args.reviewer, "", args.timeout)
            client.reviewer.cookies = dict(args.reviewer_cookies)
        number = 0
        while time.monotonic() < deadline:
            with budget_lock:
                if budget["left"] <= 0:
                    return
                budget["left"] -= 10
            client.round(number, rng)
            number += 1
        if client.conn is not None:
            client.conn.close()

    threads = [threading.Thread(target=clerk, args=(i,), daemon=True) for i in range(concurrency)]
    cpu_before = cluster_cpu(args.cluster_dir, args.app_pid_file, args.database)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.duration + args.timeout + 30)
    elapsed = time.perf_counter() - started
    level = summarise(stats, concurrency, elapsed)
    cpu_after = cluster_cpu(args.cluster_dir, args.app_pid_file, args.database)
    if cpu_before and cpu_after and level["requests"]:
        level["cpu_ms_per_request"] = {
            key: round(_cpu_used(cpu_before.get(key), after) * 1000 / level["requests"], 1)
            for key, after in cpu_after.items()
        }
    return level


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime + stime, and cutime + cstime: the CPU of its children that ended and were waited for (a gunicorn
    # worker recycled after --max-requests counts in its master's, so the sum over a node never goes down)
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _cpu_used(before, after) -> float:
    """CPU seconds used between two readings of :func:`cluster_cpu`. The backends are compared one by one: a backend
    that ended in between (a closed database connection) takes its CPU with it, but does not make the sum go down
    (summed, it did: "postgres backends −2.6 ms" a request)."""
    if isinstance(after, dict):
        return sum(max(0.0, seconds - (before or {}).get(pid, 0.0)) for pid, seconds in after.items())
    return after - (before or 0.0)


def cluster_cpu(cluster_dir: str | None, pid_files: list[str] | None = None, database: str = "") -> dict:
    """CPU seconds used so far by the app nodes (their process groups: gunicorn masters and workers) and by the
    PostgreSQL backends connected to their database, from /proc. The nodes are the cluster's (``cluster_dir``) or,
    for a gunicorn of one's own, those of ``pid_files`` (gunicorn ``--pid`` files, each master leading its process
    group) with ``database``. A recycled gunicorn worker counts in its master's children time (the nodes' figure is a
    sum); a closed database connection takes its CPU with it (the backends' figure is per backend, a lower bound)."""
    groups = set()
    for pid_file in pid_files or []:
        groups.add(int(Path(pid_file).read_text().strip()))
    if cluster_dir and not groups:
        for pid_file in Path(cluster_dir, "pids").glob("app*.pid"):
            groups.add(int(pid_file.read_text().strip()))
        env = Path(cluster_dir, "env")
        lines = env.read_text().splitlines() if env.exists() else []
        database = database or next((line.rsplit("/", 1)[1] for line in lines if line.startswith("DATABASE_URL=")), "")
    if not groups:
        return {}
    app = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) in groups:
                    app += _cpu_seconds(int(entry.name))
            except OSError:
                continue
    figures = {"app nodes": app}
    if database:
        # the backends connected to the cluster's database (kept connections: DB_CONN_MAX_AGE)
        pids = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-tAc",
                f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'",
                "postgres",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.split()
        figures["postgres backends"] = {int(pid): _cpu_seconds(int(pid)) for pid in pids}
    return figures


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(stats: Stats, concurrency: int, elapsed: float) -> dict:
    by_page: dict[str, list[Sample]] = defaultdict(list)
    for sample in stats.samples:
        by_page[sample.page].append(sample)
    login_ms = [s.ms for s in by_page.get("login page", []) if s.ok]
    login_mean = statistics.fmean(login_ms) if login_ms else 0.0
    pages = {}
    for page, samples in by_page.items():
        good = [s.ms for s in samples if s.ok]
        mean = statistics.fmean(good) if good else 0.0
        pages[page] = {
            "requests": len(samples),
            "errors": sum(not s.ok for s in samples),
            "p50_ms": round(percentile(good, 50), 1),
            "p95_ms": round(percentile(good, 95), 1),
            "p99_ms": round(percentile(good, 99), 1),
            "mean_ms": round(mean, 1),
            "ratio_to_login": round(login_mean / mean, 2) if mean and login_mean else None,
        }
    all_ms = [s.ms for s in stats.samples if s.ok]
    return {
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "requests": len(stats.samples),
        "requests_per_s": round(len(stats.samples) / elapsed, 1) if elapsed else 0,
        "errors": sum(not s.ok for s in stats.samples),
        "p50_ms": round(percentile(all_ms, 50), 1),
        "p95_ms": round(percentile(all_ms, 95), 1),
        "p99_ms": round(percentile(all_ms, 99), 1),
        "error_kinds": dict(stats.error_kinds),
        "pages": pages,
    }


def report(level: dict) -> None:
    print(
        f"\nconcurrency {level['concurrency']}: {level['requests']} requests in {level['seconds']} s = "
        f"{level['requests_per_s']} req/s; p50 {level['p50_ms']} ms, p95 {level['p95_ms']} ms, "
        f"p99 {level['p99_ms']} ms; errors {level['errors']}"
    )
    print(f"  {'page':<26}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'errors':>8}{'× login':>9}")
    for page, row in level["pages"].items():
        ratio = "" if row["ratio_to_login"] is None else f"{row['ratio_to_login']:.2f}"
        print(
            f"  {page:<26}{row['requests']:>6}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['errors']:>8}{ratio:>9}"
        )
    for kind, count in sorted(level["error_kinds"].items(), key=lambda kv: -kv[1])[:10]:
        print(f"  error: {kind} × {count}")
    if level.get("cpu_ms_per_request"):
        print("  CPU per request: " + ", ".join(f"{k} {v} ms" for k, v in level["cpu_ms_per_request"].items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("LOAD_URL", "http://127.0.0.1:8180"))
    parser.add_argument("--concurrency", default="1,4,16", help="comma-separated levels (default 1,4,16)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level (default 60, at most 600)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per level, a bound besides the time")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo-pass-2026")
    parser.add_argument("--reviewer", default="reviewer", help="the reviewer whose review queue is in the round")
    parser.add_argument("--reviewer-password", default="review-pass-2026")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--cluster-dir",
        default=os.environ.get("CLUSTER_DIR", "var/cluster"),
        help="the cluster's run folder: CPU per request of its app nodes and of PostgreSQL ('' to skip)",
    )
    parser.add_argument(
        "--app-pid-file",
        action="append",
        help="instead of the cluster's nodes: a gunicorn --pid file (repeatable) whose process group's CPU is counted",
    )
    parser.add_argument("--database", default="", help="with --app-pid-file: the database whose backends are counted")
    args = parser.parse_args()
    host = urlsplit(args.url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        sys.exit(f"bench/load.py sends load to this machine's loopback only, not to {host!r}")
    args.duration = min(args.duration, 600.0)
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    probe = Client(args.url, Stats(), args.user, args.password, args.timeout)
    if not probe.login():
        sys.exit(f"cannot log in as {args.user!r} at {args.url} (is the cluster up and seeded? make cluster-seed)")
    secret_file = Path(args.cluster_dir, "reviewer.totp") if args.cluster_dir else None
    reviewer = Client(args.url, Stats(), args.reviewer, args.reviewer_password, args.timeout)
    args.reviewer_cookies, why_not = roles.reviewer_cookies(
        reviewer, args.reviewer, args.reviewer_password, secret_file
    )
    if why_not:
        print(f"the review queue is left out of the round: {why_not}")
    print(
        f"bench/load.py against {args.url}, {args.duration:.0f} s per level, user {args.user!r}; load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} cores (shared: figures are noisy)"
    )
    results = []
    for concurrency in levels:
        level = run_level(args, concurrency)
        results.append(level)
        report(level)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
