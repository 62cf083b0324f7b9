"""Benchmark of 统计分析 (issue 15) on PostgreSQL: a province with 100,000 units and 1,000,000 placements.

    .venv/bin/python bench/stats.py [--units 100000] [--per-unit 10] [--regenerate] [--repeat 5]

Sets Django up on the database ``bench_stats`` (created if missing; override with BENCH_DATABASE_URL), migrates it,
loads the reference data (GB/T 2260 regions) and, once (kept for the next runs; ``--regenerate`` starts over),
generates set-based (``INSERT … SELECT generate_series``) in 广东省 (44): ``--units`` units spread over its districts,
industries and unit kinds, ``--per-unit`` placements of YEAR per unit with their twelve months in every review state,
the declaration states (40 % declared, half of them sent to tax), declarations with their current submission
(certificates issued for half) and some approved withdrawals; then (also on a database generated before them) the
staff figures 60 % of the units stated for the levy estimate (10–5,000 staff, 4,000–40,000 元 a month) and the
province's 社会平均工资 of YEAR when missing.

Then brings the statistics summary up to date (its first build: ``refresh_statistics``' first run,
``declarations.statistics_summary``, with the levy estimates of ``levy.statistics``) and measures — the best and
the median time over ``--repeat`` runs and the query count: an incremental refresh of the province with nothing
changed (the cron job), the province's statistics by sub-region, 行业类别 and 单位性质 read from the summary, a city's
(summary; and its refresh) and a district's unit list (refreshed on read), and the page
(``/admin/declarations/declaration/statistics/``) as a provincial, a city and a district reviewer. Target
(issue 15): ≤ 2 s for the province.
"""

import argparse
import platform
import statistics as stats_module
import time
from decimal import Decimal

import _common

DB_URL = _common.configure("bench_stats")

YEAR = 2025
PROVINCE = "44"
INDUSTRIES = "ABCDEFGHIJKLMNOPQRST"
UNIT_KINDS = ("企业", "机关", "事业单位", "社会团体", "民办非企业单位", "其他")


def _run(cursor, label: str, sql: str) -> None:
    started = time.perf_counter()
    cursor.execute(sql)  # no parameters: "%" is SQL's modulo here
    print(f"  {label}: {cursor.rowcount} rows, {time.perf_counter() - started:.1f} s", flush=True)


