"""Generate and store the 审核认定书 that have become available (3rd working day after 完成申报) — run daily by cron.

    python manage.py issue_certificates [--base-url https://wangbao.example.gov.cn]

Downloads generate a certificate on demand too; this only spares the first downloader the wait and makes the
stored file exist from the day it is available. Idempotent: a stored certificate is never generated again.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from declarations.document_services import certificates_issue_due


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=None,
            help="证书二维码中的网址前缀（默认 settings.PUBLIC_BASE_URL）",
        )

    def handle(self, *args, base_url: str | None, **options):
        base = base_url if base_url is not None else getattr(settings, "PUBLIC_BASE_URL", "")
        issued = certificates_issue_due(base_url=base)
        self.stdout.write(f"issue_certificates: {issued} 份审核认定书已生成并保存")
