"""The relief demo data loads and is idempotent."""

import pytest
from django.contrib.auth.models import Group

from devdata import relief as demo
from relief.models import ReliefApplication
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(employer):
    reviewer = factories.reviewer_user(region_code="110000")
    ctx = {"employer": employer, "employer_user": factories.employer_user(employer), "reviewer": reviewer, "year": 2025}
    assert len(demo.load_demo(ctx)) == 2
    assert demo.load_demo(ctx) == ["缓减免申请已存在，未改动"]
    states = dict(ReliefApplication.objects.values_list("kind", "state"))
    assert states == {"reduction": "approved", "deferral": "draft"}
    group = Group.objects.get(name="审核人员")
    assert group.permissions.filter(codename="change_reliefapplication").exists()
