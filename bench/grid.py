"""Benchmark of the month-grid engine on PostgreSQL (issue 3).

    .venv/bin/python bench/grid.py [--placements 100000] [--employers 200] [--keep] [--province] [--processes 2]
        [--parallel-only [--first-runs 3]]

``--province``: 500,000 placements of 100,000 units (a province's year, 6 M month rows).

Sets Django up itself on the database ``dev_engine_bench`` (created if missing; override with BENCH_DATABASE_URL),
migrates it, bulk-loads 200 employers, 100,000 placements with their contracts and certificates and twelve months
of pension / medical / wage facts (with realistic gaps) by COPY, then prints:

- placements/s of the set-based recompute (placements.grid.recompute.grid_recompute_many): the first run (creates the
  1.2 M grid rows), a second run with no fact changed, and a run after 5 % of the wage rows changed;
- with ``--processes N`` (issue 16), the same nothing-changed run and a first run split across N worker processes
  by placement-id range (placements.grid.parallel.grid_recompute_parallel, ``recompute_grids --processes N``);
  ``--parallel-only --first-runs K``: only the split first run, K times (the pass whose time varies most);
- the number of queries of one placement's grid (facts selector + recompute) for a placement with 1 and with
  5 contracts.

Targets (issue 3): ≥ 2,000 placements/s; one grid in ≤ 8 queries whatever its size.
"""

import argparse
import os
import platform
import random
import resource
import sys
import time
from datetime import date

import _common

DB_URL = _common.configure("dev_engine_bench")

YEAR = 2025
REGIONS = ["110101", "110105", "110108", "310101", "310115", "440106", "440305", "330106"]


