"""Feed import benchmark (issue 3): 1,000,000 pension rows imported, then imported again, against a raw COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dev_feeds .venv/bin/python bench/feeds.py [--rows N] [--keep]
        [--repeat 3] [--province]   # 6,000,000 pension rows from 100,000 units (a province's year of one feed)

Uses the database ``<name>_bench`` next to the one in DATABASE_URL (or that one if it already ends in ``_bench``):
creates it if missing and migrates it. Generates the rows with devdata.generator, empties the pension table, then
prints rows/s, CPU seconds and the load average for: the first import (into the empty table: the initial-load
path), the re-import of the same file (the same-file shortcut), the re-import of the same rows in other bytes (a
blank lines at the end: a merge that must change nothing, where the runs of lines known from the previous import are
not checked again), the same again with no run known (as if the previous import had read other lines: every row
checked, staged and merged), the same again after an increment (another file changing every 10,000th row: the runs known
from the import before it, but for those holding a person it changed), the first import of the same file with CRLF
line ends (Windows and Excel exports; raw COPY of that file), with every field quoted as well, and with a name
column the import ignores, and the second half
of the year into a table holding the first half (new rows into a loaded table: the ordinary path). Each import is
timed right after a plain ``COPY ... FROM STDIN`` of the same file into an UNLOGGED table with no indexes (the raw
COPY); the first imports and the four re-imports are measured ``--repeat`` times, and the median of the pairs' ratios
is compared with the targets.
Targets (issue 16): first import ≤ 5 × raw COPY, re-import ≤ 3 ×.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import _common

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


def backend_written_mb(connection) -> float:
    """MB this connection's PostgreSQL backend has caused to be written so far (/proc/<pid>/io write_bytes: heap,
    WAL it wrote itself, temporary files; on this shared disk the writes, more than the CPU, make the wall time
    noisy), or -1."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1]) / 1e6
    except OSError:
        pass
    return -1.0


