"""CPU per request of the pages of the load mix, in-process (issue 16: every page ≥ 0.25× the login page).

    .venv/bin/python bench/page_cpu.py [--requests 40] [--placements 300] [--profile PAGE] [--json FILE]

bench/load.py measures the pages through the cluster, where a busy machine shows in every figure. This script asks
the same pages of Django itself, in this process, with production-like settings: DEBUG=0, PostgreSQL (the database
``dev_page_cpu``, created if missing; BENCH_DATABASE_URL overrides), the Redis cache (REDIS_URL, by default
redis://127.0.0.1:6379/7, key prefix ``page-cpu``), the database-backed sessions of the settings. No
``setup_test_environment``: the test client's template instrumentation would add its own CPU to every page.

The first run loads the reference data and the demo data (``load_reference_data``, ``load_demo_data`` in a
subprocess with DEBUG=1 DEVDATA=1, as ``scripts/cluster.sh seed`` does), then adds generated placements to the demo
unit up to ``--placements`` in its demo year. It signs in as the demo clerk ``demo`` (and as the demo reviewer, with a
verified TOTP device, for the review queue in the admin) through ``django.test.Client`` and, after three warm-up
rounds, prints per page over ``--requests`` rounds (the pages interleaved, so that a busy moment of the shared machine
falls on every page alike) the median and first quartile of the Python CPU ms (``time.process_time``), the median
wall ms, the PostgreSQL backend's CPU ms per request (from /proc, same machine), the queries per request, and the
login page's CPU ÷ the page's CPU (1.0: as cheap as the login page; the target is 0.25). ``--profile PAGE`` (a label
or ``floor``) prints cProfile's top functions of that page instead (CPU timer: slower, but not the machine's load).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _common

DB_URL = _common.configure("dev_page_cpu")
os.environ["DEBUG"] = "0"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("CACHE_KEY_PREFIX", "page-cpu")
os.environ.setdefault("DEVDATA", "1")  # devdata's generator for the extra placements (no view or middleware of its own)


def seed(placements: int) -> None:
    """The demo data (once), then generated placements for the demo unit up to ``placements`` in its demo year."""
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="demo").exists():
        env = {**os.environ, "DEBUG": "1", "DEVDATA": "1"}
        manage = [sys.executable, str(_common.ROOT / "manage.py")]
        for command in (["load_reference_data"], ["load_demo_data"]):
            started = time.perf_counter()
            done = subprocess.run([*manage, *command], env=env, capture_output=True, text=True, check=False)
            if done.returncode:
                sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
            print(f"  {' '.join(command)}: {time.perf_counter() - started:.0f} s")
    add_placements(placements)


def demo_employer():
    from employers.models import Employer

    return Employer.objects.get(accounts__user__username="demo")


def demo_year() -> int:
    from placements.models import Placement

    return Placement.objects.filter(employer=demo_employer()).order_by("-year").values_list("year", flat=True)[0]


def add_placements(target: int) -> None:
    """Generated placements (wizard finished, twelve months each, a mix of review states) for the demo unit, so its
    list has several pages as a real unit's would."""
    from django.db import connection, transaction

    from placements.models import Placement, PlacementMonth

    employer, year = demo_employer(), demo_year()
    have = Placement.objects.filter(employer=employer, year=year).count()
    if have >= target:
        return
    rng = random.Random(have)
    taken = set(Placement.objects.filter(year=year).values_list("id_number", flat=True))
    new = []
    while len(new) < target - have:
        number, birth, name = _common.random_person(rng, "110106", taken)
        p = Placement(employer=employer, year=year, id_number=number, name=name, wizard_step=4, wizard_completed=True)
        p.birth_date, p.gender = birth, "男" if int(number[16]) % 2 else "女"
        new.append(p)
    with transaction.atomic():
        Placement.objects.bulk_create(new, batch_size=1000)
        months = []
        for i, p in enumerate(new):
            grade = rng.choice((1, 2, 3, 4))
            for m in range(1, 13):
                state = "pending" if i % 5 == 0 and m > 10 else "auto"
                months.append(
                    PlacementMonth(
                        placement_id=p.pk,
                        id_number=p.id_number,
                        year=year,
                        month=year * 100 + m,
                        wage_ok=state == "auto",
                        pension_ok=True,
                        medical_ok=True,
                        cert_ok=True,
                        age_ok=True,
                        contract_ok=True,
                        verified=state == "auto",
                        reasons="" if state == "auto" else "wage_missing",
                        cert_type="残疾人证",
                        cert_grade=grade,
                        cert_no=f"{p.id_number}4{grade}",
                        weight=2 if grade <= 2 else 1,
                        selected=True,
                        review_state=state,
                    )
                )
        PlacementMonth.objects.bulk_create(months, batch_size=5000)
        _common.mark_held()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"  added {len(new)} placements ({len(months)} months) to {employer.name} {year}")


