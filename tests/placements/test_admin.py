"""The read-only placements admin: lists and change pages load, scoped to the reviewer's region."""

import pytest
from django.urls import reverse

from placements.services import grid_recompute
from tests import factories
from tests.placements import factories as pf
from tests.placements.conftest import otp_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [1, 30])
def test_changelist_bounded_queries(admin_otp_client, employer, django_assert_max_num_queries, n):
    for _ in range(n):
        pf.placement(employer)
    with django_assert_max_num_queries(12):
        response = admin_otp_client.get(reverse("admin:placements_placement_changelist"))
    assert response.status_code == 200


def test_change_page_shows_the_grid(admin_otp_client, employer):
    p = pf.complete_person(employer)
    grid_recompute(placement=p)
    response = admin_otp_client.get(reverse("admin:placements_placement_change", args=[p.pk]))
    assert response.status_code == 200
    assert "安置月份" in response.content.decode()


def test_a_reviewer_sees_only_their_region(client, employer, other_employer):
    mine, theirs = pf.placement(employer), pf.placement(other_employer)
    otp_login(client, factories.reviewer_user("110000"))
    response = client.get(reverse("admin:placements_placement_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    assert client.get(reverse("admin:placements_placement_change", args=[theirs.pk])).status_code == 302
