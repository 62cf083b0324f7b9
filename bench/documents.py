"""Benchmark of the declaration documents and the tax export on PostgreSQL (issue 6).

    .venv/bin/python bench/documents.py [--runs 9] [--declarations 100000]

Sets Django up itself on the database ``dev_decl_bench`` (created if missing; override with BENCH_DATABASE_URL),
migrates it and prints p50 / p95 of:

- the 审核认定书 for 10 and for 500 persons: ``declarations.document_services.certificate_issue`` end to end (load the
  snapshot, render with WeasyPrint, store the PDF as a StoredFile), the stored file removed between runs so every
  run renders;
- ``export_tax`` of 100,000 declarations queued for one 税务主管部门 (bulk-loaded by COPY: 5,000 units × 20 years):
  a new batch (lock the queue, record the batch's id range, mark the 100,000 declarations 已发送税务, write the CSV
  with its checksum), the batch undone between runs; and the re-export of that batch.

Targets: 10 persons ≤ 0.5 s, 500 persons ≤ 4 s, export ≥ 20,000 declarations/s.
"""

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import _common

DB_URL = _common.configure("dev_decl_bench")
WORKDIR = Path(tempfile.mkdtemp(prefix="bench-documents-"))
os.environ["MEDIA_ROOT"] = str(WORKDIR / "media")

YEAR = 2025
AUTHORITY = "110105"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * (len(ordered) - 1))))]
    return p50, p95


def copy_rows(cursor, model, fields: list[str], rows) -> None:
    """_common.copy_rows with the model's table and its fields' column names."""
    _common.copy_rows(cursor, model._meta.db_table, [model._meta.get_field(f).column for f in fields], rows)


def reset() -> None:
    from django.db import connection

    from declarations.models import (
        CertificateCounter,
        Declaration,
        ExportBatch,
        Submission,
        SubmissionPerson,
        TaxRecord,
    )
    from employers.models import Employer
    from notices.models import Notice
    from placements.models import Placement, PlacementMonth

    tables = [TaxRecord, ExportBatch, SubmissionPerson, Submission, Declaration, CertificateCounter]
    tables += [PlacementMonth, Placement, Notice, Employer]
    with connection.cursor() as cur:
        cur.execute("UPDATE declarations_declaration SET current_id = NULL")
        cur.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in tables) + " RESTART IDENTITY CASCADE")


def regions() -> None:
    from core.models import Region, RegionLevel

    province, _ = Region.objects.get_or_create(
        code="110000", defaults={"name": "北京市", "level": RegionLevel.PROVINCE}
    )
    city, _ = Region.objects.get_or_create(
        code="110100", defaults={"name": "市辖区", "level": RegionLevel.CITY, "parent": province}
    )
    Region.objects.get_or_create(
        code=AUTHORITY,
        defaults={"name": "朝阳区", "full_name": "北京市朝阳区", "level": RegionLevel.COUNTY, "parent": city},
    )


def make_employer(i: int):
    from stdnum.cn import uscc

    from employers.models import Employer

    body = f"9111{i:013d}"[:17]
    return Employer(
        name=f"基准测试单位{i:05d}有限公司",
        uscc=body + uscc.calc_check_digit(body),
        unit_kind="企业",
        economic_kind="有限责任(公司)",
        industry="I",
        federation_region_id=AUTHORITY,
        tax_region_id=AUTHORITY,
        registration_region_id=AUTHORITY,
        legal_rep_name="张伟",
        legal_rep_id_number="110105197503020011",
        legal_rep_phone="13800138000",
        contact_name="李娜",
        contact_phone="13900139000",
        business_address="北京市朝阳区测试路1号",
        registered_address="北京市朝阳区测试路1号",
    )


