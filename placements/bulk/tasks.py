"""批量导入's background work (django.tasks: immediate in development and tests, django-tasks-db in production,
as placements.grid.tasks). Arguments are ids, so the database backend can queue them; the clerk is told by a
system notice when a background run ends."""

from django.tasks import task


@task()
def bulk_check(batch_id: int) -> str:
    """Check the stored file of a bulk import (the progress bar follows BulkImport.rows_done)."""
    from placements.bulk.services import bulk_import_check

    return bulk_import_check(batch_id=batch_id).status


@task()
def bulk_confirm(batch_id: int, user_id: int | None) -> str:
    """Register a confirmed bulk import in one transaction, then notify the unit."""
    from placements.bulk.services import bulk_import_run

    return bulk_import_run(batch_id=batch_id, user_id=user_id, notify=True).status
