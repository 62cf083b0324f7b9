"""Reviewers' admin: a reviewer sees only units whose 残联主管部门 lies inside their region."""

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from employers import services
from employers.admin_scoping import RegionScopedAdminMixin
from employers.models import Employer, EmployerAccount, RelatedUnit, RelatedUnitProof
from tests import factories
from tests.employers.test_related_units import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.ADMIN_REQUIRE_OTP = False  # the TOTP step is tested with the review workplace; here: scoping only


@pytest.fixture
def units(regions):
    chaoyang = factories.employer(name="朝阳区示范单位", region_code="110105")
    haidian = factories.employer(name="海淀区示范单位", region_code="110108")
    shanghai = factories.employer(name="上海黄浦示范单位", region_code="310101")
    return {"chaoyang": chaoyang, "haidian": haidian, "shanghai": shanghai}


def reviewer(region_code):
    user = factories.reviewer_user(region_code)
    user.groups.add(services.reviewer_group_ensure())
    return user


def _names(client, url="/admin/employers/employer/"):
    response = client.get(url)
    assert response.status_code == 200
    return {u.name for u in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("110105", {"朝阳区示范单位"}),  # district reviewer
        ("110100", {"朝阳区示范单位", "海淀区示范单位"}),  # city level
        ("110000", {"朝阳区示范单位", "海淀区示范单位"}),  # province reviewer: all of Beijing, not Shanghai
        ("310000", {"上海黄浦示范单位"}),
    ],
)
def test_reviewer_sees_units_of_their_region(client, units, region, expected):
    client.force_login(reviewer(region))
    assert _names(client) == expected


def test_superuser_sees_all(admin_client, units):
    assert _names(admin_client) == {"朝阳区示范单位", "海淀区示范单位", "上海黄浦示范单位"}


def test_out_of_scope_change_page_does_not_show_the_object(client, units):
    client.force_login(reviewer("110105"))
    haidian = units["haidian"]
    response = client.get(f"/admin/employers/employer/{haidian.pk}/change/", follow=True)
    html = response.content.decode()
    assert "不存在" in html
    assert haidian.uscc not in html and "海淀区示范单位" not in html
    ok = client.get(f"/admin/employers/employer/{units['chaoyang'].pk}/change/")
    assert ok.status_code == 200 and units["chaoyang"].uscc in ok.content.decode()


def test_staff_without_region_sees_nothing(client, units):
    user = get_user_model().objects.create_user("operator", password="x-pass-2026-long", is_staff=True)
    user.groups.add(services.reviewer_group_ensure())
    client.force_login(user)
    assert client.get("/admin/employers/employer/").status_code == 403


def test_related_units_proofs_and_files_are_scoped(client, units):
    chaoyang, haidian = units["chaoyang"], units["haidian"]
    make_unit(chaoyang, factories.employer_user(chaoyang), name="朝阳的派遣公司")
    make_unit(haidian, factories.employer_user(haidian), name="海淀的派遣公司")
    client.force_login(reviewer("110105"))
    assert _names(client, "/admin/employers/relatedunit/") == {"朝阳的派遣公司"}
    proofs = client.get("/admin/employers/relatedunitproof/").context["cl"].result_list
    assert [p.related_unit.name for p in proofs] == ["朝阳的派遣公司"]
    files = client.get("/admin/core/storedfile/").context["cl"].result_list
    assert {f.employer_id for f in files} == {chaoyang.pk}
    foreign = RelatedUnit.objects.get(name="海淀的派遣公司")
    response = client.get(f"/admin/employers/relatedunit/{foreign.pk}/change/", follow=True)
    assert "不存在" in response.content.decode()


def test_reviewer_profiles_are_scoped_by_region(client, units):
    factories.reviewer_user("310000", username="shanghai-reviewer")
    factories.reviewer_user("110108", username="haidian-reviewer")
    user = reviewer("110000")
    user.user_permissions.add(*Permission.objects.filter(codename="view_reviewerprofile"))
    client.force_login(user)
    rows = client.get("/admin/employers/reviewerprofile/").context["cl"].result_list
    assert {p.user.username for p in rows} == {"haidian-reviewer", user.username}


def test_foreign_key_choices_are_limited_to_the_scope(units):
    class AccountAdmin(RegionScopedAdminMixin, django_admin.ModelAdmin):
        pass

    class ProofAdmin(RegionScopedAdminMixin, django_admin.ModelAdmin):
        scope_lookup = "related_unit__employer"

    request = RequestFactory().get("/")
    request.user = reviewer("110105")
    account_admin = AccountAdmin(EmployerAccount, django_admin.site)
    field = account_admin.formfield_for_foreignkey(EmployerAccount._meta.get_field("employer"), request)
    assert set(field.queryset) == {units["chaoyang"]}
    for emp in units.values():
        make_unit(emp, factories.employer_user(emp), name=f"{emp.name}的关联单位")
    proof_admin = ProofAdmin(RelatedUnitProof, django_admin.site)
    field = proof_admin.formfield_for_foreignkey(RelatedUnitProof._meta.get_field("related_unit"), request)
    assert {u.employer_id for u in field.queryset} == {units["chaoyang"].pk}


def test_superuser_edit_goes_through_the_service(admin_client, units):
    from core.models import AuditEvent

    unit = units["chaoyang"]
    url = f"/admin/employers/employer/{unit.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    for key in ("federation_region", "tax_region", "registration_region"):
        data[key] = getattr(unit, f"{key}_id")
    data.update(
        {
            "contact_name": "后台修改",
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
            "related_units-TOTAL_FORMS": "0",
            "related_units-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    unit.refresh_from_db()
    assert (unit.contact_name, unit.version) == ("后台修改", 1)
    event = AuditEvent.objects.get(action="employer.update", object_id=str(unit.pk))
    assert event.reason == "审核后台修改" and event.changes["contact_name"]["after"] == "后台修改"


def test_units_cannot_be_deleted_in_admin(admin_client, units):
    unit = units["chaoyang"]
    assert admin_client.get(f"/admin/employers/employer/{unit.pk}/delete/").status_code == 403
    assert Employer.objects.filter(pk=unit.pk).exists()


def test_changelist_query_count_is_the_same_for_1_and_50_units(client, regions, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.employer(region_code="110105")
    client.force_login(reviewer("110000"))
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/employers/employer/")
    for _ in range(49):
        factories.employer(region_code="110105")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/admin/employers/employer/")
    assert len(response.context["cl"].result_list) == 50
