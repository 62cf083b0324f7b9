"""Load the demo data (development only: refused unless DEBUG is on).

Creates, idempotently, the demo unit 北京市示范科技有限公司 (USCC 91110105700000001E, all three regions 110105
北京市朝阳区), its clerk login ``demo`` / ``demo-pass-2026`` and the reviewer login ``reviewer`` / ``review-pass-2026``
(region 110000 北京市, admin at /admin/). Then, for each local app in INSTALLED_APPS order, calls
``<app>/demo.py:load_demo(ctx)`` if that module exists, each in its own transaction. ``ctx`` holds ``employer``,
``employer_user``, ``reviewer``, ``year`` (the business year to demo), ``today``, ``stdout`` and ``log(line)``.
Running it twice changes nothing. Run ``load_reference_data`` first.
"""

import importlib
import importlib.util
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from employers import demo_accounts


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", nargs="*", default=None, help="只加载这些应用的演示数据（如 employers placements）"
        )

    def handle(self, *args, only: list[str] | None = None, **options):
        if not settings.DEBUG:
            raise CommandError("演示数据只能在开发环境加载：请设置 DEBUG=1 后再运行（生产环境不得加载演示账号）。")
        today = timezone.localdate()
        try:
            with transaction.atomic():
                ctx = demo_accounts.ensure_demo_accounts(today=today)
        except demo_accounts.MissingReferenceData as error:
            raise CommandError(str(error)) from error
        ctx["stdout"] = self.stdout
        ctx["log"] = lambda line: self.stdout.write(f"    {line}")
        self.stdout.write(f"演示单位：{ctx['employer'].name}（{ctx['employer'].uscc}），业务年度 {ctx['year']}")
        for line in ctx.pop("created_lines"):
            self.stdout.write(f"    {line}")
        loaded = []
        for app_config in self._local_apps():
            if only is not None and app_config.label not in only:
                continue
            module_name = f"{app_config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            load = getattr(module, "load_demo", None)
            if load is None:
                continue
            self.stdout.write(f"  {app_config.verbose_name}（{app_config.label}）：")
            with transaction.atomic():
                result = load(ctx)
            if isinstance(result, str):
                self.stdout.write(f"    {result}")
            elif result:
                for line in result:
                    self.stdout.write(f"    {line}")
            loaded.append(app_config.label)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已加载（{', '.join(loaded) or '无应用演示数据'}）。"
                "用人单位登录 demo / demo-pass-2026；残联审核 reviewer / review-pass-2026（/admin/）。"
            )
        )

    @staticmethod
    def _local_apps():
        base = Path(settings.BASE_DIR).resolve()
        for app_config in apps.get_app_configs():
            path = Path(app_config.path).resolve()
            if base in path.parents and ".venv" not in path.parts and "site-packages" not in path.parts:
                yield app_config