def generate(n_placements: int, n_employers: int, seed: int = 2025) -> None:
    from django.db import connection
    from stdnum.cn import ric, uscc

    from core.models import MinimumWage, Region, RegionLevel
    from employers.models import Employer, RelatedUnit
    from feeds.models import Certificate, MedicalContribution, PensionContribution, WageRecord
    from placements.models import Contract, Placement, PlacementMonth

    rng = random.Random(seed)
    t0 = time.perf_counter()
    tables = [
        PlacementMonth,
        Contract,
        Placement,
        RelatedUnit,
        Certificate,
        PensionContribution,
        MedicalContribution,
        WageRecord,
        MinimumWage,
    ]
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE "
            + ", ".join(m._meta.db_table for m in tables)
            + f", {Employer._meta.db_table} RESTART IDENTITY CASCADE"
        )
    for code in REGIONS:
        prov, _ = Region.objects.get_or_create(
            code=code[:2] + "0000", defaults={"name": code[:2], "level": RegionLevel.PROVINCE}
        )
        city, _ = Region.objects.get_or_create(
            code=code[:4] + "00", defaults={"name": code[:4], "level": RegionLevel.CITY, "parent": prov}
        )
        Region.objects.get_or_create(code=code, defaults={"name": code, "level": RegionLevel.COUNTY, "parent": city})
    for prefix, amount, start in [
        ("11", "2420", date(2024, 9, 1)),
        ("1101", "2540", date(2025, 7, 1)),
        ("31", "2690", date(2024, 7, 1)),
        ("44", "1900", date(2022, 3, 1)),
        ("440305", "2360", date(2022, 3, 1)),
        ("33", "2490", date(2025, 1, 1)),
    ]:
        MinimumWage.objects.create(region_code=prefix, effective_from=start, amount=amount)

    employers = [
        _common.bench_employer(i, prefix="9111", name=f"基准测试单位{i:04d}有限公司", region=REGIONS[i % len(REGIONS)])
        for i in range(n_employers)
    ]
    Employer.objects.bulk_create(employers, batch_size=1000)
    employers = list(Employer.objects.order_by("pk").values_list("pk", "uscc", "registration_region_id"))
    related = RelatedUnit.objects.bulk_create(
        RelatedUnit(
            employer_id=pk,
            region_id=region,
            uscc=(b := f"9131{pk:013d}"[:17]) + uscc.calc_check_digit(b),
            name=f"关联子公司{pk}",
            relation="parent_subsidiary",
        )
        for pk, _, region in employers
    )
    related_by_employer = {r.employer_id: (r.pk, r.uscc) for r in related}

    now = "2026-03-01 00:00:00+08"
    people = []  # (placement pk, id_number, employer pk, employer uscc, related uscc, birth, gender)
    with connection.cursor() as cur:
        placement_rows = []
        for n in range(n_placements):
            emp_pk, emp_uscc, region = employers[n % len(employers)]
            roll = rng.random()
            if roll < 0.03:
                born = date(1965, rng.randint(1, 12), rng.randint(1, 28))  # retires during the year
            elif roll < 0.05:
                born = date(1975, rng.randint(1, 12), rng.randint(1, 28))  # women workers near retirement
            else:
                born = date(rng.randint(1968, 2005), rng.randint(1, 12), rng.randint(1, 28))
            male = rng.random() < 0.6
            body = f"{region}{born:%Y%m%d}{(n % 499) * 2 + (1 if male else 0):03d}"
            id_number = body + ric.calc_check_digit(body + "0")
            # Unique per person: the sequence part makes collisions rare; skip the few that collide.
            gender = "男" if male else "女"
            baseline = "" if male else rng.choice(["worker50", "cadre55"])
            name = rng.choice(_common.SURNAMES) + rng.choice(_common.GIVEN) + rng.choice(_common.GIVEN)
            placement_rows.append(
                (emp_pk, YEAR, id_number, name, gender, born, baseline, 3, "t", "f", 0, now, now, emp_uscc, n)
            )
        seen = set()
        unique_rows = []
        for row in placement_rows:
            if row[2] in seen:
                continue
            seen.add(row[2])
            unique_rows.append(row)
        placement_columns = [
            *("employer_id", "year", "id_number", "name", "gender", "birth_date", "retirement_baseline"),
            *("wizard_step", "wizard_completed", "frozen", "version", "created_at", "updated_at"),
            *("household_address", "phone", "education", "guardian_name", "guardian_phone", "is_graduate"),
        ]
        _common.copy_rows(
            cur, Placement._meta.db_table, placement_columns, ((*r[:13], "", "", "", "", "", "f") for r in unique_rows)
        )
        cur.execute(f"SELECT id, id_number, employer_id FROM {Placement._meta.db_table}")
        pk_by_id = {idn: (pk, emp) for pk, idn, emp in cur.fetchall()}
        uscc_by_emp = {pk: u for pk, u, _ in employers}
        for row in unique_rows:
            pk, emp = pk_by_id[row[2]]
            people.append((pk, row[2], emp, uscc_by_emp[emp], related_by_employer[emp][1], row[5], row[4]))

        # Contracts: mostly open-ended; 10 % a second contract; 4 % too short; 8 % wages paid by the subsidiary.
        contract_rows = []
        wage_unit_of = {}
        for pk, _idn, emp, emp_uscc, rel_uscc, *_ in people:
            r = rng.random()
            via_related = r < 0.08
            wage_unit_of[pk] = rel_uscc if via_related else emp_uscc
            wage_unit = related_by_employer[emp][0] if via_related else None
            if r > 0.96:
                contract_rows.append((pk, "f", "self", "fixed_term", date(2025, 2, 1), date(2025, 12, 31), wage_unit))
            elif r > 0.86:
                contract_rows.append((pk, "f", "self", "fixed_term", date(2023, 1, 1), date(2025, 6, 30), wage_unit))
                contract_rows.append((pk, "f", "self", "fixed_term", date(2025, 7, 1), date(2028, 6, 30), wage_unit))
            else:
                contract_rows.append((pk, "f", "self", "open_ended", date(2019, 3, 1), None, wage_unit))
        _common.copy_rows(
            cur,
            Contract._meta.db_table,
            [
                "placement_id",
                "is_dispatched",
                "relation",
                "contract_type",
                "start",
                "end",
                "wage_unit_id",
                "job",
                "monthly_salary",
                "review_state",
                "review_reason",
                "created_at",
                "updated_at",
            ],
            ((*row, "普工", "4000.00", "not_required", "", now, now) for row in contract_rows),
        )

        # Certificates: all grades, 5 % military, 6 % expiring mid-year, 2 % cancelled.
        cert_rows = []
        for _pk, idn, *_ in people:
            r = rng.random()
            if r < 0.05:
                grade = rng.randint(1, 10)
                cert_rows.append(
                    (f"军残{idn}", idn, "残疾军人证", None, grade, date(2015, 1, 1), date(2035, 1, 1), "有效")
                )
                continue
            grade = rng.randint(1, 4)
            valid_to = date(2025, rng.randint(1, 12), 15) if r < 0.11 else date(2030, 12, 31)
            status = "注销" if r > 0.98 else "有效"
            cert_rows.append((f"{idn}4{grade}", idn, "残疾人证", 4, grade, date(2018, 1, 1), valid_to, status))
        _common.copy_rows(
            cur,
            Certificate._meta.db_table,
            [
                "cert_no",
                "id_number",
                "cert_type",
                "category",
                "grade",
                "valid_from",
                "valid_to",
                "status",
                "imported_at",
            ],
            ((*row, now) for row in cert_rows),
        )

        # Twelve months of facts with gaps: 3 % missing wage months, 2 % under the minimum, 2 % missing insurance.
        def facts(kind: str):
            for pk, idn, _emp, emp_uscc, *_ in people:
                unit = wage_unit_of[pk] if kind == "w" else emp_uscc
                for m in range(1, 13):
                    r = rng.random()
                    if r < 0.02 or (kind == "w" and r < 0.03):
                        continue
                    amount = "2300.00" if kind == "w" and r < 0.05 else f"{rng.randint(3000, 12000)}.00"
                    yield (idn, unit, YEAR * 100 + m, amount)

        for model, kind, amount_col in (
            (PensionContribution, "p", "base_amount"),
            (MedicalContribution, "m", "base_amount"),
            (WageRecord, "w", "amount"),
        ):
            columns = ["id_number", "unit_uscc", "month", amount_col]
            n = _common.copy_rows(cur, model._meta.db_table, columns, facts(kind))
            print(f"  {model.__name__}: {n:,} rows")
        # VACUUM, not only ANALYZE: an initial feed load (feeds.merge_pg) COPYs with FREEZE, so its pages are
        # all-visible and the grid's reads of insurance months are index-only scans; this plain COPY's pages are
        # not until a VACUUM. The units, placements and contracts too: in a real database they were entered over
        # weeks and autovacuum has been through them long before a year's first recompute, where here a first run
        # would otherwise set every page's hint bits and read without the visibility map (session 9, the province's
        # first run: 49.4–50.2 s with these tables unvacuumed and the dead wage rows below left, 47.4–48.6 s after a
        # VACUUM of both).
        tables = ", ".join(
            m._meta.db_table
            for m in (
                *(PensionContribution, MedicalContribution, WageRecord, Certificate),
                *(Employer, RelatedUnit, Placement, Contract),
            )
        )
        cur.execute(f"VACUUM (ANALYZE) {tables}")
        cur.execute("ANALYZE")
    print(f"generated {len(people):,} placements over {len(employers)} employers in {time.perf_counter() - t0:.1f} s")


