"""A reviewer extends one unit's filing window (domain.md §2): the rule, the service (scope, audit, notice), the
admin form with its errors beside the fields, and what the unit can then do — 完成申报 after the province closed."""

from datetime import date

import pytest
from django.urls import reverse

from core import filing
from core.models import AuditEvent, FilingExtension
from declarations import extensions, services
from declarations.models import Submission
from employers.selectors import year_actions
from notices.models import Notice
from tests import factories
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db
ADD = reverse("admin:core_filingextension_add")
LIST = reverse("placements:index") + "?year=2025"
PROVINCE_CLOSES = date(2026, 10, 31)  # the default window of business year 2025 (no FilingWindow row)


def test_extend_moves_only_the_closing_day_and_only_later():
    window = filing.default_window("11", 2025)
    assert filing.extend(window, None) is window
    assert filing.extend(window, PROVINCE_CLOSES) is window
    assert filing.extend(window, date(2026, 10, 1)) is window  # an extension never shortens the province's window
    longer = filing.extend(window, date(2026, 12, 15))
    assert (longer.opens_on, longer.closes_on, longer.province_closes_on) == (
        date(2026, 3, 1),
        date(2026, 12, 15),
        PROVINCE_CLOSES,
    )
    assert longer.extended and not window.extended
    assert longer.contains(date(2026, 11, 28)) and not window.contains(date(2026, 11, 28))


def test_the_service_extends_audits_and_tells_the_unit(employer, reviewer):
    extension = extensions.filing_extend(
        employer=employer,
        year=2025,
        closes_on=date(2026, 12, 15),
        reason="单位搬迁，材料延误",
        by=reviewer,
        today=date(2026, 11, 5),
    )
    assert (extension.closes_on, extension.granted_by) == (date(2026, 12, 15), reviewer)
    event = AuditEvent.objects.get(action="declaration.filing_extended")
    assert event.actor == reviewer and event.reason == "单位搬迁，材料延误"
    assert event.changes["closes_on"] == {"before": None, "after": "2026-12-15"}
    notice = Notice.objects.get(employer=employer)
    assert notice.title == "2025年度申报期已延长" and "2026年12月15日" in notice.body and "单位搬迁" in notice.body

    extensions.filing_extend(
        employer=employer, year=2025, closes_on=date(2026, 11, 20), reason="改期", by=reviewer, today=date(2026, 11, 5)
    )
    assert FilingExtension.objects.get().closes_on == date(2026, 11, 20)  # changed, not a second row
    assert AuditEvent.objects.filter(action="declaration.filing_extended").first().changes["closes_on"] == {
        "before": "2026-12-15",
        "after": "2026-11-20",
    }


@pytest.mark.parametrize(
    ("closes_on", "message"),
    [
        (PROVINCE_CLOSES, "截止；延长至的日期必须晚于该日"),
        (date(2026, 11, 1), "不能早于今天"),
        (date(2027, 11, 2), "延期最长 366 天"),
    ],
)
def test_bad_dates_are_refused_with_the_reason(employer, reviewer, closes_on, message):
    with pytest.raises(services.DeclarationError) as error:
        extensions.filing_extend(
            employer=employer, year=2025, closes_on=closes_on, reason="理由", by=reviewer, today=date(2026, 11, 5)
        )
    assert message in error.value.message and error.value.field == "closes_on"
    assert not FilingExtension.objects.exists()


def test_a_reviewer_of_another_region_cannot_extend(employer):
    factories.region("310000", "上海市")
    shanghai_reviewer = factories.reviewer_user("310000", username="sh-reviewer")
    with pytest.raises(services.DeclarationError, match="不在您的审核辖区内"):
        extensions.filing_extend(
            employer=employer,
            year=2025,
            closes_on=date(2026, 12, 1),
            reason="理由",
            by=shanghai_reviewer,
            today=date(2026, 11, 5),
        )
    with pytest.raises(services.DeclarationError, match="请填写延期原因"):
        extensions.filing_extend(
            employer=employer, year=2025, closes_on=date(2026, 12, 1), reason="  ", by=None, today=date(2026, 11, 5)
        )


def test_the_unit_declares_after_the_province_closed(employer, employer_user, employer_client, reviewer, traveller):
    df.placement(employer)
    traveller.move_to(df.at(2026, 11, 28, 9, 0))
    assert not year_actions(employer, 2025).can_declare
    with pytest.raises(services.FilingClosed):
        services.declaration_declare(employer=employer, year=2025, by=employer_user)
    extensions.filing_extend(employer=employer, year=2025, closes_on=date(2026, 12, 15), reason="延误", by=reviewer)

    actions = year_actions(employer, 2025)
    assert actions.can_declare and actions.window.extended
    html = employer_client.get(LIST).content.decode()
    assert "本单位申报期已延长至 2026年12月15日" in html and "不在申报期内" not in html
    home = employer_client.get(reverse("dashboard:index") + "?year=2025").content.decode()
    assert "2026-12-15</time>（本单位已延期）" in home
    assert services.declaration_declare(employer=employer, year=2025, by=employer_user).persons == 1

    traveller.move_to(df.at(2026, 12, 16, 9, 0))  # past the extension too
    assert not year_actions(employer, 2025).window_open


