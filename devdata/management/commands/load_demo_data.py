"""Load the demo data (development only: refused unless DEBUG is on).

Creates, idempotently, the demo unit 北京市示范科技有限公司 (USCC 91110105700000001E, all three regions 110105
北京市朝阳区), its clerk login ``demo`` / ``demo-pass-2026`` and the reviewer login ``reviewer`` / ``review-pass-2026``
(region 110000 北京市, admin at /admin/). Then calls the ``load_demo(ctx)`` of ``devdata/<app>.py`` for employers,
feeds, placements, declarations, notices and relief, in that order (each builds on the previous ones), each in its
own transaction. ``ctx`` holds ``employer``, ``employer_user``, ``reviewer``, ``year`` (the business year to demo)
and ``today``. Running it twice changes nothing. Run ``load_reference_data`` first.
"""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from devdata import accounts, declarations, employers, feeds, notices, placements, relief

# (app label, loader): the order matters (placements use the feeds' workforce and the related units).
LOADERS = (
    ("employers", employers.load_demo),
    ("feeds", feeds.load_demo),
    ("placements", placements.load_demo),
    ("declarations", declarations.load_demo),
    ("notices", notices.load_demo),
    ("relief", relief.load_demo),
)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", nargs="*", default=None, help="只加载这些应用的演示数据（如 employers placements）"
        )

    def handle(self, *args, only: list[str] | None = None, **options):
        if not settings.DEBUG:
            raise CommandError("演示数据只能在开发环境加载：请设置 DEBUG=1 后再运行（生产环境不得加载演示账号）。")
        if only is not None:
            unknown = sorted(set(only) - {label for label, _ in LOADERS})
            if unknown:
                raise CommandError(f"没有这些应用的演示数据：{', '.join(unknown)}")
        today = timezone.localdate()
        try:
            with transaction.atomic():
                ctx = accounts.ensure_demo_accounts(today=today)
        except accounts.MissingReferenceData as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"演示单位：{ctx['employer'].name}（{ctx['employer'].uscc}），业务年度 {ctx['year']}")
        for line in ctx.pop("created_lines"):
            self.stdout.write(f"    {line}")
        loaded = []
        for label, load in LOADERS:
            if only is not None and label not in only:
                continue
            self.stdout.write(f"  {apps.get_app_config(label).verbose_name}（{label}）：")
            with transaction.atomic():
                result = load(ctx)
            for line in [result] if isinstance(result, str) else result:
                self.stdout.write(f"    {line}")
            loaded.append(label)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已加载（{', '.join(loaded)}）。"
                "用人单位登录 demo / demo-pass-2026；残联审核 reviewer / review-pass-2026（/admin/）。"
            )
        )
