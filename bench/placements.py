"""Benchmark of the placement list and the month grid page on PostgreSQL (issue 4).

    .venv/bin/python bench/placements.py [--placements 5000] [--requests 200] [--keep]

Sets Django up itself on the database ``dev_wizard_bench`` (created if missing; override with BENCH_DATABASE_URL),
migrates it, creates one employer with 5,000 placements of one business year (twelve PlacementMonth rows each, in
every review state, so every status of the list occurs) and measures with the Django test client, logged in as the
unit's clerk:

- the list page ``/placements/`` (first page, 50 rows): the number of queries and the p50 / p95 server time over
  200 requests — as a clerk sees it (the year's totals cached for 30 s with the fingerprint of its placements, see
  placements.listing.selectors.list_header) and with the totals recomputed on every request;
- the same for the list filtered by a status and for a search;
- one grid page ``/placements/<id>/step-2/``.

Targets (issue 4): ≤ 10 queries whatever the number of rows; list p95 ≤ 60 ms; grid p95 ≤ 80 ms.
"""

import argparse
import os
import platform
import random
import statistics
import time
from datetime import date

import _common

DB_URL = _common.configure("dev_wizard_bench")

YEAR = 2025
STATE_MIXES = [
    ["auto"] * 12,  # 审核通过(系统)
    ["auto"] * 10 + ["confirmed"] * 2,  # 审核通过(人工)
    ["auto"] * 9 + ["pending"] * 3,  # 待审核
    ["auto"] * 11 + ["rejected"],  # 部分审核不通过
    ["rejected"] * 4 + ["none"] * 8,  # 审核不通过
    ["none"] * 12,  # 资料待完善 (wizard not finished)
]


