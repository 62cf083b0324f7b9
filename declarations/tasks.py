"""Background work of the declarations app (django.tasks: immediate in dev/tests, django-tasks-db in production)."""

from django.tasks import task


@task()
def issue_due_certificates(base_url: str = "") -> int:
    """Generate and store every 审核认定书 that has become available (3rd working day after 完成申报) and is not
    stored yet; run daily. Returns the number generated. Downloads generate on demand too, so this only saves the
    first downloader a wait."""
    from declarations.document_services import certificates_issue_due

    return certificates_issue_due(base_url=base_url)


@task()
def export_tax_batch(authority: str) -> int:
    """A new tax export batch for one 税务主管部门 (the same code path as ``manage.py export_tax``)."""
    from declarations.exports import tax_export

    return tax_export(authority=authority, by_label="task").rows