def declared_unit(i: int, persons: int):
    """A unit with ``persons`` confirmed placements (12 months, mixed weights), declared."""
    from stdnum.cn import ric

    from declarations import services
    from placements.models import Placement, PlacementMonth

    employer = make_employer(i)
    employer.save()
    placements = []
    for n in range(persons):
        body = f"1101{i % 100:02d}{1970 + n % 30}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
        placements.append(
            Placement(
                employer=employer,
                year=YEAR,
                id_number=body + ric.calc_check_digit(body + "0"),
                name=f"测试{n:04d}",
                wizard_step=4,
                wizard_completed=True,
            )
        )
    Placement.objects.bulk_create(placements, batch_size=1000)
    months = [
        PlacementMonth(
            placement=p,
            id_number=p.id_number,
            year=YEAR,
            month=YEAR * 100 + m,
            selected=True,
            review_state="auto",
            verified=True,
            weight=2 if k % 3 == 0 else 1,
            cert_type="残疾人证",
            cert_grade=2 if k % 3 == 0 else 3,
            cert_no=f"{p.id_number}4{2 if k % 3 == 0 else 3}",
        )
        for k, p in enumerate(placements)
        for m in range(1, 13 if k % 2 else 9)
    ]
    PlacementMonth.objects.bulk_create(months, batch_size=5000)
    _common.mark_held()
    return services.declaration_declare(employer=employer, year=YEAR, by=None, today=date(2026, 9, 30))


def bench_certificate(persons: int, runs: int) -> tuple[float, float, int]:
    from declarations import document_services
    from declarations.models import Submission

    submission = declared_unit(10_000 + persons, persons)
    samples, cpu = [], []
    size = 0
    for _ in range(runs + 1):  # the first run warms WeasyPrint and the font cache up; not counted
        Submission.objects.filter(pk=submission.pk).update(certificate_file=None, certificate_issued_at=None)
        submission.refresh_from_db()
        t0, c0 = time.perf_counter(), time.process_time()
        stored = document_services.certificate_issue(submission=submission, today=date.today() + timedelta(days=40))
        samples.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        size = stored.size
    return (*percentiles(samples[1:]), percentiles(cpu[1:])[0], size)


def load_declarations(n: int) -> None:
    from django.db import connection

    from declarations.models import Declaration, Submission, TaxRecord
    from employers.models import DeclarationState, Employer

    years = 20
    units = n // years
    Employer.objects.bulk_create([make_employer(i) for i in range(units)], batch_size=2000)
    ids = list(Employer.objects.order_by("id").values_list("id", "uscc", "name")[:units])
    now = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    with connection.cursor() as cur:
        copy_rows(
            cur,
            Declaration,
            ["employer", "year", "status", "previous_status", "version", "created_at", "updated_at"],
            ((pk, YEAR - y, "declared", "", 1, now, now) for pk, _, _ in ids for y in range(years)),
        )
        copy_rows(  # the state the apps below declarations read, which the export updates too (ADR 0010)
            cur,
            DeclarationState,
            ["employer", "year", "status", "previous_status", "declared_at"],
            ((pk, YEAR - y, "declared", "", now) for pk, _, _ in ids for y in range(years)),
        )
        first_decl = Declaration.objects.order_by("id").values_list("id", flat=True).first()
        copy_rows(
            cur,
            Submission,
            [
                "declaration",
                "number",
                "form_token",
                "declared_at",
                "declared_by_label",
                "unit_name",
                "uscc",
                "issuer",
                "federation_region_code",
                "tax_authority",
                "persons",
                "registered_months",
                "confirmed_months",
                "approved_months",
                "certificate_no",
                "verification_code",
                "void_reason",
            ],
            (
                (
                    first_decl + k,
                    1,
                    "",
                    now,
                    "bench",
                    name,
                    code,
                    "北京市朝阳区残疾人联合会",
                    AUTHORITY,
                    AUTHORITY,
                    3,
                    30,
                    30,
                    40 + k % 20,
                    f"11{YEAR - y}{k:08d}",
                    f"B{k:019d}",
                    "",
                )
                for k, (y, (_, code, name)) in enumerate((y, row) for row in ids for y in range(years))
            ),
        )
        first_sub = Submission.objects.order_by("id").values_list("id", flat=True).first()
        copy_rows(
            cur,
            TaxRecord,
            [
                "authority",
                "record_type",
                "declaration",
                "submission",
                "uscc",
                "unit_name",
                "year",
                "approved_months",
                "actual_employed",
                "declared_at",
                "certificate_no",
                "event_at",
                "queued_at",
                "cancelled",
            ],
            (
                (
                    AUTHORITY,
                    "DECLARE",
                    first_decl + k,
                    first_sub + k,
                    code,
                    name,
                    YEAR - y,
                    40 + k % 20,
                    (Decimal(40 + k % 20) / 12).quantize(Decimal("0.01")),
                    now,
                    f"11{YEAR - y}{k:08d}",
                    now,
                    now,
                    "f",
                )
                for k, (y, (_, code, name)) in enumerate((y, row) for row in ids for y in range(years))
            ),
        )
        cur.execute(
            "ANALYZE declarations_declaration; ANALYZE employers_declarationstate; ANALYZE declarations_taxrecord; "
            "ANALYZE declarations_submission"
        )


