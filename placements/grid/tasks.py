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
