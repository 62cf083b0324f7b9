"""/employer/related/: list, add, edit, delete, proofs through the upload pipeline; cross-unit 404s; query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEvent, StoredFile
from employers import services
from employers.models import RelatedUnit, RelatedUnitProof
from tests import factories
from tests.factories import files

pytestmark = pytest.mark.django_db

LIST = "/employer/related/"
NEW = "/employer/related/new/"
DISPATCH_USCC = "91110108MA01R8KX4E"
BRANCH_USCC = "91110108MA01T2PW6N"


def pdf_upload(name="劳务派遣协议.pdf"):
    return SimpleUploadedFile(name, files.pdf_bytes(javascript=True), content_type="application/pdf")


def unit_data(**changes) -> dict:
    data = {
        "relation": "dispatch_firm",
        "name": "北京众诚人力资源服务有限公司",
        "region_0": "110000",
        "region_1": "110100",
        "region_2": "110108",
        "uscc": DISPATCH_USCC,
        "tax_registration_no": "",
        "organization_code": "",
        "phone": "010-82001234",
        "address": "北京市海淀区中关村大街27号",
    }
    data.update(changes)
    return data


def make_unit(employer, user, uscc=DISPATCH_USCC, relation="dispatch_firm", name=None, with_proof=True):
    from core.models import Region

    return services.related_unit_create(
        employer=employer,
        data={
            "relation": relation,
            "name": name or f"关联单位{uscc[-4:]}",
            "region": Region.objects.get(code="110108"),
            "uscc": uscc,
            "tax_registration_no": "",
            "organization_code": "",
            "phone": "",
            "address": "",
        },
        proof=pdf_upload() if with_proof else None,
        by=user,
    )


def test_add_with_proof_stores_a_sanitised_file(employer_client, employer, employer_user, regions):
    response = employer_client.post(NEW, {**unit_data(), "proof": pdf_upload()})
    assert response.status_code == 302 and response["Location"] == LIST
    unit = RelatedUnit.objects.get(employer=employer)
    assert (unit.uscc, unit.region_id, unit.relation) == (DISPATCH_USCC, "110108", "dispatch_firm")
    proof = unit.proofs.get()
    assert proof.kind == RelatedUnitProof.Kind.DISPATCH_AGREEMENT
    assert proof.review_state == RelatedUnitProof.ReviewState.PENDING
    assert proof.file.employer == employer and proof.file.kind == services.PROOF_KIND
    assert files.pdf_has_active_content(proof.file.file.read()) == []
    assert AuditEvent.objects.filter(action="related_unit.create", object_id=str(unit.pk)).exists()
    html = employer_client.get(LIST).content.decode()
    assert "北京众诚人力资源服务有限公司" in html and "劳务派遣协议" in html and "待审核" in html


def test_add_requires_a_proof(employer_client, regions):
    response = employer_client.post(NEW, unit_data())
    assert response.context["form"].errors["proof"] == ["请上传劳务派遣协议或关联关系证明。"]
    assert not RelatedUnit.objects.exists()


def test_add_with_a_renamed_file_shows_the_error_and_saves_nothing(employer_client, regions):
    fake = SimpleUploadedFile("协议.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = employer_client.post(NEW, {**unit_data(), "proof": fake})
    assert response.status_code == 200
    assert "只能上传 JPG、PNG 图片或 PDF 文件" in response.context["form"].errors["proof"][0]
    assert "只能上传 JPG、PNG 图片或 PDF 文件" in response.content.decode()
    assert not RelatedUnit.objects.exists() and not StoredFile.objects.exists()


def test_add_needs_at_least_one_identifier(employer_client, regions):
    response = employer_client.post(NEW, {**unit_data(uscc=""), "proof": pdf_upload()})
    assert "至少填写" in response.context["form"].errors["uscc"][0]
    assert not RelatedUnit.objects.exists() and not StoredFile.objects.exists()


def test_add_with_only_an_organisation_code(employer_client, employer, regions):
    data = unit_data(uscc="", organization_code="MA01R8KX-4", relation="other", name="北京其他关联单位")
    response = employer_client.post(NEW, {**data, "proof": pdf_upload("关联证明.pdf")})
    assert response.status_code == 302
    unit = RelatedUnit.objects.get(employer=employer)
    assert (unit.organization_code, unit.identifier) == ("MA01R8KX4", "MA01R8KX4")
    assert unit.proofs.get().kind == RelatedUnitProof.Kind.RELATION_PROOF


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"uscc": "91110108MA01R8KX4F"}, "uscc", "校验位不正确"),
        ({"uscc": "91110108MA01R8KX"}, "uscc", "应为 18 位"),
        ({"organization_code": "123"}, "organization_code", "应为 9 位"),
        ({"name": ""}, "name", "必填"),
        ({"relation": ""}, "relation", "必填"),
        ({"region_2": ""}, "region", "请继续选择下一级"),
    ],
)
def test_add_bad_input(employer_client, regions, changes, field, message):
    response = employer_client.post(NEW, {**unit_data(**changes), "proof": pdf_upload()})
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert not RelatedUnit.objects.exists()


def test_add_duplicate_or_self_is_refused(employer_client, employer, employer_user, regions):
    make_unit(employer, employer_user)
    response = employer_client.post(NEW, {**unit_data(), "proof": pdf_upload()})
    assert "已有相同统一社会信用代码的关联单位" in response.context["form"].errors["uscc"][0]
    response = employer_client.post(NEW, {**unit_data(uscc=employer.uscc), "proof": pdf_upload()})
    assert "不能是本单位自己" in response.context["form"].errors["uscc"][0]
    assert RelatedUnit.objects.count() == 1
    assert StoredFile.objects.count() == 1  # only make_unit's proof: the refused adds stored nothing
    assert RelatedUnitProof.objects.count() == 1


def test_edit_in_place_and_add_another_proof(employer_client, employer, employer_user, regions):
    unit = make_unit(employer, employer_user)
    url = f"/employer/related/{unit.pk}/edit/"
    page = employer_client.get(url).content.decode()
    assert unit.name in page and "已上传的证明材料" in page and "撤回" in page
    response = employer_client.post(
        url, {**unit_data(name="北京众诚人力资源有限公司"), "proof": pdf_upload("补充.pdf")}
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "北京众诚人力资源有限公司" and unit.is_active
    assert unit.proofs.count() == 2
    event = AuditEvent.objects.get(action="related_unit.update", object_id=str(unit.pk))
    assert event.changes["name"]["after"] == "北京众诚人力资源有限公司"


def test_editing_identifiers_of_a_referenced_unit_creates_a_new_unit(employer_client, employer, employer_user, regions):
    unit = make_unit(employer, employer_user)
    services.related_units_mark_referenced(unit_ids=[unit.pk])
    page = employer_client.get(f"/employer/related/{unit.pk}/edit/").content.decode()
    assert "已被已确认的安置登记引用" in page
    new_uscc = factories.make_uscc(4242)
    response = employer_client.post(f"/employer/related/{unit.pk}/edit/", unit_data(uscc=new_uscc))
    replacement = RelatedUnit.objects.get(employer=employer, is_active=True)
    assert response.status_code == 302 and response["Location"] == f"/employer/related/{replacement.pk}/edit/"
    unit.refresh_from_db()
    assert (unit.uscc, unit.is_active) == (DISPATCH_USCC, False)  # the old identifiers stay untouched
    assert replacement.uscc == new_uscc and replacement.pk != unit.pk
    assert AuditEvent.objects.filter(action="related_unit.supersede", object_id=str(unit.pk)).exists()
    # a change that keeps the identifiers edits in place
    services.related_units_mark_referenced(unit_ids=[replacement.pk])
    employer_client.post(f"/employer/related/{replacement.pk}/edit/", unit_data(uscc=new_uscc, phone="010-1234567"))
    replacement.refresh_from_db()
    assert replacement.phone == "010-1234567" and replacement.is_active


def test_a_unit_is_referenced_from_the_first_mark_on(employer, employer_user, regions):
    """placements marks the units a finished registration names (tests/placements: the submit does it)."""
    unit = make_unit(employer, employer_user, with_proof=False)
    other = make_unit(
        employer, employer_user, with_proof=False, name="北京另一关联单位有限公司", uscc=factories.make_uscc(77)
    )
    assert services.related_unit_is_referenced(unit) is False
    assert services.related_units_mark_referenced(unit_ids=[unit.pk, None]) == 1
    first = RelatedUnit.objects.get(pk=unit.pk).referenced_at
    assert services.related_units_mark_referenced(unit_ids=[unit.pk]) == 0  # the first time stays
    unit.refresh_from_db()
    assert services.related_unit_is_referenced(unit) is True and unit.referenced_at == first
    assert services.related_unit_is_referenced(other) is False


def test_delete_confirmation_then_soft_delete(employer_client, employer, employer_user, regions):
    unit = make_unit(employer, employer_user)
    url = f"/employer/related/{unit.pk}/delete/"
    page = employer_client.get(url)
    assert page.status_code == 200 and "确定要删除关联单位" in page.content.decode()
    unit.refresh_from_db()
    assert unit.is_active  # GET changes nothing
    response = employer_client.post(url)
    assert response.status_code == 302 and response["Location"] == LIST
    unit.refresh_from_db()
    assert not unit.is_active and unit.proofs.count() == 1  # kept for history and audit
    html = employer_client.get(LIST).content.decode()
    assert "已删除" in html and f"/employer/related/{unit.pk}/edit/" not in html
    assert employer_client.get(f"/employer/related/{unit.pk}/edit/").status_code == 404
    assert AuditEvent.objects.filter(action="related_unit.delete", object_id=str(unit.pk)).exists()


def test_withdraw_a_pending_proof(employer_client, employer, employer_user, regions):
    unit = make_unit(employer, employer_user)
    proof = unit.proofs.get()
    url = f"/employer/related/{unit.pk}/proofs/{proof.pk}/withdraw/"
    assert employer_client.get(url).status_code == 405
    assert employer_client.post(url).status_code == 302
    proof.refresh_from_db()
    assert proof.withdrawn
    assert RelatedUnitProof.objects.filter(pk=proof.pk).exists()
    # a reviewed proof cannot be withdrawn
    other = services.related_unit_proof_add(unit=unit, file=pdf_upload(), by=employer_user)
    RelatedUnitProof.objects.filter(pk=other.pk).update(review_state="approved")
    response = employer_client.post(f"/employer/related/{unit.pk}/proofs/{other.pk}/withdraw/", follow=True)
    assert "已审核，不能撤回" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/employer/related/{pk}/edit/"),
        ("post", "/employer/related/{pk}/edit/"),
        ("get", "/employer/related/{pk}/delete/"),
        ("post", "/employer/related/{pk}/delete/"),
        ("post", "/employer/related/{pk}/proofs/{proof}/withdraw/"),
    ],
)
def test_another_units_related_unit_answers_404(employer_client, other_employer, regions, method, path):
    other_user = factories.employer_user(other_employer)
    unit = make_unit(other_employer, other_user)
    proof = unit.proofs.get()
    url = path.format(pk=unit.pk, proof=proof.pk)
    response = getattr(employer_client, method)(url, unit_data())
    assert response.status_code == 404
    unit.refresh_from_db()
    proof.refresh_from_db()
    assert unit.is_active and unit.name.startswith("关联单位") and not proof.withdrawn


def test_own_unit_with_another_units_proof_answers_404(
    employer_client, employer, employer_user, other_employer, regions
):
    own = make_unit(employer, employer_user)
    foreign = make_unit(other_employer, factories.employer_user(other_employer), uscc=BRANCH_USCC)
    proof = foreign.proofs.get()
    assert employer_client.post(f"/employer/related/{own.pk}/proofs/{proof.pk}/withdraw/").status_code == 404


def test_another_units_proof_file_answers_404(employer_client, other_employer, regions):
    foreign = make_unit(other_employer, factories.employer_user(other_employer))
    token = foreign.proofs.get().file.token
    assert employer_client.get(f"/files/{token}/").status_code == 404


def test_list_query_count_is_the_same_for_1_and_50_rows(
    employer_client, employer, employer_user, regions, django_assert_max_num_queries
):
    make_unit(employer, employer_user, uscc=factories.make_uscc(5000))

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert employer_client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    one = count_queries()
    stored = StoredFile.objects.first()
    for n in range(49):
        unit = RelatedUnit.objects.create(
            employer=employer, region_id="110108", uscc=factories.make_uscc(5001 + n), name=f"单位{n}", relation="other"
        )
        RelatedUnitProof.objects.create(related_unit=unit, kind="relation_proof", file=stored)
    with django_assert_max_num_queries(one):
        response = employer_client.get(LIST)
    assert response.content.decode().count("/edit/") == 50
    with django_assert_max_num_queries(one + 8):  # the page with the basic-info form shows the same list
        assert employer_client.get("/employer/").status_code == 200