def measure(*, generated: bool, processes: int = 1, parallel_only: bool = False) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from feeds.models import WageRecord
    from placements.grid.recompute import grid_recompute, grid_recompute_many
    from placements.models import Contract, Placement, PlacementMonth

    qs = Placement.objects.filter(year=YEAR)
    total = qs.count()

    def run(label: str, pipeline: bool | None = None) -> float:
        load = os.getloadavg()[0]
        started, cpu, pg = time.perf_counter(), time.process_time(), _common.backend_cpu()
        done = grid_recompute_many(placements_qs=qs, chunk=2000, pipeline=pipeline)
        elapsed, cpu, pg = time.perf_counter() - started, time.process_time() - cpu, _common.backend_cpu() - pg
        rate = done / elapsed
        line = (
            f"{label}: {done:,} placements in {elapsed:.1f} s = {rate:,.0f} placements/s "
            f"(load average {load:.1f}; Python CPU {cpu:.1f} s"
        )
        if pipeline is False:  # every statement on this connection: its backend's CPU is the database's share
            line += f", PostgreSQL CPU {pg:.1f} s; CPU-bound: {done / (cpu + pg):,.0f}/s serial on one free core"
            line += f", {done / max(cpu, pg):,.0f}/s with the writer thread on two free cores"
        print(line + ")")
        return rate

    if parallel_only:
        _measure_parallel(qs, processes)
        return
    if not generated:  # --keep: start from an empty grid all the same
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {PlacementMonth._meta.db_table}")
    rates = [run("recompute, first run (creates the grid rows)")]
    print(f"  grid rows: {PlacementMonth.objects.count():,}")
    rates.append(run("recompute, nothing changed"))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {WageRecord._meta.db_table} SET amount = amount - 5000 WHERE id % 20 = 0")
        print(f"  changed {cur.rowcount:,} wage rows")
        cur.execute("ANALYZE")
    rates.append(run("recompute, after 5 % of the wage rows changed"))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {WageRecord._meta.db_table} SET amount = amount + 5000 WHERE id % 20 = 0")
    run("recompute, serial (no writer thread), after the same rows changed back", pipeline=False)

    def run_parallel(label: str) -> float:
        return _run_parallel(qs, processes, label)

    parallel = []
    if processes > 1:
        parallel.append(run_parallel("recompute, nothing changed"))
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {PlacementMonth._meta.db_table}")
        parallel.insert(0, run_parallel("recompute, first run (creates the grid rows)"))

    # One placement's grid: facts + recompute, for 1 and for 5 contracts.
    sample = qs.order_by("pk").first()
    counts = {}
    for n_contracts in (1, 5):
        Contract.objects.filter(placement=sample).delete()
        for i in range(n_contracts):
            Contract.objects.create(
                placement=sample,
                contract_type="fixed_term",
                start=date(2021 + i, 1, 1),
                end=date(2031 + i, 12, 31),
                job="普工",
                monthly_salary="4000",
            )
        placement = Placement.objects.get(pk=sample.pk)
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            grid_recompute(placement=placement)  # gathers the facts itself
        counts[n_contracts] = len(ctx.captured_queries)
        print(f"one grid with {n_contracts} contract(s): {counts[n_contracts]} queries (facts + upsert)")
    print(
        f"SUMMARY placements={total:,} first={rates[0]:,.0f}/s unchanged={rates[1]:,.0f}/s "
        f"changed={rates[2]:,.0f}/s grid_queries={max(counts.values())} "
        f"(target ≥ 2,000/s, ≤ 8 queries) machine={platform.node()} {os.cpu_count()} CPU {platform.python_version()}"
    )
    province = 500_000
    print(
        f"a province's {province:,} placements at these rates: first run {province / rates[0]:.0f} s, nothing changed "
        f"{province / rates[1]:.0f} s, after 5 % changed {province / rates[2]:.0f} s (target ≤ 60 s; "
        + ("measured at that size)" if total >= province else f"extrapolated linearly from {total:,})")
    )
    if parallel:
        print(
            f"with {processes} worker processes: first run {parallel[0]:,.0f}/s, nothing changed {parallel[1]:,.0f}/s"
            f" — a province's {province:,} placements in {province / parallel[0]:.0f} s / {province / parallel[1]:.0f}"
            " s (target ≥ 10,000/s, ≤ 60 s)"
        )


