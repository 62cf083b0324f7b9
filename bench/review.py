"""Benchmark of the reviewers' workplace on PostgreSQL (issue 5).

    .venv/bin/python bench/review.py [--placements 20000] [--runs 60] [--keep]

Sets Django up itself on the database ``dev_review_bench`` (created if missing; override with BENCH_DATABASE_URL),
migrates it and bulk-loads by COPY 1,000 units (80 % in Beijing districts, the rest in Shanghai), 20,000 submitted
placements with five months each awaiting review — 100,000 pending months (240,000 grid rows in all) — their
evidence (one upload per placement covering the five months), contracts, and a few pending hand-added
certificates and dispatch agreements. Then, with Django's test client signed in as a 北京市 reviewer (审核人员
group) **with the second factor verified** (a confirmed TOTP device in the session, as after a real sign-in;
ADMIN_REQUIRE_OTP stays on), it prints the number of queries and the p50 / p95 server time of:

- the queue (first page, a later page, and filtered by age + check + district),
- one placement's review page.

Server time is the whole request through the middleware and template rendering, measured in-process.
Targets (issue 5): ≤ 12 queries each, p95 ≤ 150 ms, no full-table COUNT on a page view.
"""

import argparse
import os
import platform
import random
import statistics
import time
from datetime import date, datetime, timedelta

import _common

DB_URL = _common.configure("dev_review_bench")
os.environ.setdefault("ADMIN_REQUIRE_OTP", "true")

YEAR = 2025
PENDING_MONTHS = 5  # January … May of each placement await review
BEIJING = ["110101", "110102", "110105", "110106", "110108"]
SHANGHAI = ["310101", "310115"]


