"""Background work of the placements app (django.tasks: immediate in dev/tests, django-tasks-db in production)."""

from django.tasks import task


@task()
def recompute_persons(id_numbers: list[str] | None, year: int | None) -> int:
    """Recompute the month grids of the placements of ``id_numbers`` (None: every person) in ``year``.

    ``year`` None means every year that still has an open (undeclared) grid. Called after a feed import with the
    ID numbers the import touched. Returns the number of placements recomputed. Arguments are JSON-serialisable
    so the database backend can queue the task.
    """
    from placements.grid.recompute import grids_recompute_for_persons

    return grids_recompute_for_persons(id_numbers=id_numbers, year=year)


class RecomputesPending(Exception):
    """Raised by :func:`recompute_pending` when grids are still owed after it ran (the task shows FAILED); they stay
    recorded and the next drain redoes them (ADR 0017)."""


@task()
def recompute_pending() -> dict:
    """Drain the durable queue of grid recomputes (``PendingRecompute``, ADR 0017): enqueued by ``import_feed``
    after each import; ``manage.py recompute_grids --pending`` (cron) does the same. Fails (so the task result says
    so) when a recompute failed or the connection was lost; what failed stays queued."""
    from placements.grid.pending import pending_drain

    result = pending_drain()
    if not result.ok:
        raise RecomputesPending(
            f"{result.settled} settled, {result.failed} failed, interrupted: {result.interrupted}; "
            + "; ".join(result.errors[:3])
        )
    return {"settled": result.settled, "placements": result.placements}
