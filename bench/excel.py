"""批量导入 / 导出 benchmark (issue 13) on PostgreSQL.

    .venv/bin/python bench/excel.py [--persons 5000] [--memory-rows 100000] [--keep]

Sets Django up on the database ``dev_excel_bench`` (created if missing; override with BENCH_DATABASE_URL), creates
one unit with ``--persons`` persons' registry certificates and a year of wage / pension / medical facts (every fifth
person misses half a year of wages: they will need evidence), writes the import workbook of those persons with one
contract each, then measures in one run:

- the validation report (``placements.bulk.checking.check_workbook``: the content check, the streamed read, every
  row through the wizard's validators, the database look-ups);
- the confirmed import (``placements.bulk.services``: the check's stored persons checked again against the database
  inside the transaction, the placements and contracts written, the engine's recompute, the auto-confirmation, the
  audit events);
- the export of the year's list (``placements.listing.export.write_placements_workbook``, when it exists);
- each against a plain openpyxl pass over the same data in the same run (read-only read of the import file;
  write-only write of the same rows), printed as a ratio;
- peak RSS of a fresh process running the streamed validation of a ``--memory-rows`` workbook (that many person
  rows plus that many contract rows).

Targets: validation ≤ 15 s, confirmed import ≤ 30 s, export ≤ 5 s for 5,000 persons; ≤ 300 MB for 100,000 rows.
"""

from __future__ import annotations

import argparse
import io
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import _common

DB_URL = _common.configure("dev_excel_bench")
YEAR = 2025
USCC_BODY = "91110105MA0EXCEL0"


def _persons(n: int, seed: int = 2025) -> list[tuple[str, str, str]]:
    """(ID number, name, gender) of ``n`` distinct persons aged 22–57 in YEAR."""
    from devdata.generator import id_number

    rng = random.Random(seed)
    seen: dict[str, tuple[str, str, str]] = {}
    while len(seen) < n:
        birth = date(rng.randint(1968, 2003), rng.randint(1, 12), rng.randint(1, 28))
        number = id_number("110105", birth, rng.randrange(1, 999))
        if int(number[16]) % 2 == 0 and birth.year < 1978:  # a woman of the 50 baseline retires at 50+
            continue
        if number in seen:
            continue
        name = rng.choice(_common.SURNAMES) + "".join(rng.choice(_common.GIVEN) for _ in range(rng.choice((1, 2))))
        seen[number] = (number, name, "男" if int(number[16]) % 2 else "女")
    return list(seen.values())