def _run_parallel(qs, processes: int, label: str) -> float:
    """One recompute of ``qs`` split across ``processes`` worker processes; prints and returns placements/s."""
    from placements.grid.parallel import grid_recompute_parallel

    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = grid_recompute_parallel(placements_qs=qs, processes=processes, chunk=2000)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(
        f"{label}, {processes} worker processes: {done:,} placements in {elapsed:.1f} s = {done / elapsed:,.0f} "
        f"placements/s (load average {load:.1f}; Python CPU of the workers {cpu:.1f} s)",
        flush=True,
    )
    return done / elapsed


def _measure_parallel(qs, processes: int) -> None:
    """``--parallel-only``: a first run, a run with nothing changed and one after 5 % of the wage rows changed, each
    split across ``processes`` worker processes (the figures of the issue's target), without the one-process runs."""
    from django.db import connection

    from feeds.models import WageRecord
    from placements.models import PlacementMonth

    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {PlacementMonth._meta.db_table}")
        cur.execute("CHECKPOINT")
    print(f"before: {_common.calibration()}", flush=True)
    rates = [_run_parallel(qs, processes, "recompute, first run (creates the grid rows)")]
    rates.append(_run_parallel(qs, processes, "recompute, nothing changed"))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {WageRecord._meta.db_table} SET amount = amount - 5000 WHERE id % 20 = 0")
        print(f"  changed {cur.rowcount:,} wage rows")
        cur.execute("ANALYZE")
    rates.append(_run_parallel(qs, processes, "recompute, after 5 % of the wage rows changed"))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {WageRecord._meta.db_table} SET amount = amount + 5000 WHERE id % 20 = 0")
        # The two updates left 2 × 290,000 dead wage rows: gone before the next run with --keep, as autovacuum
        # would have them gone.
        cur.execute(f"VACUUM (ANALYZE) {WageRecord._meta.db_table}")
    total = qs.count()
    print(f"after: {_common.calibration()}")
    print(
        f"with {processes} worker processes, {total:,} placements: first run {rates[0]:,.0f}/s "
        f"({total / rates[0]:.0f} s), nothing changed {rates[1]:,.0f}/s ({total / rates[1]:.0f} s), after 5 % "
        f"changed {rates[2]:,.0f}/s ({total / rates[2]:.0f} s) (target ≥ 10,000/s, a province's 500,000 in ≤ 60 s)"
    )


