"""审计记录查询 (declarations.audit_reader, admin page ``admin:declarations_audit``): a reviewer reads the events of
the units of their region, filtered by unit, person (exact ID number), actor and action; a supervisor also sees the
decisions of the reviewers of their region; every read is recorded; ID numbers are masked except for superusers;
the page's query count does not grow with the events."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core import audit
from core.masking import mask_number
from core.models import AuditEvent
from declarations.audit_reader import READ_ACTION, AuditFilters, audit_events
from placements.registration.registry_access import record_access
from tests import factories
from tests.factories import declarations as df
from tests.factories import otp_login

pytestmark = pytest.mark.django_db
URL = reverse("admin:declarations_audit")


@pytest.fixture
def trail():
    """东城区 (110101): unit 甲 with a placement decided by the district's reviewer; 西城区 (110102): unit 乙 with a
    placement; a notice published by the 西城区 reviewer (no unit)."""
    east_reviewer = factories.reviewer_user("110101", username="dongcheng")
    west_reviewer = factories.reviewer_user("110102", username="xicheng")
    east = factories.employer_in("110101", name="东城甲")
    west = factories.employer_in("110102", name="西城乙")
    east_clerk = factories.employer_user(east, username="clerk-east")
    p_east = df.placement(east, name="王芳")
    p_west = df.placement(west, name="李娜")
    audit.record(actor=east_clerk, action="placement.submit", obj=p_east)
    audit.record(
        actor=east_reviewer,
        action="placement.review_approve",
        obj=p_east,
        reason=f"证件号 {p_east.id_number} 核实无误",
        changes={"months": {"before": None, "after": "1-12"}},
    )
    audit.record(actor="import_feed（ops）", action="placement.recompute", obj=p_west)
    audit.record(actor=None, action="employer.update", obj=east, changes={"phone": {"before": "1", "after": "2"}})
    audit.record(actor=west_reviewer, action="notice_published", obj=west_reviewer)  # an object of no unit
    return {"east": east, "west": west, "p_east": p_east, "p_west": p_west, "east_reviewer": east_reviewer}


def _actions(page):
    return sorted(row.action for row in page.rows)


def test_a_district_reviewer_reads_only_the_districts_units(trail):
    page = audit_events(by=trail["east_reviewer"], filters=AuditFilters())
    assert _actions(page) == ["employer.update", "placement.review_approve", "placement.submit"]
    other = factories.reviewer_user("110102")
    assert _actions(audit_events(by=other, filters=AuditFilters())) == ["notice_published", "placement.recompute"]


def test_a_supervisor_sees_the_reviewers_decisions_of_the_region(trail):
    supervisor = factories.reviewer_user("110000")
    actions = _actions(audit_events(by=supervisor, filters=AuditFilters()))
    assert "notice_published" in actions and "placement.review_approve" in actions and "placement.recompute" in actions
    elsewhere = factories.reviewer_user("120000")
    assert audit_events(by=elsewhere, filters=AuditFilters()).rows == []


def test_filters_by_unit_person_actor_and_action(trail):
    supervisor = factories.reviewer_user("110000")
    by_unit = audit_events(by=supervisor, filters=AuditFilters(uscc=trail["west"].uscc))
    assert _actions(by_unit) == ["placement.recompute"] and by_unit.unit == trail["west"]
    person = trail["p_east"].id_number
    assert _actions(audit_events(by=supervisor, filters=AuditFilters(id_number=person))) == [
        "placement.review_approve",
        "placement.submit",
    ]
    assert audit_events(by=supervisor, filters=AuditFilters(id_number=person[:-1])).rows == []  # exact match only
    by_actor = audit_events(by=supervisor, filters=AuditFilters(actor="dongcheng"))
    assert _actions(by_actor) == ["placement.review_approve"] and by_actor.rows[0].actor == "dongcheng"
    assert _actions(audit_events(by=supervisor, filters=AuditFilters(action="placement."))) == [
        "placement.recompute",
        "placement.review_approve",
        "placement.submit",
    ]
    assert audit_events(by=supervisor, filters=AuditFilters(uscc="91110000000000000X")).unknown_unit


def test_reading_is_audited_with_the_id_number_masked(trail):
    reviewer = trail["east_reviewer"]
    person = trail["p_east"].id_number
    audit_events(by=reviewer, filters=AuditFilters(id_number=person))
    read = AuditEvent.objects.filter(action=READ_ACTION, actor=reviewer).get()
    assert read.changes["id_number"] == mask_number(person) and person not in str(read.changes)
    # The reviewer's own reads are in the trail they read.
    assert READ_ACTION in _actions(audit_events(by=reviewer, filters=AuditFilters(action=READ_ACTION)))


def test_full_id_numbers_only_for_superusers(trail, client):
    person = trail["p_east"].id_number
    otp_login(client, trail["east_reviewer"])
    page = client.get(URL).content.decode()
    assert mask_number(person) in page and person not in page
    assert "修改前" in page and "1-12" in page  # before / after
    root = get_user_model().objects.create_superuser("root", "root@example.cn", "root-pass-2026")
    otp_login(client, root)
    assert person in client.get(URL).content.decode()


def test_the_page_is_accessible_and_refuses_non_reviewers(trail, client, employer_user):
    otp_login(client, trail["east_reviewer"])
    page = client.get(URL, {"id_number": "bad"}).content.decode()
    assert 'for="id_id_number"' in page and "18位身份证号（精确匹配）" in page
    assert 'data-testid="audit-events"' not in page  # the form's error, no table
    page = client.get(URL, {"uscc": trail["east"].uscc}).content.decode()
    assert "<caption>审计记录：东城甲" in page and 'scope="col"' in page
    client.force_login(employer_user)
    assert client.get(URL).status_code in (302, 403)


def test_query_count_does_not_grow_with_the_events(trail, client, django_assert_max_num_queries):
    otp_login(client, trail["east_reviewer"])
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200
    for _ in range(60):
        audit.record(actor=trail["east_reviewer"], action="placement.review_approve", obj=trail["p_east"])
    with django_assert_max_num_queries(14):
        page = client.get(URL).content.decode()
    assert "下一页" in page
    assert client.get(URL, {"page": 2}).status_code == 200


def test_the_units_other_objects_and_its_clerks_registry_lookups(trail):
    """A declaration, a clerk account and a registry lookup (object_id = the ID number) belong to their unit."""
    east, west = trail["east"], trail["west"]
    declaration = df.declaration(west, "declared")
    audit.record(actor=None, action="declaration.declare", obj=declaration)
    clerk = get_user_model().objects.get(username="clerk-east")
    audit.record(actor=None, action="account.password_reset", obj=clerk.employer_account)
    looked_up = df.person_id()
    record_access(user=clerk, employer=east, id_number=looked_up)
    east_reader, west_reader = trail["east_reviewer"], factories.reviewer_user("110102")
    east_actions = _actions(audit_events(by=east_reader, filters=AuditFilters()))
    assert "account.password_reset" in east_actions and "registry.lookup" in east_actions
    assert "declaration.declare" not in east_actions
    assert "declaration.declare" in _actions(audit_events(by=west_reader, filters=AuditFilters()))
    assert "registry.lookup" not in _actions(audit_events(by=west_reader, filters=AuditFilters()))
    person = audit_events(by=east_reader, filters=AuditFilters(id_number=looked_up))
    assert _actions(person) == ["registry.lookup"]
    assert person.rows[0].object_id == mask_number(looked_up)  # the lookup's object id is the number: masked
    assert _actions(audit_events(by=east_reader, filters=AuditFilters(uscc=east.uscc))).count("registry.lookup") == 1


def test_keyset_pages_cover_the_trail_once_newest_first(trail, django_assert_num_queries):
    """Pages follow the last row shown (``before``): no OFFSET, each page costs the same queries."""
    reviewer = trail["east_reviewer"]
    for i in range(110):
        audit.record(actor=None, action="employer.update", obj=trail["east"], changes={"n": i})
    expected = list(
        AuditEvent.objects.filter(employer=trail["east"], action__startswith="employer.")
        .order_by("-at", "-id")
        .values_list("changes", flat=True)
    )
    seen, before, page_number = [], "", 1
    while True:
        # the units' part, the reviewers' part, the read's event (+ its savepoint and release in the test's transaction)
        with django_assert_num_queries(5):
            page = audit_events(by=reviewer, filters=AuditFilters(action="employer."), page=page_number, before=before)
        assert page.page == page_number and len(page.rows) <= 50
        seen += [dict((field, after) for field, _, after in row.changes) for row in page.rows]
        if not page.has_next:
            break
        before, page_number = page.next_cursor, page_number + 1
    assert page_number == 3
    assert [changes.get("n") for changes in seen] == [str(c["n"]) if "n" in c else None for c in expected]


def test_a_bad_cursor_shows_the_first_page_and_a_bad_page_number_an_error(trail, client):
    first = audit_events(by=trail["east_reviewer"], filters=AuditFilters())
    again = audit_events(by=trail["east_reviewer"], filters=AuditFilters(), page=7, before="not-a-cursor")
    assert again.page == 1
    assert [r.at for r in again.rows if r.action != READ_ACTION] == [
        r.at for r in first.rows if r.action != READ_ACTION
    ]
    otp_login(client, trail["east_reviewer"])
    response = client.get(URL, {"page": "x", "before": "1-1"})
    assert response.status_code == 200 and "分页参数无效" in response.content.decode()


def test_the_region_is_the_units_current_one(trail):
    """The column names the unit; the unit's 残联主管部门 decides who reads it (a unit moved to 西城区 takes its
    history along). An event on an object of no unit with the unit given explicitly is the unit's too."""
    east, west_reviewer = trail["east"], factories.reviewer_user("110102")
    reviewer = trail["east_reviewer"]
    audit.record(actor=None, action="notice_sent", obj=reviewer, employer=east)
    assert "notice_sent" in _actions(audit_events(by=reviewer, filters=AuditFilters()))
    east.federation_region = factories.region("110102")
    east.save(update_fields=["federation_region"])
    moved = _actions(audit_events(by=west_reviewer, filters=AuditFilters()))
    assert {"employer.update", "placement.submit", "notice_sent"} <= set(moved)
    # The 东城区 reviewer keeps only their own decision (a reviewer's event), not the unit's other events.
    assert _actions(audit_events(by=reviewer, filters=AuditFilters(action="employer."))) == []


