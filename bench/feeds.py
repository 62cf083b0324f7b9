"""Feed import benchmark (issue 3): 1,000,000 pension rows imported, then imported again, against a raw COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dev_feeds .venv/bin/python bench/feeds.py [--rows N] [--keep]
        [--province]   # 6,000,000 pension rows from 100,000 units (a province's year of one feed)

Uses the database ``<name>_bench`` next to the one in DATABASE_URL (or that one if it already ends in ``_bench``):
creates it if missing and migrates it. Generates the rows with devdata.generator, empties the pension table, then
prints rows/s for the first import and the re-import (which must change nothing), the time of a plain
``COPY ... FROM STDIN`` of the same file into an UNLOGGED table with no indexes, and the ratios.
Targets: first import ≥ 100,000 rows/s, re-import ≥ 100,000 rows/s with 0 changes.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import _common

TARGET = 100_000
# A province's year (issue 16): 100,000 units, 500,000 placements, ~18,000,000 feed rows in all kinds.
PROVINCE_EMPLOYERS, PROVINCE_PERSONS, PROVINCE_FEED_ROWS = 100_000, 500_000, 18_000_000
PROVINCE_ROWS = PROVINCE_PERSONS * 12


def bench_url(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("bench/feeds.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    name = parsed.path.lstrip("/") or "postgres"
    if not name.endswith("_bench"):
        name = f"{name}_bench"
    return urlunparse(parsed._replace(path=f"/{name}")), name


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; load average {load}"


def backend_cpu(connection) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine: /proc), or -1."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--employers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated file (its path is printed)")
    parser.add_argument(
        "--province",
        action="store_true",
        help=f"a province's pension feed for a year: {PROVINCE_ROWS:,} rows ({PROVINCE_PERSONS:,} persons × 12 months) "
        f"from {PROVINCE_EMPLOYERS:,} units; prints the time of a province's {PROVINCE_FEED_ROWS:,} feed rows at the "
        "measured rate",
    )
    args = parser.parse_args()
    if args.province:
        args.rows, args.employers = PROVINCE_ROWS, PROVINCE_EMPLOYERS

    url, name = bench_url(os.environ.get("DATABASE_URL", ""))
    if _common.ensure_database(url):
        print(f"created database {name}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    _common.django_setup()
    from django.db import connection

    from devdata.generator import World, write_feeds
    from feeds.models import PensionContribution
    from feeds.parsing import check_id_number, check_uscc, parse_money, parse_month
    from feeds.services import feed_import

    pg_version = _common.server_version().split(" on ")[0]
    print(f"machine: {machine()}")
    print("(wall-clock figures depend on the load of the machine; the CPU seconds much less)")
    print(f"database: {pg_version}, {name}")

    workdir = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    started = time.monotonic()
    persons = args.rows // 11 + 1000  # ~11.5 rows a person after gaps; the limit cuts at exactly --rows
    world = World(year=2025, employers=args.employers, persons=persons, seed=args.seed)
    written = write_feeds(world, workdir, ["pension"], limits={"pension": args.rows})["pension"]
    path = workdir / "pension.csv"
    generated = time.monotonic() - started
    print(f"generated {written:,} pension rows ({path.stat().st_size / 1e6:.0f} MB) in {generated:.1f} s")

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {PensionContribution._meta.db_table}")
        cursor.execute("CHECKPOINT")

    runs = {}
    for label in ("first import", "re-import"):
        for cached in (check_id_number, check_uscc, parse_month, parse_money):
            cached.cache_clear()  # each import pays its own checks, as a fresh `import_feed` process would
        clock, cpu, db_cpu = time.monotonic(), time.process_time(), backend_cpu(connection)
        result = feed_import(kind="pension", path=path, by="bench/feeds.py")
        total = time.monotonic() - clock
        cpu, db_cpu = time.process_time() - cpu, backend_cpu(connection) - db_cpu
        runs[label] = result
        rate = result.read / result.seconds
        verdict = "OK" if rate >= TARGET else "BELOW TARGET"
        print(
            f"{label:>12}: {result.seconds:6.2f} s  {rate:>9,.0f} rows/s  [{verdict}]  {result.summary}"
            f"  (grid recompute queued afterwards: {total - result.seconds:.1f} s)"
        )
        phases = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
        print(f"{'':>14}phases: {phases}; CPU: Python {cpu:.2f} s, PostgreSQL backend {db_cpu:.2f} s (incl. recompute)")
    if runs["re-import"].inserted or runs["re-import"].updated:
        print("re-import CHANGED ROWS: it must change nothing")

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_raw_copy "
            "(id_number varchar(18), unit_uscc varchar(18), month integer, base_amount numeric(12, 2))"
        )
        clock, db_cpu = time.monotonic(), backend_cpu(connection)
        with path.open("rb") as f:
            cursor.copy_expert("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)", f, size=1 << 20)
        raw = time.monotonic() - clock
        raw_cpu = backend_cpu(connection) - db_cpu
        cursor.execute("DROP TABLE bench_raw_copy")
    print(
        f"    raw COPY: {raw:6.2f} s  {written / raw:>9,.0f} rows/s  (UNLOGGED table, no indexes, no validation;"
        f" backend CPU {raw_cpu:.2f} s)"
    )
    for label, result in runs.items():
        print(f"ratio {label} / raw COPY: {result.seconds / raw:.1f}×")
    for label, result in runs.items():
        rate = result.read / result.seconds
        print(
            f"a province's {PROVINCE_FEED_ROWS:,} feed rows at the {label} rate measured on {written:,} rows: "
            f"{PROVINCE_FEED_ROWS / rate / 60:.1f} min (target ≤ 5 min; extrapolated linearly, other kinds assumed as "
            "fast as pension)"
        )

    if args.keep:
        print(f"file kept: {path}")
    else:
        path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