def _measure_first_runs(qs, processes: int, runs: int) -> None:
    """``--first-runs N``: only a year's first run, ``N`` times, each from an empty month table after a CHECKPOINT,
    with the calibration loop and the WAL each wrote (the first run is the pass whose time varies most here)."""
    from django.db import connection

    from placements.models import PlacementMonth

    times = []
    for _ in range(runs):
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {PlacementMonth._meta.db_table}")
            cur.execute("CHECKPOINT")
            cur.execute("SELECT pg_current_wal_lsn()")
            (lsn,) = cur.fetchone()
        print(f"  {_common.calibration()}", flush=True)
        rate = _run_parallel(qs, processes, "recompute, first run (creates the grid rows)")
        with connection.cursor() as cur:
            cur.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [lsn])
            print(f"  WAL written: {float(cur.fetchone()[0]) / 1e9:.2f} GB", flush=True)
        times.append(qs.count() / rate)
    print(f"first runs, {processes} worker processes: " + ", ".join(f"{t:.1f} s" for t in times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=100_000)
    parser.add_argument("--employers", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse the feeds of a previous run (the grid is rebuilt)")
    parser.add_argument(
        "--province",
        action="store_true",
        help="a province's year: 500,000 placements of 100,000 units (6,000,000 month rows); prints the time of a "
        "province-wide recompute at the measured rates",
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="also time the recompute split across this many worker processes"
    )
    parser.add_argument(
        "--parallel-only",
        action="store_true",
        help="with --processes N: only the runs split across the worker processes (first, nothing changed, 5 %% "
        "changed)",
    )
    parser.add_argument(
        "--first-runs",
        type=int,
        default=0,
        metavar="N",
        help="with --processes N --parallel-only: only the first run, this many times (each after a CHECKPOINT)",
    )
    args = parser.parse_args()
    if args.province:
        args.placements, args.employers = 500_000, 100_000

    _common.setup(DB_URL)
    print(_common.server_version())
    if not args.keep:
        generate(args.placements, args.employers)
    else:
        from placements.models import Placement

        if not Placement.objects.filter(year=YEAR).exists():
            sys.exit(f"--keep: no placements of {YEAR} in {_common.database_name(DB_URL)}; run once without --keep")
    if args.first_runs and args.parallel_only:
        from placements.models import Placement

        _measure_first_runs(Placement.objects.filter(year=YEAR), max(args.processes, 1), args.first_runs)
        return
    measure(generated=not args.keep, processes=args.processes, parallel_only=args.parallel_only)


if __name__ == "__main__":
    main()