def clerk_client():
    from django.test import Client

    client = Client()
    response = client.post("/accounts/login/", {"username": "demo", "password": "demo-pass-2026", "next": "/"})
    if response.status_code != 302:
        sys.exit(f"cannot sign in as demo (HTTP {response.status_code})")
    return client


def reviewer_client():
    """The demo reviewer, signed in with the second factor verified (as after a real sign-in)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username="reviewer")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def pages(clerk) -> list[tuple[str, str, str]]:
    """(label, who, url) of the load mix (bench/load.py's round) plus the review queue. The step pages of a
    placement still open to the wizard (step 3 is the evidence upload page); those of a submitted one redirect."""
    from django.urls import reverse

    from placements.models import Placement

    employer, year = demo_employer(), demo_year()
    demo = Placement.objects.filter(employer=employer, year=year).exclude(id_number__startswith="110106")
    # a placement of the demo loader waiting for review (its ✗ months and their evidence): the fullest grid
    pending = demo.filter(months__review_state="pending").order_by("pk").first() or demo.order_by("pk").first()
    rows = [
        ("login page", "anonymous", "/accounts/login/"),
        ("首页 /", "clerk", "/"),
        ("list /placements/", "clerk", "/placements/"),
        ("grid /placements/<pk>/", "clerk", f"/placements/{pending.pk}/"),
    ]
    rows += [(f"step-{s} (redirect)", "clerk", f"/placements/{pending.pk}/step-{s}/") for s in (1, 3)]
    open_pk = next(
        (
            pk
            for pk in demo.order_by("pk").values_list("pk", flat=True)
            if get(clerk, f"/placements/{pk}/step-3/").status_code == 200
        ),
        None,
    )
    if open_pk is not None:
        rows += [(f"step-{s}", "clerk", f"/placements/{open_pk}/step-{s}/") for s in (1, 2, 3, 4)]
    rows += [
        ("calculator", "clerk", "/levy/calculator/"),
        ("notices", "clerk", "/notices/"),
        ("review queue (admin)", "reviewer", reverse("admin:placements_placement_changelist")),
    ]
    return rows


class QueryLog:
    """Counts the queries (``connection.execute_wrapper``: independent of DEBUG)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def get(client, url: str):
    response = client.get(url)
    if response.status_code not in (200, 302):
        sys.exit(f"{url}: HTTP {response.status_code}")
    return response


def measure(clients: dict, rows: list[tuple[str, str, str]], n: int) -> list[dict]:
    """``n`` rounds over every page (interleaved, so that a busy moment of the machine falls on every page alike,
    not on one), after three warm-up rounds and one round that counts the queries."""
    from django.db import connection

    for _ in range(3):
        for _label, who, url in rows:
            get(clients[who], url)
    figures = {}
    for label, who, url in rows:
        log = QueryLog()
        with connection.execute_wrapper(log):
            status = get(clients[who], url).status_code
        figures[label] = {"page": label, "url": url, "status": status, "queries": len(log.sql), "samples": []}
    for _ in range(n):
        for label, who, url in rows:
            pg0 = _common.backend_cpu()
            w0, c0 = time.perf_counter(), time.process_time()
            get(clients[who], url)
            cpu, wall = (time.process_time() - c0) * 1000, (time.perf_counter() - w0) * 1000
            figures[label]["samples"].append((cpu, wall, (_common.backend_cpu() - pg0) * 1000))
    results = []
    for row in figures.values():
        cpu, wall, pg = zip(*row.pop("samples"), strict=True)
        row["cpu_ms"] = round(statistics.median(cpu), 2)
        row["cpu_p25_ms"] = round(statistics.quantiles(cpu, n=4)[0], 2) if len(cpu) > 1 else row["cpu_ms"]
        row["wall_ms"] = round(statistics.median(wall), 2)
        row["pg_cpu_ms"] = round(statistics.fmean(pg), 2)  # clock ticks of 10 ms: the mean, not the median
        results.append(row)
    return results


def profile(clients: dict, who: str, url: str, n: int) -> None:
    for _ in range(3):
        get(clients[who], url)
    prof = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
    for _ in range(n):
        prof.enable()
        get(clients[who], url)
        prof.disable()
        # A redirect's message is shown (and dropped) by the next page in the rounds of ``measure``; asked for again
        # and again here, it would pile up in the cookie and the session and profile their serialising instead.
        clients[who].cookies.pop("messages", None)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
    stats.print_stats(60)
    project = re.escape(str(_common.ROOT)) + r"/(?!\.venv)"
    stats.print_stats(project + r"|sessions/|django_otp|axes/|context_processors|template/(base|loader)", 60)
    stats.sort_stats("tottime").print_stats(30)
    print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="per page (default 40, at most 500)")
    parser.add_argument("--placements", type=int, default=300, help="of the demo unit in its demo year")
    parser.add_argument("--profile", help="a page's label (or 'floor': a signed-in page's bare cost) to profile")
    parser.add_argument("--only", help="only the pages whose label contains this")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    n = max(1, min(args.requests, 500))
    _common.setup(DB_URL)
    from django.conf import settings

    print(
        f"bench/page_cpu.py: {_common.server_version().split(',')[0]}, DEBUG={settings.DEBUG}, "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1]}, sessions {settings.SESSION_ENGINE}"
    )
    seed(args.placements)
    clients = {"anonymous": __import__("django.test", fromlist=["Client"]).Client()}
    clients["clerk"], clients["reviewer"] = clerk_client(), reviewer_client()
    rows = pages(clients["clerk"])
    if args.profile:
        match = [(who, url) for label, who, url in rows if args.profile == label]  # exact first, else a part
        match = match or [(who, url) for label, who, url in rows if args.profile in label]
        if args.profile == "floor":
            match = [(who, url) for label, who, url in rows if "redirect" in label]  # no page of its own
        if not match:
            sys.exit(f"no page {args.profile!r}")
        profile(clients, *match[0], n)
        return 0
    rows = [r for r in rows if not args.only or args.only in r[0] or r[0] == "login page"]
    print(f"{n} rounds over the pages after 3 warm-up ones; medians (p25 too; PostgreSQL backend: mean)")
    print(
        f"  {'page':<24}{'status':>7}{'queries':>8}{'CPU ms':>9}{'p25':>7}{'wall ms':>9}{'PG ms':>8}{'login/page':>11}"
    )
    results = measure(clients, rows, n)
    login_cpu = results[0]["cpu_ms"]
    for row in results:
        row["ratio"] = round(login_cpu / row["cpu_ms"], 2) if row["cpu_ms"] else None
        print(
            f"  {row['page']:<24}{row['status']:>7}{row['queries']:>8}{row['cpu_ms']:>9.2f}{row['cpu_p25_ms']:>7.2f}"
            f"{row['wall_ms']:>9.2f}{row['pg_cpu_ms']:>8.2f}{row['ratio']:>11.2f}"
        )
    print("load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