def reset_peak_rss() -> None:
    """Forget the peak resident size so far (Linux: /proc/self/clear_refs), so that the generation does not count."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return -1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--employers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated file (its path is printed)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="times each import is measured, each after a raw COPY (default 3)"
    )
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
    from feeds import services as feed_services
    from feeds.models import PensionContribution
    from feeds.parsing import check_id_number, check_uscc, parse_money, parse_month
    from feeds.services import feed_import

    pg_version = _common.server_version().split(" on ")[0]
    print(f"machine: {machine()}")
    print("(wall-clock figures depend on the load of the machine; the CPU seconds much less)")
    print(f"database: {pg_version}, {name}")
    print(f"before: {_common.calibration()}")

    workdir = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    started = time.monotonic()
    persons = args.rows // 11 + 1000  # ~11.5 rows a person after gaps; the limit cuts at exactly --rows
    world = World(year=2025, employers=args.employers, persons=persons, seed=args.seed)
    written = write_feeds(world, workdir, ["pension"], limits={"pension": args.rows})["pension"]
    path = workdir / "pension.csv"
    generated = time.monotonic() - started
    print(f"generated {written:,} pension rows ({path.stat().st_size / 1e6:.0f} MB) in {generated:.1f} s")

    table = PensionContribution._meta.db_table

    def raw_copy(source: Path = path) -> float:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_raw_copy "
                "(id_number varchar(18), unit_uscc varchar(18), month integer, base_amount numeric(12, 2)"
                + (", name text)" if source == named else ")")
            )
            clock, db_cpu = time.monotonic(), _common.backend_cpu(connection)
            with source.open("rb") as f:
                cursor.copy_expert("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)", f, size=1 << 20)
            seconds = time.monotonic() - clock
            cpu = _common.backend_cpu(connection) - db_cpu
            cursor.execute("DROP TABLE bench_raw_copy")
        print(
            f"{'raw COPY':>34}: {seconds:6.2f} s  {written / seconds:>9,.0f} rows/s  (UNLOGGED table, no indexes, no "
            f"validation; backend CPU {cpu:.2f} s; load average {os.getloadavg()[0]:.1f})"
        )
        return seconds

    def empty_table() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
            cursor.execute("CHECKPOINT")

    def run(label: str, source: Path, runs: bool = True):
        for cached in (check_id_number, check_uscc, parse_month, parse_money):
            cached.cache_clear()  # each import pays its own checks, as a fresh `import_feed` process would
        written = backend_written_mb(connection)
        clock, cpu, db_cpu = time.monotonic(), time.process_time(), _common.backend_cpu(connection)
        with contextlib.ExitStack() as stack:
            if not runs:  # no run of lines known from the previous import: every row checked, staged and merged
                stack.callback(setattr, feed_services, "previous_runs", feed_services.previous_runs)
                feed_services.previous_runs = lambda kind, mark: []
            result = feed_import(kind="pension", path=source, by="bench/feeds.py")
        total = time.monotonic() - clock
        cpu, db_cpu = time.process_time() - cpu, _common.backend_cpu(connection) - db_cpu
        written = backend_written_mb(connection) - written
        rate = result.read / result.seconds
        print(
            f"{label:>34}: {result.seconds:6.2f} s  {rate:>9,.0f} rows/s  [{result.method}]  {result.summary}"
            f"  (afterwards: {total - result.seconds:.1f} s)"
        )
        phases = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
        if result.known:
            phases += f"; {result.known:,} rows of runs known from the previous import (not checked or staged)"
        print(
            f"{'':>36}phases: {phases}; CPU: Python {cpu:.2f} s, PostgreSQL backend {db_cpu:.2f} s; "
            f"backend wrote {written:.0f} MB; load average {os.getloadavg()[0]:.1f}"
        )
        return result

    # The same rows in other bytes (blank lines at the end): a re-import that really merges (not the same-file
    # shortcut); each import gets its own count of blank lines, so that no two files are the same. The first half of
    # the year: the file for "the second half of the year into a loaded table".
    blank_files: list[Path] = []

    def other_bytes() -> Path:
        variant = workdir / f"pension-again-{len(blank_files) + 1}.csv"
        with path.open("rb") as src, variant.open("wb") as out:  # streamed: not counted in the imports' memory
            shutil.copyfileobj(src, out, 1 << 20)
            out.write(b"\n" * (len(blank_files) + 1))
        blank_files.append(variant)
        return variant

    # An increment between two re-imports of the year: another file of the kind that changes some persons' facts
    # (every 10,000th row of the year with another amount: 100 rows of 1,000,000). The year's rows imported after it
    # are known from the import before it, but for the runs holding a person it changed.
    increment = workdir / "pension-increment.csv"
    with path.open(encoding="utf-8") as src, increment.open("w", encoding="utf-8") as out:
        out.write(src.readline())
        out.writelines(f"{line.rsplit(',', 1)[0]},1234.56\n" for n, line in enumerate(src) if n % 10_000 == 0)
    crlf = workdir / "pension-crlf.csv"  # the same file with CRLF line ends (its raw COPY reads it too)
    quoted = workdir / "pension-quoted.csv"  # and every field quoted as well
    named = workdir / "pension-named.csv"  # a column the import ignores: the person's name (its raw COPY has it too)
    with path.open("rb") as src, crlf.open("wb") as out, quoted.open("wb") as out_quoted, named.open("wb") as out_named:
        for n, line in enumerate(src):
            out.write(line[:-1] + b"\r\n")
            out_quoted.write(b'"' + line[:-1].replace(b",", b'","') + b'"\r\n')
            out_named.write(line[:-1] + (b",name\n" if n == 0 else f",职工{n % 9973}\n".encode()))
    half = workdir / "pension-half.csv"
    with path.open(encoding="utf-8") as src, half.open("w", encoding="utf-8") as out:
        out.write(src.readline())
        out.writelines(line for line in src if line.split(",")[2] <= "202506")

    del world
    size_mb = path.stat().st_size / 1e6
    reset_peak_rss()
    # Each measured import right after a raw COPY of the same file (the machine's speed drifts from one minute to the
    # next, and PostgreSQL's and Python's not always together): the ratio of each pair, --repeat times, the median.
    samples: dict[str, list[tuple[float, float]]] = {}  # label → [(import seconds, raw COPY seconds)]
    results = {}

    def paired(label: str, source: Path, runs: bool = True, prepare=None):
        raw = raw_copy(source if source in (crlf, quoted, named) else path)  # (a re-import: the year's file)
        if prepare is not None:
            prepare()
        results[label] = result = run(label, source, runs)
        samples.setdefault(label, []).append((result.seconds, raw))
        return result

    for _ in range(args.repeat):
        paired("first import (empty table)", path, prepare=empty_table)
        paired("re-import (same file)", path)
        paired("re-import (same rows, other bytes)", other_bytes())
        paired("re-import (same rows, no run known)", other_bytes(), runs=False)
        changed = run("(an increment: every 10,000th row changed)", increment).updated
        if paired("re-import (same rows, after an increment)", other_bytes()).updated != changed:
            print("re-import (same rows, after an increment) DID NOT SET BACK every row the increment changed")
    for _ in range(args.repeat):  # Windows and Excel exports end lines in CRLF (RFC 4180): the same fast path
        paired("first import, CRLF line ends (empty table)", crlf, prepare=empty_table)
        paired("first import, CRLF, every field quoted (empty table)", quoted, prepare=empty_table)
        paired("first import, a name column the import ignores (empty table)", named, prepare=empty_table)
    empty_table()
    run("(first half of the year)", half)
    paired("second half into a loaded table", path)
    for label in ("re-import (same file)", "re-import (same rows, other bytes)", "re-import (same rows, no run known)"):
        if results[label].inserted or results[label].updated:
            print(f"{label} CHANGED ROWS: it must change nothing")
    raws = [raw for pairs in samples.values() for _, raw in pairs]
    print(f"raw COPY: {min(raws):.2f}–{max(raws):.2f} s over {len(raws)} runs")
    for label, pairs in samples.items():
        ratios = sorted(seconds / raw for seconds, raw in pairs)
        median = statistics.median(ratios)
        target = 3 if label.startswith("re-import") else 5 if label.startswith("first") else None
        verdict = "" if target is None else "  [OK]" if median <= target else f"  [ABOVE the target of {target}×]"
        each = ", ".join(f"{seconds:.2f} s / {raw:.2f} s" for seconds, raw in pairs)
        listed = ", ".join(f"{r:.1f}" for r in ratios)
        print(f"ratio {label} / raw COPY: median {median:.1f}× ({listed}; {each}){verdict}")
    measured = ("first import (empty table)", "second half into a loaded table", "re-import (same rows, other bytes)")
    for label in measured:
        rate = results[label].read / statistics.median(seconds for seconds, _ in samples[label])
        print(
            f"a province's {PROVINCE_FEED_ROWS:,} feed rows at the {label} rate measured on {written:,} rows: "
            f"{PROVINCE_FEED_ROWS / rate / 60:.1f} min (target ≤ 5 min; extrapolated linearly, other kinds assumed as "
            "fast as pension)"
        )
    print(f"peak memory of the imports: {peak_rss_mb():.0f} MB (resident, this process) for a {size_mb:.0f} MB file")
    print(f"after: {_common.calibration()}")
    for variant in [*blank_files, half, increment, crlf, quoted, named]:
        variant.unlink()

    if args.keep:
        print(f"file kept: {path}")
    else:
        path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
