"""core.permissions.load_permissions fills Django's per-request permission sets with what ModelBackend reads, by
prepared statements; Django then asks the database nothing more."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.permissions import load_permissions

pytestmark = pytest.mark.django_db
CACHES = ("_user_perm_cache", "_group_perm_cache", "_perm_cache")


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def staff():
    user = get_user_model().objects.create_user("perm-staff", password="x-Long-enough-2026", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_region"))
    first, second = Group.objects.create(name="审核甲"), Group.objects.create(name="审核乙")
    first.permissions.add(*Permission.objects.filter(codename__in=["view_placement", "change_placement"]))
    second.permissions.add(*Permission.objects.filter(codename__in=["change_placement", "view_employer"]))
    user.groups.add(first, second)
    return user


def test_the_sets_are_djangos(staff, django_assert_num_queries):
    expected = fresh(staff)
    django_user, django_group = expected.get_user_permissions(), expected.get_group_permissions()
    assert django_user == {"core.view_region"}
    assert django_group == {"placements.view_placement", "placements.change_placement", "employers.view_employer"}
    user = fresh(staff)
    load_permissions(user)
    assert (user._user_perm_cache, user._group_perm_cache) == (django_user, django_group)
    with django_assert_num_queries(0):
        assert user.has_perm("placements.change_placement") and not user.has_perm("placements.delete_placement")
        assert user.get_all_permissions() == django_user | django_group


def test_a_user_without_permissions_and_a_change_of_groups(staff):
    user = get_user_model().objects.create_user("perm-none", password="x-Long-enough-2026", is_staff=True)
    load_permissions(user)
    assert user._user_perm_cache == set() and user._group_perm_cache == set()
    staff.groups.clear()
    again = fresh(staff)
    load_permissions(again)
    assert again._group_perm_cache == set() == fresh(staff).get_group_permissions()


def test_loaded_once_per_request_object(staff):
    user = fresh(staff)
    load_permissions(user)
    with CaptureQueriesContext(connection) as queries:
        load_permissions(user)
    assert len(queries) == 0


def test_superusers_inactive_and_anonymous_users_are_left_to_django(staff):
    from django.contrib.auth.models import AnonymousUser

    boss = get_user_model().objects.create_superuser("perm-boss", password="x-Long-enough-2026")
    load_permissions(boss)
    staff.is_active = False
    staff.save()
    inactive = fresh(staff)
    load_permissions(inactive)
    anonymous = AnonymousUser()
    load_permissions(anonymous)
    for user in (boss, inactive, anonymous):
        assert not any(hasattr(user, name) for name in CACHES)


def test_nothing_is_loaded_when_no_backend_reads_them_djangos_way(staff, settings):
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"]
    user = fresh(staff)
    load_permissions(user)
    assert not any(hasattr(user, name) for name in CACHES)


def test_an_admin_page_asks_no_permission_query(staff, client):
    from tests.factories.employers import otp_login

    otp_login(client, staff)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    asked = [q["sql"] for q in queries if "auth_permission" in q["sql"]]
    assert len(asked) == 1 and "UNION ALL" in asked[0]  # core.permissions' one statement, not Django's two


class _OwnGroupReads(__import__("django.contrib.auth.backends", fromlist=["ModelBackend"]).ModelBackend):
    """A backend that reads group permissions its own way (none of them may delete)."""

    def _get_group_permissions(self, user_obj):
        return super()._get_group_permissions(user_obj).exclude(codename__startswith="delete_")


def test_nothing_is_loaded_when_another_backend_reads_them_its_own_way(staff, settings):
    Group.objects.get(name="审核甲").permissions.add(Permission.objects.get(codename="delete_placement"))
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}._OwnGroupReads", "django.contrib.auth.backends.ModelBackend"]
    expected = fresh(staff).has_perm("placements.delete_placement")
    user = fresh(staff)
    load_permissions(user)
    assert not any(hasattr(user, name) for name in CACHES)
    assert user.has_perm("placements.delete_placement") == expected