def generate(n_placements: int, n_employers: int, seed: int = 2025) -> None:
    from django.db import connection
    from stdnum.cn import ric

    from core.models import AuditEvent, Region, RegionLevel, StoredFile
    from employers.models import Employer, RelatedUnit
    from notices.models import Notice
    from placements.models import Contract, Evidence, HandCertificate, Placement, PlacementMonth

    rng = random.Random(seed)
    with connection.cursor() as cur:
        tables = [PlacementMonth, Evidence, HandCertificate, Contract, Placement, RelatedUnit, Notice, StoredFile]
        cur.execute(
            "TRUNCATE "
            + ", ".join(m._meta.db_table for m in tables)
            + f", {AuditEvent._meta.db_table}, {Employer._meta.db_table} RESTART IDENTITY CASCADE"
        )
    names = {"11": "北京市", "31": "上海市"}
    for code in BEIJING + SHANGHAI:
        prov, _ = Region.objects.get_or_create(
            code=code[:2] + "0000", defaults={"name": names[code[:2]], "level": RegionLevel.PROVINCE}
        )
        city, _ = Region.objects.get_or_create(
            code=code[:4] + "00", defaults={"name": "市辖区", "level": RegionLevel.CITY, "parent": prov}
        )
        Region.objects.get_or_create(
            code=code, defaults={"name": f"区{code}", "level": RegionLevel.COUNTY, "parent": city}
        )

    employers = [
        _common.bench_employer(
            i,
            prefix="9111",
            name=f"基准审核单位{i:04d}有限公司",
            region=BEIJING[i % len(BEIJING)] if i % 5 else SHANGHAI[i % len(SHANGHAI)],
        )
        for i in range(n_employers)
    ]
    Employer.objects.bulk_create(employers, batch_size=1000)
    employers = list(Employer.objects.order_by("pk").values_list("pk", "federation_region_id"))
    firms = RelatedUnit.objects.bulk_create(
        RelatedUnit(employer_id=pk, region_id=region, name=f"派遣公司{pk}", relation="dispatch_firm")
        for pk, region in employers
    )
    firm_of = {f.employer_id: f.pk for f in firms}

    now = datetime(2026, 4, 30, 12, 0)
    stamp = "2026-04-30 12:00:00+08"
    with connection.cursor() as cur:
        rows, seen = [], set()
        n = 0
        while len(rows) < n_placements:
            emp, region = employers[n % len(employers)]
            born = date(rng.randint(1968, 2004), rng.randint(1, 12), rng.randint(1, 28))
            body = f"{region}{born:%Y%m%d}{n % 1000:03d}"
            n += 1
            id_number = body + ric.calc_check_digit(body + "0")
            if id_number in seen:
                continue
            seen.add(id_number)
            submitted = now - timedelta(minutes=rng.randint(0, 60 * 24 * 40))
            name = rng.choice(_common.SURNAMES) + rng.choice(_common.GIVEN) + rng.choice(_common.GIVEN)
            rows.append((emp, YEAR, id_number, name, "男", born, "", 4, "t", f"{submitted:%Y-%m-%d %H:%M:%S}+08", "f"))
        _common.copy_rows(
            cur,
            Placement._meta.db_table,
            [
                *("employer_id", "year", "id_number", "name", "gender", "birth_date", "retirement_baseline"),
                *("wizard_step", "wizard_completed", "submitted_at", "frozen", "version", "created_at", "updated_at"),
                *("household_address", "phone", "education", "guardian_name", "guardian_phone", "is_graduate"),
            ],
            ((*r, 0, stamp, stamp, "", "", "", "", "", "f") for r in rows),
        )
        cur.execute(f"SELECT id, id_number, employer_id FROM {Placement._meta.db_table} ORDER BY id")
        placements = cur.fetchall()

        # Files: one evidence upload per placement, plus the pending documents' files (rows only: never opened).
        n_files = len(placements) + (len(placements) // 25 + 1) * 2
        file_columns = ["token", "file", "original_name", "content_type", "extension", "size", "sha256", "kind"]

        def file_row(i: int) -> tuple:
            employer = placements[i % len(placements)][2]
            name = "社保参保证明.pdf"
            return (f"benchtoken{i:012d}", f"uploads/be/bench{i}.pdf", name, "application/pdf", "pdf", 1024, "0" * 64,
                    "placement_evidence", employer, stamp, "f")  # fmt: skip

        _common.copy_rows(
            cur,
            StoredFile._meta.db_table,
            [*file_columns, "employer_id", "uploaded_at", "public"],
            (file_row(i) for i in range(n_files)),
        )
        cur.execute(f"SELECT id FROM {StoredFile._meta.db_table} ORDER BY id")
        files = [r[0] for r in cur.fetchall()]
        document_file = {i: files[len(placements) + i // 25 * 2 + (i % 25 == 12)] for i in range(len(placements))}

        month_columns = [
            *("placement_id", "id_number", "year", "month", "wage_ok", "pension_ok", "medical_ok", "cert_ok"),
            *("age_ok", "contract_ok", "taken_elsewhere", "verified", "reasons", "dispatched", "cert_type"),
            *("cert_grade", "cert_no", "weight", "checked_at", "selected", "review_state", "evidence_mask"),
            *("evidence_missing", "decision_reason", "updated_at"),
        ]

        def months():
            for pk, idn, _ in placements:
                for m in range(1, 13):
                    failing = m <= PENDING_MONTHS
                    yield (
                        *(pk, idn, YEAR, YEAR * 100 + m, "t", "f" if failing else "t", "t", "t", "t", "t", "f"),
                        *("f" if failing else "t", "pension_none" if failing else "", "f", "残疾人证", 2),
                        *(f"{idn}42", 2, stamp, "t", "pending" if failing else "auto", 2 if failing else 0, "f"),
                        *("", stamp),
                    )

        n_months = _common.copy_rows(cur, PlacementMonth._meta.db_table, month_columns, months())
        pending_json = "[" + ", ".join(str(YEAR * 100 + m) for m in range(1, PENDING_MONTHS + 1)) + "]"
        _common.copy_rows(
            cur,
            Evidence._meta.db_table,
            ["placement_id", "kind", "months", "file_id", "client_token", "uploaded_at", "withdrawn"],
            ((pk, "pension", pending_json, files[i], "", stamp, "f") for i, (pk, _, _) in enumerate(placements)),
        )

        def contract_row(i: int, pk: int, emp: int) -> tuple:
            """Every 25th person is dispatched (agreement awaiting review); the others have open-ended contracts."""
            if i % 25 == 0:
                return (pk, "t", "self", "dispatch", "2024-01-01", None, "普工", "4000.00", "pending", "", stamp, stamp,
                        firm_of[emp], document_file[i])  # fmt: skip
            return (pk, "f", "self", "open_ended", "2019-03-01", None, "普工", "4000.00", "not_required", "", stamp,
                    stamp, None, None)  # fmt: skip

        _common.copy_rows(
            cur,
            Contract._meta.db_table,
            [
                *("placement_id", "is_dispatched", "relation", "contract_type", "start", "end", "job"),
                *("monthly_salary", "review_state", "review_reason", "created_at", "updated_at"),
                *("dispatch_unit_id", "contract_file_id"),
            ],
            (contract_row(i, pk, emp) for i, (pk, _, emp) in enumerate(placements)),
        )
        _common.copy_rows(
            cur,
            HandCertificate._meta.db_table,
            [
                *("placement_id", "cert_no", "cert_type", "valid_from", "valid_to", "grade", "category"),
                *("image_id", "review_state", "reason", "created_at"),
            ],
            (
                (pk, f"{idn}42", "残疾人证", "2024-01-01", "2029-12-31", 2, 4, document_file[i], "pending", "", stamp)
                for i, (pk, idn, _) in enumerate(placements)
                if i % 25 == 12
            ),
        )
    _common.mark_held()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"loaded {len(placements):,} placements, {n_months:,} grid rows ({len(placements) * PENDING_MONTHS:,} pending)"
    )


def reviewer_client():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.models import Region
    from employers.models import ReviewerProfile
    from employers.services import reviewer_group_ensure

    user, _ = get_user_model().objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
    ReviewerProfile.objects.get_or_create(
        user=user, defaults={"region": Region.objects.get(code="110000"), "organisation": "北京市残疾人联合会"}
    )
    user.groups.add(reviewer_group_ensure())
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # the second factor verified, as after a real sign-in
    session.save()
    return client


class QueryLog:
    """Counts the queries of a block (``connection.execute_wrapper``: independent of DEBUG and of the log reset
    that every request does)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def measure(client, label: str, url: str, runs: int) -> dict:
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    full_counts = [sql for sql in log.sql if "COUNT(" in sql.upper() and "GROUP BY" not in sql.upper()]
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200
    row = {"label": label, "queries": len(log.sql), "count_queries": len(full_counts)}
    row.update(p50=statistics.median(times), p95=p95(times), cpu95=p95(cpu))
    print(
        f"  {label:<42} {row['queries']:>3} queries · COUNT(*) {row['count_queries']} · "
        f"p50 {row['p50']:6.1f} ms · p95 {row['p95']:6.1f} ms · Python CPU p95 {row['cpu95']:5.1f} ms"
    )
    return row


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def run_pages(client, runs: int) -> list[dict]:
    from django.urls import reverse

    from placements.models import Placement

    queue = reverse("admin:placements_placement_changelist")
    oldest = Placement.objects.filter(employer__federation_region__code__startswith="11").order_by("submitted_at")[0]
    pages = [
        ("(reference: the admin home page)", reverse("admin:index")),
        ("queue, first page (50 rows)", queue),
        ("queue, page 40", f"{queue}?p=40"),
        ("queue, overdue + 社保 + one district", f"{queue}?age=overdue&check=pension&region=110105"),
        ("queue, search by exact ID number", f"{queue}?q={oldest.id_number}"),
        ("review page (5 pending months + evidence)", reverse("admin:placements_placement_review", args=[oldest.pk])),
    ]
    rows = [measure(client, label, url, runs) for label, url in pages][1:]
    worst_q = max(r["queries"] for r in rows)
    worst_p95 = max(r["p95"] for r in rows)
    counted = sum(r["count_queries"] for r in rows)
    verdict = "PASS" if worst_q <= 12 and worst_p95 <= 150 and not counted else "FAIL"
    print(f"  → worst {worst_q} queries, worst p95 {worst_p95:.1f} ms, {counted} COUNT queries: {verdict}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=20_000)
    parser.add_argument("--employers", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded data (skip generation)")
    args = parser.parse_args()

    _common.setup(DB_URL)
    from placements.models import Placement, PlacementMonth

    if not (args.keep and Placement.objects.exists()):
        t0 = time.perf_counter()
        generate(args.placements, args.employers)
        print(f"generated in {time.perf_counter() - t0:.1f} s")
    pending = PlacementMonth.objects.filter(review_state="pending").count()
    print(
        f"PostgreSQL {_common.database_name(DB_URL)} · {Placement.objects.count():,} placements · "
        f"{pending:,} pending months"
    )
    print(
        f"Python {platform.python_version()} · {platform.machine()} · {os.cpu_count()} CPUs · runs per page {args.runs}"
    )
    print("load average at start: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))

    client = reviewer_client()
    print("\nschema as migrated (with placement_review_queue_idx, placements migration 0003):")
    run_pages(client, args.runs)


if __name__ == "__main__":
    main()
