"""审计记录查询 at a province's size, on PostgreSQL (issue 15).

    .venv/bin/python bench/audit.py [--events 3000000] [--units 20000] [--placements 300000] [--runs 5]
                                    [--backfill] [--reuse]

In its own database ``bench_audit`` (BENCH_DATABASE_URL to change; created if missing, migrated), a province (37)
of 10 cities × 10 districts, ``--units`` units spread over the districts, a reviewer for every district, every city
and the province, ``--placements`` placements of those units, and ``--events`` audit events (generated in SQL, ~1 a
second, newest now): 40 % on placements and 40 % on units (``employer`` set), 10 % by reviewers on objects of no
unit, 10 % of no unit at all (logins).
Then ANALYZE (as autovacuum would) and, for a district, a city and the province reviewer, the reader's first page
and the page after it (``declarations.audit_reader.audit_events``, the read's own event included) and one unit's
trail: the median and best wall time of ``--runs`` runs, the queries, and the CPU time of the database backend
(``/proc/<pid>/stat`` of ``pg_backend_pid()``), plus the plan of the region part of the first page
(``EXPLAIN (ANALYZE, BUFFERS)``: the pages read do not depend on the machine's load).

``--backfill`` also times migration 0009 on all events: the column emptied, its index dropped, the backfill run in
its batches, the index built again. The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time

import _common

DB_URL = _common.configure("bench_audit")
PROVINCE = "370000"
CITIES = [f"37{c:02d}00" for c in range(1, 11)]
DISTRICTS = [f"{city[:4]}{d:02d}" for city in CITIES for d in range(1, 11)]


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def generate(n_events: int, n_units: int, n_placements: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from core.models import AuditEvent, Region, RegionLevel
    from employers.models import Employer, ReviewerProfile
    from placements.models import Placement

    User = get_user_model()
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {AuditEvent._meta.db_table} RESTART IDENTITY")
        cur.execute(
            f"DELETE FROM {Placement._meta.db_table} WHERE employer_id IN "
            f"(SELECT id FROM {Employer._meta.db_table} WHERE uscc LIKE '9137%%')"
        )
    Employer.objects.filter(uscc__startswith="9137").delete()
    ReviewerProfile.objects.filter(user__username__startswith="bench-audit-").delete()
    User.objects.filter(username__startswith="bench-audit-").delete()
    province, _ = Region.objects.get_or_create(
        code=PROVINCE, defaults={"name": "山东省", "level": RegionLevel.PROVINCE}
    )
    for city in CITIES:
        parent, _ = Region.objects.get_or_create(
            code=city, defaults={"name": f"市{city}", "level": RegionLevel.CITY, "parent": province}
        )
        for district in (d for d in DISTRICTS if d.startswith(city[:4])):
            Region.objects.get_or_create(
                code=district, defaults={"name": f"区{district}", "level": RegionLevel.COUNTY, "parent": parent}
            )
    units = [
        _common.bench_employer(
            i, prefix="9137", name=f"审计基准单位{i:05d}有限公司", region=DISTRICTS[i % len(DISTRICTS)]
        )
        for i in range(n_units)
    ]
    Employer.objects.bulk_create(units, batch_size=1000)
    for code in [PROVINCE, *CITIES, *DISTRICTS]:
        user = User.objects.create_user(f"bench-audit-{code}", password=None, is_staff=True)
        ReviewerProfile.objects.create(user=user, region_id=code)
    first_unit = Employer.objects.filter(uscc__startswith="9137").order_by("pk").values_list("pk", flat=True)[0]
    reviewers = list(
        User.objects.filter(username__startswith="bench-audit-").order_by("pk").values_list("pk", flat=True)
    )
    started = time.perf_counter()
    chunk = 500_000
    with connection.cursor() as cur:
        # placement i belongs to unit first_unit + i % n_units
        cur.execute(
            f"""
            INSERT INTO {Placement._meta.db_table} (employer_id, year, id_number, name, gender, birth_date,
                retirement_baseline, wizard_step, wizard_completed, submitted_at, frozen, version, created_at,
                updated_at, household_address, phone, education, guardian_name, guardian_phone, is_graduate)
            SELECT %(first)s + i %% %(units)s, 2025, '37' || lpad(i::text, 16, '0'), '王芳', '男', date '1980-01-01',
                '', 4, true, now(), false, 0, now(), now(), '', '', '', '', '', false
            FROM generate_series(0, %(n)s - 1) AS i
            """,
            {"first": first_unit, "units": n_units, "n": n_placements},
        )
        cur.execute(f"SELECT min(id) FROM {Placement._meta.db_table} WHERE id_number LIKE '37%%'")
        first_placement = cur.fetchone()[0] or 0
        print(f"  {n_placements:,} placements ({time.perf_counter() - started:.0f} s, {load()})", flush=True)
        for low in range(1, n_events + 1, chunk):
            high = min(low + chunk - 1, n_events)
            cur.execute(
                f"""
                INSERT INTO {AuditEvent._meta.db_table}
                    (at, actor_id, actor_label, action, object_type, object_id, object_repr, reason, changes,
                     employer_id)
                SELECT now() - make_interval(secs => %(n)s - g),
                    CASE WHEN g %% 10 >= 8 THEN (%(reviewers)s::bigint[])[1 + (g / 10) %% %(r)s] END,
                    CASE WHEN g %% 10 >= 8 THEN 'reviewer' ELSE 'clerk' END,
                    CASE WHEN g %% 10 < 4 AND %(p)s > 0 THEN 'placement.review_approve' WHEN g %% 10 < 8
                        THEN 'employer.update' WHEN g %% 10 = 8 THEN 'notice_published' ELSE 'login' END,
                    CASE WHEN g %% 10 < 4 AND %(p)s > 0 THEN 'placements.placement' WHEN g %% 10 < 8
                        THEN 'employers.employer' ELSE 'auth.user' END,
                    CASE WHEN g %% 10 < 4 AND %(p)s > 0 THEN (%(fp)s + (g * 7919) %% %(p)s)::text
                        WHEN g %% 10 < 8 THEN (%(first)s + (g * 7919) %% %(units)s)::text ELSE g::text END,
                    '对象', '', '{{}}'::jsonb,
                    CASE WHEN g %% 10 < 4 AND %(p)s > 0 THEN %(first)s + ((g * 7919) %% %(p)s) %% %(units)s
                        WHEN g %% 10 < 8 THEN %(first)s + (g * 7919) %% %(units)s END
                FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS g
                """,
                {
                    "n": n_events,
                    "low": low,
                    "high": high,
                    "first": first_unit,
                    "units": n_units,
                    "reviewers": reviewers,
                    "r": len(reviewers),
                    "p": n_placements,
                    "fp": first_placement,
                },
            )
            print(f"  {high:,} events ({time.perf_counter() - started:.0f} s, {load()})", flush=True)
        cur.execute(f"ANALYZE {AuditEvent._meta.db_table}")
        cur.execute(f"ANALYZE {Employer._meta.db_table}")
        cur.execute(f"ANALYZE {ReviewerProfile._meta.db_table}")
        cur.execute(f"ANALYZE {Placement._meta.db_table}")


def measure(label: str, call, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, cpus, queries = [], [], 0
    for _ in range(runs):
        cpu = _common.backend_cpu()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - started)
        cpus.append(_common.backend_cpu() - cpu)
        queries = len(captured.captured_queries)
    print(
        f"{label:<44} median {statistics.median(times) * 1000:8.1f} ms  best {min(times) * 1000:8.1f} ms  "
        f"db cpu {statistics.median(cpus) * 1000:6.0f} ms  queries {queries:2d}  rows {len(result.rows)}",
        flush=True,
    )
    return {"result": result}


def explain(user) -> None:
    from django.db import connection

    from core.models import AuditEvent
    from declarations.audit_reader import scope_parts
    from employers.access import reviewer_region_prefix

    for q in scope_parts(reviewer_region_prefix(user)):
        sql, params = AuditEvent.objects.filter(q).order_by("-at", "-id")[:51].query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            lines = [row[0] for row in cur.fetchall()]
        print("    " + "\n    ".join(line for line in lines if line.strip()))


def bench_reader(runs: int) -> None:
    from django.contrib.auth import get_user_model

    from declarations.audit_reader import AuditFilters, audit_events
    from employers.models import Employer

    User = get_user_model()
    unit = Employer.objects.filter(federation_region_id=DISTRICTS[0]).order_by("pk").first()
    for code, name in ((DISTRICTS[0], "district"), (CITIES[0], "city"), (PROVINCE, "province")):
        user = User.objects.select_related("reviewer_profile__region").get(username=f"bench-audit-{code}")
        first = measure(f"{name} {code}: first page", lambda u=user: audit_events(by=u, filters=AuditFilters()), runs)
        cursor = first["result"].next_cursor
        measure(
            f"{name} {code}: next page",
            lambda u=user, c=cursor: audit_events(by=u, filters=AuditFilters(), page=2, before=c),
            runs,
        )
        measure(
            f"{name} {code}: one unit's trail",
            lambda u=user: audit_events(by=u, filters=AuditFilters(uscc=unit.uscc)),
            runs,
        )
        print(f"  plan of the first page's parts ({name}):")
        explain(user)


def bench_backfill() -> None:
    from django.apps import apps
    from django.db import connection

    from core.models import AuditEvent

    backfill = importlib.import_module("core.migrations.0009_audit_employer_backfill").backfill
    table = AuditEvent._meta.db_table
    with connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute("DROP INDEX IF EXISTS core_audit_employer_at_id")
        cur.execute(f"UPDATE {table} SET employer_id = NULL WHERE employer_id IS NOT NULL")
        cur.execute(f"VACUUM ANALYZE {table}")
        print(f"backfill: column emptied in {time.perf_counter() - started:.0f} s ({load()})", flush=True)
    started, cpu = time.perf_counter(), _common.backend_cpu()
    runs = backfill(apps, None)
    print(
        f"backfill: {runs} batches in {time.perf_counter() - started:.0f} s, "
        f"db cpu {_common.backend_cpu() - cpu:.0f} s ({load()})",
        flush=True,
    )
    filled = AuditEvent.objects.filter(employer__isnull=False).count()
    print(f"backfill: {filled:,} events have a unit again", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"CREATE INDEX core_audit_employer_at_id ON {table} (employer_id, at DESC, id DESC)")
        cur.execute(f"ANALYZE {table}")
    print(f"backfill: index built in {time.perf_counter() - started:.0f} s ({load()})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3_000_000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--placements", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backfill", action="store_true", help="also time migration 0009 on all events")
    parser.add_argument("--reuse", action="store_true", help="keep the events of an earlier run")
    args = parser.parse_args()
    _common.setup(DB_URL)
    print(f"{_common.server_version()}\n{load()}", flush=True)
    from core.models import AuditEvent

    fresh = not args.reuse or not AuditEvent.objects.exists()
    if fresh:
        print(
            f"generating {args.events:,} events on {args.units:,} units, {args.placements:,} placements …", flush=True
        )
        generate(args.events, args.units, args.placements)
    print(f"{load()}; {args.runs} runs each", flush=True)
    if fresh or not args.backfill:  # reused with --backfill: an earlier run may have left the column empty
        bench_reader(args.runs)
    if args.backfill:
        bench_backfill()
        bench_reader(args.runs)
    print(load())


if __name__ == "__main__":
    main()