def generate(n: int) -> None:
    """One employer (USCC from python-stdnum) with ``n`` placements of YEAR and their months."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from stdnum.cn import uscc as stdnum_uscc

    from core.models import Region, RegionLevel
    from devdata.generator import id_number
    from employers.models import Employer, EmployerAccount
    from placements.models import Placement, PlacementMonth

    body = "91110105MA0BENCH0"
    uscc = body + stdnum_uscc.calc_check_digit(body)
    rng = random.Random(2025)
    with transaction.atomic():
        old = Employer.objects.filter(uscc=uscc).first()
        if old is not None:
            Placement.objects.filter(employer=old).delete()
            EmployerAccount.objects.filter(employer=old).delete()
            old.delete()
        province, _ = Region.objects.get_or_create(
            code="110000", defaults={"name": "北京市", "level": RegionLevel.PROVINCE}
        )
        city, _ = Region.objects.get_or_create(
            code="110100", defaults={"name": "市辖区", "level": RegionLevel.CITY, "parent": province}
        )
        county, _ = Region.objects.get_or_create(
            code="110105", defaults={"name": "朝阳区", "level": RegionLevel.COUNTY, "parent": city}
        )
        employer = Employer.objects.create(
            name="北京市基准测试有限公司",
            uscc=uscc,
            unit_kind="企业",
            economic_kind="有限责任(公司)",
            industry="I",
            federation_region=county,
            tax_region=county,
            registration_region=county,
            legal_rep_name="张伟",
            legal_rep_id_number=id_number("110105", date(1975, 3, 2), 11),
            legal_rep_phone="13800138000",
            contact_name="李娜",
            contact_phone="13900139000",
            business_address="北京市朝阳区测试路1号",
            registered_address="北京市朝阳区测试路1号",
        )
        user_model = get_user_model()
        user = user_model.objects.filter(username="benchclerk").first()
        if user is None:
            user = user_model.objects.create_user(username="benchclerk", password="bench-pass-2026")
        EmployerAccount.objects.filter(user=user).delete()
        EmployerAccount.objects.create(user=user, employer=employer)

        seen: set[str] = set()
        placements = []
        while len(placements) < n:
            number, _birth, name = _common.random_person(rng, "110105", seen)
            placements.append(Placement(employer=employer, year=YEAR, id_number=number, name=name, wizard_step=4))
        for p in placements:  # what Placement.save() derives
            p.birth_date = date(int(p.id_number[6:10]), int(p.id_number[10:12]), int(p.id_number[12:14]))
            p.gender = "男" if int(p.id_number[16]) % 2 else "女"
        Placement.objects.bulk_create(placements, batch_size=1000)
        months = []
        completed = []
        for i, p in enumerate(placements):
            mix = STATE_MIXES[i % len(STATE_MIXES)]
            if i % len(STATE_MIXES) != len(STATE_MIXES) - 1:
                completed.append(p.pk)
            grade = rng.choice((1, 2, 3, 4))
            for m, state in enumerate(mix, start=1):
                verified = state in ("auto", "none") and i % len(STATE_MIXES) != len(STATE_MIXES) - 1
                months.append(
                    PlacementMonth(
                        placement_id=p.pk,
                        id_number=p.id_number,
                        year=YEAR,
                        month=YEAR * 100 + m,
                        wage_ok=verified,
                        pension_ok=True,
                        medical_ok=True,
                        cert_ok=True,
                        age_ok=True,
                        contract_ok=True,
                        verified=verified,
                        reasons="" if verified else "wage_missing",
                        cert_type="残疾人证",
                        cert_grade=grade,
                        cert_no=f"{p.id_number}4{grade}",
                        weight=2 if grade <= 2 else 1,
                        selected=state != "none",
                        review_state=state,
                        evidence_mask=1 if state in ("pending", "confirmed", "rejected") else 0,
                    )
                )
        PlacementMonth.objects.bulk_create(months, batch_size=5000)
        Placement.objects.filter(pk__in=completed).update(wizard_completed=True)
        _common.mark_held()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"generated {n} placements and {len(months)} grid rows for {employer.name}")


def measure(requests: int) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from placements.models import Placement

    setup_test_environment()
    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="benchclerk"))
    employer_id = Placement.objects.filter(
        name__isnull=False, employer__accounts__user__username="benchclerk"
    ).values_list("employer_id", flat=True)[:1][0]
    n = Placement.objects.filter(employer_id=employer_id, year=YEAR).count()
    # The middle placement, or the next one still open to the wizard: an approved one (STATE_MIXES 0 and 1, see
    # placements.registration.rules.may_edit) redirects from step 2 to its detail page (e.g. the middle of 300).
    index = n // 2
    while index % len(STATE_MIXES) in (0, 1) and index + 1 < n:
        index += 1
    grid_pk = (
        Placement.objects.filter(employer_id=employer_id, year=YEAR).order_by("pk").values_list("pk", flat=True)[index]
    )
    search = Placement.objects.get(pk=grid_pk).name[0]
    pages = [
        ("list", f"/placements/?year={YEAR}", 60),
        ("list, totals not cached", f"/placements/?year={YEAR}", 60),
        ("list, page 50", f"/placements/?year={YEAR}&page=50", 60),
        ("list, status 待审核", f"/placements/?year={YEAR}&status=pending", 60),
        (f"list, search “{search}”", f"/placements/?year={YEAR}&q={search}", 60),
        ("grid (step 2)", f"/placements/{grid_pk}/step-2/", 80),
    ]
    print(
        f"{n} placements of one employer; {requests} requests per page (Django test client, after 10 warm-up requests)"
    )
    print(f"{'page':28} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}")
    ok = True
    for label, url, target in pages:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
        for _ in range(10):
            client.get(url)
        times, cpu = [], []
        for _ in range(requests):
            if "not cached" in label:
                cache.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        times.sort()
        p50 = statistics.median(times)
        p95 = times[int(len(times) * 0.95) - 1]
        good = queries <= 10 and p95 <= target
        ok &= good
        print(
            f"{label:28} {queries:>7} {p50:>8.1f} {p95:>8.1f} {'≤ ' + str(target):>8} {'✓' if good else '✗'}"
            f"   (Django CPU p50 {statistics.median(cpu):.1f} ms)"
        )
    print("all targets met" if ok else "some targets missed")
    print(f"load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run (no generation)")
    args = parser.parse_args()
    _common.setup(DB_URL)
    print(_common.server_version().split(",")[0], "·", platform.python_implementation(), platform.python_version())
    if not args.keep:
        generate(args.placements)
    measure(args.requests)


if __name__ == "__main__":
    main()