def undo_batch() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("UPDATE declarations_declaration SET status = 'declared', sent_to_tax_at = NULL")
        cur.execute("UPDATE employers_declarationstate SET status = 'declared', sent_to_tax_at = NULL")
        cur.execute("DELETE FROM declarations_exportbatch")
        for table in ("declarations_declaration", "employers_declarationstate", "declarations_exportbatch"):
            cur.execute(f"VACUUM ANALYZE {table}")  # autocommit: each run starts from a clean table


def bench_export(n: int, runs: int) -> dict:
    from declarations.exports import tax_export
    from declarations.models import Declaration

    out = WORKDIR / "exports"
    samples, re_samples = [], []
    rows = 0
    for _ in range(runs):
        undo_batch()
        t0 = time.perf_counter()
        result = tax_export(authority=AUTHORITY, output_dir=out, by_label="bench")
        samples.append(time.perf_counter() - t0)
        rows = result.rows
        assert result.rows == n and result.sent == n, result
        t0 = time.perf_counter()
        tax_export(authority=AUTHORITY, batch_number=result.batch_number, output_dir=out)
        re_samples.append(time.perf_counter() - t0)
    assert Declaration.objects.filter(status="sent").count() == n
    p50, p95 = percentiles(samples)
    r50, r95 = percentiles(re_samples)
    return {"rows": rows, "p50": p50, "p95": p95, "re_p50": r50, "re_p95": r95, "file": result.path}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per measurement (default 9)")
    parser.add_argument("--export-runs", type=int, default=5, help="timed export runs (default 5)")
    parser.add_argument("--declarations", type=int, default=100_000, help="declarations to export (default 100,000)")
    parser.add_argument("--only", choices=("certificates", "export"), default=None, help="run one part only")
    args = parser.parse_args()

    _common.setup(DB_URL)
    from core.pdf import fast_subsetting_available

    load = os.getloadavg()[0]
    print(
        f"bench/documents.py on {_common.database_name(DB_URL)} · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · load average {load:.1f} at start"
    )
    print(f"fast font subsetting (libharfbuzz-subset): {fast_subsetting_available()}")
    reset()
    regions()

    for persons, target in ((10, 0.5), (500, 4.0)) if args.only != "export" else ():
        p50, p95, cpu50, size = bench_certificate(persons, args.runs)
        verdict = "OK" if p95 <= target else "OVER TARGET"
        print(
            f"审核认定书 {persons:>3} persons: p50 {p50:.3f} s · p95 {p95:.3f} s · CPU p50 {cpu50:.3f} s · "
            f"{size / 1024:.0f} KiB (target ≤ {target} s: {verdict})"
        )

    if args.only == "certificates":
        return
    reset()
    regions()
    t0 = time.perf_counter()
    load_declarations(args.declarations)
    print(f"loaded {args.declarations:,} declarations in {time.perf_counter() - t0:.1f} s")
    r = bench_export(args.declarations, args.export_runs)
    rate = r["rows"] / r["p50"]
    verdict = "OK" if r["rows"] / r["p95"] >= 20_000 else "UNDER TARGET"
    print(
        f"export_tax {r['rows']:,} declarations: p50 {r['p50']:.2f} s · p95 {r['p95']:.2f} s · "
        f"{rate:,.0f} declarations/s at p50, {r['rows'] / r['p95']:,.0f}/s at p95 (target ≥ 20,000/s: {verdict})"
    )
    size = r["file"].stat().st_size
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"re-export of the batch: p50 {r['re_p50']:.2f} s · p95 {r['re_p95']:.2f} s · {size:,} bytes")


if __name__ == "__main__":
    main()
