"""core.otp.OTPAdminSite.get_app_list: the admin navigation kept per user and what the admins' module checks look
at (flags, permissions, reviewer region) equals the list Django builds anew, for every kind of admin user, and a
change of any of those gives the new list at once."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from employers.models import ReviewerProfile
from employers.services import reviewer_group_ensure
from tests.factories import region, reviewer_user
from tests.factories.employers import UserFactory

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(pk=user.pk)  # a new request: no permission cache from earlier
    return request


def _shown(app_list) -> list[tuple]:
    return [(a["app_label"], [(m["object_name"], m["admin_url"], m["perms"]) for m in a["models"]]) for a in app_list]


def _both(user) -> tuple[list, list]:
    kept = admin.site.get_app_list(_request(user))
    kept_again = admin.site.get_app_list(_request(user))
    built = admin.AdminSite.get_app_list(admin.site, _request(user))
    assert kept_again is kept  # the second request was served from what the first kept
    return _shown(kept), _shown(built)


def test_every_kind_of_admin_user_sees_what_django_would_build():
    province = reviewer_user("110000")
    province.groups.add(reviewer_group_ensure())
    district = reviewer_user("110105")
    district.groups.add(reviewer_group_ensure())
    bare_reviewer = reviewer_user("310000")  # a profile, no group
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_notice"))
    superuser = UserFactory(is_staff=True, is_superuser=True)
    lists = {}
    for name, user in [
        ("province", province),
        ("district", district),
        ("bare", bare_reviewer),
        ("staff", staff),
        ("super", superuser),
    ]:
        kept, built = _both(user)
        assert kept == built, name
        lists[name] = kept
    assert lists["province"] != lists["bare"] and lists["super"] != lists["province"]
    assert len(lists["super"]) > len(lists["staff"])


def test_a_new_permission_or_region_shows_at_once():
    user = reviewer_user("110105")
    before, _ = _both(user)
    user.groups.add(reviewer_group_ensure())
    after_group, built = _both(user)
    assert after_group == built != before
    ReviewerProfile.objects.filter(user=user).update(region=region("110000"))  # now a province reviewer
    after_region, built = _both(user)
    assert after_region == built
    get_user_model().objects.filter(pk=user.pk).update(is_superuser=True)
    as_superuser, built = _both(user)
    assert as_superuser == built != after_region


def test_the_kept_sidebar_is_djangos_include_for_each_page():
    from django.template import engines

    from employers.services import reviewer_group_ensure as ensure

    user = reviewer_user("110000")
    user.groups.add(ensure())
    django_include = engines["django"].from_string(
        "{% include 'admin/app_list.html' with app_list=available_apps show_changelinks=False %}"
    )
    kept = engines["django"].from_string("{% load admin_nav %}{% nav_app_list %}")
    for path in ("/admin/placements/placement/", "/admin/notices/notice/", "/admin/"):
        request = _request(user)
        request.path = path
        apps = admin.site.get_app_list(request)
        context = {"available_apps": apps, "request": request}
        theirs = django_include.render(context)
        assert kept.render(context) == theirs and "<table>" in theirs
        assert kept.render(context) == theirs  # the second time from what was kept
    assert 'class="model-placement current-model"' in kept.render(
        {"available_apps": apps, "request": type("R", (), {"path": "/admin/placements/placement/"})()}
    )