def write_import_file(persons, path: Path | None = None) -> bytes:
    """The import workbook (the template's sheets and headers), written write-only: also the plain-write baseline."""
    from openpyxl import Workbook

    from placements.bulk.layout import CONTRACT_COLUMNS, CONTRACTS, PERSON_COLUMNS, PERSONS, YEAR_KEYWORD

    wb = Workbook(write_only=True)
    wb.properties.keywords = f"{YEAR_KEYWORD} {YEAR}"
    ws = wb.create_sheet(PERSONS)
    ws.append([c.title for c in PERSON_COLUMNS])
    for number, name, gender in persons:
        ws.append(
            [number, name, "110105", "北京市朝阳区测试路1号", "13800138000", "高中", None, None, "否",
             "女职工（原50周岁）" if gender == "女" else None, None, None, None]
        )  # fmt: skip
    ws = wb.create_sheet(CONTRACTS)
    ws.append([c.title for c in CONTRACT_COLUMNS])
    for number, _, _ in persons:
        ws.append(
            [number, "否", "本单位", "无固定期限", "2020-01-01", None, "装配工", 5200, None, "本单位", "本单位",
             "本单位"]
        )  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def plain_read(data: bytes) -> int:
    """openpyxl's read-only pass over every row of every sheet (the baseline of the validation)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    n = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
    wb.close()
    return n


def generate(n: int):
    """The unit, its clerk, the region, the minimum wage and the registry facts of ``n`` persons."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from stdnum.cn import uscc as stdnum_uscc

    from core.models import MinimumWage, Region, RegionLevel
    from devdata.generator import id_number
    from employers.models import Employer, EmployerAccount
    from feeds.models import Certificate, MedicalContribution, PensionContribution, WageRecord
    from placements.models import Placement

    uscc = USCC_BODY + stdnum_uscc.calc_check_digit(USCC_BODY)
    persons = _persons(n)
    numbers = [p[0] for p in persons]
    with transaction.atomic():
        old = Employer.objects.filter(uscc=uscc).first()
        if old is not None:
            Placement.objects.filter(employer=old).delete()
            EmployerAccount.objects.filter(employer=old).delete()
            from core.models import StoredFile
            from placements.bulk.models import BulkImport

            BulkImport.objects.filter(employer=old).delete()
            StoredFile.objects.filter(employer=old).delete()  # the earlier runs' import files (rows only)
            old.delete()
        for model in (WageRecord, PensionContribution, MedicalContribution):
            model.objects.filter(unit_uscc=uscc).delete()
        Certificate.objects.filter(id_number__in=numbers).delete()
        province, _ = Region.objects.get_or_create(
            code="110000", defaults={"name": "北京市", "level": RegionLevel.PROVINCE}
        )
        city, _ = Region.objects.get_or_create(
            code="110100", defaults={"name": "市辖区", "level": RegionLevel.CITY, "parent": province}
        )
        county, _ = Region.objects.get_or_create(
            code="110105", defaults={"name": "朝阳区", "level": RegionLevel.COUNTY, "parent": city}
        )
        MinimumWage.objects.get_or_create(region_code="11", effective_from=date(2024, 9, 1), defaults={"amount": 2420})
        employer = Employer.objects.create(
            name="北京市批量导入基准测试有限公司",
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
        user = get_user_model().objects.filter(username="excelclerk").first()
        if user is None:
            user = get_user_model().objects.create_user(username="excelclerk", password="bench-pass-2026")
        EmployerAccount.objects.filter(user=user).delete()
        EmployerAccount.objects.create(user=user, employer=employer)
        Certificate.objects.bulk_create(
            (
                Certificate(
                    cert_no=f"{number}4{1 + i % 4}", id_number=number, cert_type="残疾人证", category=4,
                    grade=1 + i % 4, valid_from=date(2020, 1, 1), valid_to=date(2030, 12, 31), status="有效",
                )
                for i, number in enumerate(numbers)
            ),
            batch_size=5000,
        )  # fmt: skip
        with connection.cursor() as cursor:
            months = [YEAR * 100 + m for m in range(1, 13)]
            for model, column, amount in (
                (WageRecord, "amount", "5200.00"),
                (PensionContribution, "base_amount", "5200.00"),
                (MedicalContribution, "base_amount", "5200.00"),
            ):
                rows = (
                    (number, uscc, month, amount)
                    for i, number in enumerate(numbers)
                    for month in months
                    if not (model is WageRecord and i % 5 == 4 and month % 100 > 6)
                )
                _common.copy_rows(cursor, model._meta.db_table, ["id_number", "unit_uscc", "month", column], rows)
    return employer, user, persons


def _vacuum_analyze() -> None:
    """``VACUUM ANALYZE`` of the database, as autovacuum would do soon after such a load and after the previous run's
    unit was deleted. Without it the statistics are stale: the planner takes the fresh facts for a handful of rows,
    and — worse — on a re-run it reads the placement and month tables, whose rows were all just deleted, as empty
    (``reltuples`` 0 over the pages of dead rows) and estimates every query on the import's new rows at one row:
    nested loops that probe the month table once per placement (minutes for 5,000 persons). The import's own code
    does not depend on any planner setting; with real statistics no production table is ever taken for empty."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # autocommit: VACUUM cannot run inside a transaction
            cursor.execute("VACUUM ANALYZE")


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    return seconds, value


def memory_child(path: str) -> None:
    """In a fresh process: the streamed validation of the file at ``path``; prints the peak RSS in MB."""
    _common.django_setup()
    from stdnum.cn import uscc as stdnum_uscc

    from employers.models import Employer
    from placements.bulk.checking import check_workbook
    from placements.bulk.package import inspect

    employer = Employer.objects.get(uscc=USCC_BODY + stdnum_uscc.calc_check_digit(USCC_BODY))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    data = Path(path).read_bytes()
    start = time.perf_counter()
    result = check_workbook(package=inspect(data), employer=employer, year=YEAR)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = result.counts()
    print(
        f"{peak:.0f} {before:.0f} {seconds:.1f} {counts['person_rows']} {counts['contract_rows']} {counts['problems']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--memory-rows", type=int, default=100_000)
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    _common.setup(DB_URL)
    print(_common.server_version().split(",")[0], "·", platform.python_implementation(), platform.python_version())
    employer, user, persons = generate(args.persons)
    _vacuum_analyze()
    print(f"generated {len(persons)} persons with registry certificates and facts for {employer.name}")

    from placements.bulk import confirming, services
    from placements.bulk.checking import check_workbook
    from placements.bulk.models import BulkImport
    from placements.bulk.package import inspect

    write_s, data = timed("write", lambda: write_import_file(persons))
    read_s, rows = timed("read", lambda: plain_read(data))
    print(
        f"file: {len(data) / 1024 / 1024:.1f} MB, {rows} rows; "
        f"plain openpyxl write {write_s:.2f} s, read {read_s:.2f} s"
    )

    check_s, result = timed("check", lambda: check_workbook(package=inspect(data), employer=employer, year=YEAR))
    counts = result.counts()
    assert counts["problems"] == 0, result.problems[:5]
    print(
        f"validation report: {check_s:.2f} s (target ≤ 15 s) · {check_s / read_s:.1f}× the plain read · "
        f"{counts['new']} persons ready, {counts['problems']} problems"
    )

    services.BACKGROUND_ROWS = 10**9  # measure the work itself, in this process
    # The follow-up recompute of other units' grids of these persons is recorded in the import's transaction
    # (PendingRecompute) and drained by a worker after the commit; here the drain is not run inside the measured time.
    confirming._enqueue_drain = lambda: None
    batch = services.bulk_import_upload(employer=employer, year=YEAR, name="基准.xlsx", data=data, by=user)
    assert batch.status == BulkImport.Status.CHECKED, batch.message
    import_s, batch = timed("import", lambda: services.bulk_import_start(batch=batch, by=user))
    assert batch.status == BulkImport.Status.DONE, batch.message
    r = batch.result
    print(
        f"confirmed import: {import_s:.2f} s (target ≤ 30 s) · {import_s / (read_s + write_s):.1f}× the plain "
        f"read + write · created {r['created']}, auto-confirmed {r['auto']}, need evidence {r['evidence']}; "
        f"follow-up recompute of other units' grids recorded for {r['followup']} persons (not timed)"
    )

    again = services.bulk_import_upload(employer=employer, year=YEAR, name="基准.xlsx", data=data, by=user)
    print(
        f"re-upload of the same file: {again.report['counts']['unchanged']} unchanged, "
        f"{again.report['counts']['new']} new"
    )

    try:
        from placements.listing.export import write_placements_workbook
    except ImportError:
        print("export: not available")
    else:
        export_s, written = timed("export", lambda: write_placements_workbook(employer, YEAR, io.BytesIO()))
        print(
            f"export: {export_s:.2f} s (target ≤ 5 s) · {export_s / write_s:.1f}× the plain write · {written} persons"
        )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "memory.xlsx"
        big = write_import_file(_persons(args.memory_rows, seed=7), path)
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(path)], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            print("memory: the child failed\n" + out.stderr[-2000:])
        else:
            peak, base, seconds, p_rows, c_rows, problems = out.stdout.split()[-6:]
            print(
                f"memory: streamed validation of {p_rows} + {c_rows} rows ({len(big) / 1024 / 1024:.1f} MB): peak RSS "
                f"{peak} MB (target ≤ 300 MB; {base} MB after Django set-up) in {seconds} s, {problems} problems"
            )


if __name__ == "__main__":
    main()