def test_the_reader_names_actions_objects_and_fields_in_chinese(trail):
    """Codes stay in the trail; the reader shows their Chinese names (the code beneath an action's name)."""
    from declarations.audit_labels import ACTION_LABELS, action_label, field_label, object_type_label

    page = audit_events(by=trail["east_reviewer"], filters=AuditFilters(uscc=trail["east"].uscc))
    rows = {row.action: row for row in page.rows}
    assert rows["employer.update"].action_label == "修改单位信息"
    assert rows["placement.submit"].action_label == "提交登记"
    assert rows["placement.submit"].object_type_label == "安置登记"
    assert rows["placement.review_approve"].action_label == "月份审核通过"
    assert rows["placement.review_approve"].changes[0][0] == "月份"
    assert rows["employer.update"].object_type_label == "用人单位"
    assert rows["employer.update"].changes == [("单位电话", "1", "2")]
    assert field_label("employers.employer", "not_a_field") == "not_a_field"  # neither a field nor known: as stored
    assert field_label("employers.employer", "name") == "单位名称"
    assert field_label("placements.placement", "months") == "月份"
    assert action_label("placement.something_new") == "安置登记与审核"  # an unlisted code: its family
    assert action_label("elsewhere.odd") == "elsewhere.odd"
    assert object_type_label("nowhere.nothing") == "nowhere.nothing"
    assert all(label and label.isascii() is False for label in ACTION_LABELS.values())


def test_a_changed_value_with_choices_reads_in_words():
    from declarations.audit_labels import value_label
    from placements.constants import MonthReview

    assert value_label("placements.placementmonth", "review_state", "confirmed") == str(MonthReview.CONFIRMED.label)
    assert value_label("placements.placementmonth", "review_state", "no-such-state") == "no-such-state"
    assert value_label("placements.placementmonth", "months", [202501]) == [202501]  # no such field: as stored
