"""Create the reviewers' group 「审核人员」 with the permissions its admin screens need (run after each deploy).

Idempotent: a second run changes nothing; permissions an administrator added to the group are kept. Needs the
migrations applied (the permissions are created by migrate). --dry-run says what would change without writing.
Reviewers still need a reviewer profile with their region and the group on their account (admin).
"""

from django.core.management.base import BaseCommand, CommandError

from dashboard.roles import MissingPermissions, roles_bootstrap, roles_plan


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只显示将要做的改动，不写入")

    def handle(self, *args, dry_run: bool = False, **options):
        try:
            plans = roles_plan() if dry_run else roles_bootstrap()
        except MissingPermissions as error:
            raise CommandError(
                f"数据库中没有这些权限（请先运行 manage.py migrate）：{', '.join(error.names)}"
            ) from error
        prefix = "（试运行，未写入）" if dry_run else ""
        for plan in plans:
            state = "新建" if plan.created else "已存在"
            added = f"，新增权限 {len(plan.added)} 项：{', '.join(plan.added)}" if plan.added else "，权限无变化"
            self.stdout.write(f"{prefix}用户组「{plan.group}」{state}{added}")