def test_another_units_extension_changes_nothing_for_this_one(employer, employer_user, reviewer, traveller):
    other = factories.employer(name="北京另一单位有限公司")
    extensions.filing_extend(employer=other, year=2025, closes_on=date(2026, 12, 15), reason="延误", by=reviewer)
    df.placement(employer)
    traveller.move_to(df.at(2026, 11, 28, 9, 0))
    with pytest.raises(services.FilingClosed):
        services.declaration_declare(employer=employer, year=2025, by=employer_user)
    assert not Submission.objects.exists()


def test_the_admin_form_shows_errors_beside_the_fields_and_saves_through_the_service(
    reviewer_client, employer, traveller
):
    traveller.move_to(df.at(2026, 11, 5, 9, 0))
    page = reviewer_client.post(
        ADD, {"employer": employer.pk, "year": 2025, "closes_on": "2026-10-20", "reason": "延误"}
    )
    assert page.status_code == 200
    assert "延长至的日期必须晚于该日" in page.content.decode() and not FilingExtension.objects.exists()
    response = reviewer_client.post(
        ADD, {"employer": employer.pk, "year": 2025, "closes_on": "2026-12-10", "reason": "单位搬迁"}
    )
    assert response.status_code == 302
    extension = FilingExtension.objects.get()
    assert extension.closes_on == date(2026, 12, 10) and extension.granted_by is not None
    assert Notice.objects.filter(employer=employer, title="2025年度申报期已延长").exists()
    again = reviewer_client.post(
        ADD, {"employer": employer.pk, "year": 2025, "closes_on": "2026-12-20", "reason": "再延"}
    )
    assert "该单位该业务年度已有延期记录" in again.content.decode()
    change = reverse("admin:core_filingextension_change", args=[extension.pk])
    assert reviewer_client.post(change, {"closes_on": "2026-12-20", "reason": "再延"}).status_code == 302
    assert FilingExtension.objects.get().closes_on == date(2026, 12, 20)
    delete = reverse("admin:core_filingextension_delete", args=[extension.pk])
    assert reviewer_client.post(delete, {"post": "yes"}).status_code == 403
    assert FilingExtension.objects.exists()


def test_the_admin_offers_and_shows_only_units_in_the_reviewers_region(reviewer_client, reviewer, employer, traveller):
    factories.region("310000", "上海市")
    shanghai = factories.employer(name="上海外区单位有限公司", region_code="310101")
    extensions.filing_extend(employer=shanghai, year=2025, closes_on=date(2026, 12, 1), reason="沪", by=None)
    assert (
        "上海外区单位有限公司"
        not in reviewer_client.get(reverse("admin:core_filingextension_changelist")).content.decode()
    )
    response = reviewer_client.post(
        ADD, {"employer": shanghai.pk, "year": 2025, "closes_on": "2026-12-10", "reason": "越权"}
    )
    assert response.status_code == 200 and FilingExtension.objects.count() == 1


@pytest.mark.parametrize(
    ("year", "today", "message"),
    [
        (9999, date(2026, 11, 5), "业务年度须在 1990 至 2025 之间"),
        (2026, date(2026, 11, 5), "业务年度须在 1990 至 2025 之间"),
        (2025, date(2026, 2, 10), "2025年度的申报期 2026年03月01日 才开始"),
    ],
)
def test_a_year_that_cannot_be_extended_is_refused_beside_the_year(employer, reviewer, year, today, message):
    with pytest.raises(services.DeclarationError) as error:
        extensions.filing_extend(
            employer=employer, year=year, closes_on=date(2026, 12, 1), reason="理由", by=reviewer, today=today
        )
    assert message in error.value.message and error.value.field == "year"


def test_the_admin_says_so_for_a_year_out_of_range(reviewer_client, employer, traveller):
    traveller.move_to(df.at(2026, 11, 5, 9, 0))
    page = reviewer_client.post(ADD, {"employer": employer.pk, "year": 9999, "closes_on": "2026-12-10", "reason": "x"})
    assert page.status_code == 200 and "业务年度须在 1990 至 2025 之间" in page.content.decode()
    assert not FilingExtension.objects.exists()


def test_an_extension_into_the_next_calendar_year_keeps_the_year_for_new_persons(
    employer, employer_client, reviewer, traveller
):
    traveller.move_to(df.at(2026, 12, 20, 9, 0))
    extensions.filing_extend(employer=employer, year=2025, closes_on=date(2027, 2, 15), reason="延误", by=reviewer)
    traveller.move_to(df.at(2027, 1, 10, 9, 0))
    employer_client.force_login(employer.accounts.get().user)  # a fresh session (they last 8 hours)
    assert "添加残疾人 · 2025年度" in employer_client.get(reverse("placements:new") + "?year=2025").content.decode()
    html = employer_client.get(reverse("placements:index")).content.decode()
    assert "本单位申报期已延长至 2027年2月15日" in html  # the list opens on the extended year


def test_a_refusal_after_the_form_passed_is_said_not_a_500(reviewer_client, employer, traveller, monkeypatch):
    traveller.move_to(df.at(2026, 11, 5, 9, 0))

    def refuse(**kwargs):
        raise services.DeclarationError("该单位不在您的审核辖区内。", code="scope")

    monkeypatch.setattr(extensions, "filing_extend", refuse)
    response = reviewer_client.post(
        ADD, {"employer": employer.pk, "year": 2025, "closes_on": "2026-12-10", "reason": "延误"}, follow=True
    )
    assert response.status_code == 200 and "该单位不在您的审核辖区内" in response.content.decode()
    assert not FilingExtension.objects.exists()
