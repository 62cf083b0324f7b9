"""A year's recompute split across worker processes (issue 16; ``recompute_grids --processes N``): each forked
worker runs :func:`placements.grid.recompute.grid_recompute_many` over its own range of placement ids."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from django.db import connection, connections

from placements.grid.recompute import grid_recompute_many
from placements.models import Placement


def grid_recompute_parallel(*, placements_qs, processes: int, chunk: int = 2000) -> int:
    """:func:`grid_recompute_many` split across ``processes`` worker processes by placement-id range (each range
    holds as many placements as the others), each with its own database connections. Returns how many placements
    were recomputed.

    Ranges are disjoint, so the workers write disjoint month rows and lock disjoint placements; a placement's
    grid depends on the others' rows only through ``held``, which a recompute never changes. Falls back to one
    process for ``processes`` ≤ 1, inside a transaction (the workers could not see its rows), on a database
    other than PostgreSQL or where processes cannot be forked.
    """
    if (
        processes <= 1
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return grid_recompute_many(placements_qs=placements_qs, chunk=chunk)
    pks = list(placements_qs.filter(frozen=False).order_by("pk").values_list("pk", flat=True))
    n = max(1, min(processes, len(pks) // chunk))
    if n == 1:
        return grid_recompute_many(placements_qs=placements_qs, chunk=chunk)
    step = -(-len(pks) // n)
    ranges = [(pks[i], pks[min(i + step, len(pks)) - 1]) for i in range(0, len(pks), step)]
    connections.close_all()  # a forked worker must not share the parent's socket
    # ProcessPoolExecutor, not multiprocessing.Pool: a worker that dies (OOM-killed, SIGKILL) raises
    # BrokenProcessPool here instead of leaving the command waiting for its result forever.
    n_ranges = len(ranges)
    with ProcessPoolExecutor(max_workers=n_ranges, mp_context=multiprocessing.get_context("fork")) as pool:
        counts = pool.map(
            _recompute_range,
            [placements_qs.query] * n_ranges,
            [lo for lo, _ in ranges],
            [hi for _, hi in ranges],
            [chunk] * n_ranges,
        )
        return sum(counts)


def _recompute_range(query, lo: int, hi: int, chunk: int) -> int:
    """One worker of :func:`grid_recompute_parallel`: the placements of ``query`` with ids in [lo, hi]."""
    _drop_inherited_connections()
    qs = Placement.objects.all()
    qs.query = query
    try:
        return grid_recompute_many(placements_qs=qs.filter(pk__gte=lo, pk__lte=hi), chunk=chunk)
    finally:
        connections.close_all()


def _drop_inherited_connections() -> None:
    """In a forked worker: let go of any database connection the parent still had open, without a word to the
    server — its socket is the parent's too.

    The parent closes its connections before forking, but only those its own context sees: a connection opened in
    another context of the same thread (seen under the browser tests, whose driver runs in greenlets, each with its
    own context) stays open, and the worker found it as its own — two processes on one socket, ending in rows of
    another statement or "server closed the connection unexpectedly". Closing it here would send the server the
    end of the parent's session, so the socket is first pointed at /dev/null; Django then opens a fresh connection.
    """
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is None:
            continue
        try:
            fd = raw.fileno()
        except Exception:  # noqa: BLE001 — already closed on our side: nothing shared to protect
            fd = None
        if fd is not None:
            devnull = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(devnull, fd)  # the fd stays taken (no new socket gets its number) and leads nowhere
            finally:
                os.close(devnull)
        try:
            conn.close()
        except Exception:  # noqa: BLE001 — e.g. created in another thread of the parent: forget it all the same
            conn.connection = None
