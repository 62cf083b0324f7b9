"""manage.py bootstrap_roles: the reviewers' group with its permissions, idempotent, never removing."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from dashboard.roles import ROLES
from employers.services import REVIEWER_GROUP

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("bootstrap_roles", *args, stdout=out)
    return out.getvalue()


def perms(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_creates_the_reviewer_group_once():
    Group.objects.filter(name=REVIEWER_GROUP).delete()
    assert "试运行" in run("--dry-run") and not Group.objects.filter(name=REVIEWER_GROUP).exists()

    first = run()
    group = Group.objects.get(name=REVIEWER_GROUP)
    assert "新建" in first
    assert perms(group) == set(ROLES[REVIEWER_GROUP])
    assert {"notices.change_notice", "relief.change_reliefapplication", "placements.change_placement"} <= perms(group)

    second = run()
    assert "已存在" in second and "权限无变化" in second
    assert Group.objects.filter(name=REVIEWER_GROUP).count() == 1
    assert perms(group) == set(ROLES[REVIEWER_GROUP])


def test_keeps_what_an_administrator_added_and_restores_what_is_missing():
    run()
    group = Group.objects.get(name=REVIEWER_GROUP)
    extra = Permission.objects.get(content_type__app_label="core", codename="change_calendarday")
    group.permissions.add(extra)
    group.permissions.remove(
        Permission.objects.get(content_type__app_label="relief", codename="view_reliefapplication")
    )

    assert "relief.view_reliefapplication" in run()
    assert perms(group) == set(ROLES[REVIEWER_GROUP]) | {"core.change_calendarday"}
