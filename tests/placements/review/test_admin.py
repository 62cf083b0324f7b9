"""The placements admin as a whole: list (全部安置登记) and change pages load, read-only, scoped to the region.
The review queue and page are tested in test_admin_review.py."""

import pytest
from django.urls import reverse

from placements.grid.recompute import grid_recompute
from tests.factories import placement_review as rf
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:placements_placement_changelist"


@pytest.mark.parametrize("n", [1, 30])
def test_changelist_bounded_queries(admin_otp_client, employer, django_assert_max_num_queries, n):
    for _ in range(n):
        pf.placement(employer)
    with django_assert_max_num_queries(12):
        response = admin_otp_client.get(reverse(CHANGELIST), {"queue": "all"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == n


def test_change_page_shows_the_grid(admin_otp_client, employer):
    p = pf.complete_person(employer)
    grid_recompute(placement=p)
    response = admin_otp_client.get(reverse("admin:placements_placement_change", args=[p.pk]))
    assert response.status_code == 200
    assert "安置月份" in response.content.decode()


def test_a_reviewer_sees_only_their_region(client, employer, other_employer):
    mine, theirs = pf.placement(employer), pf.placement(other_employer)
    rf.otp_login(client, rf.reviewer("110000"))
    response = client.get(reverse(CHANGELIST), {"queue": "all"})
    assert response.status_code == 200
    assert rf.queued(response) == [mine]
    assert client.get(reverse("admin:placements_placement_change", args=[theirs.pk])).status_code == 302


def test_nothing_is_added_changed_or_deleted_here(admin_otp_client, employer):
    p = pf.placement(employer)
    assert admin_otp_client.get(reverse("admin:placements_placement_add")).status_code == 403
    assert admin_otp_client.get(reverse("admin:placements_placement_delete", args=[p.pk])).status_code == 403
    response = admin_otp_client.post(reverse("admin:placements_placement_change", args=[p.pk]), {"name": "改名"})
    assert response.status_code == 403
    p.refresh_from_db()
    assert p.name != "改名"