def generate(units: int, per_unit: int) -> None:
    """The units, placements, months and declarations (see the module docstring), set-based."""
    from django.db import connection

    from core.models import Region

    districts = list(
        Region.objects.filter(code__startswith=PROVINCE, level="county", abolished=False)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not districts:
        raise SystemExit("no districts of 44 — load_reference_data did not load the regions")
    print(f"generating {units} units over {len(districts)} districts, {units * per_unit} placements …", flush=True)
    # Each step commits (a long load survives nothing else; a restarted server loses one step, not all of them).
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_district (n int PRIMARY KEY, code varchar(6))")
        cur.executemany("INSERT INTO bench_district VALUES (%s, %s)", list(enumerate(districts)))
        kinds = "ARRAY[" + ", ".join(f"'{k}'" for k in UNIT_KINDS) + "]"
        _run(
            cur,
            "units",
            f"""
            INSERT INTO employers_employer (name, uscc, tax_registration_no, organization_code, unit_kind,
                economic_kind, industry, legal_rep_name, legal_rep_id_type, legal_rep_id_number, legal_rep_phone,
                phone, contact_name, contact_phone, business_address, registered_address, created_at, updated_at,
                version, federation_region_id, registration_region_id, tax_region_id, profile_complete)
            SELECT '广东省基准单位' || g, 'B' || lpad(g::text, 17, '0'), '', '',
                ({kinds})[1 + (g * 7) % {len(UNIT_KINDS)}], '有限责任(公司)',
                substr('{INDUSTRIES}', 1 + (g * 13) % {len(INDUSTRIES)}, 1), '张伟', 'resident_id',
                '440106197503020011', '13800138000', '', '李娜', '13900139000', '广州市测试路1号', '广州市测试路1号',
                now(), now(), 0, d.code, d.code, d.code, true
            FROM generate_series(1, {units}) g JOIN bench_district d ON d.n = g % {len(districts)}
            """,
        )
        _run(
            cur,
            "placements",
            f"""
            INSERT INTO placements_placement (year, id_number, name, gender, household_address, phone, education,
                guardian_name, guardian_phone, is_graduate, retirement_baseline, wizard_step, wizard_completed,
                submitted_at, frozen, version, created_at, updated_at, employer_id)
            SELECT {YEAR}, '44' || lpad((e.id * {per_unit} + k)::text, 16, '0'), '王芳', '女', '', '', '', '', '',
                false, '', 4, (e.id + k) % 20 <> 0, CASE WHEN (e.id + k) % 20 <> 0 THEN now() END, false, 0, now(),
                now(), e.id
            FROM employers_employer e CROSS JOIN generate_series(1, {per_unit}) k
            WHERE e.uscc LIKE 'B%'
            """,
        )
        # The month table's secondary indexes are dropped during the load and built again after it (a bulk load).
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'placements_placementmonth' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SELECT min(id), max(id) FROM placements_placement")
        low, high = cur.fetchone()
        step = max((high - low + 1) // 10, 1)
        # Months: a mix by placement and month — auto (most), pending, confirmed, rejected, unselected; grades 1–4.
        for start in range(low, high + 1, step):
            _run(
                cur,
                f"months of placements {start}…{start + step - 1}",
                f"""
            INSERT INTO placements_placementmonth (id_number, year, month, wage_ok, pension_ok, medical_ok, cert_ok,
                age_ok, contract_ok, taken_elsewhere, verified, reasons, dispatched, cert_type, cert_grade, cert_no,
                weight, selected, review_state, evidence_mask, evidence_missing, decision_reason, updated_at,
                placement_id, held)
            SELECT p.id_number, {YEAR}, {YEAR} * 100 + m, true, true, true, true, true, true, false, s.state = 'auto',
                '', false, '残疾人证', s.grade, p.id_number || '4' || s.grade, CASE WHEN s.grade <= 2 THEN 2 ELSE 1 END,
                s.state <> 'none', s.state, CASE WHEN s.state IN ('pending', 'confirmed', 'rejected') THEN 1 ELSE 0
                END, s.state = 'pending' AND p.id % 3 = 0, '', now(), p.id,
                s.state NOT IN ('none', 'rejected') AND p.wizard_completed
            FROM placements_placement p CROSS JOIN generate_series(1, 12) m
            CROSS JOIN LATERAL (SELECT
                CASE (p.id * 7 + m) % 16 WHEN 0 THEN 'pending' WHEN 1 THEN 'confirmed' WHEN 2 THEN 'rejected'
                    WHEN 3 THEN 'none' ELSE 'auto' END AS state,
                1 + p.id % 4 AS grade) s
            WHERE p.year = {YEAR} AND p.id_number LIKE '44%' AND p.id BETWEEN {start} AND {start + step - 1}
            """,
            )
        for name, definition in indexes:
            _run(cur, f"index {name}", definition)
        _run(
            cur,
            "declaration states",
            f"""
            INSERT INTO employers_declarationstate (year, status, previous_status, declared_at, sent_to_tax_at,
                employer_id)
            SELECT {YEAR}, CASE WHEN e.id % 5 = 0 THEN 'sent' ELSE 'declared' END, '', now(),
                CASE WHEN e.id % 5 = 0 THEN now() END, e.id
            FROM employers_employer e WHERE e.uscc LIKE 'B%' AND e.id % 5 IN (0, 1)
            """,
        )
        _run(
            cur,
            "declarations",
            f"""
            INSERT INTO declarations_declaration (year, status, previous_status, sent_to_tax_at, version, created_at,
                updated_at, employer_id)
            SELECT {YEAR}, s.status, '', s.sent_to_tax_at, 1, now(), now(), s.employer_id
            FROM employers_declarationstate s WHERE s.year = {YEAR}
            """,
        )
        _run(
            cur,
            "submissions",
            f"""
            INSERT INTO declarations_submission (number, form_token, declared_at, declared_by_label, unit_name, uscc,
                issuer, federation_region_code, tax_authority, persons, registered_months, confirmed_months,
                approved_months, certificate_no, verification_code, certificate_issued_at, void_reason,
                declaration_id, tax_result, tax_result_reason)
            SELECT 1, '', now(), 'bench', e.name, e.uscc, '残联', e.federation_region_id, e.tax_region_id, 10, 100,
                90, 120, 'B' || d.id, 'B' || d.id, CASE WHEN d.id % 2 = 0 THEN now() END, '', d.id, '', ''
            FROM declarations_declaration d JOIN employers_employer e ON e.id = d.employer_id WHERE d.year = {YEAR}
            """,
        )
        _run(
            cur,
            "current submissions",
            "UPDATE declarations_declaration d SET current_id = s.id FROM declarations_submission s "
            "WHERE s.declaration_id = d.id AND d.current_id IS NULL",
        )
        _run(
            cur,
            "withdrawals",
            f"""
            INSERT INTO declarations_withdrawal (reason, from_status, requested_at, state, decided_at, decision_reason,
                declaration_id, submission_id)
            SELECT '申报信息有误', d.status, now(), 'approved', now(), '同意撤回', d.id, d.current_id
            FROM declarations_declaration d WHERE d.year = {YEAR} AND d.id % 17 = 0
            """,
        )
        cur.execute("DROP TABLE bench_district")
        cur.execute("ANALYZE")


def generate_staff_figures() -> None:
    """The staff figures of 60 % of the generated units (the inputs of their levy estimate), and the province's
    社会平均工资 of YEAR (the wage cap) when the reference data has none; skipped when already there."""
    from django.db import connection

    from core.models import SocialAverageWage
    from levy.models import StaffFigures

    SocialAverageWage.objects.get_or_create(province_code=PROVINCE, year=YEAR, defaults={"annual_amount": 120_000})
    if StaffFigures.objects.filter(year=YEAR, employer__uscc__startswith="B").exists():
        return
    with connection.cursor() as cur:
        _run(
            cur,
            "staff figures",
            f"""
            INSERT INTO levy_stafffigures (employer_id, year, staff_count, avg_monthly_wage, updated_at)
            SELECT e.id, {YEAR}, 10 + (e.id * 37) % 4991, 4000 + (e.id * 53) % 36001, now()
            FROM employers_employer e WHERE e.uscc LIKE 'B%' AND e.id % 10 < 6
            """,
        )
        cur.execute("ANALYZE levy_stafffigures")


def measure(repeat: int) -> bool:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.models import EmploymentRatio, Region
    from declarations.models import UnitYearFigures
    from declarations.statistics import DIMENSIONS, statistics
    from declarations.statistics_summary import summary_refresh
    from employers.models import Employer, ReviewerProfile

    setup_test_environment()
    users = get_user_model().objects
    district = Employer.objects.filter(uscc__startswith="B").values_list("federation_region_id", flat=True)[:1][0]
    city = district[:4] + "00"

    def timed(fn, times=repeat):
        elapsed, queries = [], 0
        for _ in range(times):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                fn()
                elapsed.append(time.perf_counter() - started)
            queries = len(ctx.captured_queries)
        return min(elapsed), stats_module.median(elapsed), queries

    units = Employer.objects.filter(uscc__startswith="B").count()
    server = _common.server_version().split(",")[0]
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM placements_placementmonth")
        months = cur.fetchone()[0]
    print(f"{units} units, {months} placement months; {server}; {platform.processor() or platform.machine()}")
    print(f"load average at start: {_load()} (2 cores shared with other work)")
    first = not UnitYearFigures.objects.filter(year=YEAR).exists()
    result = summary_refresh(year=YEAR, region=PROVINCE)
    print(
        f"summary {'built' if first else 'brought up to date'}: {result.recomputed} units written, "
        f"{result.estimated} levy estimates, in {result.seconds:.1f} s (refresh_statistics"
        f"{', first run' if first else ''}); load average now {_load()}"
    )
    print(f"{'what':58} {'queries':>7} {'best s':>7} {'median s':>8} {'target':>6}")
    ok = True

    def line(label, fn, target=2.0, times=repeat):
        nonlocal ok
        best, median, queries = timed(fn, times)
        print(f"{label:58} {queries:7} {best:7.3f} {median:8.3f} {target:6.1f}", flush=True)
        ok &= median <= target

    line("refresh_statistics, nothing changed (province)", lambda: summary_refresh(year=YEAR, region=PROVINCE), 60, 1)

    for dimension in DIMENSIONS:
        if dimension != "unit":
            line(
                f"province statistics by {dimension} (summary)",
                lambda d=dimension: statistics(scope=PROVINCE, region=PROVINCE, year=YEAR, by=d, refresh=False),
            )
    city_prefix, district_prefix = city[:4], district
    line(
        "city statistics by region (summary)",
        lambda: statistics(scope=city_prefix, region=city_prefix, year=YEAR, refresh=False),
    )
    line("city refresh, nothing changed", lambda: summary_refresh(year=YEAR, region=city_prefix))
    line(
        "district unit list (refreshed on read)",
        lambda: statistics(scope=district_prefix, region=district_prefix, year=YEAR, by="unit"),
    )
    for username, code in (("bench_province", f"{PROVINCE}0000"), ("bench_city", city), ("bench_district", district)):
        user = users.filter(username=username).first() or users.create_user(username, password="bench-pass-2026")
        user.is_staff = True
        user.save()
        ReviewerProfile.objects.update_or_create(user=user, defaults={"region": Region.objects.get(code=code)})
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True
        )
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # the second factor verified (ADMIN_REQUIRE_OTP on)
        session.save()
        url = f"/admin/declarations/declaration/statistics/?year={YEAR}"
        client.get(url)  # warm-up (templates, static)

        def page(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        line(f"page as {username}", page)

    def ratio_changed():  # the province's 规定比例 edited: every estimate of the province is computed again
        ratio = EmploymentRatio.objects.filter(province_code=PROVINCE, year__lte=YEAR).order_by("-year").first()
        if ratio is None:
            raise SystemExit(f"no 安排比例 of {PROVINCE} — load_reference_data did not load the ratios")
        original = ratio.ratio_percent
        EmploymentRatio.objects.filter(pk=ratio.pk).update(ratio_percent=original + Decimal("0.01"))
        try:
            estimated = summary_refresh(year=YEAR, region=PROVINCE).estimated
        finally:
            EmploymentRatio.objects.filter(pk=ratio.pk).update(ratio_percent=original)
        print(f"  ({estimated} estimates computed again)", flush=True)

    # Last: it rewrites 60,000 rows (dead tuples until autovacuum passes), which would weigh on the reads above.
    line("refresh_statistics after the province's ratio changed", ratio_changed, 120, 1)
    summary_refresh(year=YEAR, region=PROVINCE)  # the ratio as it was
    print(f"load average at the end: {_load()}")
    return ok


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--per-unit", type=int, default=10)
    parser.add_argument("--regenerate", action="store_true", help="delete the generated data and generate it again")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    _common.setup(DB_URL)
    from django.core.management import call_command
    from django.db import connection

    from employers.models import Employer

    with connection.cursor() as cur:  # generated completely: the last placement has its months, the indexes exist
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM placements_placementmonth WHERE placement_id = "
            "(SELECT max(id) FROM placements_placement)) AND EXISTS (SELECT 1 FROM pg_indexes "
            "WHERE indexname = 'pm_pending_idx')"
        )
        complete = cur.fetchone()[0] and Employer.objects.filter(uscc="B" + "1".rjust(17, "0")).exists()
    if not complete or args.regenerate:
        call_command("load_reference_data", verbosity=0)
        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE declarations_withdrawal, declarations_submission, declarations_declaration, "
                "employers_declarationstate, placements_placementmonth, placements_placement, employers_employer "
                "CASCADE"
            )
        started = time.perf_counter()
        generate(args.units, args.per_unit)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    generate_staff_figures()
    raise SystemExit(0 if measure(args.repeat) else 1)


if __name__ == "__main__":
    main()
