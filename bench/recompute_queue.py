"""What the durable recompute queue (ADR 0017) costs a feed import, and its drain against the old task path.

    .venv/bin/python bench/recompute_queue.py [--rows 500000]

PostgreSQL (``BENCH_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/bench_recompute_queue``, created and
migrated if missing). Generates a pension file (devdata.generator), gives every person of it an open placement, then
prints: the first import and the re-import without and with the queue (``record_recompute``: the ``INSERT …
SELECT`` in the import's transaction), and the time to recompute every grid the import made stale — the old way
(``grids_recompute_for_persons`` per 5,000 persons, pipelined, as the ``recompute_persons`` tasks did) and the new
one (``pending_drain``: one transaction per 2,000 persons, rows deleted in it).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = _common.configure("bench_recompute_queue")
    _common.setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection, transaction

    from devdata.generator import World, write_feeds
    from employers.models import Employer
    from feeds.models import PensionContribution
    from feeds.parsing import check_id_number, check_uscc, parse_money, parse_month
    from feeds.services import RecomputeRequest, feed_import
    from placements.grid.pending import pending_drain, pending_record
    from placements.grid.recompute import grids_recompute_for_persons
    from placements.models import PendingRecompute, Placement, PlacementMonth

    print(f"database: {_common.server_version().split(' on ')[0]}")
    work = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    world = World(year=2025, employers=500, persons=args.rows // 11 + 1000, seed=args.seed)
    write_feeds(world, work, ["pension"], limits={"pension": args.rows})
    path = work / "pension.csv"

    def truncate(*models) -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in models))

    def run(record: bool):
        for cached in (check_id_number, check_uscc, parse_month, parse_money):
            cached.cache_clear()
        clock = time.monotonic()
        result = feed_import(
            kind="pension",
            path=path,
            by="bench/recompute_queue.py",
            record_recompute=(lambda requests: pending_record(requests=requests)) if record else None,
        )
        return time.monotonic() - clock, result

    truncate(PensionContribution, PendingRecompute)
    run(False)
    if not Placement.objects.exists():
        employer = Employer.objects.first()
        if employer is None:
            from tests.factories import employers

            employer = employers.employer()
        ids = PensionContribution.objects.values_list("id_number", flat=True).distinct()
        Placement.objects.bulk_create(
            (Placement(employer=employer, year=2025, id_number=i, name="测试") for i in ids), batch_size=5000
        )
    print(f"{Placement.objects.count():,} open placements, one per person of the file")

    for label in ("first import", "re-import"):
        for record in (False, True):
            if label == "first import":
                truncate(PensionContribution, PendingRecompute)
            seconds, result = run(record)
            recorded = result.timings.get("record_recompute", 0.0)
            print(
                f"{label:>12}, queue {'on ' if record else 'off'}: {seconds:6.2f} s (recording {recorded:5.2f} s, "
                f"{result.recompute_recorded or 0:,} rows)  {result.summary}"
            )

    ids = sorted(Placement.objects.values_list("id_number", flat=True).distinct())
    chunks = [ids[i : i + 5000] for i in range(0, len(ids), 5000)]  # as the import's requests
    truncate(PlacementMonth)
    clock = time.monotonic()
    done = sum(grids_recompute_for_persons(id_numbers=chunk, year=None) for chunk in chunks)
    print(f"recompute, old task path:  {done:,} placements in {time.monotonic() - clock:6.1f} s")
    truncate(PlacementMonth, PendingRecompute)
    with transaction.atomic():
        pending_record(requests=[RecomputeRequest(chunk, None) for chunk in chunks])
    clock = time.monotonic()
    drained = pending_drain()
    print(
        f"recompute, pending_drain: {drained.placements:,} placements in {time.monotonic() - clock:6.1f} s "
        f"({drained.settled:,} rows settled, {PendingRecompute.objects.count()} left)"
    )


if __name__ == "__main__":
    main()
